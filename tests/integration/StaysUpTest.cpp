/* SPDX-License-Identifier: MIT */
/*
 * What keeps a camera up for months: bounded input before anyone is
 * admitted, no descriptor leaks, and a stream that is rebuilt in place
 * when the camera or encoder fails, while viewers stay connected.
 */
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <string>
#include <vector>

#include "TestReceiver.h"
#include "TestServer.h"

using namespace wcam;
using namespace wcam::test;

namespace {

/* Settle, then the lowest count seen: the self-check briefly holds one. */
int settledDescriptors()
{
	int lowest = openDescriptors();
	runUntil([&]() {
		lowest = std::min(lowest, openDescriptors());
		return false;
	}, 1.0);
	return lowest;
}

std::string statusLine(const std::string &head)
{
	return head.substr(0, head.find("\r\n"));
}

/* Frames that `receiver` decodes within `seconds`, from now on. */
bool receivesAgain(TestReceiver &receiver, uint64_t frames, double seconds)
{
	uint64_t before = receiver.frames();
	return runUntil([&]() { return receiver.frames() >= before + frames; }, seconds);
}

GstPtr<GstElement> element(Server &server, const char *name)
{
	return GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(server.app->pipeline().pipeline()), name));
}

} /* namespace */

TEST_CASE("closed keep-alive connections leave no descriptor behind", "[integration]")
{
	Server server(testConfig());
	int port = server.app->port();
	int before = settledDescriptors();

	/* Each asks for keep-alive, reads its answer, then goes away (as curl does). */
	int answered = onClientThread([port]() {
		int ok = 0;
		for (int i = 0; i < 100; i++) {
			RawClient client(port);
			client.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
			std::string head = client.readHead();
			ok += head.rfind("HTTP/1.1 200", 0) == 0 &&
			      head.find("Connection: close") != std::string::npos;
		}
		return ok;
	});
	CHECK(answered == 100);
	int after = settledDescriptors();
	INFO("descriptors before " << before << ", after " << after);
	CHECK(after <= before + 2);
}

TEST_CASE("request bodies are refused by their declared size, before they are read", "[integration]")
{
	Server server(testConfig());
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 10; }, 20));
	int port = server.app->port();

	/* 200 MB announced, 64 KiB sent: the answer must not wait for the rest. */
	std::string whep = onClientThread([port]() {
		RawClient client(port);
		client.sendAll("POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
			       "Content-Length: 200000000\r\n\r\n");
		client.sendAll(std::string(64 * 1024, 'v'));
		return statusLine(client.readHead());
	});
	CHECK(whep == "HTTP/1.1 413 Request Entity Too Large");

	std::string health = onClientThread([port]() {
		RawClient client(port);
		client.sendAll("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n");
		return statusLine(client.readHead());
	});
	CHECK(health == "HTTP/1.1 413 Request Entity Too Large");

	/* No length given: counted as it comes, refused once past the limit. */
	std::string chunked = onClientThread([port]() {
		RawClient client(port);
		client.sendAll("POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n");
		std::string chunk(16 * 1024, 'v');
		char size[16];
		snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
		for (int i = 0; i < 8; i++)
			if (!client.sendAll(size + chunk + "\r\n"))
				break;
		return statusLine(client.readHead());
	});
	CHECK(chunked == "HTTP/1.1 413 Request Entity Too Large");

	/* Headers are bounded too (libsoup stops reading at 64 KiB). */
	bool headersCut = onClientThread([port]() {
		RawClient client(port);
		client.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ");
		client.sendAll(std::string(128 * 1024, 'h'));
		std::string head = client.readHead();
		return head.empty() || head.rfind("HTTP/1.1 400", 0) == 0;
	});
	CHECK(headersCut);

	CHECK(receivesAgain(viewer, 20, 5));
	CHECK(server.viewers() == 1);
}

TEST_CASE("connections per address are capped and slow requests time out", "[integration]")
{
	Config config = testConfig();
	config.network.maxConnectionsPerAddress = 4;
	config.network.requestTimeout = 1;
	Server server(config);
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 10; }, 20));
	int port = server.app->port();
	int before = settledDescriptors();

	struct Result {
		std::string refused;    /* the connection over the cap */
		bool idleClosed = false; /* one that never sent a byte */
		bool slowClosed = false; /* one that sent half a request header */
		double seconds = 0;
	};
	Result result = onClientThread([port]() {
		Result r;
		/* The viewer's websocket is one of the four. */
		RawClient idle(port, 4), slow(port, 4), third(port, 4);
		slow.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
		RawClient over(port, 4);
		r.refused = statusLine(over.readHead());
		gint64 start = g_get_monotonic_time();
		r.idleClosed = idle.closedByServer();
		r.slowClosed = slow.closedByServer();
		r.seconds = (g_get_monotonic_time() - start) / 1e6;
		return r;
	});
	CHECK(result.refused == "HTTP/1.1 503 Service Unavailable");
	CHECK(result.idleClosed);
	CHECK(result.slowClosed);
	CHECK(result.seconds < 3);
	ConnectionGuard::Counters counters = server.app->connections();
	CHECK(counters.refused >= 1);
	CHECK(counters.timedOut >= 2);

	/* The caps never touch who is watching already. */
	CHECK(receivesAgain(viewer, 20, 5));
	CHECK(settledDescriptors() <= before + 2);
}

