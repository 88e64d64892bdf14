/* SPDX-License-Identifier: MIT */
/*
 * The server with the test source and real webrtcbin receivers, all in
 * this process and on loopback (ice_addresses = 127.0.0.1).
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include <json-glib/json-glib.h>

#include "TestReceiver.h"
#include "TestServer.h"
#include "core/GlibPtr.h"

using namespace wcam;
using namespace wcam::test;

namespace {

bool allReceive(const std::vector<std::unique_ptr<TestReceiver>> &receivers, uint64_t frames)
{
	for (const auto &r : receivers)
		if (r->frames() < frames)
			return false;
	return true;
}

/* `receiver` keeps getting pictures over the next couple of seconds. */
void requireStillReceiving(TestReceiver &receiver)
{
	uint64_t before = receiver.frames();
	INFO("frames before: " << before);
	REQUIRE(runUntil([&]() { return receiver.frames() >= before + 20; }, 5));
}

} /* namespace */

TEST_CASE("several viewers receive; leaving ones do not disturb the rest", "[integration]")
{
	Server server(testConfig());
	std::vector<std::unique_ptr<TestReceiver>> receivers;
	for (int i = 0; i < 4; i++) {
		receivers.push_back(std::make_unique<TestReceiver>("receiver" + std::to_string(i)));
		receivers.back()->connectWebSocket(server.app->port());
	}

	bool received = runUntil([&]() { return allReceive(receivers, 15); }, 20);
	for (const auto &r : receivers)
		UNSCOPED_INFO("viewer " << r->viewerId() << ": " << r->frames() << " frames");
	UNSCOPED_INFO("server stats: " << server.app->statsJson());
	REQUIRE(received);
	REQUIRE(server.viewers() == 4);

	SECTION("clean stop, vanishing peer and dropped socket")
	{
		receivers[0]->sendStop();
		REQUIRE(runUntil([&]() { return server.viewers() == 3; }, 5));
		requireStillReceiving(*receivers[3]);

		/* Silent and gone, socket still open: the server's timeout removes it. */
		receivers[1]->vanish();
		REQUIRE(runUntil([&]() { return server.viewers() == 2; }, 15));
		/* It is told why, should it ever listen again. */
		CHECK(runUntil([&]() { return receivers[1]->byes().size() == 1; }, 2));
		requireStillReceiving(*receivers[3]);

		receivers[2]->closeSocket();
		REQUIRE(runUntil([&]() { return server.viewers() == 1; }, 5));
		requireStillReceiving(*receivers[3]);

		for (const auto &r : receivers)
			CHECK(r->errors().empty());
	}
}

TEST_CASE("bad signaling messages get an error reply and disturb nobody", "[integration]")
{
	Server server(testConfig());
	TestReceiver good("good");
	TestReceiver bad("bad");
	good.connectWebSocket(server.app->port());
	bad.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return good.frames() >= 10 && bad.frames() >= 10; }, 20));

	bad.send("this is not json");
	bad.send("{\"type\":\"launch-missiles\"}");
	bad.send("{\"type\":\"answer\",\"sdp\":\"\"}");
	bad.send("{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp nope\",\"sdpMLineIndex\":0}");
	bad.send("{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\",\"sdpMLineIndex\":7}");
	bad.send("[1,2,3]");
	REQUIRE(runUntil([&]() { return bad.errors().size() >= 6; }, 5));

	const auto &errors = bad.errors();
	CHECK(errors[0].rfind("bad-json", 0) == 0);
	CHECK(errors[1].rfind("unknown-type", 0) == 0);
	CHECK(errors[2].rfind("bad-sdp", 0) == 0);
	CHECK(errors[3].rfind("bad-candidate", 0) == 0);
	CHECK(errors[4].rfind("bad-candidate", 0) == 0);
	CHECK(errors[5].rfind("bad-json", 0) == 0);

	CHECK(good.errors().empty());
	CHECK(server.viewers() == 2);
	requireStillReceiving(good);
	requireStillReceiving(bad);
}

TEST_CASE("max_viewers: the newcomer gets busy, the others keep watching", "[integration]")
{
	Config config = testConfig();
	config.network.maxViewers = 2;
	Server server(config);
	std::vector<std::unique_ptr<TestReceiver>> receivers;
	for (int i = 0; i < 2; i++) {
		receivers.push_back(std::make_unique<TestReceiver>("receiver" + std::to_string(i)));
		receivers.back()->connectWebSocket(server.app->port());
	}
	REQUIRE(runUntil([&]() { return allReceive(receivers, 10); }, 20));

	TestReceiver third("third");
	third.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return !third.errors().empty(); }, 5));
	CHECK(third.errors()[0].rfind("busy: ", 0) == 0);
	CHECK(third.frames() == 0);
	CHECK(server.viewers() == 2);
	requireStillReceiving(*receivers[0]);
	requireStillReceiving(*receivers[1]);
}

