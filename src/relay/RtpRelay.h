/* SPDX-License-Identifier: MIT */
/*
 * [relay] rtp_host/rtp_port: the fan-out's RTP (H.264 from rtph264pay,
 * payload type 96, SPS/PPS before every IDR) as plain UDP to a media
 * server, e.g. a Janus streaming mountpoint, which serves the viewers.
 * A permanent branch off the tee: a leaky queue (a stalled network never
 * holds up the viewers) and udpsink. No second encode. Main thread.
 */
#pragma once

#include <cstdint>
#include <string>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "pipeline/StreamPipeline.h"

namespace wcam {

class RtpRelay
{
public:
	RtpRelay(StreamPipeline &pipeline, std::string host, int port);
	~RtpRelay();

	RtpRelay(const RtpRelay &) = delete;
	RtpRelay &operator=(const RtpRelay &) = delete;

	/* Join the fan-out; false with `error` set when it cannot. */
	bool start(std::string &error);

	/* RTP bytes handed to the socket so far. */
	uint64_t bytesSent() const;

	/* The branch's bin name: errors inside it name it (StreamPipeline::Callbacks::branchError). */
	static constexpr const char *kBranchName = "relay-rtp";

private:
	StreamPipeline &pipeline_;
	std::string host_;
	int port_;
	GstPtr<GstElement> bin_;
	GstPtr<GstElement> sink_;
	bool attached_ = false;
};

} /* namespace wcam */
