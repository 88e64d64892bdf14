/* SPDX-License-Identifier: MIT */
#include "adaptive/AdaptiveDecision.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wcam {

namespace {

/* Below this a viewer is clean, above kLossHigh it congests (GCC uses 2%/10%). */
constexpr double kLossLow = 0.02;
constexpr double kLossHigh = 0.04;
/* Past this, trust what got through more than the proportional cut. */
constexpr double kLossHeavy = 0.10;
/* One receiver report must not be acted on twice: reports come about every second. */
constexpr double kHoldSeconds = 3;
/* Growth per second: slow near a recent congestion point, fast otherwise. */
constexpr double kMemorySeconds = 8;
constexpr double kSlowGrowth = 1.03;
constexpr double kFastGrowth = 1.12;
/* A queue building up on the path: RTT doubled and 100 ms above its minimum. */
constexpr double kRttRise = 0.1;
/* Estimates may sink below min_bitrate so that an outlier can be told apart. */
constexpr double kEstimateFloor = 30000;
/* Smaller target changes are not worth an encoder reconfiguration. */
constexpr double kMinChange = 0.02;
/* Pi firmware flags for "now": ARM frequency capped, throttled, soft temperature limit. */
constexpr uint32_t kThrottlingNow = 0x2 | 0x4 | 0x8;
/* H.264 encoders scale on even sizes. */
constexpr int kMinSide = 16;

std::string kbps(double bitrate)
{
	return std::to_string(std::lround(bitrate / 1000)) + " kbps";
}

std::string format(const char *fmt, double value)
{
	char text[64];
	std::snprintf(text, sizeof(text), fmt, value);
	return text;
}

std::string describe(const AdaptiveFormat &f)
{
	return std::to_string(f.width) + "x" + std::to_string(f.height) + " at " +
	       std::to_string(f.fps) + " fps";
}

int evenScale(int side, int num, int den)
{
	return std::max(kMinSide, side * num / den / 2 * 2);
}

void cut(ViewerEstimate &e, double next, double now, std::string why)
{
	e.congestedAt = e.bitrate;
	e.congestedTime = now;
	e.holdUntil = now + kHoldSeconds;
	e.bitrate = next;
	e.why = std::move(why);
}

void updateViewer(ViewerEstimate &e, const ViewerSample &s, double now, double dt, double sent,
		  const AdaptiveLimits &limits)
{
	double loss = std::clamp(s.fractionLost, 0.0, 1.0);
	if (s.rtt > 0 && (e.minRtt < 0 || s.rtt < e.minRtt))
		e.minRtt = s.rtt;
	bool rttRising = s.rtt > 0 && e.minRtt > 0 && s.rtt > e.minRtt + kRttRise &&
			 s.rtt > 2 * e.minRtt;
	/*
	 * Cuts only on a report not acted on yet. The first one covers the
	 * connection set-up, while the viewer's queue dropped packets during
	 * the DTLS handshake: it says nothing about the path.
	 */
	if (s.fresh)
		e.reports++;
	bool held = now < e.holdUntil || !s.fresh || e.reports < 2;

	if (!held && loss > kLossHigh) {
		double next = e.bitrate * (1 - 0.5 * loss);
		if (loss > kLossHeavy && sent > 0)
			next = std::min(next, 0.85 * sent * (1 - loss));
		cut(e, next, now, "loss " + format("%.0f%%", loss * 100));
	} else if (!held && rttRising) {
		cut(e, e.bitrate * 0.9, now, "round-trip time rising to " + format("%.0f ms", s.rtt * 1000));
	} else if (now >= e.holdUntil && loss < kLossLow && !rttRising) {
		bool recent = now - e.congestedTime < kMemorySeconds;
		e.bitrate *= std::pow(recent ? kSlowGrowth : kFastGrowth, dt);
		e.why = "clean network";
	}
	if (s.remb > 0 && e.bitrate > s.remb) {
		e.bitrate = s.remb;
		e.why = "REMB " + kbps(s.remb);
	}
	e.bitrate = std::clamp(e.bitrate, kEstimateFloor, double(limits.maxBitrate));
}

/* The policy over all estimates; `why` names what decided it. */
double chooseTarget(const AdaptiveLimits &limits, AdaptiveState &state, std::string &why)
{
	state.dropping.clear();
	if (limits.policy == AdaptivePolicy::Fixed) {
		why = "fixed policy";
		return limits.startBitrate;
	}
	if (state.viewers.empty()) {
		why.clear();
		return state.target;
	}

	std::vector<std::pair<double, std::string>> sorted;
	for (const auto &[id, e] : state.viewers)
		sorted.push_back({ e.bitrate, id });
	std::sort(sorted.begin(), sorted.end());

	size_t chosen = 0;
	if (limits.policy == AdaptivePolicy::Median) {
		chosen = (sorted.size() - 1) / 2;
	} else {
		/* Following a viewer that cannot take even the minimum helps nobody. */
		while (chosen < sorted.size() && sorted[chosen].first < limits.minBitrate)
			chosen++;
		if (chosen == sorted.size()) {
			for (const auto &[bitrate, id] : sorted)
				state.dropping.push_back(id);
			why = "every viewer is below min_bitrate";
			return limits.minBitrate;
		}
	}
	for (size_t i = 0; i < chosen; i++)
		state.dropping.push_back(sorted[i].second);
	const std::string &id = sorted[chosen].second;
	why = "viewer " + id + ": " + state.viewers[id].why;
	if (!state.dropping.empty())
		why += " (" + std::to_string(state.dropping.size()) +
		       " weaker viewer(s) not followed, they drop frames)";
	return sorted[chosen].first;
}

/* The pressure ladder; appends to `reasons` when the level moves. */
void updateLevel(const AdaptiveLimits &limits, AdaptiveState &state, const AdaptiveSnapshot &s,
		 int maxLevel, std::vector<std::string> &reasons)
{
	std::string hot;
	if (s.cpuPercent > limits.cpuHigh)
		hot = "CPU " + format("%.0f%%", s.cpuPercent) + " above " + format("%.0f%%", limits.cpuHigh);
	else if (s.temperature && *s.temperature > limits.tempHigh)
		hot = "SoC " + format("%.1f", *s.temperature) + " C above " + format("%.0f", limits.tempHigh);
	else if (s.throttled && (*s.throttled & kThrottlingNow)) {
		char flags[32];
		std::snprintf(flags, sizeof(flags), "0x%x", *s.throttled);
		hot = std::string("firmware throttling (flags ") + flags + ")";
	}
	bool cool = s.cpuPercent < limits.cpuLow &&
		    (!s.temperature || *s.temperature < limits.tempLow) &&
		    !(s.throttled && (*s.throttled & kThrottlingNow));

	std::vector<AdaptiveFormat> ladder = formatLadder(limits);
	if (!hot.empty()) {
		state.coolSince = -1;
		if (state.hotSince < 0)
			state.hotSince = s.now;
		if (state.level < maxLevel && s.now - state.hotSince >= limits.hotSeconds &&
		    s.now - state.levelChangedAt >= limits.stepHoldSeconds) {
			state.level++;
			state.levelChangedAt = s.now;
			state.hotSince = s.now;
			reasons.push_back("step down to " + describe(ladder[state.level]) + ": " + hot);
		}
	} else if (cool) {
		state.hotSince = -1;
		if (state.coolSince < 0)
			state.coolSince = s.now;
		if (state.level > 0 && s.now - state.coolSince >= limits.coolSeconds &&
		    s.now - state.levelChangedAt >= limits.coolSeconds) {
			state.level--;
			state.levelChangedAt = s.now;
			state.coolSince = s.now;
			reasons.push_back("step up to " + describe(ladder[state.level]) + ": CPU " +
					  format("%.0f%%", s.cpuPercent) + " and temperature calm");
		}
	} else {
		/* Between the thresholds: neither direction accumulates. */
		state.hotSince = -1;
		state.coolSince = -1;
	}
}

} /* namespace */

