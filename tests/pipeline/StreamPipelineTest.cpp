/* SPDX-License-Identifier: MIT */
/*
 * Branch removal around shutdown: the main loop that would finish a
 * removal may never run again, so the pipeline's destructor must.
 */
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <gst/gst.h>

#include "pipeline/StreamPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;

namespace {

PipelineDescription smallPipeline()
{
	PipelineDescription description;
	description.producer =
		"videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! "
		"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse";
	description.fanout = "rtph264pay name=pay config-interval=-1 ! tee name=fanout allow-not-linked=true "
			     "fanout. ! queue ! fakesink sync=false async=false";
	description.launch = description.producer + " ! " + description.fanout;
	return description;
}

/* What a viewer branch looks like to the pipeline: a bin with a "sink". */
GstPtr<GstElement> makeBranch(const char *name)
{
	GstElement *bin = gst_parse_bin_from_description("queue ! fakesink sync=false async=false",
							  TRUE, nullptr);
	REQUIRE(bin);
	gst_object_set_name(GST_OBJECT(bin), name);
	return GstPtr<GstElement>::adopt(GST_ELEMENT(gst_object_ref_sink(bin)));
}

GstState stateOf(GstElement *element)
{
	GstState state = GST_STATE_VOID_PENDING;
	gst_element_get_state(element, &state, nullptr, 0);
	return state;
}

} /* namespace */

TEST_CASE("a removed branch is stopped and dropped on the main loop", "[pipeline]")
{
	StreamPipeline pipeline(smallPipeline(), false, {});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return pipeline.flowing(); }, 10));

	GstPtr<GstElement> branch = makeBranch("viewer-a");
	REQUIRE(pipeline.addBranch(branch.get()));
	bool done = false;
	pipeline.removeBranch(branch.get(), [&]() { done = true; });
	REQUIRE(runUntil([&]() { return done; }, 5));
	CHECK(GST_OBJECT_PARENT(branch.get()) == nullptr);
	CHECK(stateOf(branch.get()) == GST_STATE_NULL);
}

TEST_CASE("a branch removed just before shutdown is finished by the destructor", "[pipeline]")
{
	auto pipeline = std::make_unique<StreamPipeline>(smallPipeline(), false,
							 StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline->start(error));
	REQUIRE(runUntil([&]() { return pipeline->flowing(); }, 10));

	GstPtr<GstElement> branch = makeBranch("viewer-b");
	REQUIRE(pipeline->addBranch(branch.get()));
	REQUIRE(runUntil([]() { return false; }, 0.2) == false);

	/* As at shutdown: no main loop iteration between removal and the end. */
	bool done = false;
	pipeline->removeBranch(branch.get(), [&]() { done = true; });
	pipeline.reset();

	CHECK(done);
	CHECK(GST_OBJECT_PARENT(branch.get()) == nullptr);
	CHECK(stateOf(branch.get()) == GST_STATE_NULL);
	/* Only our reference is left: nothing kept the branch (or the pipeline). */
	int refs = GST_OBJECT_REFCOUNT_VALUE(branch.get());
	CHECK(refs == 1);

	/* Work still posted for the dead pipeline must be harmless. */
	runUntil([]() { return false; }, 0.2);
}
