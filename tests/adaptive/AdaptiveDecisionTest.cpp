/* SPDX-License-Identifier: MIT */
/*
 * Scripted scenarios on the pure policy: one decision per simulated
 * second, inputs as a function of time.
 */
#include <catch2/catch.hpp>

#include <functional>

#include "adaptive/AdaptiveDecision.h"

using namespace wcam;

namespace {

AdaptiveLimits testLimits(AdaptivePolicy policy = AdaptivePolicy::Weakest)
{
	AdaptiveConfig config;
	config.policy = policy;
	config.minBitrate = 200000;
	config.maxBitrate = 1500000;
	CameraConfig camera;
	camera.width = 1280;
	camera.height = 720;
	camera.fps = 30;
	return AdaptiveLimits::from(config, camera, 1500000, false, true);
}

ViewerSample viewer(const std::string &id, double loss = 0, double rtt = 0.02, double remb = -1)
{
	return { id, loss, rtt, 0.001, remb };
}

struct Run {
	AdaptiveLimits limits;
	AdaptiveState state;
	std::vector<AdaptiveResult> steps;
	double t = 0;

	explicit Run(AdaptiveLimits l) : limits(l), state(initialAdaptiveState(l)) {}

	/* One decision at the current time; the clock then moves one second. */
	const AdaptiveResult &step(AdaptiveSnapshot snapshot)
	{
		snapshot.now = t;
		if (snapshot.sentBitrate == 0)
			snapshot.sentBitrate = state.target;
		steps.push_back(decideAdaptive(limits, state, snapshot));
		state = steps.back().state;
		t += 1;
		return steps.back();
	}

	void run(int seconds, const std::function<AdaptiveSnapshot()> &make)
	{
		for (int i = 0; i < seconds; i++)
			step(make());
	}

	AdaptiveSnapshot viewers(std::vector<ViewerSample> v, double cpu = 20)
	{
		AdaptiveSnapshot s;
		s.viewers = std::move(v);
		s.cpuPercent = cpu;
		return s;
	}
};

int bitrateChanges(const Run &run, size_t from = 0)
{
	int n = 0;
	for (size_t i = from; i < run.steps.size(); i++)
		n += run.steps[i].actions.setBitrate;
	return n;
}

} /* namespace */

TEST_CASE("a clean network stays at max_bitrate and changes nothing", "[adaptive]")
{
	Run run(testLimits());
	run.run(20, [&]() { return run.viewers({ viewer("a"), viewer("b") }); });
	CHECK(run.state.target == 1500000);
	CHECK(bitrateChanges(run) == 0);
	CHECK(run.state.level == 0);
	CHECK(run.state.changes == 0);
}

TEST_CASE("a start below max climbs when clean", "[adaptive]")
{
	AdaptiveLimits limits = testLimits();
	limits.startBitrate = 400000;
	Run run(limits);
	run.run(20, [&]() { return run.viewers({ viewer("a") }); });
	CHECK(run.state.target == 1500000);
}

TEST_CASE("loss spike: multiplicative decrease, hold, then recovery", "[adaptive]")
{
	Run run(testLimits());
	run.run(5, [&]() { return run.viewers({ viewer("a") }); });
	REQUIRE(run.state.target == 1500000);

	const AdaptiveResult &spike = run.step(run.viewers({ viewer("a", 0.30) }));
	REQUIRE(spike.actions.setBitrate);
	/* Heavy loss: at most 85% of what got through (1500k * 0.7). */
	CHECK(spike.actions.bitrate <= 0.85 * 1500000 * 0.7 + 1000);
	CHECK(spike.actions.bitrate >= 200000);
	CHECK_THAT(spike.state.lastReason, Catch::Contains("loss 30%") && Catch::Contains("viewer a"));
	int afterSpike = spike.actions.bitrate;

	/* The same report seen again within the hold must not cut again. */
	run.step(run.viewers({ viewer("a", 0.30) }));
	run.step(run.viewers({ viewer("a", 0.30) }));
	CHECK(run.state.target == afterSpike);

	/* Clean again: back at max within 30 s, without overshooting. */
	int seconds = 0;
	while (run.state.target < 1500000 && seconds < 40) {
		run.step(run.viewers({ viewer("a") }));
		seconds++;
		CHECK(run.state.target <= 1500000);
	}
	INFO("recovered after " << seconds << " s");
	CHECK(seconds <= 30);
	CHECK(run.state.target == 1500000);
}

