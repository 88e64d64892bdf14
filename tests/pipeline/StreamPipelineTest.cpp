/* SPDX-License-Identifier: MIT */
/*
 * Branch removal around shutdown: the main loop that would finish a
 * removal may never run again, so the pipeline's destructor must. What a
 * forced keyframe looks like on the wire. The first frame's report.
 */
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

#include "config/Config.h"
#include "pipeline/Platform.h"
#include "pipeline/StreamPipeline.h"
#include "support/SmallPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;
using wcam::test::smallPipeline;

namespace {

/* What this machine runs by default (test pattern, x264enc), running, with forced keyframes only. */
std::unique_ptr<StreamPipeline> forcedKeyframesOnly(int width, int height)
{
	Config config;
	config.camera.source = SourceKind::Test;
	config.encoding.encoder = EncoderKind::X264;
	config.camera.width = width;
	config.camera.height = height;
	config.encoding.keyframeInterval = 60;
	PipelineDescription description = describePipeline(config, SystemPlatform());
	REQUIRE(description.error.empty());
	auto pipeline = std::make_unique<StreamPipeline>(description, false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline->start(error));
	REQUIRE(runUntil([&]() { return pipeline->flowing(); }, 10));
	return pipeline;
}

/* What a viewer branch looks like to the pipeline: a bin with a "sink". */
GstPtr<GstElement> makeBranch(const char *name)
{
	GstElement *bin = gst_parse_bin_from_description("queue ! fakesink sync=false async=false",
							  TRUE, nullptr);
	REQUIRE(bin);
	gst_object_set_name(GST_OBJECT(bin), name);
	return GstPtr<GstElement>::retain(bin);
}

GstState stateOf(GstElement *element)
{
	GstState state = GST_STATE_VOID_PENDING;
	gst_element_get_state(element, &state, nullptr, 0);
	return state;
}

/* One RTP packet as a browser's depacketizer sees it. */
struct Packet {
	guint32 timestamp;
	bool marker;
	std::vector<int> nalTypes; /* of the NAL units it carries or starts */
};

/* streaming thread: what reaches a viewer branch, decoded far enough. */
struct Recorder {
	std::mutex lock;
	std::vector<Packet> packets;

	static GstPadProbeReturn record(GstPad *, GstPadProbeInfo *info, gpointer data)
	{
		auto *self = static_cast<Recorder *>(data);
		GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
		if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp))
			return GST_PAD_PROBE_OK;
		Packet packet{ gst_rtp_buffer_get_timestamp(&rtp), bool(gst_rtp_buffer_get_marker(&rtp)), {} };
		auto *payload = static_cast<const guint8 *>(gst_rtp_buffer_get_payload(&rtp));
		guint size = gst_rtp_buffer_get_payload_len(&rtp);
		int type = size ? payload[0] & 0x1f : 0;
		if (type == 24) { /* STAP-A: 16-bit sizes, then units */
			for (guint at = 1; at + 2 < size;) {
				guint length = (guint(payload[at]) << 8) | payload[at + 1]; /* unaligned */
				packet.nalTypes.push_back(payload[at + 2] & 0x1f);
				at += 2 + length;
			}
		} else if (type == 28 && size > 1) { /* FU-A: the start bit counts */
			if (payload[1] & 0x80)
				packet.nalTypes.push_back(payload[1] & 0x1f);
		} else if (type) {
			packet.nalTypes.push_back(type);
		}
		gst_rtp_buffer_unmap(&rtp);
		std::lock_guard<std::mutex> guard(self->lock);
		self->packets.push_back(std::move(packet));
		return GST_PAD_PROBE_OK;
	}
};

bool isPicture(int nalType)
{
	return nalType >= 1 && nalType <= 5;
}

} /* namespace */

TEST_CASE("the first frame is reported once, from the main loop", "[pipeline]")
{
	int reports = 0;
	bool flowingWhenReported = false;
	StreamPipeline::Callbacks callbacks;
	StreamPipeline *self = nullptr;
	callbacks.firstFrame = [&]() {
		reports++;
		flowingWhenReported = self->flowing();
	};
	StreamPipeline pipeline(smallPipeline(), false, callbacks);
	self = &pipeline;
	std::string error;
	REQUIRE(pipeline.start(error));
	/* Nothing is reported from inside start(): the main loop has not run. */
	CHECK(reports == 0);
	REQUIRE(runUntil([&]() { return reports > 0; }, 10));
	CHECK(flowingWhenReported);
	/* Later frames and the ticks (stats every second) report nothing more. */
	runUntil([]() { return false; }, 1.2);
	CHECK(reports == 1);
	CHECK(pipeline.stats().frames > 1);
}

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

