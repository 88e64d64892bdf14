/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "pipeline/LatencyStamp.h"

using namespace wcam;

namespace {

/* (now - stamp) mod 2^32, as the spec's reader computes it. */
int64_t ageMillis(uint32_t stamp)
{
	return static_cast<int32_t>(wallClockMillis() - stamp);
}

/* A planar 4:2:0 frame in plain memory, luma and chroma filled apart. */
struct I420Frame {
	int width, height, stride, cstride;
	std::vector<uint8_t> y, u, v;

	I420Frame(int w, int h, uint8_t luma = 100, uint8_t chroma = 50)
		: width(w), height(h), stride(w + 32), cstride(w / 2 + 16),
		  y(static_cast<size_t>(stride) * h, luma),
		  u(static_cast<size_t>(cstride) * (h / 2), chroma),
		  v(static_cast<size_t>(cstride) * (h / 2), chroma)
	{
	}

	bool write(uint32_t millis)
	{
		return writeLatencyStamp(millis, { y.data(), stride, 1 }, width, height,
					 { u.data(), cstride, 1 }, { v.data(), cstride, 1 }, 1, 1);
	}

	std::optional<uint32_t> read() const
	{
		return readLatencyStamp(y.data(), stride, 1, width, height);
	}

	void setBlock(int block, uint8_t value)
	{
		for (int row = 0; row < kStampBlock; row++)
			memset(&y[row * stride + block * kStampBlock], value, kStampBlock);
	}
};

std::vector<uint32_t> interestingValues()
{
	std::vector<uint32_t> values{ 0u, 0xffffffffu, 0xaaaaaaaau, 0x55555555u, 1u,
				      0x80000000u, 0x7fffffffu, 0x0000ffffu, 0xffff0000u,
				      0x12345678u, 0xdeadbeefu, wallClockMillis() };
	std::mt19937 rng(20240601);
	for (int i = 0; i < 200; i++)
		values.push_back(rng());
	return values;
}

} /* namespace */

TEST_CASE("stamp round-trips through a planar frame", "[stamp]")
{
	for (uint32_t value : interestingValues()) {
		I420Frame frame(640, 480);
		REQUIRE(frame.write(value));
		auto read = frame.read();
		REQUIRE(read);
		CHECK(*read == value);
	}
}

