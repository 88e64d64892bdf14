/* SPDX-License-Identifier: MIT */
/*
 * GET /snapshot.jpg against the whole Application on loopback: the JPEG
 * decodes (jpegdec) to the test pattern's colour bars, ?width= scales
 * with the aspect kept, requests within [snapshot] interval share one
 * decoded picture, and no branch stays in the pipeline once answered.
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>

#include <gst/video/video.h>
#include <libsoup/soup.h>

#include "TestServer.h"
#include "server/SnapshotEndpoint.h"

using namespace wcam;
using namespace wcam::test;

namespace {

struct Reply {
	bool done = false;
	int status = 0;
	std::string contentType;
	std::string cacheControl;
	std::string body;
};

/* Asynchronous: the server runs on this very main context. */
std::shared_ptr<Reply> fetch(SoupSession *session, int port, const std::string &path)
{
	auto reply = std::make_shared<Reply>();
	std::string uri = "http://127.0.0.1:" + std::to_string(port) + path;
	SoupMessage *message = soup_message_new("GET", uri.c_str());
	struct Call {
		std::shared_ptr<Reply> reply;
		SoupMessage *message;
	};
	soup_session_send_and_read_async(session, message, G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer data) {
			std::unique_ptr<Call> call(static_cast<Call *>(data));
			GBytes *bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, nullptr);
			Reply &r = *call->reply;
			r.status = soup_message_get_status(call->message);
			SoupMessageHeaders *headers = soup_message_get_response_headers(call->message);
			const char *type = soup_message_headers_get_content_type(headers, nullptr);
			const char *cache = soup_message_headers_get_one(headers, "Cache-Control");
			r.contentType = type ? type : "";
			r.cacheControl = cache ? cache : "";
			if (bytes) {
				gsize size = 0;
				const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
				r.body.assign(data ? data : "", size);
				g_bytes_unref(bytes);
			}
			g_object_unref(call->message);
			r.done = true;
		},
		new Call{ reply, message });
	return reply;
}

std::shared_ptr<Reply> fetchNow(SoupSession *session, int port, const std::string &path)
{
	std::shared_ptr<Reply> reply = fetch(session, port, path);
	REQUIRE(runUntil([&]() { return reply->done; }, 20));
	return reply;
}

struct Picture {
	int width = 0;
	int height = 0;
	int stride = 0;
	std::string rgb;

	std::array<int, 3> at(int x, int y) const
	{
		const auto *p = reinterpret_cast<const unsigned char *>(rgb.data()) + y * stride + x * 3;
		return { p[0], p[1], p[2] };
	}
};

/* The JPEG through jpegdec, as packed RGB (appsrc/appsink by their action signals). */
Picture decode(const std::string &jpeg)
{
	Picture picture;
	GError *error = nullptr;
	GstElement *pipeline = gst_parse_launch("appsrc name=src caps=image/jpeg ! jpegdec ! videoconvert ! "
						"video/x-raw,format=RGB ! appsink name=sink sync=false", &error);
	if (!pipeline) {
		UNSCOPED_INFO("decoder pipeline: " << (error ? error->message : "?"));
		g_clear_error(&error);
		return picture;
	}
	GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	GstBuffer *buffer = gst_buffer_new_memdup(jpeg.data(), jpeg.size());
	GstFlowReturn flow;
	g_signal_emit_by_name(src, "push-buffer", buffer, &flow);
	gst_buffer_unref(buffer);
	g_signal_emit_by_name(src, "end-of-stream", &flow);
	GstSample *raw = nullptr;
	/* Blocks until the frame or EOS: the decoder runs on its own thread. */
	g_signal_emit_by_name(sink, "pull-sample", &raw);
	if (raw) {
		GstVideoInfo info;
		gst_video_info_from_caps(&info, gst_sample_get_caps(raw));
		picture.width = GST_VIDEO_INFO_WIDTH(&info);
		picture.height = GST_VIDEO_INFO_HEIGHT(&info);
		picture.stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
		GstMapInfo map;
		gst_buffer_map(gst_sample_get_buffer(raw), &map, GST_MAP_READ);
		picture.rgb.assign(reinterpret_cast<const char *>(map.data), map.size);
		gst_buffer_unmap(gst_sample_get_buffer(raw), &map);
		gst_sample_unref(raw);
	} else {
		UNSCOPED_INFO("jpegdec gave no picture");
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_object_unref(pipeline);
	return picture;
}

/*
 * videotestsrc pattern=smpte's top two thirds: seven bars, white, yellow,
 * cyan, green, magenta, red, blue at full level. The test source scrolls
 * them (horizontal-speed=2), so a row at a third of the height is checked
 * for all seven, each on about a seventh of the width, wherever they are.
 * Levels are checked as they are: a limited-range picture written as a
 * full-range JPEG (16..235) would fail.
 */
void requireColourBars(const Picture &picture)
{
	static const std::array<std::array<int, 3>, 7> kBars = { {
		{ 255, 255, 255 }, /* white */
		{ 255, 255, 0 },   /* yellow */
		{ 0, 255, 255 },   /* cyan */
		{ 0, 255, 0 },	   /* green */
		{ 255, 0, 255 },   /* magenta */
		{ 255, 0, 0 },	   /* red */
		{ 0, 0, 255 },	   /* blue */
	} };
	std::array<int, 7> hits = {};
	int y = picture.height / 3;
	for (int x = 0; x < picture.width; x++) {
		std::array<int, 3> pixel = picture.at(x, y);
		for (size_t bar = 0; bar < kBars.size(); bar++) {
			int worst = 0;
			for (int c = 0; c < 3; c++)
				worst = std::max(worst, std::abs(pixel[c] - kBars[bar][c]));
			/* JPEG, H.264 and 4:2:0 chroma blur the edges and shift levels a little. */
			if (worst <= 12)
				hits[bar]++;
		}
	}
	for (size_t bar = 0; bar < kBars.size(); bar++) {
		std::array<int, 3> middle = picture.at(picture.width / 2, y);
		INFO("bar " << bar << " covers " << hits[bar] << " of " << picture.width << " pixels in row " << y
			    << " (the middle pixel is " << middle[0] << "," << middle[1] << "," << middle[2] << ")");
		CHECK(hits[bar] > picture.width / 7 / 2);
	}
}

bool snapshotBranchInPipeline(Application &app)
{
	bool found = false;
	GstIterator *it = gst_bin_iterate_elements(GST_BIN(app.pipeline().pipeline()));
	GValue item = G_VALUE_INIT;
	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		auto *element = GST_ELEMENT(g_value_get_object(&item));
		if (g_str_has_prefix(GST_OBJECT_NAME(element), FrameGrabber::kBranchPrefix))
			found = true;
		g_value_reset(&item);
	}
	g_value_unset(&item);
	gst_iterator_free(it);
	return found;
}

} /* namespace */