TEST_CASE("a forced keyframe reaches viewers as one access unit", "[pipeline]")
{
	std::unique_ptr<StreamPipeline> owned = forcedKeyframesOnly(320, 240);
	StreamPipeline &pipeline = *owned;

	GstPtr<GstElement> branch = makeBranch("viewer-k");
	Recorder recorder;
	GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(branch.get(), "sink"));
	gst_pad_add_probe(sink.get(), GST_PAD_PROBE_TYPE_BUFFER, Recorder::record, &recorder, nullptr);
	REQUIRE(pipeline.addBranch(branch.get()));

	/* Three forced keyframes, one after the other has been granted. */
	for (int i = 0; i < 3; i++) {
		uint64_t granted = pipeline.stats().keyframeRequests;
		pipeline.requestKeyframe("test");
		REQUIRE(runUntil([&]() { return pipeline.stats().keyframeRequests > granted; }, 5));
	}
	/* The last one reaches the branch, and enough frames to judge. */
	auto framesAfter = [&recorder](guint32 after) {
		std::lock_guard<std::mutex> guard(recorder.lock);
		std::set<guint32> timestamps;
		bool newer = false;
		for (const Packet &packet : recorder.packets) {
			timestamps.insert(packet.timestamp);
			/* RTP time wraps: compare the difference. */
			newer = newer || gint32(packet.timestamp - after) > 0;
		}
		return std::make_pair(timestamps.size(), newer);
	};
	guint32 last = 0;
	{
		std::lock_guard<std::mutex> guard(recorder.lock);
		last = recorder.packets.empty() ? 0 : recorder.packets.back().timestamp;
	}
	REQUIRE(runUntil([&]() {
		auto [count, newer] = framesAfter(last + 90000 / 5);
		return count > 30 && newer;
	}, 5));
	bool done = false;
	pipeline.removeBranch(branch.get(), [&]() { done = true; });
	REQUIRE(runUntil([&]() { return done; }, 5));

	std::lock_guard<std::mutex> guard(recorder.lock);
	/* Per RTP timestamp (one frame): what it carried, and how it ended. */
	struct Frame {
		bool picture = false;
		bool idr = false;
		int markers = 0;
		bool pictureBeforeMarker = false;
	};
	std::map<guint32, Frame> frames;
	for (const Packet &packet : recorder.packets) {
		Frame &frame = frames[packet.timestamp];
		for (int type : packet.nalTypes) {
			frame.picture = frame.picture || isPicture(type);
			frame.idr = frame.idr || type == 5;
		}
		if (packet.marker) {
			if (frame.markers == 0)
				frame.pictureBeforeMarker = frame.picture;
			frame.markers++;
		}
	}
	int idrs = 0;
	for (const auto &[timestamp, frame] : frames) {
		INFO("RTP timestamp " << timestamp);
		idrs += frame.idr;
		/* A browser ends a frame at the marker: it must hold the picture. */
		CHECK(frame.markers <= 1);
		if (frame.markers)
			CHECK(frame.pictureBeforeMarker);
	}
	/* The first frame, the join and the three requests (limited to 2/s). */
	CHECK(idrs >= 3);
	CHECK(frames.size() > 30);
}

TEST_CASE("the encoder grants key unit requests at most one per interval", "[pipeline]")
{
	std::unique_ptr<StreamPipeline> owned = forcedKeyframesOnly(160, 120);
	StreamPipeline &pipeline = *owned;
	REQUIRE(pipeline.encoder());
	guint64 interval = 0;
	g_object_get(pipeline.encoder(), "min-force-key-unit-interval", &interval, nullptr);
	CHECK(interval == 500 * GST_MSECOND);

	/* A storm of repairs: one keyframe now, the rest held, never one per request. */
	uint64_t keyframes = pipeline.stats().keyframes;
	for (int i = 0; i < 10; i++)
		pipeline.requestKeyframe("test storm");
	REQUIRE(runUntil([&]() { return pipeline.stats().keyframeRequests >= 1; }, 5));
	uint64_t granted = pipeline.stats().keyframeRequests;
	CHECK(granted <= 2);
	/* The held ones are granted once the interval passed, not dropped. */
	CHECK(runUntil([&]() { return pipeline.stats().keyframes >= keyframes + 2; }, 5));
	CHECK(pipeline.stats().keyframeRequests + pipeline.stats().keyframeRequestsSuppressed >= 10);

	/* A join shortens the interval for a while, then the repair interval is back. */
	pipeline.requestKeyframe("test join", StreamPipeline::KeyframeReason::Join);
	g_object_get(pipeline.encoder(), "min-force-key-unit-interval", &interval, nullptr);
	CHECK(interval == 150 * GST_MSECOND);
	CHECK(runUntil([&]() {
		g_object_get(pipeline.encoder(), "min-force-key-unit-interval", &interval, nullptr);
		return interval == 500 * GST_MSECOND;
	}, 5));
}
