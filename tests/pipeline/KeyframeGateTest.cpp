/* SPDX-License-Identifier: MIT */
/*
 * The viewer's gate: nothing before open(), then nothing before the first
 * packet of a keyframe, in single buffers and in lists; it tells when
 * that keyframe passed.
 */
#include <catch2/catch.hpp>

#include <vector>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "pipeline/KeyframeGate.h"

using namespace wcam;

namespace {

/* A numbered stand-in for a packet; `key` starts a keyframe. */
GstBuffer *packet(guint8 number, bool key)
{
	GstBuffer *buffer = gst_buffer_new_memdup(&number, 1);
	if (!key)
		GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	return buffer;
}

GstFlowReturn record(GstPad *pad, GstObject *, GstBuffer *buffer)
{
	auto *numbers = static_cast<std::vector<int> *>(gst_pad_get_element_private(pad));
	guint8 number = 0;
	gst_buffer_extract(buffer, 0, &number, 1);
	numbers->push_back(number);
	gst_buffer_unref(buffer);
	return GST_FLOW_OK;
}

} /* namespace */

TEST_CASE("the gate opens at the next keyframe, for buffers and lists", "[keyframe-gate]")
{
	std::vector<int> passed;
	GstPtr<GstPad> source = GstPtr<GstPad>::retain(gst_pad_new("src", GST_PAD_SRC));
	GstPtr<GstPad> sink = GstPtr<GstPad>::retain(gst_pad_new("sink", GST_PAD_SINK));
	gst_pad_set_element_private(sink.get(), &passed);
	/* The default chain-list function hands each buffer to this one. */
	gst_pad_set_chain_function(sink.get(), record);
	REQUIRE(gst_pad_link(source.get(), sink.get()) == GST_PAD_LINK_OK);
	gst_pad_set_active(sink.get(), TRUE);
	gst_pad_set_active(source.get(), TRUE);
	gst_pad_push_event(source.get(), gst_event_new_stream_start("gate"));
	GstCaps *caps = gst_caps_new_empty_simple("application/x-rtp");
	gst_pad_push_event(source.get(), gst_event_new_caps(caps));
	gst_caps_unref(caps);
	GstSegment segment;
	gst_segment_init(&segment, GST_FORMAT_TIME);
	gst_pad_push_event(source.get(), gst_event_new_segment(&segment));

	KeyframeGate gate(source.get());
	/* Closed: even a keyframe stays out. */
	gst_pad_push(source.get(), packet(1, true));
	gst_pad_push(source.get(), packet(2, false));
	gate.open();
	CHECK(gate.passedUs() == 0);
	int64_t opened = g_get_monotonic_time();
	SECTION("buffers") {
		gst_pad_push(source.get(), packet(3, false));
		gst_pad_push(source.get(), packet(4, true));
		gst_pad_push(source.get(), packet(5, false));
	}
	SECTION("a list with the keyframe inside") {
		GstBufferList *list = gst_buffer_list_new();
		gst_buffer_list_add(list, packet(3, false));
		gst_buffer_list_add(list, packet(4, true));
		gst_buffer_list_add(list, packet(5, false));
		gst_pad_push_list(source.get(), list);
	}
	SECTION("a list of delta packets only, then the keyframe") {
		GstBufferList *list = gst_buffer_list_new();
		gst_buffer_list_add(list, packet(3, false));
		gst_pad_push_list(source.get(), list);
		gst_pad_push(source.get(), packet(4, true));
		gst_pad_push(source.get(), packet(5, false));
	}
	/* Gone after the keyframe: a later delta packet passes too. */
	gst_pad_push(source.get(), packet(6, false));
	CHECK(passed == std::vector<int>{ 4, 5, 6 });
	/* The viewer's join timeline reads when its first picture went out. */
	CHECK(gate.passedUs() >= opened);

	gst_pad_set_active(source.get(), FALSE);
	gst_pad_set_active(sink.get(), FALSE);
}