TEST_CASE("stamp layout follows the spec", "[stamp]")
{
	I420Frame frame(640, 48);
	REQUIRE(frame.write(0xa5000001u));

	auto bitAt = [&](int block) {
		uint8_t corner = frame.y[block * kStampBlock];
		uint8_t other = frame.y[15 * frame.stride + block * kStampBlock + 15];
		REQUIRE(corner == other); /* whole blocks */
		REQUIRE((corner == 235 || corner == 16));
		return corner == 235;
	};

	const bool expected[kStampBlocks] = {
		1, 0, 1, 0,
		1, 0, 1, 0, 0, 1, 0, 1, /* 0xa5 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 1,
	};
	for (int block = 0; block < kStampBlocks; block++) {
		INFO("block " << block);
		CHECK(bitAt(block) == expected[block]);
	}

	/* Nothing outside the 608x16 corner changes. */
	CHECK(frame.y[kStampWidth] == 100);
	CHECK(frame.y[16 * frame.stride] == 100);
	CHECK(frame.y[16 * frame.stride + kStampWidth - 1] == 100);
}

TEST_CASE("stamp round-trips with packed pixel strides", "[stamp]")
{
	/* YUY2-like: luma every second byte at offset 0 (or 1 for UYVY). */
	const int width = 608, height = 16, stride = width * 2;
	for (int offset : { 0, 1 }) {
		for (uint32_t value : interestingValues()) {
			std::vector<uint8_t> data(stride * height, 77);
			uint8_t *base = data.data();
			PlaneView luma{ base + offset, stride, 2 };
			PlaneView u{ base + (offset ? 0 : 1), stride, 4 };
			PlaneView v{ base + (offset ? 2 : 3), stride, 4 };
			REQUIRE(writeLatencyStamp(value, luma, width, height, u, v, 1, 0));
			/* Every byte of the stamped area is now luma or neutral chroma. */
			int wrong = 0;
			for (int i = 0; i < stride * height; i++) {
				bool isLuma = (i % 2) == offset;
				if (isLuma ? data[i] != 16 && data[i] != 235 : data[i] != 128)
					wrong++;
			}
			CHECK(wrong == 0);
			auto read = readLatencyStamp(base + offset, stride, 2, width, height);
			REQUIRE(read);
			CHECK(*read == value);
		}
	}
}

TEST_CASE("guards reject corrupted or missing stamps", "[stamp]")
{
	/* Each guard block flipped on its own must fail the read. */
	for (int block : { 0, 1, 2, 3, 36, 37 }) {
		I420Frame frame(640, 480);
		REQUIRE(frame.write(0x12345678u));
		REQUIRE(frame.read());
		bool wasWhite = frame.y[8 * frame.stride + block * kStampBlock + 8] == 235;
		frame.setBlock(block, wasWhite ? 16 : 235);
		INFO("guard block " << block);
		CHECK_FALSE(frame.read());
	}

	/* A data bit flip still reads, as a different value. */
	I420Frame flipped(640, 480);
	REQUIRE(flipped.write(0));
	flipped.setBlock(35, 235);
	CHECK(flipped.read() == std::optional<uint32_t>(1u));

	/* Uniform pictures carry no stamp. */
	CHECK_FALSE(I420Frame(640, 480, 16).read());
	CHECK_FALSE(I420Frame(640, 480, 235).read());
	CHECK_FALSE(I420Frame(640, 480, 128).read());
}

TEST_CASE("too small frames are left alone", "[stamp]")
{
	I420Frame narrow(607, 480);
	CHECK_FALSE(narrow.write(0xffffffffu));
	CHECK(std::all_of(narrow.y.begin(), narrow.y.end(), [](uint8_t p) { return p == 100; }));
	CHECK(std::all_of(narrow.u.begin(), narrow.u.end(), [](uint8_t p) { return p == 50; }));
	CHECK_FALSE(narrow.read());

	I420Frame shallow(640, 15);
	CHECK_FALSE(shallow.write(0xffffffffu));
	CHECK(std::all_of(shallow.y.begin(), shallow.y.end(), [](uint8_t p) { return p == 100; }));
	CHECK_FALSE(shallow.read());

	/* Exactly 608x16 is enough. */
	I420Frame exact(608, 16);
	CHECK(exact.write(42));
	CHECK(exact.read() == std::optional<uint32_t>(42u));

	CHECK_FALSE(writeLatencyStamp(1, {}, 640, 480));
	CHECK_FALSE(readLatencyStamp(nullptr, 640, 1, 640, 480));
}

TEST_CASE("chroma under the stamp becomes neutral", "[stamp]")
{
	SECTION("I420: 304x8 chroma samples per plane") {
		I420Frame frame(640, 480);
		REQUIRE(frame.write(0xdeadbeefu));
		for (int row = 0; row < 240; row++) {
			for (int col = 0; col < 320; col++) {
				bool under = row < 8 && col < 304;
				uint8_t want = under ? 128 : 50;
				REQUIRE(frame.u[row * frame.cstride + col] == want);
				REQUIRE(frame.v[row * frame.cstride + col] == want);
			}
		}
	}

	SECTION("NV12: interleaved UV, pixel stride 2") {
		const int width = 640, height = 32, stride = 640;
		std::vector<uint8_t> y(stride * height, 90), uv(stride * height / 2, 60);
		REQUIRE(writeLatencyStamp(7, { y.data(), stride, 1 }, width, height,
					  { uv.data(), stride, 2 }, { uv.data() + 1, stride, 2 }, 1, 1));
		for (int row = 0; row < height / 2; row++) {
			for (int col = 0; col < stride; col++) {
				bool under = row < 8 && col < kStampWidth;
				REQUIRE(uv[row * stride + col] == (under ? 128 : 60));
			}
		}
		CHECK(readLatencyStamp(y.data(), stride, 1, width, height) == std::optional<uint32_t>(7u));
	}

	SECTION("Y444: full resolution chroma") {
		const int width = 640, height = 20, stride = 640;
		std::vector<uint8_t> y(stride * height, 90), u(stride * height, 60), v(stride * height, 70);
		REQUIRE(writeLatencyStamp(9, { y.data(), stride, 1 }, width, height,
					  { u.data(), stride, 1 }, { v.data(), stride, 1 }, 0, 0));
		for (int row = 0; row < height; row++) {
			for (int col = 0; col < width; col++) {
				bool under = row < 16 && col < kStampWidth;
				REQUIRE(u[row * stride + col] == (under ? 128 : 60));
				REQUIRE(v[row * stride + col] == (under ? 128 : 70));
			}
		}
	}
}

TEST_CASE("the stamp is the low 32 bits of the real time in milliseconds", "[stamp]")
{
	CHECK(stampMillis(0) == 0u);
	CHECK(stampMillis(1999) == 1u); /* whole milliseconds, truncated */
	/* 2026-01-01T00:00:00Z is 1767225600000 ms; modulo 2^32 it is: */
	CHECK(stampMillis(INT64_C(1767225600000) * 1000 + 999) == 1994041344u);
	/* Wrapping at 2^32 ms (about 49.7 days) as the reader expects. */
	CHECK(stampMillis((INT64_C(1) << 32) * 1000 + 5000) == 5u);
	CHECK(stampMillis((INT64_C(1) << 32) * 1000 - 1000) == 0xffffffffu);
}

TEST_CASE("wallClockMillis reads CLOCK_REALTIME, not another clock", "[stamp]")
{
	/*
	 * An independent reading of the clock the spec names. A minute of
	 * tolerance: only the choice of clock is checked, never timing.
	 */
	struct timespec ts;
	REQUIRE(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	uint32_t realtime = static_cast<uint32_t>(static_cast<uint64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000);
	int32_t difference = static_cast<int32_t>(wallClockMillis() - realtime);
	INFO("wallClockMillis() - CLOCK_REALTIME = " << difference << " ms");
	CHECK(std::abs(difference) < 60000);
}

namespace {

/* Runs a launch line ending in "appsink name=sink" and reads every frame. */
struct PipelineResult {
	std::vector<std::optional<uint32_t>> stamps;
	std::vector<bool> chromaNeutral;
	std::vector<uint32_t> written; /* recorded right after the stamper */
	int64_t startMillis = 0;
	bool error = false;
};

GstPadProbeReturn recordWritten(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *written = static_cast<std::vector<uint32_t> *>(data);
	GstBuffer *buffer = gst_pad_probe_info_get_buffer(info);
	GstCaps *caps = gst_pad_get_current_caps(pad);
	GstVideoInfo vinfo;
	if (caps && gst_video_info_from_caps(&vinfo, caps)) {
		GstVideoFrame frame;
		if (gst_video_frame_map(&frame, &vinfo, buffer, GST_MAP_READ)) {
			auto stamp = readLatencyStamp(
				static_cast<const uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
				GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0),
				GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0),
				GST_VIDEO_FRAME_WIDTH(&frame), GST_VIDEO_FRAME_HEIGHT(&frame));
			if (stamp)
				written->push_back(*stamp);
			gst_video_frame_unmap(&frame);
		}
	}
	if (caps)
		gst_caps_unref(caps);
	return GST_PAD_PROBE_OK;
}

PipelineResult runPipeline(const std::string &launch, bool stamp)
{
	PipelineResult result;
	g_autoptr(GError) error = nullptr;
	GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
	REQUIRE(pipeline);
	REQUIRE(error == nullptr);

	GstElement *identity = gst_bin_get_by_name(GST_BIN(pipeline), "i");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	REQUIRE(identity);
	REQUIRE(sink);
	g_object_set(sink, "sync", FALSE, nullptr);

	GstPad *src = gst_element_get_static_pad(identity, "src");
	if (stamp)
		CHECK(attachLatencyStamper(src) != 0);
	/* Added second, so it runs after the stamper. */
	gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, recordWritten, &result.written, nullptr);

	result.startMillis = wallClockMillis();
	REQUIRE(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);

	for (;;) {
		GstSample *sample = nullptr;
		g_signal_emit_by_name(sink, "try-pull-sample", 10 * GST_SECOND, &sample);
		if (!sample)
			break;

		GstVideoInfo vinfo;
		REQUIRE(gst_video_info_from_caps(&vinfo, gst_sample_get_caps(sample)));
		GstVideoFrame frame;
		REQUIRE(gst_video_frame_map(&frame, &vinfo, gst_sample_get_buffer(sample), GST_MAP_READ));

		const auto *luma = static_cast<const uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0));
		result.stamps.push_back(readLatencyStamp(luma,
							 GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0),
							 GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0),
							 GST_VIDEO_FRAME_WIDTH(&frame),
							 GST_VIDEO_FRAME_HEIGHT(&frame)));

		/* Chroma at a few spots under the stamp (none for GRAY8). */
		bool neutral = true;
		for (int c = 1; c < static_cast<int>(GST_VIDEO_FRAME_N_COMPONENTS(&frame)); c++) {
			const auto *data = static_cast<const uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, c));
			int stride = GST_VIDEO_FRAME_COMP_STRIDE(&frame, c);
			int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, c);
			int wsub = GST_VIDEO_FORMAT_INFO_W_SUB(vinfo.finfo, c);
			int hsub = GST_VIDEO_FORMAT_INFO_H_SUB(vinfo.finfo, c);
			for (int x : { 0, 301, kStampWidth - 1 }) {
				for (int y : { 0, 15 }) {
					if (data[(y >> hsub) * stride + (x >> wsub) * pstride] != 128)
						neutral = false;
				}
			}
		}
		result.chromaNeutral.push_back(neutral);

		gst_video_frame_unmap(&frame);
		gst_sample_unref(sample);
	}

	GstBus *bus = gst_element_get_bus(pipeline);
	GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	if (msg) {
		GError *err = nullptr;
		gst_message_parse_error(msg, &err, nullptr);
		WARN("pipeline error: " << err->message);
		g_error_free(err);
		gst_message_unref(msg);
		result.error = true;
	}
	gst_object_unref(bus);

	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(identity);
	gst_object_unref(sink);
	gst_object_unref(pipeline);
	return result;
}

