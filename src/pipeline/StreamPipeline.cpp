/* SPDX-License-Identifier: MIT */
#include "pipeline/StreamPipeline.h"

#include <algorithm>

#include <gst/video/video.h>

#include "core/Log.h"
#include "pipeline/LatencyStamp.h"

GST_DEBUG_CATEGORY_STATIC(wcam_pipeline_debug);
#define GST_CAT_DEFAULT wcam_pipeline_debug

namespace wcam {

namespace {

/* GstVideoEncoder:min-force-key-unit-interval for repairs, and after a join. */
constexpr guint64 kRepairKeyUnitNs = 500 * GST_MSECOND;
constexpr guint64 kJoinKeyUnitNs = 150 * GST_MSECOND;
constexpr guint kJoinWindowMs = 500;
constexpr int64_t kFlowTimeoutUs = 2000000;

/* A producer that delivered and then went quiet this long has stalled. */
constexpr int64_t kStallUs = 3 * G_USEC_PER_SEC;
/* A fresh producer, camera start-up included, delivers within this. */
constexpr int64_t kFirstFrameUs = 8 * G_USEC_PER_SEC;
/* Wait before the 1st, 2nd, 3rd... rebuild in a row; the last repeats. */
constexpr int64_t kBackoffUs[] = { 0, G_USEC_PER_SEC, 2 * G_USEC_PER_SEC, 5 * G_USEC_PER_SEC };

GstPtr<GstElement> byName(GstElement *pipeline, const char *name)
{
	return GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(pipeline), name));
}

bool isInside(GstObject *object, GstElement *container)
{
	for (GstObject *o = object; o; o = GST_OBJECT_PARENT(o)) {
		if (o == GST_OBJECT(container))
			return true;
	}
	return false;
}

/* Name of the branch bin ("viewer-...", FrameGrabber's "snapshot-...") an object lives in, if any. */
std::string branchOf(GstObject *object)
{
	for (GstObject *o = object; o; o = GST_OBJECT_PARENT(o)) {
		const char *name = GST_OBJECT_NAME(o);
		if (name && (g_str_has_prefix(name, "viewer-") || g_str_has_prefix(name, "snapshot-")))
			return name;
	}
	return {};
}

/*
 * A viewer branch's input: whatever its elements return (FLUSHING while it
 * is torn down, NOT_NEGOTIATED, ERROR), the tee must not see it, for the
 * tee hands any error back to the camera and stops the stream for all.
 */
struct BranchInput {
	Lifetime::Guard alive;
	StreamPipeline::Callbacks *callbacks;
	std::string branch;
	std::atomic<bool> reported{ false };
};

/* streaming thread */
GstFlowReturn isolate(GstPad *pad, GstFlowReturn ret)
{
	if (ret >= GST_FLOW_OK || ret == GST_FLOW_FLUSHING || ret == GST_FLOW_EOS)
		return ret == GST_FLOW_NOT_LINKED ? ret : GST_FLOW_OK;
	auto *input = static_cast<BranchInput *>(pad->chaindata);
	if (!input->reported.exchange(true)) {
		std::string message = std::string("the viewer's stream failed: ") + gst_flow_get_name(ret);
		postToMain(input->alive, [callbacks = input->callbacks, branch = input->branch, message]() {
			if (callbacks->branchError)
				callbacks->branchError(branch, message);
		});
	}
	return GST_FLOW_OK;
}

GstFlowReturn isolatedChain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
	return isolate(pad, gst_proxy_pad_chain_default(pad, parent, buffer));
}

GstFlowReturn isolatedChainList(GstPad *pad, GstObject *parent, GstBufferList *list)
{
	return isolate(pad, gst_proxy_pad_chain_list_default(pad, parent, list));
}

} /* namespace */

