/* SPDX-License-Identifier: MIT */
/*
 * The runtime controller on a real test-source pipeline, with the host
 * stats injected and decisions on simulated time: CPU pressure makes the
 * frame rate and then the size step down, calm brings them back. What is
 * checked is what the encoder really produces, not what the controller
 * believes.
 */
#include <catch2/catch.hpp>

#include <functional>
#include <optional>

#include "adaptive/AdaptiveController.h"
#include "pipeline/EncoderControl.h"
#include "pipeline/Platform.h"

#include "support/TestSupport.h"

using namespace wcam;

namespace {

using test::runUntil;

Config testConfig()
{
	Config config;
	config.camera.source = SourceKind::Test;
	config.camera.width = 320;
	config.camera.height = 240;
	config.camera.fps = 30;
	config.encoding.encoder = EncoderKind::X264;
	config.encoding.bitrate = 600000;
	return config;
}

struct Pipeline {
	SystemPlatform platform;
	std::unique_ptr<StreamPipeline> stream;

	explicit Pipeline(const Config &config)
	{
		stream = std::make_unique<StreamPipeline>(describePipeline(config, platform), false,
							  StreamPipeline::Callbacks{});
		std::string error;
		INFO(error);
		REQUIRE(stream->start(error));
		REQUIRE(runUntil([this]() { return stream->flowing(); }, 10));
	}
};

AdaptiveLimits fastLimits(const Config &config)
{
	AdaptiveLimits limits = AdaptiveLimits::from(config.adaptive, config.camera,
						     config.encoding.bitrate, false, true);
	limits.hotSeconds = 0.5;
	limits.coolSeconds = 1.5;
	limits.stepHoldSeconds = 2.5;
	return limits;
}

/* The controller's clock, and what the stats clock would do every 200 ms. */
struct SimulatedTime {
	int64_t now = 0;
	Clock clock()
	{
		return [this]() { return now; };
	}
};

constexpr int64_t kIntervalUs = 200000;

HostSample hostAt(double cpu, std::optional<double> temperature = {})
{
	HostSample sample;
	sample.systemCpuPercent = cpu;
	sample.temperatureCelsius = temperature;
	return sample;
}

/* Step the simulated clock an interval at a time until `done` (at most a minute). */
bool stepUntil(AdaptiveController &controller, SimulatedTime &time, const HostSample &host,
	       const std::function<bool()> &done)
{
	for (int i = 0; i < 300 && !done(); i++) {
		time.now += kIntervalUs;
		controller.update({}, host);
	}
	return done();
}

/* The encoder's output settles on `fps` and the source caps on the size. */
bool produces(StreamPipeline &stream, const AdaptiveFormat &format, double seconds)
{
	return runUntil([&]() {
		StreamStats s = stream.stats();
		return s.width == format.width && s.height == format.height &&
		       std::abs(s.fps - format.fps) <= 2.5;
	}, seconds);
}

} /* namespace */

TEST_CASE("CPU pressure: frame rate, then size, step down and come back", "[adaptive]")
{
	Config config = testConfig();
	Pipeline pipeline(config);
	AdaptiveLimits limits = fastLimits(config);
	SimulatedTime time;
	AdaptiveController controller(limits, *pipeline.stream, time.clock());
	REQUIRE(AdaptiveController::sourceRenegotiates(*pipeline.stream));
	controller.start();
	CHECK(encoderBitrate(pipeline.stream->encoder()) == 600000);

	std::vector<AdaptiveFormat> ladder = formatLadder(controller.limits());
	REQUIRE(ladder.size() == 5);
	int64_t reachedUs = time.now;
	for (size_t level = 1; level < ladder.size(); level++) {
		INFO("down to level " << level << ": " << ladder[level].width << "x" << ladder[level].height
				      << "@" << ladder[level].fps << "; stats " << pipeline.stream->stats().width
				      << "x" << pipeline.stream->stats().height << "@"
				      << pipeline.stream->stats().fps);
		REQUIRE(stepUntil(controller, time, hostAt(97), [&]() { return controller.state().level == int(level); }));
		/* Hot for hotSeconds (from the first sample that saw it), then a step per stepHoldSeconds. */
		CHECK(time.now - reachedUs <= int64_t((level == 1 ? limits.hotSeconds : limits.stepHoldSeconds) * 1e6) +
						      2 * kIntervalUs);
		reachedUs = time.now;
		CHECK(produces(*pipeline.stream, ladder[level], 4));
		CHECK(pipeline.stream->flowing());
	}
	CHECK(controller.status().lastReason.find("CPU 97%") != std::string::npos);

	for (int level = int(ladder.size()) - 2; level >= 0; level--) {
		INFO("up to level " << level);
		REQUIRE(stepUntil(controller, time, hostAt(20), [&]() { return controller.state().level == level; }));
		CHECK(produces(*pipeline.stream, ladder[level], 4));
	}
	CHECK(pipeline.stream->flowing());
	/* Four steps down, four up, nothing else: simulated time has no hiccups. */
	CHECK(controller.status().changes == 8);
}

