/* SPDX-License-Identifier: MIT */
#include "adaptive/AdaptiveController.h"

#include <algorithm>
#include <cmath>

#include "core/Log.h"
#include "pipeline/EncoderControl.h"

namespace wcam {

namespace {

/* The capsfilter ending the source chain of the running producer. */
GstPtr<GstElement> sourceCaps(const StreamPipeline &pipeline)
{
	return pipeline.sourceCaps() ? GstPtr<GstElement>::retain(pipeline.sourceCaps()) : GstPtr<GstElement>();
}

} /* namespace */

AdaptiveController::AdaptiveController(const AdaptiveLimits &limits, StreamPipeline &pipeline, Clock clock)
	: limits_(limits), pipeline_(pipeline), clock_(std::move(clock)),
	  capsControl_(sourceRenegotiates(pipeline)), startUs_(clock_()), gate_(std::make_shared<Gate>())
{
	limits_.canScale = limits_.canScale && capsControl_;
	state_ = initialAdaptiveState(limits_);
}

AdaptiveController::~AdaptiveController()
{
	if (gatePad_ && gateProbe_)
		gst_pad_remove_probe(gatePad_.get(), gateProbe_);
}

bool AdaptiveController::sourceRenegotiates(const StreamPipeline &pipeline)
{
	/* Only the test pattern; an override may end in anything. */
	return pipeline.description().source.sourceKind == SourceKind::Test && pipeline.sourceCaps();
}

void AdaptiveController::start()
{
	if (!capsControl_)
		installFrameGate();
	if (setEncoderBitrate(pipeline_.encoder(), int(state_.target)))
		logInfo("adaptive: starting at " + std::to_string(int(state_.target) / 1000) + " kbps, policy " +
				toString(limits_.policy),
			{ { "ADAPTIVE_TARGET", std::to_string(int(state_.target)) } });
	else
		logWarning("adaptive: the encoder's bitrate cannot be changed live; only the frame rate adapts");
}

void AdaptiveController::reapply()
{
	if (!capsControl_)
		installFrameGate();
	setEncoderBitrate(pipeline_.encoder(), int(state_.target));
	std::vector<AdaptiveFormat> ladder = formatLadder(limits_);
	if (state_.level > 0)
		applyFormat(ladder[std::min<size_t>(state_.level, ladder.size() - 1)]);
}

/*
 * Not `videorate drop-only=true max-rate=N`: it writes N into the caps'
 * framerate, so every level change would renegotiate the encoder (x264enc
 * reinitialises, v4l2h264enc restarts its stream). A drop probe keeps the
 * caps, and the encoder, as they are.
 */
void AdaptiveController::installFrameGate()
{
	if (gatePad_ && gateProbe_)
		gst_pad_remove_probe(gatePad_.get(), gateProbe_);
	gatePad_.reset();
	gateProbe_ = 0;
	GstPtr<GstElement> caps = sourceCaps(pipeline_);
	if (!caps)
		return;
	gatePad_ = GstPtr<GstPad>::adopt(gst_element_get_static_pad(caps.get(), "src"));
	/* streaming thread: keep a frame only when it is due; same caps, fewer frames. */
	auto *gate = new std::shared_ptr<Gate>(gate_);
	gateProbe_ = gst_pad_add_probe(gatePad_.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		Gate &g = **static_cast<std::shared_ptr<Gate> *>(data);
		int64_t spacing = g.spacingNs.load();
		GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
		if (spacing <= 0 || !GST_BUFFER_PTS_IS_VALID(buffer))
			return GST_PAD_PROBE_OK;
		int64_t pts = int64_t(GST_BUFFER_PTS(buffer));
		/* The timeline jumped back (restart): start over. */
		if (g.nextPts >= 0 && g.nextPts - pts > 2 * spacing)
			g.nextPts = -1;
		/* A little slack so that jittery timestamps do not halve the rate. */
		if (g.nextPts >= 0 && pts + spacing / 8 < g.nextPts)
			return GST_PAD_PROBE_DROP;
		g.nextPts = (g.nextPts >= 0 && pts - g.nextPts < spacing) ? g.nextPts + spacing : pts + spacing;
		return GST_PAD_PROBE_OK;
	}, gate, [](gpointer data) { delete static_cast<std::shared_ptr<Gate> *>(data); });
}

