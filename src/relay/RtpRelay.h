/* SPDX-License-Identifier: MIT */
/*
 * [relay] rtp_host/rtp_port: the fan-out's RTP (H.264 from rtph264pay,
 * payload type 96, SPS/PPS before every IDR) as plain UDP to a media
 * server, e.g. a Janus streaming mountpoint, which serves the viewers.
 * A permanent branch off the tee: a leaky queue (a stalled network never
 * holds up the viewers) and udpsink. No second encode.
 *
 * With an RTCP port (Janus's videortcpport) it also sends a receiver
 * report there every second, so the server learns where we are, and
 * takes the keyframe requests (PLI, FIR) it sends back for its viewers
 * to the encoder, which rate-limits them as any viewer's.
 *
 * Main thread; the socket is read on the main loop.
 */
#pragma once

#include <cstdint>
#include <string>

#include <gio/gio.h>
#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "pipeline/StreamPipeline.h"

namespace wcam {

class RtpRelay
{
public:
	/* `rtcpPort` 0: no RTCP. */
	RtpRelay(StreamPipeline &pipeline, std::string host, int port, int rtcpPort = 0);
	~RtpRelay();

	RtpRelay(const RtpRelay &) = delete;
	RtpRelay &operator=(const RtpRelay &) = delete;

	/* Join the fan-out; false with `error` set when it cannot. */
	bool start(std::string &error);

	/* RTP bytes handed to the socket so far. */
	uint64_t bytesSent() const;
	/* Keyframe requests (PLI, FIR) the server sent to the RTCP port. */
	uint64_t keyframeRequests() const { return keyframeRequests_; }

	/* The branch's bin name: errors inside it name it (StreamPipeline::Callbacks::branchError). */
	static constexpr const char *kBranchName = "relay-rtp";

private:
	bool startRtcp(std::string &error);
	void sendReport();
	void readRtcp();

	StreamPipeline &pipeline_;
	std::string host_;
	int port_;
	int rtcpPort_;
	GObjectPtr<GSocket> rtcpSocket_;
	GObjectPtr<GSocketAddress> rtcpPeer_;
	SourceGuard reportTimer_;
	SourceGuard rtcpWatch_;
	uint32_t ssrc_;
	uint64_t keyframeRequests_ = 0;
	GstPtr<GstElement> bin_;
	GstPtr<GstElement> sink_;
	bool attached_ = false;
};

} /* namespace wcam */