TEST_CASE("one address cannot take every viewer slot", "[integration]")
{
	Config config = testConfig();
	config.network.maxViewersPerAddress = 2;
	Server server(config);
	TestReceiver first("first"), second("second"), third("third"), whep("whep");
	first.connectWebSocket(server.app->port());
	second.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return first.frames() >= 5 && second.frames() >= 5; }, 20));

	third.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return !third.errors().empty(); }, 5));
	CHECK(third.errors()[0].rfind("too-many: ", 0) == 0);
	whep.connectWhep(server.app->port());
	CHECK(whep.whepStatus() == 429);
	CHECK(server.viewers() == 2);
	CHECK(receivesAgain(first, 20, 5));
}

TEST_CASE("a failing camera or encoder is rebuilt in place; viewers keep watching", "[integration]")
{
	Config config = testConfig();
	config.network.viewerTimeout = 30;

	SECTION("an element errors")
	{
		/* identity fails the stream after 45 frames, each time it is built. */
		config.pipeline.source = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 "
					 "! identity error-after=45";
	}
	SECTION("the source ends")
	{
		config.pipeline.source = "videotestsrc is-live=true num-buffers=45 ! "
					 "video/x-raw,width=320,height=240,framerate=30/1";
	}
	Server server(config);
	TestReceiver ws("ws"), whep("whep");
	ws.connectWebSocket(server.app->port());
	whep.connectWhep(server.app->port());
	REQUIRE(runUntil([&]() { return ws.frames() >= 5 && whep.frames() >= 5; }, 20));

	/* At 30 fps each producer lives 1.5 s: several rebuilds in a row. */
	REQUIRE(runUntil([&]() { return server.app->pipeline().recoveries() >= 3; }, 20));
	CHECK(receivesAgain(ws, 10, 10));
	CHECK(receivesAgain(whep, 10, 10));
	CHECK(server.viewers() == 2);
	CHECK(ws.errors().empty());
	CHECK(ws.byes().empty());
}

TEST_CASE("a stalled camera is rebuilt within 10 s and /health says why meanwhile", "[integration]")
{
	Config config = testConfig();
	config.network.viewerTimeout = 30;
	config.pipeline.source = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 "
				 "! valve name=stall";
	Server server(config);
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 10; }, 20));

	/* The camera stops delivering without a word, as a hung driver would. */
	g_object_set(element(server, "stall").get(), "drop", TRUE, nullptr);
	gint64 stalled = g_get_monotonic_time();
	REQUIRE(runUntil([&]() { return !server.app->pipeline().problem().empty(); }, 5));
	std::string health = onClientThread([port = server.app->port()]() {
		RawClient client(port);
		client.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
		return statusLine(client.readHead());
	});
	CHECK(health == "HTTP/1.1 503 Service Unavailable");

	REQUIRE(receivesAgain(viewer, 10, 10));
	double seconds = (g_get_monotonic_time() - stalled) / 1e6;
	INFO("picture back " << seconds << " s after the stall");
	CHECK(seconds < 10);
	CHECK(server.app->pipeline().recoveries() == 1);
	CHECK(server.app->pipeline().problem().empty());
	CHECK(server.viewers() == 1);
}

TEST_CASE("the picture size changes both ways with viewers attached", "[integration]")
{
	Server server(testConfig());
	TestReceiver ws("ws"), whep("whep");
	ws.connectWebSocket(server.app->port());
	whep.connectWhep(server.app->port());
	REQUIRE(runUntil([&]() { return ws.frames() >= 5 && whep.frames() >= 5; }, 20));

	/* What the adaptive controller does under CPU pressure, then relief. */
	for (const char *caps : { "video/x-raw,width=640,height=480,framerate=20/1",
				  "video/x-raw,width=640,height=480,framerate=10/1",
				  "video/x-raw,width=480,height=360,framerate=10/1",
				  "video/x-raw,width=320,height=240,framerate=10/1",
				  "video/x-raw,width=480,height=360,framerate=10/1",
				  "video/x-raw,width=640,height=480,framerate=30/1" }) {
		INFO(caps);
		CapsPtr next = CapsPtr::adopt(gst_caps_from_string(caps));
		g_object_set(server.app->pipeline().sourceCaps(), "caps", next.get(), nullptr);
		CHECK(receivesAgain(ws, 10, 10));
		CHECK(receivesAgain(whep, 10, 10));
	}
	CHECK(server.app->pipeline().recoveries() == 0);
	CHECK(server.viewers() == 2);
}

