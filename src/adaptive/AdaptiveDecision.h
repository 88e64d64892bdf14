/* SPDX-License-Identifier: MIT */
/*
 * The adaptive quality policy as a pure function: a snapshot of what the
 * viewers report and what the host feels, plus the controller's state, give
 * the next state and the actions to apply. No clock, no GStreamer: every
 * scenario is a unit test.
 *
 * Bitrate (AIMD): each viewer has its own estimate of what it can take.
 * Loss above a few percent cuts it multiplicatively (by half the loss, and
 * at heavy loss to 85% of what actually got through), a rising round-trip
 * time cuts it by 10%, a REMB caps it; then it is held for a while so one
 * report is not acted on twice. A clean viewer climbs, slowly while the
 * last congestion is recent, faster once it is forgotten. The one encoder
 * then follows the policy over all estimates.
 *
 * Host pressure: sustained CPU or temperature above the high threshold (or
 * the Pi firmware saying it throttles) steps down a ladder: lower frame
 * rates first, then smaller pictures. Going back up needs the low
 * threshold for longer: hysteresis in both level and time.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"

namespace wcam {

struct ViewerSample {
	std::string id;
	double fractionLost = 0; /* 0..1, from the last receiver report */
	double rtt = -1;	 /* seconds, -1 unknown */
	double jitter = 0;	 /* seconds */
	double remb = -1;	 /* bit/s the receiver estimates, -1 none */
	/* When its receiver report arrived (monotonic µs, 0 none yet): the controller tells new ones apart. */
	int64_t reportUs = 0;
	/* A receiver report not seen before (stats are polled faster than RRs come). */
	bool fresh = true;
};

struct AdaptiveSnapshot {
	double now = 0; /* seconds, any monotonic origin */
	std::vector<ViewerSample> viewers;
	double sentBitrate = 0; /* what the encoder produced lately, 0 unknown */
	double cpuPercent = 0;	/* system, 0..100 */
	std::optional<double> temperature;
	std::optional<uint32_t> throttled; /* Pi firmware flags */
};

struct AdaptiveFormat {
	int fps = 0;
	int width = 0;
	int height = 0;

	bool operator==(const AdaptiveFormat &other) const = default;
};

struct AdaptiveLimits {
	AdaptivePolicy policy = AdaptivePolicy::Weakest;
	int minBitrate = 250000;
	int maxBitrate = 1500000;
	int startBitrate = 1500000; /* also the fixed policy's bitrate */
	AdaptiveFormat full;	    /* the configured picture */
	int minFps = 10;	    /* hardware floor */
	bool canScale = true;	    /* the source can change its resolution */
	int minWidth = 0;	    /* never scale below (the latency stamp needs 608) */
	double cpuHigh = 85;
	double cpuLow = 60;
	double tempHigh = 80;
	double tempLow = 70;
	/* Timing of the pressure ladder, seconds. */
	double hotSeconds = 3;	/* pressure this long before a step down */
	double coolSeconds = 10; /* calm this long before a step up */
	double stepHoldSeconds = 5; /* after a step down, before the next */

	/* The config's values, with the hardware encoder's floors applied. */
	static AdaptiveLimits from(const AdaptiveConfig &adaptive, const CameraConfig &camera,
				   int startBitrate, bool hardwareEncoder, bool canScale);
};

/* What the controller knows of one viewer. */
struct ViewerEstimate {
	double bitrate = 0;	    /* what it can take, bit/s */
	double holdUntil = 0;	    /* no change before (after a cut) */
	double congestedAt = 0;	    /* estimate when it last congested, 0 none */
	double congestedTime = -1e9;
	double minRtt = -1;
	int reports = 0; /* fresh receiver reports seen */
	std::string why; /* its last reason */
};

struct AdaptiveState {
	double target = 0; /* encoder bitrate, bit/s */
	int level = 0;	   /* step of the pressure ladder, 0 = full */
	double lastTime = -1;
	double hotSince = -1;
	double coolSince = -1;
	double levelChangedAt = -1e9;
	std::map<std::string, ViewerEstimate> viewers;
	std::vector<std::string> dropping; /* viewers below min_bitrate, not followed */

	/* For /stats and the log. */
	double lastChangeTime = -1;
	std::string lastReason;
	uint64_t changes = 0;
};

struct AdaptiveActions {
	bool setBitrate = false;
	int bitrate = 0;
	bool setFormat = false;
	AdaptiveFormat format;
	std::vector<std::string> reasons;
};

struct AdaptiveResult {
	AdaptiveState state;
	AdaptiveActions actions;
};

/* Frame rates first, then sizes; the first entry is the full format. */
std::vector<AdaptiveFormat> formatLadder(const AdaptiveLimits &limits);

AdaptiveState initialAdaptiveState(const AdaptiveLimits &limits);

AdaptiveResult decideAdaptive(const AdaptiveLimits &limits, const AdaptiveState &state,
			      const AdaptiveSnapshot &snapshot);

} /* namespace wcam */