StreamPipeline::StreamPipeline(PipelineDescription description, bool latencyStamp,
			       Callbacks callbacks)
	: description_(std::move(description)), latencyStamp_(latencyStamp),
	  callbacks_(std::move(callbacks))
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
	rebuildTimer_.reset();
	joinWindow_.reset();
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

	g_autoptr(GError) parseError = nullptr;
	GstElement *pipeline = gst_parse_launch_full(description_.fanout.c_str(), nullptr,
						     GST_PARSE_FLAG_FATAL_ERRORS, &parseError);
	if (!pipeline) {
		error = std::string("cannot build the pipeline: ") +
			(parseError ? parseError->message : "unknown error");
		return false;
	}
	pipeline_ = GstPtr<GstElement>::retain(pipeline);
	gst_object_set_name(GST_OBJECT(pipeline_.get()), "webrtc-camera");

	tee_ = byName(pipeline_.get(), ElementName::kFanout);
	pay_ = byName(pipeline_.get(), ElementName::kPay);
	if (!tee_ || !pay_) {
		error = "the pipeline has no element named 'fanout' or 'pay'";
		return false;
	}
	installProbes();
	if (!buildProducer(error))
		return false;

	GstPtr<GstBus> bus = GstPtr<GstBus>::adopt(gst_element_get_bus(pipeline_.get()));
	busWatch_.reset(gst_bus_add_watch(bus.get(), &StreamPipeline::onBusMessage, this));
	ticker_.reset(g_timeout_add(100, [](gpointer data) -> gboolean {
		static_cast<StreamPipeline *>(data)->tick();
		return G_SOURCE_CONTINUE;
	}, this));
	lastTickUs_ = g_get_monotonic_time();

	if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		/* The main loop has not run yet: the element's own words are still on the bus. */
		error = "the pipeline refused to start";
		MiniObjectPtr<GstMessage> message = MiniObjectPtr<GstMessage>::adopt(
			gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
		if (message) {
			g_autoptr(GError) err = nullptr;
			g_autofree char *debug = nullptr;
			gst_message_parse_error(message.get(), &err, &debug);
			g_autofree char *path = gst_object_get_path_string(GST_MESSAGE_SRC(message.get()));
			error += std::string(": ") + path + ": " + err->message;
			/* The debug text ends with the cause ("Connection refused"); before it, source lines. */
			std::string detail = debug ? g_strstrip(debug) : "";
			if (size_t newline = detail.rfind('\n'); newline != std::string::npos)
				detail = detail.substr(newline + 1);
			if (!detail.empty() && detail.find(".c(") == std::string::npos)
				error += " (" + detail + ")";
		}
		GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
						  "webrtc-camera-start-failed");
		return false;
	}
	return true;
}

/* main thread: camera ... h264parse as one bin, linked to the payloader. */
bool StreamPipeline::buildProducer(std::string &error)
{
	g_autoptr(GError) parseError = nullptr;
	GstElement *bin = gst_parse_bin_from_description_full(description_.producer.c_str(), TRUE,
							      nullptr, GST_PARSE_FLAG_FATAL_ERRORS,
							      &parseError);
	if (!bin) {
		error = std::string("cannot build the camera/encoder part: ") +
			(parseError ? parseError->message : "unknown error");
		return false;
	}
	GstPtr<GstElement> producer = GstPtr<GstElement>::retain(bin);
	gst_object_set_name(GST_OBJECT(bin), "producer");
	GstPtr<GstPad> src = GstPtr<GstPad>::adopt(gst_element_get_static_pad(bin, "src"));
	GstPtr<GstPad> paySink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "sink"));
	if (!src) {
		error = "the camera/encoder part has no unlinked output";
		return false;
	}
	gst_bin_add(GST_BIN(pipeline_.get()), bin);
	if (gst_pad_link(src.get(), paySink.get()) != GST_PAD_LINK_OK) {
		gst_bin_remove(GST_BIN(pipeline_.get()), bin);
		error = "cannot link the camera/encoder part to rtph264pay";
		return false;
	}

	producer_ = std::move(producer);
	encoder_ = byName(bin, ElementName::kEncoder);
	setKeyUnitInterval(joinWindow_ ? kJoinKeyUnitNs : kRepairKeyUnitNs);
	sourceCaps_ = byName(bin, ElementName::kSourceCaps);
	producerStartUs_ = g_get_monotonic_time();
	unsigned serial = ++producerSerial_;

	/*
	 * streaming thread: a source that ends (a webcam unplugged, a file
	 * source) must not end the viewers' streams: keep its EOS from the
	 * payloader and build a new producer instead.
	 */
	struct EosWatch {
		StreamPipeline *self;
		Lifetime::Guard alive;
		unsigned serial;
	};
	gst_pad_add_probe(src.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
		[](GstPad *, GstPadProbeInfo *info, gpointer data) {
			if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS)
				return GST_PAD_PROBE_OK;
			auto *watch = static_cast<EosWatch *>(data);
			postToMain(watch->alive, [self = watch->self, serial = watch->serial]() {
				if (serial == self->producerSerial_)
					self->recover("the camera/encoder stream ended");
			});
			return GST_PAD_PROBE_DROP;
		},
		new EosWatch{ this, lifetime_.guard(), serial },
		[](gpointer data) { delete static_cast<EosWatch *>(data); });

	if (latencyStamp_ && sourceCaps_) {
		GstPtr<GstPad> pad = GstPtr<GstPad>::adopt(gst_element_get_static_pad(sourceCaps_.get(), "src"));
		attachLatencyStamper(pad.get());
	}

	/* A rebuild joins a running pipeline; the first build starts with it. */
	GstState state = GST_STATE_NULL;
	gst_element_get_state(pipeline_.get(), &state, nullptr, 0);
	if (state != GST_STATE_NULL)
		gst_element_sync_state_with_parent(bin);
	return true;
}

