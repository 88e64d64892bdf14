/* SPDX-License-Identifier: MIT */
#include "rtsp/RtspFeed.h"

#include <algorithm>
#include <string>

#include <gst/app/app.h>

#include "core/Log.h"
#include "pipeline/KeyframeGate.h"

GST_DEBUG_CATEGORY_STATIC(wcam_rtsp_feed_debug);
#define GST_CAT_DEFAULT wcam_rtsp_feed_debug

namespace wcam {

namespace {

/* As a viewer's: one frame burst fits, a stalled consumer drops its own packets. */
constexpr guint64 kQueueTimeNs = 200 * GST_MSECOND;

} /* namespace */

void RtspFeed::Sources::attach(GstElement *appsrc)
{
	std::lock_guard<std::mutex> locked(lock_);
	sources_.push_back(GstPtr<GstElement>::retain(appsrc));
	postToMain(owner_, [feed = feed_]() { feed->reconcile(); });
}

void RtspFeed::Sources::detach(GstElement *appsrc)
{
	std::lock_guard<std::mutex> locked(lock_);
	auto it = std::find_if(sources_.begin(), sources_.end(),
			       [appsrc](const GstPtr<GstElement> &s) { return s.get() == appsrc; });
	if (it == sources_.end())
		return;
	sources_.erase(it);
	postToMain(owner_, [feed = feed_]() { feed->reconcile(); });
}

size_t RtspFeed::Sources::count() const
{
	std::lock_guard<std::mutex> locked(lock_);
	return sources_.size();
}

namespace {

/*
 * The packet's time in the media's pipeline: both run on the system clock,
 * so the same instant is pts + our base time - theirs. Frames keep the
 * encoder's spacing (stamped on arrival they would jitter with the queue,
 * and ffmpeg sees frames with equal timestamps). NONE, so appsrc stamps
 * it on arrival, when the clocks differ or the media is not running yet.
 */
GstClockTime mediaTime(GstClockTime pts, GstElement *appsink, GstClock *clock, GstElement *appsrc)
{
	if (!GST_CLOCK_TIME_IS_VALID(pts) || !clock)
		return GST_CLOCK_TIME_NONE;
	GstPtr<GstClock> theirs = GstPtr<GstClock>::adopt(gst_element_get_clock(appsrc));
	if (theirs.get() != clock)
		return GST_CLOCK_TIME_NONE;
	GstClockTime instant = pts + gst_element_get_base_time(appsink);
	GstClockTime base = gst_element_get_base_time(appsrc);
	return base && instant >= base ? instant - base : GST_CLOCK_TIME_NONE;
}

} /* namespace */

/* streaming thread */
void RtspFeed::Sources::push(GstSample *sample, GstElement *appsink)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	GstCaps *caps = gst_sample_get_caps(sample);
	if (!buffer || !caps)
		return;
	GstPtr<GstClock> clock = GstPtr<GstClock>::adopt(gst_element_get_clock(appsink));
	std::lock_guard<std::mutex> locked(lock_);
	for (const GstPtr<GstElement> &source : sources_) {
		GstAppSrc *appsrc = GST_APP_SRC(source.get());
		CapsPtr current = CapsPtr::adopt(gst_app_src_get_caps(appsrc));
		if (!current || !gst_caps_is_equal(current.get(), caps))
			gst_app_src_set_caps(appsrc, caps);
		/* A shallow copy: the payload is shared. */
		GstBuffer *copy = gst_buffer_copy(buffer);
		GST_BUFFER_PTS(copy) = mediaTime(GST_BUFFER_PTS(buffer), appsink, clock.get(), source.get());
		GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
		GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
		/* Never blocks: the appsrc is leaky. FLUSHING while its media is not playing. */
		gst_app_src_push_buffer(appsrc, copy);
	}
}

RtspFeed::RtspFeed(StreamPipeline &pipeline)
	: pipeline_(pipeline), sources_(std::make_shared<Sources>())
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_rtsp_feed_debug, "wcam-rtsp-feed", 0,
					"webrtc-camera RTSP branch of the fan-out");
		g_once_init_leave(&once, 1);
	}
	sources_->owner_ = lifetime_.guard();
	sources_->feed_ = this;
}

RtspFeed::~RtspFeed()
{
	if (branch_)
		pipeline_.removeBranch(branch_.get());
}

void RtspFeed::reconcile()
{
	bool wanted = sources_->count() > 0;
	if (wanted && !branch_) {
		GstPtr<GstElement> branch = buildBranch();
		if (!branch || !pipeline_.addBranch(branch.get())) {
			logError("rtsp: cannot add the RTSP branch to the pipeline");
			return;
		}
		branch_ = std::move(branch);
		starts_++;
		GST_INFO("RTSP branch %s added", GST_OBJECT_NAME(branch_.get()));
		/* The first RTSP client sees nothing before a keyframe. */
		pipeline_.requestKeyframe("rtsp media started", StreamPipeline::KeyframeReason::Join);
	} else if (!wanted && branch_) {
		GST_INFO("RTSP branch %s removed", GST_OBJECT_NAME(branch_.get()));
		pipeline_.removeBranch(branch_.get());
		branch_.reset();
	}
}

/* main thread: queue ! appsink in a bin with a "sink" ghost pad. */
GstPtr<GstElement> RtspFeed::buildBranch()
{
	/* Unique: the previous branch may still be on its way out. */
	std::string name = "rtsp-feed-" + std::to_string(starts_);
	GstPtr<GstElement> bin = GstPtr<GstElement>::retain(gst_bin_new(name.c_str()));
	GstPtr<GstElement> queueRef = GstPtr<GstElement>::retain(gst_element_factory_make("queue", nullptr));
	GstPtr<GstElement> sinkRef = GstPtr<GstElement>::retain(gst_element_factory_make("appsink", nullptr));
	if (!queueRef || !sinkRef)
		return {};
	GstElement *queue = queueRef.get();
	GstElement *sink = sinkRef.get();
	g_object_set(queue, "leaky", 2 /* downstream */, "max-size-buffers", 0u, "max-size-bytes", 0u,
		     "max-size-time", kQueueTimeNs, nullptr);
	/* No clock, no preroll: it joins a live pipeline and only hands packets on. */
	g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
	gst_bin_add_many(GST_BIN(bin.get()), queue, sink, nullptr);
	gst_element_link(queue, sink);
	GstPtr<GstPad> queueSink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue, "sink"));
	gst_element_add_pad(bin.get(), gst_ghost_pad_new("sink", queueSink.get()));
	/*
	 * From the first packet of a keyframe on, as a viewer's branch: a
	 * media that began mid-picture (the second slice of an IDR) would
	 * hand its first client a corrupt picture.
	 */
	GstPtr<GstPad> queueSrc = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue, "src"));
	KeyframeGate(queueSrc.get()).open();

	GstAppSinkCallbacks callbacks = {};
	/* streaming thread */
	callbacks.new_sample = [](GstAppSink *appsink, gpointer data) -> GstFlowReturn {
		MiniObjectPtr<GstSample> sample = MiniObjectPtr<GstSample>::adopt(gst_app_sink_pull_sample(appsink));
		if (sample)
			(*static_cast<std::shared_ptr<Sources> *>(data))->push(sample.get(), GST_ELEMENT(appsink));
		return GST_FLOW_OK;
	};
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new std::shared_ptr<Sources>(sources_),
				   [](gpointer data) { delete static_cast<std::shared_ptr<Sources> *>(data); });
	return bin;
}

} /* namespace wcam */
