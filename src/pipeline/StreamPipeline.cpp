/* SPDX-License-Identifier: MIT */
#include "pipeline/StreamPipeline.h"

#include <gst/video/video.h>

#include "core/Log.h"
#include "pipeline/LatencyStamp.h"

GST_DEBUG_CATEGORY_STATIC(wcam_pipeline_debug);
#define GST_CAT_DEFAULT wcam_pipeline_debug

namespace wcam {

namespace {

constexpr int64_t kKeyframeIntervalUs = 500000;
constexpr int64_t kFlowTimeoutUs = 2000000;

GstPtr<GstElement> byName(GstElement *pipeline, const char *name)
{
	return GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline), name));
}

/* Name of the viewer bin ("viewer-...") an object lives in, if any. */
std::string branchOf(GstObject *object)
{
	for (GstObject *o = object; o; o = GST_OBJECT_PARENT(o)) {
		const char *name = GST_OBJECT_NAME(o);
		if (name && g_str_has_prefix(name, "viewer-"))
			return name;
	}
	return {};
}

} /* namespace */

StreamPipeline::StreamPipeline(PipelineDescription description, bool latencyStamp,
			       Callbacks callbacks)
	: description_(std::move(description)), latencyStamp_(latencyStamp),
	  callbacks_(std::move(callbacks)), keyframes_(kKeyframeIntervalUs)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_pipeline_debug, "wcam-pipeline", 0,
					"webrtc-camera shared pipeline");
		g_once_init_leave(&once, 1);
	}
}

StreamPipeline::~StreamPipeline()
{
	ticker_.reset();
	busWatch_.reset();
	if (pipeline_)
		gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
	/* At shutdown the main loop no longer runs: finish what it would have. */
	while (!removals_.empty())
		finishRemoval(removals_.begin()->first);
}

bool StreamPipeline::start(std::string &error)
{
	if (!description_.error.empty()) {
		error = description_.error;
		return false;
	}

	GError *parseError = nullptr;
	GstElement *pipeline = gst_parse_launch_full(description_.launch.c_str(), nullptr,
						     GST_PARSE_FLAG_FATAL_ERRORS, &parseError);
	if (!pipeline) {
		error = std::string("cannot build the pipeline: ") +
			(parseError ? parseError->message : "unknown error");
		g_clear_error(&parseError);
		return false;
	}
	/* gst_parse_launch returns a floating ref. */
	pipeline_ = GstPtr<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(pipeline)));
	gst_object_set_name(GST_OBJECT(pipeline_.get()), "webrtc-camera");

	tee_ = byName(pipeline_.get(), "fanout");
	pay_ = byName(pipeline_.get(), "pay");
	encoder_ = byName(pipeline_.get(), "encoder");
	sourceCaps_ = byName(pipeline_.get(), "source_caps");
	if (!tee_ || !pay_) {
		error = "the pipeline has no element named 'fanout' or 'pay'";
		return false;
	}

	installProbes();

	GstPtr<GstBus> bus = GstPtr<GstBus>::adopt(gst_element_get_bus(pipeline_.get()));
	busWatch_.reset(gst_bus_add_watch(bus.get(), &StreamPipeline::onBusMessage, this));
	ticker_.reset(g_timeout_add(100, [](gpointer data) -> gboolean {
		static_cast<StreamPipeline *>(data)->tick();
		return G_SOURCE_CONTINUE;
	}, this));
	lastTickUs_ = g_get_monotonic_time();

	if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		error = "the pipeline refused to start (see the errors above)";
		GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
						  "webrtc-camera-start-failed");
		return false;
	}
	return true;
}

void StreamPipeline::installProbes()
{
	/* streaming thread: count what the encoder produces (one buffer per frame). */
	GstPtr<GstPad> paySink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "sink"));
	gst_pad_add_probe(paySink.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		auto *self = static_cast<StreamPipeline *>(data);
		GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
		self->frameCount_++;
		self->byteCount_ += gst_buffer_get_size(buffer);
		if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
			self->keyframeCount_++;
		self->lastFrameUs_ = g_get_monotonic_time();
		return GST_PAD_PROBE_OK;
	}, this, nullptr);

	if (latencyStamp_ && sourceCaps_) {
		GstPtr<GstPad> pad = GstPtr<GstPad>::adopt(gst_element_get_static_pad(sourceCaps_.get(), "src"));
		attachLatencyStamper(pad.get());
	}
}