AdaptiveLimits AdaptiveLimits::from(const AdaptiveConfig &adaptive, const CameraConfig &camera,
				    int startBitrate, bool hardwareEncoder, bool canScale)
{
	/* Pi encoders stall below these. */
	constexpr int kHardwareMinBitrate = 250000;
	constexpr int kMinFps = 10;

	AdaptiveLimits limits;
	limits.policy = adaptive.policy;
	limits.minBitrate = adaptive.minBitrate;
	if (hardwareEncoder)
		limits.minBitrate = std::max(limits.minBitrate, kHardwareMinBitrate);
	limits.maxBitrate = std::max(adaptive.maxBitrate, limits.minBitrate);
	limits.startBitrate = std::clamp(startBitrate, limits.minBitrate, limits.maxBitrate);
	limits.full = { camera.fps, camera.width, camera.height };
	limits.minFps = kMinFps;
	limits.canScale = canScale;
	limits.cpuHigh = adaptive.cpuHigh;
	limits.cpuLow = adaptive.cpuLow;
	limits.tempHigh = adaptive.tempHigh;
	limits.tempLow = adaptive.tempLow;
	return limits;
}

std::vector<AdaptiveFormat> formatLadder(const AdaptiveLimits &limits)
{
	std::vector<AdaptiveFormat> ladder{ limits.full };
	static const int fpsSteps[][2] = { { 2, 3 }, { 1, 2 } };
	for (const auto &step : fpsSteps) {
		AdaptiveFormat next = ladder.back();
		next.fps = std::max(limits.minFps, limits.full.fps * step[0] / step[1]);
		if (next.fps < ladder.back().fps)
			ladder.push_back(next);
	}
	if (!limits.canScale)
		return ladder;
	static const int sizeSteps[][2] = { { 3, 4 }, { 1, 2 } };
	for (const auto &step : sizeSteps) {
		AdaptiveFormat next = ladder.back();
		next.width = evenScale(limits.full.width, step[0], step[1]);
		next.height = evenScale(limits.full.height, step[0], step[1]);
		if (next.width < ladder.back().width && next.width >= limits.minWidth)
			ladder.push_back(next);
	}
	return ladder;
}