TEST_CASE("a late viewer gets a picture at once, not at the next scheduled keyframe", "[integration]")
{
	Config config = testConfig();
	config.encoding.keyframeInterval = 30; /* scheduled keyframes are far apart */
	Server server(config);
	TestReceiver first("first");
	first.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return first.frames() >= 10; }, 20));
	uint64_t requestsBefore = server.app->pipeline().stats().keyframeRequests;

	TestReceiver late("late");
	gint64 joined = g_get_monotonic_time();
	late.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return late.frames() >= 1; }, 10));
	double seconds = (g_get_monotonic_time() - joined) / 1e6;
	INFO("first frame after " << seconds << " s");
	/* Without a forced key unit it would wait up to 30 s. */
	CHECK(seconds < 5);
	/* The late viewer's own request, not the first viewer's. */
	CHECK(runUntil([&]() { return server.app->pipeline().stats().keyframeRequests > requestsBefore; }, 2));
}

namespace {

/* /stats "join" of the viewer whose kind is `kind`: sdp, remoteSdp, connected, media, serverShare. */
std::vector<double> joinTimes(const std::string &stats, const char *kind)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	REQUIRE(json_parser_load_from_data(parser, stats.c_str(), stats.size(), nullptr));
	JsonArray *viewers = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "viewers");
	for (guint i = 0; i < json_array_get_length(viewers); i++) {
		JsonObject *viewer = json_array_get_object_element(viewers, i);
		if (std::strcmp(json_object_get_string_member(viewer, "kind"), kind) != 0)
			continue;
		JsonObject *join = json_object_get_object_member(viewer, "join");
		std::vector<double> times;
		for (const char *name : { "sdp", "remoteSdp", "connected", "media", "serverShare" }) {
			INFO(kind << " join." << name);
			REQUIRE(json_object_has_member(join, name));
			REQUIRE(!json_object_get_null_member(join, name));
			times.push_back(json_object_get_double_member(join, name));
		}
		return times;
	}
	FAIL("no " << kind << " viewer in /stats");
	return {};
}

} /* namespace */

TEST_CASE("/stats tells where each viewer's join spent its time", "[integration]")
{
	Server server(testConfig());
	TestReceiver ws("ws");
	TestReceiver whep("whep");
	ws.connectWebSocket(server.app->port());
	whep.connectWhep(server.app->port());
	REQUIRE(runUntil([&]() { return ws.frames() >= 1 && whep.frames() >= 1; }, 20));
	std::string stats = server.app->statsJson();
	INFO(stats);

	/* We offered: our SDP, then theirs, connected, the first picture. */
	std::vector<double> w = joinTimes(stats, "ws");
	CHECK(0 < w[0]);
	CHECK(w[0] <= w[1]);
	CHECK(w[1] <= w[2]);
	CHECK(w[2] <= w[3]);
	/* Their answering is not ours. */
	CHECK(w[4] == Approx(w[3] - (w[1] - w[0])));

	/* They offered with the request itself. */
	std::vector<double> h = joinTimes(stats, "whep");
	CHECK(h[1] == 0);
	CHECK(0 < h[0]);
	CHECK(h[0] <= h[2]);
	CHECK(h[2] <= h[3]);
	CHECK(h[4] == Approx(h[3]));
}

namespace {

/* streaming thread: drop the first packet that starts a keyframe, once; count it in `dropped`. */
GstPadProbeReturn dropKeyframeStart(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	auto *dropped = static_cast<std::atomic<int> *>(data);
	if (dropped->load())
		return GST_PAD_PROBE_OK;
	auto starts = [](GstBuffer *b) { return !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT); };
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		if (!starts(GST_PAD_PROBE_INFO_BUFFER(info)))
			return GST_PAD_PROBE_OK;
		dropped->store(1);
		return GST_PAD_PROBE_DROP;
	}
	GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
	for (guint i = 0; i < gst_buffer_list_length(list); i++) {
		if (starts(gst_buffer_list_get(list, i))) {
			list = gst_buffer_list_make_writable(list);
			gst_buffer_list_remove(list, i, 1);
			GST_PAD_PROBE_INFO_DATA(info) = list;
			dropped->store(1);
			break;
		}
	}
	return GST_PAD_PROBE_OK;
}

} /* namespace */