gboolean StreamPipeline::onBusMessage(GstBus *, GstMessage *message, gpointer data)
{
	static_cast<StreamPipeline *>(data)->handleBusMessage(message);
	return G_SOURCE_CONTINUE;
}

/* main thread (bus watch) */
void StreamPipeline::handleBusMessage(GstMessage *message)
{
	switch (GST_MESSAGE_TYPE(message)) {
	case GST_MESSAGE_ERROR:
	case GST_MESSAGE_WARNING: {
		g_autoptr(GError) err = nullptr;
		g_autofree char *debug = nullptr;
		bool isError = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
		if (isError)
			gst_message_parse_error(message, &err, &debug);
		else
			gst_message_parse_warning(message, &err, &debug);
		g_autofree char *path = gst_object_get_path_string(GST_MESSAGE_SRC(message));
		std::string text = std::string(path) + ": " + err->message;
		std::string branch = branchOf(GST_MESSAGE_SRC(message));
		LogFields fields{ { "GST_ELEMENT", path } };
		if (debug)
			fields.push_back({ "GST_DEBUG_INFO", debug });
		if (!isError) {
			logWarning(text, fields);
			break;
		}
		logError(text, fields);
		if (!branch.empty()) {
			if (callbacks_.branchError)
				callbacks_.branchError(branch, text);
			break;
		}
		/* Written only when GST_DEBUG_DUMP_DOT_DIR is set. */
		GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
						  "webrtc-camera-error");
		if (callbacks_.fatalError)
			callbacks_.fatalError(text);
		break;
	}
	case GST_MESSAGE_STATE_CHANGED:
		if (GST_MESSAGE_SRC(message) == GST_OBJECT(pipeline_.get())) {
			GstState oldState, newState;
			gst_message_parse_state_changed(message, &oldState, &newState, nullptr);
			GST_INFO("pipeline %s -> %s", gst_element_state_get_name(oldState),
				 gst_element_state_get_name(newState));
		}
		break;
	case GST_MESSAGE_LATENCY:
		gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
		break;
	default:
		break;
	}
}

bool StreamPipeline::addBranch(GstElement *branch)
{
	GstPtr<GstPad> teePad = GstPtr<GstPad>::adopt(
		gst_element_request_pad_simple(tee_.get(), "src_%u"));
	GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(branch, "sink"));
	if (!teePad || !sink)
		return false;

	/*
	 * streaming thread: webrtcbin turns a viewer's PLI/FIR into an upstream
	 * force-key-unit event. Swallow it here and let the rate limiter decide
	 * on the main thread, so many viewers cannot cause a keyframe storm.
	 */
	gst_pad_add_probe(teePad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		if (!gst_video_event_is_force_key_unit(event))
			return GST_PAD_PROBE_OK;
		auto *self = static_cast<StreamPipeline *>(data);
		postToMain(self->lifetime_, [self]() { self->requestKeyframe("viewer PLI/FIR"); });
		return GST_PAD_PROBE_DROP;
	}, this, nullptr);

	if (!gst_bin_add(GST_BIN(pipeline_.get()), branch)) {
		gst_element_release_request_pad(tee_.get(), teePad.get());
		return false;
	}
	/*
	 * Running before linked: a branch still in READY would answer the tee
	 * with FLUSHING, and the tee would pause the whole stream.
	 */
	gst_element_sync_state_with_parent(branch);
	if (gst_pad_link(teePad.get(), sink.get()) != GST_PAD_LINK_OK) {
		gst_element_set_state(branch, GST_STATE_NULL);
		gst_bin_remove(GST_BIN(pipeline_.get()), branch);
		gst_element_release_request_pad(tee_.get(), teePad.get());
		return false;
	}
	/* The new sinks need the pipeline latency before their first packet. */
	gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
	return true;
}