/* main thread: stop the current producer and take it out of the pipeline. */
void StreamPipeline::dropProducer()
{
	if (!producer_)
		return;
	GstPtr<GstElement> old = std::move(producer_);
	encoder_.reset();
	sourceCaps_.reset();
	/* Locked, so a pipeline state change cannot race our NULL. */
	gst_element_set_locked_state(old.get(), TRUE);
	gst_element_set_state(old.get(), GST_STATE_NULL);
	GstPtr<GstPad> src = GstPtr<GstPad>::adopt(gst_element_get_static_pad(old.get(), "src"));
	GstPtr<GstPad> peer = GstPtr<GstPad>::adopt(src ? gst_pad_get_peer(src.get()) : nullptr);
	if (peer)
		gst_pad_unlink(src.get(), peer.get());
	gst_bin_remove(GST_BIN(pipeline_.get()), old.get());
}

void StreamPipeline::recover(const std::string &why)
{
	if (rebuildTimer_ || !pipeline_)
		return;
	int64_t now = g_get_monotonic_time();
	if (problem_.empty()) {
		int64_t last = lastFrameUs_.load();
		outageSinceUs_ = last && now - last < kFlowTimeoutUs ? now : (last ? last : now);
	}
	problem_ = why;
	GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
					  "webrtc-camera-recover");
	/* Stopped now, so a broken camera stops erroring while we wait. */
	dropProducer();

	int64_t delay = kBackoffUs[std::min<size_t>(failedAttempts_, G_N_ELEMENTS(kBackoffUs) - 1)];
	failedAttempts_++;
	logWarning("stream: " + why + "; rebuilding the camera/encoder part" +
			   (delay ? " in " + std::to_string(delay / G_USEC_PER_SEC) + " s" : ""),
		   { { "RECOVERY_ATTEMPT", std::to_string(failedAttempts_) } });
	rebuildTimer_.reset(g_timeout_add(guint(delay / 1000), [](gpointer data) -> gboolean {
		auto *self = static_cast<StreamPipeline *>(data);
		self->rebuildTimer_.release();
		self->rebuild();
		return G_SOURCE_REMOVE;
	}, this));
}

void StreamPipeline::rebuild()
{
	std::string error;
	if (!buildProducer(error)) {
		recover(error);
		return;
	}
	recoveries_++;
	if (callbacks_.rebuilt)
		callbacks_.rebuilt();
}