TEST_CASE("a viewer whose join keyframe is lost on the way asks again", "[integration]")
{
	/* Outlives the server, whose streaming threads run the probe. */
	std::atomic<int> dropped{ 0 };
	Config config = testConfig();
	config.encoding.keyframeInterval = 30; /* no scheduled keyframe comes to the rescue */
	Server server(config);
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return server.viewers() == 1 && !viewer.viewerId().empty(); }, 10));

	/*
	 * Before it connects, the stream's only keyframe is long gone: the
	 * first one to start in its queue is the one its join asked for.
	 */
	GstPtr<GstElement> branch = GstPtr<GstElement>::adopt(
		gst_bin_get_by_name(GST_BIN(server.app->pipeline().pipeline()), ("viewer-" + viewer.viewerId()).c_str()));
	REQUIRE(branch);
	GstPtr<GstElement> queue = GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(branch.get()), "queue"));
	REQUIRE(queue);
	GstPtr<GstPad> queueSink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue.get(), "sink"));
	gst_pad_add_probe(queueSink.get(), GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
			  dropKeyframeStart, &dropped, nullptr);

	/* Without asking again it would wait for the scheduled keyframe, 30 s. */
	REQUIRE(runUntil([&]() { return viewer.frames() >= 1; }, 5));
	CHECK(dropped.load() == 1);
	/* Its first picture went out after the lost one, not before. */
	std::string stats = server.app->statsJson();
	INFO(stats);
	std::vector<double> join = joinTimes(stats, "ws");
	CHECK(join[3] - join[2] >= 300);
}

TEST_CASE("a WHEP client receives video and DELETE ends its session", "[integration]")
{
	Server server(testConfig());
	TestReceiver whep("whep");
	whep.connectWhep(server.app->port());
	INFO((whep.errors().empty() ? std::string() : whep.errors()[0]));
	REQUIRE(whep.whepStatus() == 201);
	REQUIRE(whep.whepLocation().rfind("/whep/", 0) == 0);
	REQUIRE(runUntil([&]() { return whep.frames() >= 15; }, 20));
	CHECK(server.viewers() == 1);

	CHECK(whep.deleteWhep() == 200);
	CHECK(server.viewers() == 0);
	CHECK(whep.deleteWhep() == 404);
}

TEST_CASE("a websocket message fragmented past 64 KiB closes only that socket", "[integration]")
{
	Server server(testConfig());
	TestReceiver good("good");
	good.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return good.frames() >= 10; }, 20));
	int port = server.app->port();

	/* A small fragmented message is fine: "ping" in three pieces. */
	std::string pong = onClientThread([port]() {
		RawClient ws(port);
		if (!ws.upgrade())
			return std::string("no upgrade");
		if (ws.readText().find("\"type\":\"welcome\"") == std::string::npos)
			return std::string("no welcome first");
		ws.sendFrame(false, 0x1, "{\"type\":");
		ws.sendFrame(false, 0x0, "\"pi");
		ws.sendFrame(true, 0x0, "ng\"}");
		return ws.readText();
	});
	CHECK(pong == "{\"type\":\"pong\"}");

	/* 16 KiB frames (each under libsoup's frame cap) that never finish. */
	bool closed = onClientThread([port]() {
		RawClient ws(port);
		if (!ws.upgrade())
			return false;
		std::string chunk(16 * 1024, 'x');
		ws.sendFrame(false, 0x1, chunk);
		for (int i = 0; i < 8; i++)
			if (!ws.sendFrame(false, 0x0, chunk))
				break;
		return ws.closedByServer();
	});
	CHECK(closed);

	CHECK(good.errors().empty());
	requireStillReceiving(good);
}

TEST_CASE("nothing on a viewer's send path waits for the clock", "[integration]")
{
	Server server(testConfig());
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 5; }, 20));

	/* webrtcbin's own clocksync would hold each frame for a frame period. */
	int clocksyncs = 0, syncing = 0;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(server.app->pipeline().pipeline()));
	GValue item = G_VALUE_INIT;
	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		auto *element = GST_ELEMENT(g_value_get_object(&item));
		GstElementFactory *factory = gst_element_get_factory(element);
		if (factory && g_str_equal(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "clocksync")) {
			gboolean sync = TRUE;
			g_object_get(element, "sync", &sync, nullptr);
			clocksyncs++;
			syncing += sync;
		}
		g_value_reset(&item);
	}
	g_value_unset(&item);
	gst_iterator_free(it);
	CHECK(clocksyncs >= 1);
	CHECK(syncing == 0);
}

