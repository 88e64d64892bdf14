/* SPDX-License-Identifier: MIT */
/*
 * FrameGrabber: a branch off the tee only while a grab waits, one decode
 * shared by every grab under way, a keyframe asked for (the stream here
 * has none of its own for a minute), and a timeout that names the
 * stream's problem when nothing comes.
 */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <gst/video/video.h>

#include "config/Config.h"
#include "pipeline/FrameGrabber.h"
#include "pipeline/Platform.h"
#include "pipeline/StreamPipeline.h"
#include "support/SmallPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;

namespace {

struct Result {
	bool done = false;
	MiniObjectPtr<GstSample> frame;
	std::string error;
};

FrameGrabber::Done into(Result &result)
{
	return [&result](MiniObjectPtr<GstSample> frame, const std::string &error) {
		result.done = true;
		result.frame = std::move(frame);
		result.error = error;
	};
}

int branchesIn(StreamPipeline &pipeline)
{
	int count = 0;
	GstIterator *it = gst_bin_iterate_elements(GST_BIN(pipeline.pipeline()));
	GValue item = G_VALUE_INIT;
	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		if (g_str_has_prefix(GST_OBJECT_NAME(g_value_get_object(&item)), FrameGrabber::kBranchPrefix))
			count++;
		g_value_reset(&item);
	}
	g_value_unset(&item);
	gst_iterator_free(it);
	return count;
}

} /* namespace */

TEST_CASE("grabber: one decode for the grabs under way, then no branch", "[pipeline]")
{
	Config config;
	config.camera.source = SourceKind::Test;
	config.encoding.encoder = EncoderKind::X264;
	config.camera.width = 320;
	config.camera.height = 240;
	/* No keyframe of its own within the test: the grab's request must bring one. */
	config.encoding.keyframeInterval = 60;
	PipelineDescription description = describePipeline(config, SystemPlatform());
	REQUIRE(description.error.empty());
	StreamPipeline pipeline(description, false, {});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return pipeline.flowing(); }, 10));
	/* Past the stream's first keyframe. */
	REQUIRE(runUntil([&]() { return pipeline.stats().frames > 30; }, 10));

	FrameGrabber grabber(pipeline, 10 * G_USEC_PER_SEC);
	CHECK(branchesIn(pipeline) == 0);
	Result a, b;
	grabber.grab(into(a));
	grabber.grab(into(b));
	CHECK(branchesIn(pipeline) == 1);
	REQUIRE(runUntil([&]() { return a.done && b.done; }, 10));
	INFO(a.error);
	REQUIRE(a.frame);
	CHECK(a.frame.get() == b.frame.get());
	CHECK(grabber.grabs() == 1);
	GstVideoInfo info;
	REQUIRE(gst_video_info_from_caps(&info, gst_sample_get_caps(a.frame.get())));
	CHECK(GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_RGB);
	CHECK(GST_VIDEO_INFO_WIDTH(&info) == 320);
	CHECK(GST_VIDEO_INFO_HEIGHT(&info) == 240);
	/* The encoder forced one (counted by the pipeline's 100 ms tick). */
	CHECK(runUntil([&]() { return pipeline.stats().keyframeRequests >= 1; }, 2));

	REQUIRE(runUntil([&]() { return !grabber.branchPresent(); }, 5));
	CHECK(branchesIn(pipeline) == 0);

	/* The next grab is a new branch and a new frame. */
	Result c;
	grabber.grab(into(c));
	REQUIRE(runUntil([&]() { return c.done; }, 10));
	CHECK(c.frame);
	CHECK(grabber.grabs() == 2);
}

TEST_CASE("grabber: without frames a grab fails with the stream's problem", "[pipeline]")
{
	/* A producer that never delivers: the valve drops everything before the encoder. */
	PipelineDescription description = wcam::test::smallPipeline();
	description.producer = "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! "
			       "valve drop=true ! x264enc tune=zerolatency ! h264parse";
	StreamPipeline pipeline(description, false, {});
	std::string error;
	REQUIRE(pipeline.start(error));

	FrameGrabber grabber(pipeline, 300 * 1000);
	Result result;
	grabber.grab(into(result));
	REQUIRE(runUntil([&]() { return result.done; }, 5));
	CHECK_FALSE(result.frame);
	CHECK(result.error.find("no decoded picture within 300 ms") != std::string::npos);
	CHECK(result.error.find("no frames from the camera/encoder") != std::string::npos);
	REQUIRE(runUntil([&]() { return !grabber.branchPresent(); }, 5));
	CHECK(branchesIn(pipeline) == 0);
}