AdaptiveState initialAdaptiveState(const AdaptiveLimits &limits)
{
	AdaptiveState state;
	state.target = limits.startBitrate;
	return state;
}

AdaptiveResult decideAdaptive(const AdaptiveLimits &limits, const AdaptiveState &previous,
			      const AdaptiveSnapshot &snapshot)
{
	AdaptiveResult result{ previous, {} };
	AdaptiveState &state = result.state;
	AdaptiveActions &actions = result.actions;
	double now = snapshot.now;
	double dt = state.lastTime < 0 ? 0 : std::clamp(now - state.lastTime, 0.0, 5.0);
	state.lastTime = now;

	/* Viewers: forget those gone, start newcomers at the current target. */
	std::map<std::string, ViewerEstimate> estimates;
	double sent = snapshot.sentBitrate > 0 ? snapshot.sentBitrate : state.target;
	for (const ViewerSample &sample : snapshot.viewers) {
		auto it = state.viewers.find(sample.id);
		ViewerEstimate e;
		if (it != state.viewers.end())
			e = it->second;
		else
			e.bitrate = state.target;
		updateViewer(e, sample, now, dt, sent, limits);
		estimates[sample.id] = e;
	}
	state.viewers = std::move(estimates);

	std::string why;
	double target = chooseTarget(limits, state, why);
	target = std::round(std::clamp(target, double(limits.minBitrate), double(limits.maxBitrate)) / 1000) * 1000;
	double old = state.target;
	bool atBound = target != old && (target == limits.minBitrate || target == limits.maxBitrate);
	if (std::abs(target - old) >= kMinChange * old || atBound) {
		state.target = target;
		actions.setBitrate = true;
		actions.bitrate = int(target);
		actions.reasons.push_back(std::string(target < old ? "bitrate down" : "bitrate up") +
					  " to " + kbps(target) + ": " + why);
	}

	std::vector<AdaptiveFormat> ladder = formatLadder(limits);
	int oldLevel = state.level;
	state.level = std::min(state.level, int(ladder.size()) - 1);
	updateLevel(limits, state, snapshot, int(ladder.size()) - 1, actions.reasons);
	if (state.level != oldLevel) {
		actions.setFormat = true;
		actions.format = ladder[state.level];
	}

	if (!actions.reasons.empty()) {
		state.lastChangeTime = now;
		state.lastReason = actions.reasons.back();
		state.changes++;
	}
	return result;
}

} /* namespace wcam */