namespace {

/*
 * Counts the viewer bins added to the server's pipeline and the webrtcbin
 * in each, until they are finalized (weak references, so timing plays no
 * part: an object that is never freed stays counted).
 */
class BranchCensus
{
public:
	explicit BranchCensus(GstElement *pipeline)
		: added_(pipeline, "element-added",
			 G_CALLBACK(+[](GstBin *, GstElement *element, gpointer data) {
				 if (!g_str_has_prefix(GST_OBJECT_NAME(element), "viewer-"))
					 return;
				 auto *self = static_cast<BranchCensus *>(data);
				 self->track(G_OBJECT(element));
				 GstPtr<GstElement> webrtc = GstPtr<GstElement>::adopt(
					 gst_bin_get_by_name(GST_BIN(element), "webrtc"));
				 if (webrtc)
					 self->track(G_OBJECT(webrtc.get()));
			 }),
			 this)
	{
	}
	~BranchCensus()
	{
		/* Whatever is still alive must not call back into a dead census. */
		for (GObject *object : alive_)
			g_object_weak_unref(object, &BranchCensus::finalized, this);
	}

	size_t seen() const { return seen_; }
	size_t alive() const { return alive_.size(); }

private:
	void track(GObject *object)
	{
		seen_++;
		alive_.push_back(object);
		g_object_weak_ref(object, &BranchCensus::finalized, this);
	}
	static void finalized(gpointer data, GObject *gone)
	{
		auto &alive = static_cast<BranchCensus *>(data)->alive_;
		alive.erase(std::remove(alive.begin(), alive.end(), gone), alive.end());
	}

	SignalConnection added_;
	size_t seen_ = 0;
	std::vector<GObject *> alive_;
};

} /* namespace */

TEST_CASE("join/leave churn gives back every branch, webrtcbin and file descriptor", "[integration][churn]")
{
	Server server(testConfig());
	int port = server.app->port();
	TestReceiver watcher("watcher");
	watcher.connectWebSocket(port);
	REQUIRE(runUntil([&]() { return watcher.frames() >= 10; }, 20));

	/* One cycle of each kind first: plugins, DTLS and the like open what they keep. */
	auto cycle = [&](int i, const char *how) {
		auto receiver = std::make_unique<TestReceiver>("churn" + std::to_string(i));
		bool whep = !strcmp(how, "whep");
		if (whep)
			receiver->connectWhep(port);
		else
			receiver->connectWebSocket(port);
		INFO(how << " cycle " << i << ": " << (receiver->errors().empty() ? "" : receiver->errors()[0]));
		REQUIRE(runUntil([&]() { return receiver->frames() >= 1; }, 20));
		if (whep)
			CHECK(receiver->deleteWhep() == 200);
		else if (!strcmp(how, "stop"))
			receiver->sendStop();
		else
			receiver->dropSocket();
		REQUIRE(runUntil([&]() { return server.viewers() == 1; }, 10));
	};
	const char *kinds[] = { "stop", "drop", "whep" };
	BranchCensus warmUp(server.app->pipeline().pipeline());
	for (int i = 0; i < 3; i++)
		cycle(i, kinds[i]);
	/* The warm-up viewers' branches are gone before the descriptors are counted. */
	REQUIRE(runUntil([&]() { return warmUp.alive() == 0; }, 10));
	int baseline = openDescriptors();

	BranchCensus census(server.app->pipeline().pipeline());
	constexpr int kCycles = 12;
	for (int i = 0; i < kCycles; i++)
		cycle(i + 3, kinds[i % 3]);

	REQUIRE(runUntil([&]() { return server.viewers() == 1; }, 10));
	CHECK(census.seen() == 2 * kCycles);
	/* Removal finishes on the main loop; then nothing may hold a branch. */
	CHECK(runUntil([&]() { return census.alive() == 0; }, 10));
	INFO("open fds: baseline " << baseline << ", now " << openDescriptors());
	CHECK(runUntil([&]() { return std::abs(openDescriptors() - baseline) <= 2; }, 10));
	requireStillReceiving(watcher);
}

TEST_CASE("a WHEP viewer that vanishes without DELETE is removed when its RTCP stops", "[integration]")
{
	Server server(testConfig());
	TestReceiver watcher("watcher");
	watcher.connectWebSocket(server.app->port());
	TestReceiver whep("whep");
	whep.connectWhep(server.app->port());
	REQUIRE(whep.whepStatus() == 201);
	REQUIRE(runUntil([&]() { return whep.frames() >= 10 && watcher.frames() >= 10; }, 20));
	REQUIRE(server.viewers() == 2);

	/* The tab is closed: no DELETE, no RTCP, no ICE checks; libnice does not notice. */
	whep.vanish();
	gint64 vanished = g_get_monotonic_time();
	REQUIRE(runUntil([&]() { return server.viewers() == 1; }, 30));
	INFO("removed after " << (g_get_monotonic_time() - vanished) / 1e6 << " s");
	CHECK(whep.deleteWhep() == 404);
	requireStillReceiving(watcher);
}
