/* SPDX-License-Identifier: MIT */
/*
 * The adaptive quality controller at runtime: every interval it gathers a
 * snapshot (each connected viewer's RTCP figures and REMB, the encoder's
 * output, the host's CPU and temperature), asks decideAdaptive() and
 * applies the actions: the encoder bitrate, and the picture format.
 *
 * The format is changed on the source side. A videotestsrc renegotiates
 * when the source_caps capsfilter changes, so frame rate and size both go
 * through its caps. Camera sources (libcamerasrc, v4l2src) cannot be
 * trusted to renegotiate while streaming, and a refused caps change would
 * stop the whole stream: there the frame rate is lowered by dropping
 * frames before the encoder (same caps, fewer frames: less encoder and
 * network work, which is what a hot Pi needs) and the size never changes.
 *
 * Both data sources are functions so that tests can inject fakes.
 * Main thread only, apart from the frame gate probe.
 */
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "adaptive/AdaptiveDecision.h"
#include "core/GlibPtr.h"
#include "pipeline/StreamPipeline.h"
#include "system/HostStats.h"

namespace wcam {

class ViewerManager;

struct AdaptiveStatus {
	bool enabled = false;
	AdaptivePolicy policy = AdaptivePolicy::Weakest;
	int minBitrate = 0;
	int maxBitrate = 0;
	int targetBitrate = 0;	  /* what the controller wants */
	int encoderBitrate = -1;  /* what the encoder is set to, -1 unknown */
	double sentBitrate = 0;	  /* what it produced in the last second */
	int level = 0;		  /* pressure step, 0 = full */
	int levels = 1;		  /* steps available */
	AdaptiveFormat format;	  /* the format of this level */
	std::string formatControl; /* "caps" or "frame-drop" */
	double lastChangeAgo = -1; /* seconds, -1 never */
	std::string lastReason;
	uint64_t changes = 0;
	std::vector<std::string> dropping;
	std::vector<std::pair<std::string, double>> estimates; /* viewer id, bit/s */
};

class AdaptiveController
{
public:
	struct Sources {
		std::function<std::vector<ViewerSample>()> viewers;
		std::function<HostSample()> host;
	};

	AdaptiveController(const AdaptiveLimits &limits, unsigned intervalMs, StreamPipeline &pipeline,
			   Sources sources);
	~AdaptiveController();

	AdaptiveController(const AdaptiveController &) = delete;
	AdaptiveController &operator=(const AdaptiveController &) = delete;

	/* Apply the start bitrate and begin ticking. */
	void start();

	/* One decision now (the timer calls this). */
	void tick();

	/*
	 * The camera/encoder part was rebuilt with its configured settings:
	 * put back the current bitrate, format and frame gate.
	 */
	void reapply();

	/*
	 * New bounds, policy and thresholds from a reloaded config (the picture
	 * itself needs a restart): the target moves into [min, max] at once,
	 * and to the start bitrate under the fixed policy.
	 */
	void setLimits(const AdaptiveLimits &limits);

	AdaptiveStatus status() const;
	const AdaptiveState &state() const { return state_; }
	const AdaptiveLimits &limits() const { return limits_; }

	/* Connected viewers of `viewers` as samples. */
	static std::vector<ViewerSample> viewerSamples(const ViewerManager &viewers);

	/* Whether the pipeline's source renegotiates size and rate on new caps. */
	static bool sourceRenegotiates(const StreamPipeline &pipeline);

private:
	void apply(const AdaptiveActions &actions);
	void applyFormat(const AdaptiveFormat &format);
	void installFrameGate();

	AdaptiveLimits limits_;
	unsigned intervalMs_;
	StreamPipeline &pipeline_;
	Sources sources_;
	bool capsControl_;
	AdaptiveState state_;
	/* Each viewer's last report (loss, RTT, jitter), to tell fresh ones apart. */
	std::map<std::string, std::tuple<double, double, double>> lastReports_;
	SourceGuard timer_;
	int64_t startUs_;

	/* Frame gate: minimum spacing of frames in ns (0 = all), and its probe. */
	struct Gate {
		std::atomic<int64_t> spacingNs{ 0 };
		int64_t nextPts = -1; /* streaming thread only */
	};
	std::shared_ptr<Gate> gate_;
	gulong gateProbe_ = 0;
	GstPtr<GstPad> gatePad_;
};

} /* namespace wcam */