void StreamPipeline::removeBranch(GstElement *branch, std::function<void()> done)
{
	GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(branch, "sink"));
	GstPtr<GstPad> teePad = GstPtr<GstPad>::adopt(sink ? gst_pad_get_peer(sink.get()) : nullptr);

	unsigned id = nextRemoval_++;
	removals_[id] = Removal{ GstPtr<GstElement>::retain(branch), teePad, std::move(done) };
	/* Owns nothing: dropped harmlessly if this pipeline is gone first. */
	auto finish = [alive = lifetime_.weak(), this, id]() {
		if (!alive.expired())
			finishRemoval(id);
	};
	if (!teePad) {
		postToMain(finish);
		return;
	}

	/* streaming thread (or this one when the pad is idle already) */
	gst_pad_add_probe(teePad.get(), GST_PAD_PROBE_TYPE_IDLE, [](GstPad *pad, GstPadProbeInfo *, gpointer) {
		GstPtr<GstPad> peer = GstPtr<GstPad>::adopt(gst_pad_get_peer(pad));
		if (peer)
			gst_pad_unlink(pad, peer.get());
		return GST_PAD_PROBE_REMOVE;
	}, new std::function<void()>(std::move(finish)), [](gpointer data) {
		/* The probe is gone: the pad is unlinked (or the pipeline stopped). */
		auto *work = static_cast<std::function<void()> *>(data);
		postToMain(std::move(*work));
		delete work;
	});
}

/* main thread: the branch no longer gets data; stop and drop it. */
void StreamPipeline::finishRemoval(unsigned id)
{
	auto it = removals_.find(id);
	if (it == removals_.end())
		return;
	Removal removal = std::move(it->second);
	removals_.erase(it);

	/* Locked, so a pipeline state change cannot race our NULL. */
	gst_element_set_locked_state(removal.branch.get(), TRUE);
	gst_element_set_state(removal.branch.get(), GST_STATE_NULL);
	gst_bin_remove(GST_BIN(pipeline_.get()), removal.branch.get());
	if (removal.teePad)
		gst_element_release_request_pad(tee_.get(), removal.teePad.get());
	if (removal.done)
		removal.done();
}

void StreamPipeline::requestKeyframe(const char *why)
{
	if (keyframes_.request(g_get_monotonic_time())) {
		GST_DEBUG("key unit requested: %s", why);
		sendKeyUnit();
	}
}

void StreamPipeline::sendKeyUnit()
{
	/* Upstream from the payloader: reaches h264parse and the encoder. */
	GstPtr<GstPad> paySink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "sink"));
	GstEvent *event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
	gst_pad_push_event(paySink.get(), event);
}

/* main thread, every 100 ms */
void StreamPipeline::tick()
{
	int64_t now = g_get_monotonic_time();
	if (keyframes_.poll(now))
		sendKeyUnit();
	stats_.keyframeRequests = keyframes_.sent();
	stats_.keyframeRequestsSuppressed = keyframes_.suppressed();

	if (now - lastTickUs_ < 1000000)
		return;

	uint64_t frames = frameCount_.load();
	uint64_t bytes = byteCount_.load();
	double seconds = (now - lastTickUs_) / 1e6;
	stats_.fps = (frames - lastFrames_) / seconds;
	stats_.bitrate = (bytes - lastBytes_) * 8 / seconds;
	stats_.frames = frames;
	stats_.keyframes = keyframeCount_.load();
	lastFrames_ = frames;
	lastBytes_ = bytes;
	lastTickUs_ = now;

	if (sourceCaps_) {
		GstPtr<GstPad> pad = GstPtr<GstPad>::adopt(gst_element_get_static_pad(sourceCaps_.get(), "src"));
		CapsPtr caps = CapsPtr::adopt(gst_pad_get_current_caps(pad.get()));
		GstVideoInfo info;
		if (caps && gst_video_info_from_caps(&info, caps.get())) {
			stats_.width = GST_VIDEO_INFO_WIDTH(&info);
			stats_.height = GST_VIDEO_INFO_HEIGHT(&info);
		}
	}
}

CapsPtr StreamPipeline::rtpCaps() const
{
	if (!pay_)
		return {};
	GstPtr<GstPad> src = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "src"));
	return CapsPtr::adopt(gst_pad_get_current_caps(src.get()));
}

std::string StreamPipeline::stateName() const
{
	if (!pipeline_)
		return "NULL";
	GstState state;
	gst_element_get_state(pipeline_.get(), &state, nullptr, 0);
	return gst_element_state_get_name(state);
}

bool StreamPipeline::flowing() const
{
	int64_t last = lastFrameUs_.load();
	return last && g_get_monotonic_time() - last < kFlowTimeoutUs;
}

} /* namespace wcam */
