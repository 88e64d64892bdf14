/* SPDX-License-Identifier: MIT */
#include "pipeline/FrameGrabber.h"

#include <atomic>

#include "core/Log.h"

GST_DEBUG_CATEGORY_STATIC(wcam_grabber_debug);
#define GST_CAT_DEFAULT wcam_grabber_debug

namespace wcam {

namespace {

/*
 * Software first: avdec_h264 (gstreamer1.0-libav) is on every Debian
 * machine we support; the Pi's v4l2h264dec and openh264 are fallbacks.
 */
constexpr const char *kDecoders[] = { "avdec_h264", "v4l2h264dec", "openh264dec" };

/* What the branch's streaming thread needs; freed with the signal. */
struct Handoff {
	Lifetime::Guard alive;
	FrameGrabber *self;
	unsigned serial;
	std::atomic<bool> sent{ false };
};

} /* namespace */

FrameGrabber::FrameGrabber(StreamPipeline &pipeline, int64_t timeoutUs)
	: pipeline_(pipeline), timeoutUs_(timeoutUs)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_grabber_debug, "wcam-grabber", 0, "webrtc-camera snapshot frames");
		g_once_init_leave(&once, 1);
	}
}

FrameGrabber::~FrameGrabber()
{
	timeout_.reset();
	if (branch_)
		pipeline_.removeBranch(branch_.get());
}

const char *FrameGrabber::decoder()
{
	for (const char *name : kDecoders) {
		GstPtr<GstElementFactory> factory = GstPtr<GstElementFactory>::adopt(gst_element_factory_find(name));
		if (factory)
			return name;
	}
	return nullptr;
}

void FrameGrabber::grab(Done done)
{
	waiting_.push_back(std::move(done));
	if (branch_)
		return;
	const char *decoderName = decoder();
	if (!decoderName) {
		fail("no H.264 decoder installed (avdec_h264 is in gstreamer1.0-libav)");
		return;
	}
	/*
	 * The queue decouples the tee's thread from the decoder; leaky, so a
	 * slow decoder (a Pi Zero) drops its own input, never the viewers'.
	 */
	std::string launch = std::string("queue leaky=downstream max-size-buffers=0 max-size-bytes=0"
					 " max-size-time=2000000000 ! rtph264depay ! h264parse name=parse ! ") +
			     decoderName +
			     /*
			      * RGB: jpegenc writes YUV as it gets it, and a JPEG is full
			      * range; the stream's limited-range YUV would look washed out.
			      */
			     " ! videoconvert ! video/x-raw,format=RGB"
			     " ! fakesink name=sink sync=false async=false signal-handoffs=true";
	g_autoptr(GError) error = nullptr;
	GstElement *bin = gst_parse_bin_from_description_full(launch.c_str(), TRUE, nullptr,
							      GST_PARSE_FLAG_FATAL_ERRORS, &error);
	if (!bin) {
		fail(std::string("cannot build the snapshot branch: ") + (error ? error->message : "?"));
		return;
	}
	GstPtr<GstElement> branch = GstPtr<GstElement>::retain(bin);
	unsigned serial = ++serial_;
	std::string name = kBranchPrefix + std::to_string(serial);
	gst_object_set_name(GST_OBJECT(bin), name.c_str());

	/*
	 * streaming thread: until the first key unit, delta frames would
	 * decode to grey smear (no reference picture): drop them.
	 */
	GstPtr<GstElement> parse = GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(bin), "parse"));
	GstPtr<GstPad> parseSink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(parse.get(), "sink"));
	gst_pad_add_probe(parseSink.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *info, gpointer) {
		if (GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DELTA_UNIT))
			return GST_PAD_PROBE_DROP;
		return GST_PAD_PROBE_REMOVE;
	}, nullptr, nullptr);

	/* streaming thread: the first decoded frame, with its caps, to the main loop. */
	GstPtr<GstElement> sink = GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(bin), "sink"));
	g_signal_connect_data(sink.get(), "handoff",
		G_CALLBACK(+[](GstElement *, GstBuffer *buffer, GstPad *pad, gpointer data) {
			auto *handoff = static_cast<Handoff *>(data);
			if (handoff->sent.exchange(true))
				return;
			CapsPtr caps = CapsPtr::adopt(gst_pad_get_current_caps(pad));
			auto frame = MiniObjectPtr<GstSample>::adopt(gst_sample_new(buffer, caps.get(), nullptr, nullptr));
			postToMain(handoff->alive, [self = handoff->self, serial = handoff->serial, frame]() {
				self->frameArrived(serial, frame);
			});
		}),
		new Handoff{ lifetime_.guard(), this, serial },
		[](gpointer data, GClosure *) { delete static_cast<Handoff *>(data); }, GConnectFlags(0));

	if (!pipeline_.addBranch(bin)) {
		fail("cannot add the snapshot branch to the pipeline");
		return;
	}
	branch_ = std::move(branch);
	grabs_++;
	GST_DEBUG("branch %s added (%s)", name.c_str(), decoderName);
	/* The picture waits for a key unit: like a joining viewer's. */
	pipeline_.requestKeyframe("snapshot", StreamPipeline::KeyframeReason::Join);
	timeout_.reset(g_timeout_add(guint(timeoutUs_ / 1000), [](gpointer data) -> gboolean {
		auto *self = static_cast<FrameGrabber *>(data);
		self->timeout_.release();
		std::string why = "no decoded picture within " + std::to_string(self->timeoutUs_ / 1000) + " ms";
		std::string problem = self->pipeline_.problem();
		self->finish({}, problem.empty() ? why : why + " (" + problem + ")");
		return G_SOURCE_REMOVE;
	}, this));
}

/* Later, like every answer: the caller is still setting up its wait. */
void FrameGrabber::fail(const std::string &error)
{
	postToMain(lifetime_, [this, error]() {
		if (!branch_)
			finish({}, error);
	});
}

void FrameGrabber::branchFailed(const std::string &branch, const std::string &message)
{
	if (branch_ && branch == GST_OBJECT_NAME(branch_.get()))
		finish({}, "decoding failed: " + message);
}

void FrameGrabber::frameArrived(unsigned serial, MiniObjectPtr<GstSample> frame)
{
	if (serial != serial_ || !branch_)
		return;
	finish(std::move(frame), {});
}

/* Answer everybody waiting, and take the branch out: nothing runs until the next grab. */
void FrameGrabber::finish(MiniObjectPtr<GstSample> frame, const std::string &error)
{
	timeout_.reset();
	if (branch_) {
		removing_++;
		pipeline_.removeBranch(branch_.get(), [alive = lifetime_.guard(), this]() {
			if (!alive.expired())
				removing_--;
		});
		branch_.reset();
	}
	if (!error.empty())
		logWarning("snapshot: " + error);
	std::vector<Done> waiting = std::move(waiting_);
	waiting_.clear();
	for (Done &done : waiting)
		done(frame, error);
}

} /* namespace wcam */
