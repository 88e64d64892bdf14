/* SPDX-License-Identifier: MIT */
#include "relay/RtpRelay.h"

#include "core/Log.h"

namespace wcam {

namespace {

/* As a viewer's queue: one frame burst, and old packets go first. */
constexpr guint64 kQueueTimeNs = 200 * GST_MSECOND;

} /* namespace */

RtpRelay::RtpRelay(StreamPipeline &pipeline, std::string host, int port)
	: pipeline_(pipeline), host_(std::move(host)), port_(port)
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
	GstElement *queue = gst_element_factory_make("queue", nullptr);
	sink_ = GstPtr<GstElement>::retain(gst_element_factory_make("udpsink", "sink"));
	if (!queue || !sink_) {
		if (queue)
			gst_object_unref(gst_object_ref_sink(queue));
		error = "cannot make GStreamer's queue or udpsink: is gstreamer1.0-plugins-good installed?";
		return false;
	}
	g_object_set(queue, "leaky", 2 /* downstream */, "max-size-buffers", 0u, "max-size-bytes", 0u,
		     "max-size-time", kQueueTimeNs, nullptr);
	/* Live input: send at once; the sink must not hold the pipeline's state changes. */
	g_object_set(sink_.get(), "host", host_.c_str(), "port", port_, "sync", FALSE, "async", FALSE, nullptr);
	gst_bin_add_many(GST_BIN(bin_.get()), queue, sink_.get(), nullptr);
	if (!gst_element_link(queue, sink_.get())) {
		error = "cannot link the relay's queue to udpsink";
		return false;
	}
	GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue, "sink"));
	gst_element_add_pad(bin_.get(), gst_ghost_pad_new("sink", sink.get()));
	if (!pipeline_.addBranch(bin_.get())) {
		error = "could not add the RTP relay to the pipeline";
		return false;
	}
	attached_ = true;
	/* Whoever watches the server now gets a picture without waiting for the next IDR. */
	pipeline_.requestKeyframe("RTP relay started", StreamPipeline::KeyframeReason::Join);
	logInfo("relay: RTP to " + host_ + ":" + std::to_string(port_) + " (H.264, payload type 96)",
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

} /* namespace wcam */
