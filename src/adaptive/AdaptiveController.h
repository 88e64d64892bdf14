/* SPDX-License-Identifier: MIT */
/*
 * The adaptive quality controller at runtime: the stats clock hands it a
 * sample every interval (each connected viewer's RTCP figures and REMB,
 * the host's CPU and temperature); it adds the encoder's output, asks
 * decideAdaptive() and applies the actions: the encoder bitrate, and the
 * picture format.
 *
 * The format is changed on the source side. A videotestsrc renegotiates
 * when the source_caps capsfilter changes, so frame rate and size both go
 * through its caps. Camera sources (libcamerasrc, v4l2src) cannot be
 * trusted to renegotiate while streaming, and a refused caps change would
 * stop the whole stream: there the frame rate is lowered by dropping
 * frames before the encoder (same caps, fewer frames: less encoder and
 * network work, which is what a hot Pi needs) and the size never changes.
 *
 * Time comes from an injected Clock, so tests run on simulated time.
 * Main thread only, apart from the frame gate probe.
 */
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adaptive/AdaptiveDecision.h"
#include "core/Clock.h"
#include "core/GlibPtr.h"
#include "pipeline/StreamPipeline.h"
#include "system/HostStats.h"

namespace wcam {

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
	AdaptiveController(const AdaptiveLimits &limits, StreamPipeline &pipeline,
			   Clock clock = monotonicClock());
	~AdaptiveController();

	AdaptiveController(const AdaptiveController &) = delete;
	AdaptiveController &operator=(const AdaptiveController &) = delete;

	/* Apply the start bitrate (and the frame gate). */
	void start();

	/*
	 * One decision on a sample of the connected viewers and the host (the
	 * stats clock calls this every interval).
	 */
	void update(std::vector<ViewerSample> viewers, const HostSample &host);

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

	/* Whether the pipeline's source renegotiates size and rate on new caps. */
	static bool sourceRenegotiates(const StreamPipeline &pipeline);

private:
	void apply(const AdaptiveActions &actions);
	void applyFormat(const AdaptiveFormat &format);
	void installFrameGate();

	AdaptiveLimits limits_;
	StreamPipeline &pipeline_;
	Clock clock_;
	bool capsControl_;
	AdaptiveState state_;
	/* When each viewer's last receiver report arrived, to tell fresh ones apart. */
	std::map<std::string, int64_t> lastReports_;
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