TEST_CASE("moderate loss cuts by half the loss; small loss holds", "[adaptive]")
{
	Run run(testLimits());
	run.step(run.viewers({ viewer("a", 0.03) }));
	CHECK(run.state.target == 1500000); /* 3%: between the thresholds, hold */
	const AdaptiveResult &r = run.step(run.viewers({ viewer("a", 0.06) }));
	REQUIRE(r.actions.setBitrate);
	CHECK(r.actions.bitrate == Approx(1500000 * 0.97).margin(1000));
}

TEST_CASE("slow drift: loss and RTT creeping up are acted on once past the thresholds", "[adaptive]")
{
	Run run(testLimits());
	/* Loss up by 0.5% a second: nothing until it passes 4%. */
	double loss = 0;
	int firstCut = -1;
	for (int i = 0; i < 12; i++, loss += 0.005) {
		const AdaptiveResult &r = run.step(run.viewers({ viewer("a", loss) }));
		if (r.actions.setBitrate && firstCut < 0)
			firstCut = i;
	}
	INFO("first cut at step " << firstCut);
	CHECK(firstCut == 9); /* loss 4.5% */
	CHECK(run.state.target < 1500000);

	/* RTT drifting from 20 ms to 400 ms on a loss-free path: cut when it doubled and +100 ms. */
	Run rtt(testLimits());
	double value = 0.02;
	int rttCut = -1;
	for (int i = 0; i < 20; i++, value += 0.02) {
		const AdaptiveResult &r = rtt.step(rtt.viewers({ viewer("a", 0, value) }));
		if (r.actions.setBitrate && rttCut < 0) {
			rttCut = i;
			CHECK_THAT(r.state.lastReason, Catch::Contains("round-trip time"));
			CHECK(r.actions.bitrate == Approx(1350000).margin(1000));
		}
	}
	CHECK(rttCut == 6); /* 140 ms > 20 ms + 100 ms */
}

TEST_CASE("REMB caps the bitrate", "[adaptive]")
{
	Run run(testLimits());
	const AdaptiveResult &r = run.step(run.viewers({ viewer("a", 0, 0.02, 600000) }));
	REQUIRE(r.actions.setBitrate);
	CHECK(r.actions.bitrate == 600000);
	CHECK_THAT(r.state.lastReason, Catch::Contains("REMB 600 kbps"));

	run.run(10, [&]() { return run.viewers({ viewer("a", 0, 0.02, 600000) }); });
	CHECK(run.state.target == 600000);

	/* The browser's estimate grows: the target follows. */
	run.run(30, [&]() { return run.viewers({ viewer("a", 0, 0.02, 5000000) }); });
	CHECK(run.state.target == 1500000);
}

TEST_CASE("CPU overload: frame rate first, then resolution, never below 10 fps", "[adaptive]")
{
	AdaptiveLimits limits = testLimits();
	std::vector<AdaptiveFormat> ladder = formatLadder(limits);
	REQUIRE(ladder.size() == 5);
	CHECK(ladder[0] == AdaptiveFormat{ 30, 1280, 720 });
	CHECK(ladder[1] == AdaptiveFormat{ 20, 1280, 720 });
	CHECK(ladder[2] == AdaptiveFormat{ 15, 1280, 720 });
	CHECK(ladder[3] == AdaptiveFormat{ 15, 960, 540 });
	CHECK(ladder[4] == AdaptiveFormat{ 15, 640, 360 });

	Run run(limits);
	std::vector<std::pair<double, AdaptiveFormat>> changes;
	for (int i = 0; i < 40; i++) {
		const AdaptiveResult &r = run.step(run.viewers({ viewer("a") }, 97));
		if (r.actions.setFormat)
			changes.push_back({ run.t - 1, r.actions.format });
	}
	REQUIRE(changes.size() == 4);
	for (size_t i = 0; i < changes.size(); i++)
		CHECK(changes[i].second == ladder[i + 1]);
	CHECK(changes[0].first == 3);			     /* hot for 3 s */
	CHECK(changes[1].first - changes[0].first >= 5);     /* then one step per hold */
	CHECK(run.state.level == 4);
	CHECK_THAT(run.state.lastReason, Catch::Contains("CPU 97%"));
	/* The bitrate is not the CPU's business. */
	CHECK(run.state.target == 1500000);
}