TEST_CASE("camera sources keep their caps: the frame rate drops frames instead", "[adaptive]")
{
	/* An override source is not our test pattern: treated like a camera. */
	Config config = testConfig();
	config.pipeline.source = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! identity";
	Pipeline pipeline(config);
	REQUIRE_FALSE(AdaptiveController::sourceRenegotiates(*pipeline.stream));

	AdaptiveLimits limits = fastLimits(config);
	SimulatedTime time;
	AdaptiveController controller(limits, *pipeline.stream, time.clock());
	controller.start();
	/* No scaling without renegotiation: 30 -> 20 -> 15 fps only. */
	REQUIRE(formatLadder(controller.limits()).size() == 3);
	REQUIRE(stepUntil(controller, time, hostAt(10, 85), [&]() { return controller.state().level == 2; }));
	CHECK(produces(*pipeline.stream, { 15, 320, 240 }, 4));
	CHECK(controller.status().formatControl == "frame-drop");

	REQUIRE(stepUntil(controller, time, hostAt(10, 50), [&]() { return controller.state().level == 0; }));
	CHECK(produces(*pipeline.stream, { 30, 320, 240 }, 4));
}

TEST_CASE("a receiver report counts once, by when it arrived, whatever its figures", "[adaptive]")
{
	Config config = testConfig();
	Pipeline pipeline(config);
	SimulatedTime time;
	AdaptiveController controller(fastLimits(config), *pipeline.stream, time.clock());
	controller.start();
	auto report = [&](int64_t reportUs) {
		time.now += kIntervalUs;
		/* A clean path: every report says the same. */
		controller.update({ { "v", 0.0, 0.02, 0.001, -1, reportUs } }, hostAt(10));
		return controller.state().viewers.at("v").reports;
	};
	CHECK(report(1000) == 1);
	/* Polled again before the next report came: nothing new. */
	CHECK(report(1000) == 1);
	/* The next report, with the same figures: new all the same. */
	CHECK(report(2000) == 2);
	CHECK(report(3000) == 3);
}

TEST_CASE("new limits from a reload move the encoder's bitrate at once", "[adaptive]")
{
	Config config = testConfig();
	Pipeline pipeline(config);
	AdaptiveController controller(fastLimits(config), *pipeline.stream);
	controller.start();
	REQUIRE(encoderBitrate(pipeline.stream->encoder()) == 600000);

	/* A lower ceiling than the current target: the encoder follows now, not at the next tick. */
	config.adaptive.maxBitrate = 400000;
	controller.setLimits(fastLimits(config));
	CHECK(encoderBitrate(pipeline.stream->encoder()) == 400000);
	CHECK(controller.status().maxBitrate == 400000);
	CHECK(controller.status().targetBitrate == 400000);

	/* A floor above it lifts it. */
	config.adaptive.minBitrate = 450000;
	config.adaptive.maxBitrate = 1000000;
	controller.setLimits(fastLimits(config));
	CHECK(encoderBitrate(pipeline.stream->encoder()) == 450000);

	/* The fixed policy holds encoding.bitrate. */
	config.adaptive.policy = AdaptivePolicy::Fixed;
	config.encoding.bitrate = 700000;
	controller.setLimits(fastLimits(config));
	CHECK(encoderBitrate(pipeline.stream->encoder()) == 700000);
	CHECK(controller.status().policy == AdaptivePolicy::Fixed);

	/* The picture's size is what the pipeline was started with. */
	config.camera.width = 640;
	controller.setLimits(fastLimits(config));
	CHECK(controller.limits().full.width == 320);
}
