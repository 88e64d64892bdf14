/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <cstring>

#include <gst/rtp/rtp.h>

#include "pipeline/RtpPayloadType.h"

using namespace wcam;

namespace {

struct Header {
	guint8 pt;
	bool marker;
	guint16 seq;
	guint32 timestamp;
	guint32 ssrc;
};

Header header(GstBuffer *buffer)
{
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	REQUIRE(gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp));
	Header h{ gst_rtp_buffer_get_payload_type(&rtp), gst_rtp_buffer_get_marker(&rtp) != FALSE,
		  gst_rtp_buffer_get_seq(&rtp), gst_rtp_buffer_get_timestamp(&rtp),
		  gst_rtp_buffer_get_ssrc(&rtp) };
	gst_rtp_buffer_unmap(&rtp);
	return h;
}

/* The memory a byte of the buffer is in, and that memory's origin. */
GstMemory *memoryAt(GstBuffer *buffer, gsize offset)
{
	guint idx = 0, length = 0;
	gsize skip = 0;
	REQUIRE(gst_buffer_find_memory(buffer, offset, 1, &idx, &length, &skip));
	GstMemory *memory = gst_buffer_peek_memory(buffer, idx);
	return memory->parent ? memory->parent : memory;
}

GstBuffer *packet(guint8 pt)
{
	GstBuffer *buffer = gst_rtp_buffer_new_allocate(1000, 0, 0);
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	REQUIRE(gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp));
	gst_rtp_buffer_set_payload_type(&rtp, pt);
	gst_rtp_buffer_set_marker(&rtp, TRUE);
	gst_rtp_buffer_set_seq(&rtp, 4321);
	gst_rtp_buffer_set_timestamp(&rtp, 90000);
	gst_rtp_buffer_set_ssrc(&rtp, 0xdecafbad);
	auto *payload = static_cast<guint8 *>(gst_rtp_buffer_get_payload(&rtp));
	for (guint i = 0; i < 1000; i++)
		payload[i] = guint8(i * 7);
	gst_rtp_buffer_unmap(&rtp);

	/*
	 * In one memory, header and payload: rtph264pay gives the header a
	 * memory of its own, but an aggregate, a [pipeline] override or the
	 * relay's input need not, and a writable map would copy it all.
	 */
	GstMapInfo map;
	REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
	GstBuffer *single = gst_buffer_new_memdup(map.data, map.size);
	gst_buffer_unmap(buffer, &map);
	gst_buffer_unref(buffer);
	REQUIRE(gst_buffer_n_memory(single) == 1);
	GST_BUFFER_PTS(single) = 5 * GST_SECOND;
	GST_BUFFER_FLAG_SET(single, GST_BUFFER_FLAG_DISCONT);
	return single;
}

} /* namespace */

TEST_CASE("a viewer's payload type: its own header, the tee's payload", "[pipeline]")
{
	GstBuffer *shared = packet(96);
	/* The tee holds it for the other viewers too. */
	GstBuffer *mine = withPayloadType(gst_buffer_ref(shared), 102);

	REQUIRE(mine != shared);
	Header original = header(shared);
	Header rewritten = header(mine);
	CHECK(original.pt == 96);
	CHECK(rewritten.pt == 102);
	CHECK(rewritten.marker);
	CHECK(rewritten.seq == 4321);
	CHECK(rewritten.timestamp == 90000);
	CHECK(rewritten.ssrc == 0xdecafbad);
	CHECK(gst_buffer_get_size(mine) == gst_buffer_get_size(shared));
	CHECK(GST_BUFFER_PTS(mine) == 5 * GST_SECOND);
	CHECK(GST_BUFFER_FLAG_IS_SET(mine, GST_BUFFER_FLAG_DISCONT));

	/* Not copied: the payload is the tee's memory, the header is not. */
	CHECK(memoryAt(mine, 12) == memoryAt(shared, 12));
	CHECK(memoryAt(mine, 1) != memoryAt(shared, 1));
	GstMapInfo a, b;
	REQUIRE(gst_buffer_map(mine, &a, GST_MAP_READ));
	REQUIRE(gst_buffer_map(shared, &b, GST_MAP_READ));
	CHECK(std::memcmp(a.data + 12, b.data + 12, 1000) == 0);
	gst_buffer_unmap(shared, &b);
	gst_buffer_unmap(mine, &a);

	gst_buffer_unref(mine);
	gst_buffer_unref(shared);
}

TEST_CASE("a packet already of that payload type, or too short, passes as is", "[pipeline]")
{
	GstBuffer *same = packet(102);
	CHECK(withPayloadType(same, 102) == same);
	gst_buffer_unref(same);

	GstBuffer *runt = gst_buffer_new_allocate(nullptr, 5, nullptr);
	CHECK(withPayloadType(runt, 102) == runt);
	gst_buffer_unref(runt);
}