std::string rawLaunch(const std::string &format, int width, int height)
{
	return "videotestsrc num-buffers=5 ! video/x-raw,format=" + format +
	       ",width=" + std::to_string(width) + ",height=" + std::to_string(height) +
	       " ! identity name=i ! appsink name=sink";
}

} /* namespace */

TEST_CASE("stamper on a live pad, every supported format", "[stamp][pipeline]")
{
	auto format = GENERATE(as<std::string>{}, "I420", "NV12", "YUY2", "UYVY", "YV12",
			       "NV21", "Y42B", "Y444", "GRAY8");
	INFO("format " << format);

	PipelineResult r = runPipeline(rawLaunch(format, 640, 480), true);
	REQUIRE_FALSE(r.error);
	REQUIRE(r.stamps.size() == 5);
	REQUIRE(r.written.size() == 5);

	uint32_t previous = 0;
	for (size_t i = 0; i < r.stamps.size(); i++) {
		INFO("frame " << i);
		REQUIRE(r.stamps[i]);
		CHECK(*r.stamps[i] == r.written[i]);
		int64_t age = ageMillis(*r.stamps[i]);
		CHECK(age >= 0);
		CHECK(age < 5000);
		if (i > 0)
			CHECK(static_cast<int32_t>(*r.stamps[i] - previous) >= 0);
		previous = *r.stamps[i];
		CHECK(r.chromaNeutral[i]);
	}
}