TEST_CASE("a viewer branch that fails never stops the stream for the others", "[integration]")
{
	Server server(testConfig());
	TestReceiver viewer("viewer");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 10; }, 20));

	/* A branch whose element answers the tee with an error after a few packets. */
	GstElement *bin = gst_parse_bin_from_description("identity error-after=5 ! fakesink async=false",
							 TRUE, nullptr);
	REQUIRE(bin);
	gst_object_set_name(GST_OBJECT(bin), "viewer-broken");
	REQUIRE(server.app->pipeline().addBranch(bin));

	CHECK(receivesAgain(viewer, 30, 10));
	CHECK(server.app->pipeline().recoveries() == 0);
	CHECK(server.app->pipeline().problem().empty());
	server.app->pipeline().removeBranch(bin);
	runUntil([]() { return false; }, 0.5);
}

TEST_CASE("the watchdog starves when the stream stays down despite rebuilds", "[integration]")
{
	Config config = testConfig();
	config.pipeline.source = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 "
				 "! valve name=stall";
	Server server(config);
	CHECK(server.app->watchdogProblem().empty());

	/* A camera that stays broken: every rebuilt producer stalls too. */
	gint64 stalled = g_get_monotonic_time();
	bool starved = runUntil([&]() {
		if (GstPtr<GstElement> valve = element(server, "stall"))
			g_object_set(valve.get(), "drop", TRUE, nullptr);
		return !server.app->watchdogProblem().empty();
	}, 25);
	REQUIRE(starved);
	double seconds = (g_get_monotonic_time() - stalled) / 1e6;
	INFO(server.app->watchdogProblem() << " after " << seconds << " s");
	CHECK(server.app->watchdogProblem().rfind("no frames for ", 0) == 0);
	CHECK(seconds > 9);
	CHECK(seconds < 16);
	CHECK(server.app->pipeline().recoveries() >= 1);
}

TEST_CASE("the watchdog starves when the HTTP server cannot answer, though frames flow", "[integration]")
{
	Server server(testConfig());
	int port = server.app->port();
	CHECK(server.app->watchdogProblem().empty());

	/* Queued connections first, then no descriptor left to accept them with. */
	std::vector<std::unique_ptr<RawClient>> clients;
	for (int i = 0; i < 20; i++)
		clients.push_back(std::make_unique<RawClient>(port, 1));
	struct rlimit saved = {};
	getrlimit(RLIMIT_NOFILE, &saved);
	struct rlimit tight = saved;
	tight.rlim_cur = openDescriptors() + 4;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);

	bool starved = runUntil([&]() { return !server.app->watchdogProblem().empty(); }, 20);
	std::string problem = server.app->watchdogProblem();
	bool flowing = server.app->pipeline().flowing();
	clients.clear();
	setrlimit(RLIMIT_NOFILE, &saved);

	REQUIRE(starved);
	INFO(problem);
	CHECK(problem.find("HTTP server has not answered") != std::string::npos);
	CHECK(flowing);
	/* Descriptors back: it answers, and the watchdog is fed again. */
	CHECK(runUntil([&]() { return server.app->watchdogProblem().empty(); }, 10));
}

TEST_CASE("a WHEP offer the camera cannot serve gets 400 and takes no viewer slot", "[integration]")
{
	Server server(testConfig());
	const std::string head =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n";
	const std::string credentials = "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n";
	const std::string tail =
		"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
		"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\na=setup:actpass\r\na=rtcp-mux\r\n"
		"a=rtpmap:96 H264/90000\r\n";
	std::string offer;
	SECTION("H.264 only in packetization-mode 0 (single NAL units): our validator") {
		offer = head + credentials + tail + "a=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n";
	}
	SECTION("no ICE credentials: webrtcbin refuses it, still the client's fault") {
		offer = head + tail + "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n";
	}
	std::string response = onClientThread([port = server.app->port(), &offer]() {
		RawClient client(port);
		client.sendAll("POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
			       "Content-Length: " + std::to_string(offer.size()) + "\r\n\r\n" + offer);
		return client.readHead();
	});
	INFO(response);
	CHECK(statusLine(response) == "HTTP/1.1 400 Bad Request");
	CHECK(runUntil([&]() { return server.viewers() == 0; }, 5));
}
