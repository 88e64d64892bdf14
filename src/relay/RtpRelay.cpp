/* SPDX-License-Identifier: MIT */
#include "relay/RtpRelay.h"

#include <gst/rtp/rtp.h>

#include "core/Log.h"

namespace wcam {

namespace {

/* As a viewer's queue: one frame burst, and old packets go first. */
constexpr guint64 kQueueTimeNs = 200 * GST_MSECOND;
/* Janus forgets nothing, but a server restarted meanwhile learns our address again within this. */
constexpr guint kReportPeriodMs = 1000;

/* Whether a compound RTCP packet asks for a keyframe (PLI or FIR). */
bool asksKeyframe(const guint8 *data, gsize size)
{
	auto buffer = MiniObjectPtr<GstBuffer>::adopt(gst_buffer_new_memdup(data, size));
	bool asks = false;
	GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
	if (gst_rtcp_buffer_validate_data_reduced(const_cast<guint8 *>(data), guint(size)) &&
	    gst_rtcp_buffer_map(buffer.get(), GST_MAP_READ, &rtcp)) {
		GstRTCPPacket packet;
		for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more && !asks;
		     more = gst_rtcp_packet_move_to_next(&packet)) {
			if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_PSFB)
				continue;
			GstRTCPFBType type = gst_rtcp_packet_fb_get_type(&packet);
			asks = type == GST_RTCP_PSFB_TYPE_PLI || type == GST_RTCP_PSFB_TYPE_FIR;
		}
		gst_rtcp_buffer_unmap(&rtcp);
	}
	return asks;
}

} /* namespace */

RtpRelay::RtpRelay(StreamPipeline &pipeline, std::string host, int port, int rtcpPort)
	: pipeline_(pipeline), host_(std::move(host)), port_(port), rtcpPort_(rtcpPort), ssrc_(g_random_int())
{
}

RtpRelay::~RtpRelay()
{
	if (attached_)
		pipeline_.removeBranch(bin_.get());
}

bool RtpRelay::start(std::string &error)
{
	bin_ = GstPtr<GstElement>::retain(gst_bin_new(kBranchName));
	GstPtr<GstElement> queue = GstPtr<GstElement>::retain(gst_element_factory_make("queue", nullptr));
	sink_ = GstPtr<GstElement>::retain(gst_element_factory_make("udpsink", "sink"));
	if (!queue || !sink_) {
		error = "cannot make GStreamer's queue or udpsink: is gstreamer1.0-plugins-good installed?";
		return false;
	}
	g_object_set(queue.get(), "leaky", 2 /* downstream */, "max-size-buffers", 0u, "max-size-bytes", 0u,
		     "max-size-time", kQueueTimeNs, nullptr);
	/* Live input: send at once; the sink must not hold the pipeline's state changes. */
	g_object_set(sink_.get(), "host", host_.c_str(), "port", port_, "sync", FALSE, "async", FALSE, nullptr);
	gst_bin_add_many(GST_BIN(bin_.get()), queue.get(), sink_.get(), nullptr);
	if (!gst_element_link(queue.get(), sink_.get())) {
		error = "cannot link the relay's queue to udpsink";
		return false;
	}
	GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue.get(), "sink"));
	gst_element_add_pad(bin_.get(), gst_ghost_pad_new("sink", sink.get()));
	if (!pipeline_.addBranch(bin_.get())) {
		error = "could not add the RTP relay to the pipeline";
		return false;
	}
	attached_ = true;
	if (rtcpPort_ && !startRtcp(error))
		return false;
	/* Whoever watches the server now gets a picture without waiting for the next IDR. */
	pipeline_.requestKeyframe("RTP relay started", StreamPipeline::KeyframeReason::Join);
	logInfo("relay: RTP to " + host_ + ":" + std::to_string(port_) + " (H.264, payload type 96)" +
			(rtcpPort_ ? ", keyframe requests from RTCP port " + std::to_string(rtcpPort_) : ""),
		{ { "RELAY", "rtp" } });
	return true;
}

uint64_t RtpRelay::bytesSent() const
{
	guint64 bytes = 0;
	if (sink_)
		g_object_get(sink_.get(), "bytes-served", &bytes, nullptr);
	return bytes;
}

bool RtpRelay::startRtcp(std::string &error)
{
	/* Resolved once: the host is the same machine for the life of the process. */
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host_.c_str());
	if (!address) {
		g_autoptr(GError) e = nullptr;
		g_autoptr(GResolver) resolver = g_resolver_get_default();
		GList *found = g_resolver_lookup_by_name(resolver, host_.c_str(), nullptr, &e);
		if (!found) {
			error = "relay: cannot resolve " + host_ + ": " + (e ? e->message : "no address");
			return false;
		}
		address = G_INET_ADDRESS(g_object_ref(found->data));
		g_resolver_free_addresses(found);
	}
	rtcpPeer_ = GObjectPtr<GSocketAddress>::adopt(g_inet_socket_address_new(address, guint16(rtcpPort_)));
	GSocketFamily family = g_inet_address_get_family(address);
	g_autoptr(GError) e = nullptr;
	rtcpSocket_ = GObjectPtr<GSocket>::adopt(
		g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &e));
	g_autoptr(GInetAddress) any = g_inet_address_new_any(family);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new(any, 0);
	if (!rtcpSocket_ || !g_socket_bind(rtcpSocket_.get(), local, FALSE, &e)) {
		error = std::string("relay: cannot open an RTCP socket: ") + (e ? e->message : "");
		return false;
	}
	g_socket_set_blocking(rtcpSocket_.get(), FALSE);

	g_autoptr(GSource) watch = g_socket_create_source(rtcpSocket_.get(), G_IO_IN, nullptr);
	g_source_set_callback(watch, G_SOURCE_FUNC(+[](GSocket *, GIOCondition, gpointer data) -> gboolean {
		static_cast<RtpRelay *>(data)->readRtcp();
		return G_SOURCE_CONTINUE;
	}), this, nullptr);
	rtcpWatch_.reset(g_source_attach(watch, nullptr));

	sendReport();
	reportTimer_.reset(g_timeout_add(kReportPeriodMs, [](gpointer data) -> gboolean {
		static_cast<RtpRelay *>(data)->sendReport();
		return G_SOURCE_CONTINUE;
	}, this));
	return true;
}

/* An empty receiver report from our own SSRC: only so the server knows where to send feedback. */
void RtpRelay::sendReport()
{
	const guint8 report[8] = { 0x80, 201, 0, 1, guint8(ssrc_ >> 24), guint8(ssrc_ >> 16), guint8(ssrc_ >> 8),
				   guint8(ssrc_) };
	/* Refused while nothing listens there (ICMP): the next one tries again. */
	g_socket_send_to(rtcpSocket_.get(), rtcpPeer_.get(), reinterpret_cast<const gchar *>(report), sizeof(report),
			 nullptr, nullptr);
}

void RtpRelay::readRtcp()
{
	guint8 data[1500];
	gssize size;
	while ((size = g_socket_receive(rtcpSocket_.get(), reinterpret_cast<gchar *>(data), sizeof(data), nullptr,
					nullptr)) > 0) {
		if (!asksKeyframe(data, gsize(size)))
			continue;
		keyframeRequests_++;
		/* Most often a viewer that just joined the server: as ours, the join interval. */
		pipeline_.requestKeyframe("the relay's media server asked", StreamPipeline::KeyframeReason::Join);
	}
}

} /* namespace wcam */