TEST_CASE("without the stamper the test picture has no stamp", "[stamp][pipeline]")
{
	/* Control for the test above: the SMPTE bars must not decode by chance. */
	PipelineResult r = runPipeline(rawLaunch("I420", 640, 480), false);
	REQUIRE_FALSE(r.error);
	REQUIRE(r.stamps.size() == 5);
	for (const auto &stamp : r.stamps)
		CHECK_FALSE(stamp);
}

namespace {

/* A bare src/sink pad pair, so caps can change between any two buffers. */
struct PadPair {
	GstPad *src;
	GstPad *sink;
	std::vector<GstBuffer *> received;

	PadPair()
	{
		src = gst_pad_new("src", GST_PAD_SRC);
		/* A template with ANY caps lets the sink accept every renegotiation. */
		static GstStaticPadTemplate anySink = GST_STATIC_PAD_TEMPLATE(
			"sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
		sink = gst_pad_new_from_static_template(&anySink, "sink");
		g_object_set_data(G_OBJECT(sink), "pad-pair", this);
		gst_pad_set_chain_function(sink, chain);
		gst_pad_set_active(src, TRUE);
		gst_pad_set_active(sink, TRUE);
		REQUIRE(gst_pad_link(src, sink) == GST_PAD_LINK_OK);
		REQUIRE(gst_pad_push_event(src, gst_event_new_stream_start("stamp-test")));
	}

	~PadPair()
	{
		for (GstBuffer *b : received)
			gst_buffer_unref(b);
		gst_pad_set_active(src, FALSE);
		gst_pad_set_active(sink, FALSE);
		gst_object_unref(src);
		gst_object_unref(sink);
	}

	static GstFlowReturn chain(GstPad *pad, GstObject *, GstBuffer *buffer)
	{
		auto *self = static_cast<PadPair *>(g_object_get_data(G_OBJECT(pad), "pad-pair"));
		self->received.push_back(buffer);
		return GST_FLOW_OK;
	}

	void setCaps(const char *format, int width, int height)
	{
		GstCaps *caps = gst_caps_new_simple("video/x-raw",
						    "format", G_TYPE_STRING, format,
						    "width", G_TYPE_INT, width,
						    "height", G_TYPE_INT, height,
						    "framerate", GST_TYPE_FRACTION, 30, 1, nullptr);
		REQUIRE(gst_pad_push_event(src, gst_event_new_caps(caps)));
		gst_caps_unref(caps);
		if (!segmentSent_) {
			GstSegment segment;
			gst_segment_init(&segment, GST_FORMAT_TIME);
			REQUIRE(gst_pad_push_event(src, gst_event_new_segment(&segment)));
			segmentSent_ = true;
		}
	}

	/* Pushes a grey frame; returns what arrived downstream. */
	GstBuffer *push(const char *format, int width, int height, GstBuffer **keep = nullptr)
	{
		GstVideoInfo info;
		gst_video_info_set_format(&info, gst_video_format_from_string(format), width, height);
		GstBuffer *buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
		gst_buffer_memset(buffer, 0, 100, GST_VIDEO_INFO_SIZE(&info));
		if (keep)
			*keep = gst_buffer_ref(buffer);
		REQUIRE(gst_pad_push(src, buffer) == GST_FLOW_OK);
		return received.back();
	}

	std::optional<uint32_t> readStamp(GstBuffer *buffer, const char *format, int width, int height)
	{
		GstVideoInfo info;
		gst_video_info_set_format(&info, gst_video_format_from_string(format), width, height);
		GstVideoFrame frame;
		REQUIRE(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
		auto stamp = readLatencyStamp(static_cast<const uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
					      GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0),
					      GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0), width, height);
		gst_video_frame_unmap(&frame);
		return stamp;
	}

private:
	bool segmentSent_ = false;
};

bool allBytesAre(GstBuffer *buffer, uint8_t value)
{
	GstMapInfo map;
	REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
	bool all = std::all_of(map.data, map.data + map.size, [value](uint8_t b) { return b == value; });
	gst_buffer_unmap(buffer, &map);
	return all;
}

} /* namespace */

