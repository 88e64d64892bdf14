/* SPDX-License-Identifier: MIT */
/*
 * The RTP relay: what a Janus streaming mountpoint gets on its UDP port
 * (our payload type, SPS/PPS with the keyframes), and that the branch
 * leaves the fan-out with the relay.
 */
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

#include <gio/gio.h>
#include <gst/rtp/rtp.h>

#include "pipeline/StreamPipeline.h"
#include "relay/RtpRelay.h"
#include "support/SmallPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;
using wcam::test::smallPipeline;

namespace {

/* A UDP socket on 127.0.0.1 standing in for the mountpoint's videoport. */
struct Mountpoint {
	GObjectPtr<GSocket> socket;
	int port = 0;
	uint64_t packets = 0;
	std::set<unsigned> payloadTypes;
	std::set<unsigned> nalTypes; /* of single NAL units and of STAP-A/FU-A contents */

	Mountpoint()
	{
		socket = GObjectPtr<GSocket>::adopt(
			g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr));
		REQUIRE(socket);
		g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
		g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
		REQUIRE(g_socket_bind(socket.get(), address, TRUE, nullptr));
		g_socket_set_blocking(socket.get(), FALSE);
		g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket.get(), nullptr);
		port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	}

	/* Read what arrived so far (non-blocking). */
	void drain()
	{
		guint8 data[2048];
		gssize size;
		while ((size = g_socket_receive(socket.get(), reinterpret_cast<gchar *>(data), sizeof(data), nullptr,
						 nullptr)) > 0) {
			packets++;
			GstBuffer *buffer = gst_buffer_new_memdup(data, size);
			GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
			if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
				payloadTypes.insert(gst_rtp_buffer_get_payload_type(&rtp));
				const guint8 *payload = static_cast<const guint8 *>(gst_rtp_buffer_get_payload(&rtp));
				guint length = gst_rtp_buffer_get_payload_len(&rtp);
				if (length > 1) {
					unsigned type = payload[0] & 0x1f;
					if (type == 28) /* FU-A: the fragment's own type */
						nalTypes.insert(payload[1] & 0x1f);
					else if (type == 24 && length > 3) /* STAP-A: the first unit's */
						nalTypes.insert(payload[3] & 0x1f);
					else
						nalTypes.insert(type);
				}
				gst_rtp_buffer_unmap(&rtp);
			}
			gst_buffer_unref(buffer);
		}
	}
};

bool hasBranch(StreamPipeline &pipeline, const char *name)
{
	GstElement *found = gst_bin_get_by_name(GST_BIN(pipeline.pipeline()), name);
	if (found)
		gst_object_unref(found);
	return found != nullptr;
}

} /* namespace */

TEST_CASE("the RTP relay sends the fan-out's H.264 to its host and port", "[relay]")
{
	StreamPipeline pipeline(smallPipeline(), false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return pipeline.flowing(); }, 10));

	Mountpoint mount;
	auto relay = std::make_unique<RtpRelay>(pipeline, "127.0.0.1", mount.port);
	INFO(error);
	REQUIRE(relay->start(error));
	CHECK(hasBranch(pipeline, RtpRelay::kBranchName));

	/* A keyframe with its parameter sets (config-interval=-1): what a new Janus viewer starts from. */
	REQUIRE(runUntil([&]() {
		mount.drain();
		return mount.nalTypes.count(7) && mount.nalTypes.count(8) && mount.nalTypes.count(5) &&
		       mount.packets > 30;
	}, 10));
	CHECK(mount.payloadTypes == std::set<unsigned>{ 96 });
	CHECK(relay->bytesSent() > 0);

	/* Gone with the relay: the branch leaves the fan-out, which keeps flowing. */
	relay.reset();
	REQUIRE(runUntil([&]() { return !hasBranch(pipeline, RtpRelay::kBranchName); }, 5));
	CHECK(pipeline.flowing());
}

TEST_CASE("an RTP relay to nobody costs the stream nothing", "[relay]")
{
	/* Nothing listens on the port: the sends fail (ICMP), the pipeline must not care. */
	StreamPipeline pipeline(smallPipeline(), false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return pipeline.flowing(); }, 10));
	uint16_t port;
	{
		Mountpoint closed;
		port = closed.port;
	}
	RtpRelay relay(pipeline, "127.0.0.1", port);
	REQUIRE(relay.start(error));
	uint64_t frames = pipeline.stats().frames;
	REQUIRE(runUntil([&]() { return relay.bytesSent() > 20000; }, 10));
	REQUIRE(runUntil([&]() { return pipeline.stats().frames > frames + 30; }, 10));
	CHECK(pipeline.flowing());
}

TEST_CASE("the RTP relay reports to the RTCP port and takes its keyframe requests", "[relay]")
{
	StreamPipeline pipeline(smallPipeline(), false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return pipeline.flowing(); }, 10));

	Mountpoint media;
	Mountpoint rtcp; /* Janus's videortcpport */
	RtpRelay relay(pipeline, "127.0.0.1", media.port, rtcp.port);
	INFO(error);
	REQUIRE(relay.start(error));

	/* Its receiver report tells the server where to send feedback. */
	GObjectPtr<GSocketAddress> from;
	guint8 report[1500];
	gssize size = -1;
	REQUIRE(runUntil([&]() {
		GSocketAddress *address = nullptr;
		size = g_socket_receive_from(rtcp.socket.get(), &address, reinterpret_cast<gchar *>(report),
					     sizeof(report), nullptr, nullptr);
		from = GObjectPtr<GSocketAddress>::adopt(address);
		return size > 0;
	}, 5));
	REQUIRE(size == 8);
	CHECK(report[0] == 0x80);
	CHECK(report[1] == 201); /* RR */

	/* A PLI back to where it came from (as Janus sends for a new viewer): a keyframe is forced. */
	uint64_t forced = pipeline.stats().keyframeRequests;
	const guint8 pli[12] = { 0x81, 206, 0, 2, 0, 0, 0, 1, report[4], report[5], report[6], report[7] };
	REQUIRE(g_socket_send_to(rtcp.socket.get(), from.get(), reinterpret_cast<const gchar *>(pli), sizeof(pli),
				 nullptr, nullptr) == sizeof(pli));
	REQUIRE(runUntil([&]() { return relay.keyframeRequests() == 1; }, 5));
	REQUIRE(runUntil([&]() { return pipeline.stats().keyframeRequests > forced; }, 5));

	/* Anything else on that port is no request. */
	const guint8 receiverReport[8] = { 0x80, 201, 0, 1, 1, 2, 3, 4 };
	g_socket_send_to(rtcp.socket.get(), from.get(), reinterpret_cast<const gchar *>(receiverReport),
			 sizeof(receiverReport), nullptr, nullptr);
	const guint8 garbage[5] = { 1, 2, 3, 4, 5 };
	g_socket_send_to(rtcp.socket.get(), from.get(), reinterpret_cast<const gchar *>(garbage), sizeof(garbage),
			 nullptr, nullptr);
	/* A second PLI after them shows they were read, and counted as nothing. */
	g_socket_send_to(rtcp.socket.get(), from.get(), reinterpret_cast<const gchar *>(pli), sizeof(pli), nullptr,
			 nullptr);
	REQUIRE(runUntil([&]() { return relay.keyframeRequests() >= 2; }, 5));
	CHECK(relay.keyframeRequests() == 2);
}