void AdaptiveController::update(std::vector<ViewerSample> viewers, const HostSample &host)
{
	AdaptiveSnapshot snapshot;
	snapshot.now = (clock_() - startUs_) / 1e6;
	snapshot.viewers = std::move(viewers);
	std::map<std::string, int64_t> reports;
	for (ViewerSample &viewer : snapshot.viewers) {
		auto it = lastReports_.find(viewer.id);
		viewer.fresh = it == lastReports_.end() || it->second != viewer.reportUs;
		reports[viewer.id] = viewer.reportUs;
	}
	lastReports_ = std::move(reports);
	snapshot.sentBitrate = pipeline_.stats().bitrate;
	snapshot.cpuPercent = host.systemCpuPercent;
	snapshot.temperature = host.temperatureCelsius;
	snapshot.throttled = host.throttled;

	AdaptiveResult result = decideAdaptive(limits_, state_, snapshot);
	state_ = std::move(result.state);
	apply(result.actions);
}

void AdaptiveController::apply(const AdaptiveActions &actions)
{
	if (actions.setBitrate)
		setEncoderBitrate(pipeline_.encoder(), actions.bitrate);
	if (actions.setFormat)
		applyFormat(actions.format);
	for (const std::string &reason : actions.reasons)
		logInfo("adaptive: " + reason,
			{ { "ADAPTIVE_TARGET", std::to_string(int(state_.target)) },
			  { "ADAPTIVE_LEVEL", std::to_string(state_.level) },
			  { "ADAPTIVE_REASON", reason } });
}

void AdaptiveController::applyFormat(const AdaptiveFormat &format)
{
	if (!capsControl_) {
		int64_t spacing = format.fps >= limits_.full.fps ? 0 : GST_SECOND / std::max(1, format.fps);
		gate_->spacingNs = spacing;
		return;
	}
	GstPtr<GstElement> element = sourceCaps(pipeline_);
	if (!element)
		return;
	g_autoptr(GstCaps) current = nullptr;
	g_object_get(element.get(), "caps", &current, nullptr);
	CapsPtr caps = CapsPtr::adopt(current && !gst_caps_is_any(current) ? gst_caps_copy(current)
									      : gst_caps_new_empty_simple("video/x-raw"));
	gst_caps_set_simple(caps.get(), "width", G_TYPE_INT, format.width, "height", G_TYPE_INT,
			    format.height, "framerate", GST_TYPE_FRACTION, format.fps, 1, nullptr);
	/* The capsfilter sends a reconfigure upstream; the source renegotiates. */
	g_object_set(element.get(), "caps", caps.get(), nullptr);
}

void AdaptiveController::setLimits(const AdaptiveLimits &limits)
{
	AdaptiveLimits next = limits;
	/* What the running pipeline can do was found at start and stays. */
	next.full = limits_.full;
	next.canScale = limits_.canScale;
	next.minWidth = limits_.minWidth;
	limits_ = next;

	double target = limits_.policy == AdaptivePolicy::Fixed
				? limits_.startBitrate
				: std::clamp<double>(state_.target, limits_.minBitrate, limits_.maxBitrate);
	if (target == state_.target)
		return;
	state_.target = target;
	setEncoderBitrate(pipeline_.encoder(), int(target));
	logInfo("adaptive: bitrate now " + std::to_string(int(target) / 1000) + " kbps (new limits " +
			std::to_string(limits_.minBitrate / 1000) + ".." + std::to_string(limits_.maxBitrate / 1000) +
			" kbps, policy " + toString(limits_.policy) + ")",
		{ { "ADAPTIVE_TARGET", std::to_string(int(target)) } });
}

AdaptiveStatus AdaptiveController::status() const
{
	AdaptiveStatus s;
	s.enabled = true;
	s.policy = limits_.policy;
	s.minBitrate = limits_.minBitrate;
	s.maxBitrate = limits_.maxBitrate;
	s.targetBitrate = int(state_.target);
	s.encoderBitrate = encoderBitrate(pipeline_.encoder());
	s.sentBitrate = pipeline_.stats().bitrate;
	std::vector<AdaptiveFormat> ladder = formatLadder(limits_);
	s.level = state_.level;
	s.levels = int(ladder.size());
	s.format = ladder[std::min<size_t>(state_.level, ladder.size() - 1)];
	s.formatControl = capsControl_ ? "caps" : "frame-drop";
	double now = (clock_() - startUs_) / 1e6;
	s.lastChangeAgo = state_.lastChangeTime < 0 ? -1 : now - state_.lastChangeTime;
	s.lastReason = state_.lastReason;
	s.changes = state_.changes;
	s.dropping = state_.dropping;
	for (const auto &[id, e] : state_.viewers)
		s.estimates.push_back({ id, e.bitrate });
	return s;
}

} /* namespace wcam */