TEST_CASE("stamper follows renegotiation and skips what it cannot stamp", "[stamp][pipeline]")
{
	PadPair pads;
	REQUIRE(attachLatencyStamper(pads.src) != 0);

	pads.setCaps("I420", 640, 480);
	GstBuffer *out = pads.push("I420", 640, 480);
	auto stamp = pads.readStamp(out, "I420", 640, 480);
	REQUIRE(stamp);
	CHECK(ageMillis(*stamp) >= 0);
	CHECK(ageMillis(*stamp) < 5000);

	/* Same size, other layout: reading NV12 as I420 would misplace chroma. */
	pads.setCaps("NV12", 640, 480);
	out = pads.push("NV12", 640, 480);
	CHECK(pads.readStamp(out, "NV12", 640, 480));

	pads.setCaps("YUY2", 800, 600);
	out = pads.push("YUY2", 800, 600);
	CHECK(pads.readStamp(out, "YUY2", 800, 600));

	/* Narrower than 608: passed through untouched, not even copied. */
	pads.setCaps("I420", 320, 240);
	GstBuffer *kept = nullptr;
	out = pads.push("I420", 320, 240, &kept);
	CHECK(out == kept);
	CHECK(allBytesAre(out, 100));
	gst_buffer_unref(kept);

	/* Unsupported format: the same. */
	pads.setCaps("RGBA", 640, 480);
	out = pads.push("RGBA", 640, 480, &kept);
	CHECK(out == kept);
	CHECK(allBytesAre(out, 100));
	gst_buffer_unref(kept);

	/* And back to a supported one. */
	pads.setCaps("GRAY8", 640, 480);
	out = pads.push("GRAY8", 640, 480);
	CHECK(pads.readStamp(out, "GRAY8", 640, 480));
}