TEST_CASE("the hardware floors", "[adaptive]")
{
	AdaptiveConfig config;
	config.minBitrate = 100000;
	CameraConfig camera;
	camera.fps = 15;
	AdaptiveLimits limits = AdaptiveLimits::from(config, camera, 1500000, true, false);
	CHECK(limits.minBitrate == 250000);
	std::vector<AdaptiveFormat> ladder = formatLadder(limits);
	REQUIRE(ladder.size() == 2); /* 15 -> 10; 7 would stall the Pi encoder; no scaling */
	CHECK(ladder[1].fps == 10);

	Run run(limits);
	run.run(10, [&]() { return run.viewers({ viewer("a", 0.5) }); });
	CHECK(run.state.target == 250000);
}

TEST_CASE("thermal throttling steps down; the firmware flag counts too", "[adaptive]")
{
	Run hot(testLimits());
	hot.run(10, [&]() {
		AdaptiveSnapshot s = hot.viewers({ viewer("a") }, 10);
		s.temperature = 84.5;
		return s;
	});
	CHECK(hot.state.level == 2);
	CHECK_THAT(hot.state.lastReason, Catch::Contains("SoC 84.5 C"));

	Run flags(testLimits());
	flags.run(5, [&]() {
		AdaptiveSnapshot s = flags.viewers({ viewer("a") }, 10);
		s.temperature = 60;
		s.throttled = 0x50000; /* happened before, not now: no pressure */
		return s;
	});
	CHECK(flags.state.level == 0);
	flags.run(5, [&]() {
		AdaptiveSnapshot s = flags.viewers({ viewer("a") }, 10);
		s.temperature = 60;
		s.throttled = 0x50004; /* throttled now */
		return s;
	});
	CHECK(flags.state.level == 1);
	CHECK_THAT(flags.state.lastReason, Catch::Contains("0x50004"));
}

TEST_CASE("recovery climbs back one step at a time, only when calm", "[adaptive]")
{
	Run run(testLimits());
	run.run(40, [&]() { return run.viewers({ viewer("a") }, 97); });
	REQUIRE(run.state.level == 4);

	/* Between the thresholds: no way up (hysteresis). */
	run.run(30, [&]() { return run.viewers({ viewer("a") }, 70); });
	CHECK(run.state.level == 4);

	std::vector<double> ups;
	for (int i = 0; i < 60; i++) {
		const AdaptiveResult &r = run.step(run.viewers({ viewer("a") }, 30));
		if (r.actions.setFormat)
			ups.push_back(run.t - 1);
	}
	REQUIRE(ups.size() == 4);
	for (size_t i = 1; i < ups.size(); i++)
		CHECK(ups[i] - ups[i - 1] >= 10);
	CHECK(run.state.level == 0);
	CHECK(run.steps.back().state.level == 0);
	CHECK_THAT(run.state.lastReason, Catch::Contains("step up to 1280x720 at 30 fps"));
}