void StreamPipeline::installProbes()
{
	/*
	 * streaming thread: count what the encoder produces (one buffer per
	 * frame). On the payloader, so it survives producer rebuilds.
	 */
	GstPtr<GstPad> paySink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "sink"));
	gst_pad_add_probe(paySink.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		auto *self = static_cast<StreamPipeline *>(data);
		GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
		self->frameCount_++;
		self->byteCount_ += gst_buffer_get_size(buffer);
		if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
			self->keyframeCount_++;
		self->lastFrameUs_ = g_get_monotonic_time();
		/* Readiness is announced at once, not at the next poll. */
		if (!self->firstFramePosted_.exchange(true))
			postToMain(self->lifetime_, [self]() {
				if (self->callbacks_.firstFrame)
					self->callbacks_.firstFrame();
			});
		return GST_PAD_PROBE_OK;
	}, this, nullptr);

	/*
	 * streaming thread: rtph264pay 1.22 answers a downstream force-key-unit
	 * with all-headers by queueing SPS/PPS ahead of the keyframe's access
	 * unit delimiter, which then flushes them as an access unit of their
	 * own with the marker bit set. Browsers drop that undecodable "frame"
	 * and send a PLI: every forced keyframe cost every viewer a frame and
	 * asked for another keyframe. h264parse already puts SPS/PPS in each
	 * IDR's access unit (config-interval=-1), so it needs nothing from this event.
	 */
	gst_pad_add_probe(paySink.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		if (!gst_video_event_is_force_key_unit(event))
			return GST_PAD_PROBE_OK;
		/* The encoder forced a key unit: a request was granted. For /stats. */
		static_cast<StreamPipeline *>(data)->keyUnitsGranted_++;
		return GST_PAD_PROBE_DROP;
	}, this, nullptr);

	/*
	 * streaming thread: every key unit request on its way to the encoder,
	 * ours and the viewers' (webrtcbin turns PLI/FIR into one), through
	 * the tee. The encoder rate-limits them; this only counts, for /stats.
	 */
	gst_pad_add_probe(paySink.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
			static_cast<StreamPipeline *>(data)->keyUnitsAsked_++;
		return GST_PAD_PROBE_OK;
	}, this, nullptr);
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
		/* A producer dropped already: its last words are no news. */
		if (!isInside(GST_MESSAGE_SRC(message), pipeline_.get()))
			break;
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
		recover(text);
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
	if (!teePad || !sink || !GST_IS_GHOST_PAD(sink.get()))
		return false;

	auto *input = new BranchInput{ lifetime_.guard(), &callbacks_, GST_OBJECT_NAME(branch) };
	gst_pad_set_chain_function_full(sink.get(), isolatedChain, input,
					[](gpointer data) { delete static_cast<BranchInput *>(data); });
	gst_pad_set_chain_list_function_full(sink.get(), isolatedChainList, input, nullptr);

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
	auto finish = [alive = lifetime_.guard(), this, id]() {
		postToMain(alive, [this, id]() { finishRemoval(id); });
	};
	if (!teePad) {
		finish();
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
		(*work)();
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

void StreamPipeline::requestKeyframe(const char *why, KeyframeReason reason)
{
	GST_DEBUG("key unit requested: %s", why);
	if (reason == KeyframeReason::Join) {
		/* Shorter spacing while viewers join; the repair spacing after the window. */
		setKeyUnitInterval(kJoinKeyUnitNs);
		joinWindow_.reset(g_timeout_add(kJoinWindowMs, [](gpointer data) -> gboolean {
			auto *self = static_cast<StreamPipeline *>(data);
			self->joinWindow_.release();
			self->setKeyUnitInterval(kRepairKeyUnitNs);
			return G_SOURCE_REMOVE;
		}, this));
	}
	sendKeyUnit();
}

/* The encoder's own rate limit (GstVideoEncoder, GStreamer >= 1.18). */
void StreamPipeline::setKeyUnitInterval(guint64 intervalNs)
{
	if (encoder_ && g_object_class_find_property(G_OBJECT_GET_CLASS(encoder_.get()), "min-force-key-unit-interval"))
		g_object_set(encoder_.get(), "min-force-key-unit-interval", intervalNs, nullptr);
}

void StreamPipeline::sendKeyUnit()
{
	/* Upstream from the payloader: reaches h264parse and the encoder. */
	GstPtr<GstPad> paySink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(pay_.get(), "sink"));
	/* No all-headers: h264parse and rtph264pay put SPS/PPS before every IDR. */
	GstEvent *event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 0);
	gst_pad_push_event(paySink.get(), event);
}

/* main thread, every 100 ms */
void StreamPipeline::tick()
{
	int64_t now = g_get_monotonic_time();
	int64_t lastFrame = lastFrameUs_.load();
	if (producer_ && !rebuildTimer_) {
		bool delivered = lastFrame > producerStartUs_;
		if (delivered && !problem_.empty()) {
			logInfo("stream: frames flow again after " +
					std::to_string((now - outageSinceUs_) / 1000) + " ms (" + problem_ + ")",
				{ { "RECOVERY_ATTEMPT", std::to_string(failedAttempts_) } });
			problem_.clear();
			outageSinceUs_ = 0;
			failedAttempts_ = 0;
		} else if (delivered && now - lastFrame > kStallUs) {
			recover("no frames for " + std::to_string(kStallUs / G_USEC_PER_SEC) + " s");
		} else if (!delivered && now - producerStartUs_ > kFirstFrameUs) {
			recover("no first frame within " + std::to_string(kFirstFrameUs / G_USEC_PER_SEC) + " s");
		}
	}
	uint64_t granted = keyUnitsGranted_.load();
	stats_.keyframeRequests = granted;
	stats_.keyframeRequestsSuppressed = std::max(keyUnitsAsked_.load(), granted) - granted;

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

std::string StreamPipeline::problem() const
{
	if (!problem_.empty())
		return "recovering: " + problem_;
	if (flowing())
		return {};
	return lastFrameUs_.load() ? "no frames from the camera/encoder"
				   : "no frames from the camera/encoder yet";
}

int64_t StreamPipeline::outageSinceUs() const
{
	if (flowing() && problem_.empty())
		return 0;
	if (outageSinceUs_)
		return outageSinceUs_;
	int64_t last = lastFrameUs_.load();
	return last ? last : producerStartUs_;
}

} /* namespace wcam */