TEST_CASE("stamper copies a buffer someone else still holds", "[stamp][pipeline]")
{
	PadPair pads;
	REQUIRE(attachLatencyStamper(pads.src) != 0);
	pads.setCaps("I420", 640, 480);

	GstBuffer *kept = nullptr;
	GstBuffer *out = pads.push("I420", 640, 480, &kept);
	CHECK(out != kept);
	CHECK(allBytesAre(kept, 100)); /* the shared original is not scribbled on */
	CHECK(pads.readStamp(out, "I420", 640, 480));
	gst_buffer_unref(kept);
}

TEST_CASE("stamp survives H.264 encoding and decoding", "[stamp][pipeline][h264]")
{
	for (const char *factory : { "x264enc", "avdec_h264" }) {
		GstElementFactory *f = gst_element_factory_find(factory);
		if (!f) {
			WARN(factory << " not available, skipping the H.264 round trip");
			return;
		}
		gst_object_unref(f);
	}

	PipelineResult r = runPipeline(
		"videotestsrc num-buffers=10 ! video/x-raw,format=I420,width=640,height=480"
		" ! identity name=i ! x264enc tune=zerolatency ! avdec_h264 ! appsink name=sink",
		true);
	REQUIRE_FALSE(r.error);
	REQUIRE(r.written.size() == 10);
	REQUIRE(r.stamps.size() == 10);

	std::multiset<uint32_t> written(r.written.begin(), r.written.end());
	for (size_t i = 0; i < r.stamps.size(); i++) {
		INFO("decoded frame " << i);
		REQUIRE(r.stamps[i]);
		CHECK(written.count(*r.stamps[i]) > 0);
		CHECK(ageMillis(*r.stamps[i]) >= 0);
		CHECK(ageMillis(*r.stamps[i]) < 10000);
	}
	/* Decoded in order, so the sequence matches exactly. */
	CHECK(std::vector<uint32_t>(r.written) ==
	      [&] {
		      std::vector<uint32_t> v;
		      for (const auto &s : r.stamps)
			      v.push_back(s.value_or(0));
		      return v;
	      }());
}