TEST_CASE("one bad viewer among good ones", "[adaptive]")
{
	SECTION("weakest: far below min_bitrate it is not followed")
	{
		Run run(testLimits());
		run.run(30, [&]() { return run.viewers({ viewer("a"), viewer("b"), viewer("bad", 0.5) }); });
		CHECK(run.state.target == 1500000);
		REQUIRE(run.state.dropping.size() == 1);
		CHECK(run.state.dropping[0] == "bad");
		CHECK(run.state.viewers.at("bad").bitrate < 200000);
	}

	SECTION("weakest: a weak viewer above min_bitrate is followed")
	{
		Run run(testLimits());
		run.run(30, [&]() {
			return run.viewers({ viewer("a"), viewer("b"), viewer("slow", 0, 0.02, 500000) });
		});
		CHECK(run.state.target == 500000);
		CHECK(run.state.dropping.empty());
	}

	SECTION("weakest: everyone bad gives min_bitrate")
	{
		Run run(testLimits());
		run.run(30, [&]() { return run.viewers({ viewer("a", 0.5), viewer("b", 0.5) }); });
		CHECK(run.state.target == 200000);
		CHECK(run.state.dropping.size() == 2);
	}

	SECTION("median: the middle viewer decides")
	{
		Run run(testLimits(AdaptivePolicy::Median));
		run.run(30, [&]() {
			return run.viewers({ viewer("a"), viewer("slow", 0, 0.02, 500000),
					     viewer("slower", 0, 0.02, 300000) });
		});
		CHECK(run.state.target == 500000);
		CHECK(run.state.dropping.size() == 1);
	}

	SECTION("fixed: the network is ignored")
	{
		AdaptiveLimits limits = testLimits(AdaptivePolicy::Fixed);
		limits.startBitrate = 800000;
		Run run(limits);
		run.run(20, [&]() { return run.viewers({ viewer("a", 0.5, 0.02, 100000) }); });
		CHECK(run.state.target == 800000);
		CHECK(bitrateChanges(run) == 0);
	}
}

TEST_CASE("flapping input does not make the controller flap", "[adaptive]")
{
	SECTION("CPU alternating hot and calm")
	{
		Run run(testLimits());
		bool hot = false;
		run.run(60, [&]() {
			hot = !hot;
			return run.viewers({ viewer("a") }, hot ? 97 : 30);
		});
		CHECK(run.state.level == 0);
		CHECK(run.state.changes == 0);
	}

	SECTION("loss on and off every second")
	{
		Run run(testLimits());
		bool lossy = false;
		int cuts = 0;
		double lastCut = -100;
		for (int i = 0; i < 60; i++) {
			lossy = !lossy;
			double before = run.state.target;
			const AdaptiveResult &r = run.step(run.viewers({ viewer("a", lossy ? 0.1 : 0) }));
			if (r.actions.setBitrate && r.actions.bitrate < before) {
				CHECK(run.t - 1 - lastCut >= 3);
				lastCut = run.t - 1;
				cuts++;
			}
		}
		/* Cuts no more often than the hold allows, and it settles lower. */
		CHECK(cuts <= 20);
		CHECK(run.state.target < 1500000);
		CHECK(run.state.target >= 200000);
	}
}

TEST_CASE("viewers that leave are forgotten", "[adaptive]")
{
	Run run(testLimits());
	run.run(10, [&]() { return run.viewers({ viewer("a"), viewer("slow", 0, 0.02, 400000) }); });
	CHECK(run.state.target == 400000);
	run.step(run.viewers({ viewer("a") }));
	CHECK(run.state.viewers.count("slow") == 0);
	CHECK(run.state.target == 1500000);
}

TEST_CASE("only fresh reports cut, and not the first one", "[adaptive]")
{
	Run run(testLimits());
	/* The first report covers the connection set-up. */
	run.step(run.viewers({ viewer("a", 0.3) }));
	CHECK(run.state.target == 1500000);

	ViewerSample stale = viewer("a", 0.3);
	stale.fresh = false;
	run.step(run.viewers({ stale }));
	CHECK(run.state.target == 1500000);

	run.step(run.viewers({ viewer("a", 0.3) }));
	CHECK(run.state.target < 1500000);
	double cut = run.state.target;
	/* The same report polled again after the hold: no second cut. */
	for (int i = 0; i < 5; i++)
		run.step(run.viewers({ stale }));
	CHECK(run.state.target == cut);
}