TEST_CASE("snapshot: a JPEG of the test pattern, shared within the interval, scaled by width", "[integration]")
{
	Config config = testConfig();
	config.snapshot.interval = 60; /* nothing in this test outlives it */
	Server server(config);
	Application &app = *server.app;
	SoupSession *session = soup_session_new();
	int port = app.port();

	/* Nobody asked yet: nothing decodes. */
	CHECK(app.frameGrabber()->grabs() == 0);
	CHECK_FALSE(snapshotBranchInPipeline(app));

	/* Two at once: one picture for both. */
	std::shared_ptr<Reply> first = fetch(session, port, SnapshotEndpoint::kPath);
	std::shared_ptr<Reply> second = fetch(session, port, SnapshotEndpoint::kPath);
	REQUIRE(runUntil([&]() { return first->done && second->done; }, 20));
	REQUIRE(first->status == 200);
	REQUIRE(second->status == 200);
	CHECK(first->contentType == "image/jpeg");
	CHECK(first->body == second->body);
	CHECK(first->cacheControl.rfind("private, max-age=", 0) == 0);
	CHECK(app.frameGrabber()->grabs() == 1);
	CHECK(app.snapshot()->counters().encodes == 1);

	Picture full = decode(first->body);
	CHECK(full.width == 640);
	CHECK(full.height == 480);
	requireColourBars(full);

	/* The branch leaves once answered. */
	REQUIRE(runUntil([&]() { return !app.frameGrabber()->branchPresent(); }, 5));
	CHECK_FALSE(snapshotBranchInPipeline(app));

	/* Within the interval: the same picture, scaled, no new decode. */
	std::shared_ptr<Reply> small = fetchNow(session, port, std::string(SnapshotEndpoint::kPath) + "?width=160");
	REQUIRE(small->status == 200);
	Picture scaled = decode(small->body);
	CHECK(scaled.width == 160);
	CHECK(scaled.height == 120);
	requireColourBars(scaled);
	CHECK(app.frameGrabber()->grabs() == 1);
	CHECK(app.snapshot()->counters().encodes == 2);

	/* Kept: asked again, nothing is encoded. */
	std::shared_ptr<Reply> again = fetchNow(session, port, std::string(SnapshotEndpoint::kPath) + "?width=160");
	CHECK(again->body == small->body);
	CHECK(app.snapshot()->counters().encodes == 2);

	/* Wider than the picture: the picture as it is. */
	std::shared_ptr<Reply> wide = fetchNow(session, port, std::string(SnapshotEndpoint::kPath) + "?width=4000");
	CHECK(wide->body == first->body);

	for (const char *bad : { "abc", "0", "-5", "99999", "12px", "" }) {
		std::shared_ptr<Reply> reply =
			fetchNow(session, port, std::string(SnapshotEndpoint::kPath) + "?width=" + bad);
		INFO("width=" << bad << ": " << reply->body);
		CHECK(reply->status == 400);
		CHECK(reply->body.find("width must be") != std::string::npos);
	}

	g_object_unref(session);
}

TEST_CASE("snapshot: a new picture once the interval is over; none when off", "[integration]")
{
	Config config = testConfig();
	config.snapshot.interval = 1;
	Server server(config);
	Application &app = *server.app;
	SoupSession *session = soup_session_new();
	int port = app.port();

	std::shared_ptr<Reply> first = fetchNow(session, port, SnapshotEndpoint::kPath);
	REQUIRE(first->status == 200);
	REQUIRE(app.frameGrabber()->grabs() == 1);
	/* The interval runs on the monotonic clock; wait it out on the main loop. */
	int64_t until = g_get_monotonic_time() + 1100000;
	runUntil([&]() { return g_get_monotonic_time() > until; }, 5);
	std::shared_ptr<Reply> second = fetchNow(session, port, SnapshotEndpoint::kPath);
	REQUIRE(second->status == 200);
	CHECK(app.frameGrabber()->grabs() == 2);
	/* The pattern scrolls: a later picture differs. */
	CHECK(second->body != first->body);

	config.snapshot.enabled = false;
	app.snapshot()->applyConfig(config.snapshot);
	std::shared_ptr<Reply> off = fetchNow(session, port, SnapshotEndpoint::kPath);
	CHECK(off->status == 404);
	CHECK(app.frameGrabber()->grabs() == 2);

	g_object_unref(session);
}
