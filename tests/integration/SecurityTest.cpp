/* SPDX-License-Identifier: MIT */
/*
 * Only the people you let in can watch: every rule tried from outside,
 * over TCP, the way an attacker would (another site's page, a rebinding
 * DNS name, no or wrong credentials, guessed session ids).
 */
#include <catch2/catch.hpp>

#include <ifaddrs.h>
#include <net/if.h>

#include <regex>
#include <string>
#include <vector>

#include "TestReceiver.h"
#include "TestServer.h"
#include "core/PasswordHash.h"

using namespace wcam;
using namespace wcam::test;

namespace {

const std::string kToken = "whep-token-0123456789abcdef";
const std::string kPassword = "correct horse";

struct Reply {
	int status = 0;
	std::string head;
	std::string body;

	/* The value of a response header ("" when absent); names compare case-insensitively. */
	std::string header(const std::string &name) const
	{
		std::string lowerHead = head;
		std::transform(lowerHead.begin(), lowerHead.end(), lowerHead.begin(), ::tolower);
		std::string key = "\r\n" + name + ":";
		std::transform(key.begin(), key.end(), key.begin(), ::tolower);
		size_t at = lowerHead.find(key);
		if (at == std::string::npos)
			return {};
		size_t start = head.find_first_not_of(' ', at + key.size());
		return head.substr(start, head.find("\r\n", start) - start);
	}
	int count(const std::string &name) const
	{
		std::string lowerHead = head;
		std::transform(lowerHead.begin(), lowerHead.end(), lowerHead.begin(), ::tolower);
		std::string key = "\r\n" + name + ":";
		std::transform(key.begin(), key.end(), key.begin(), ::tolower);
		int n = 0;
		for (size_t at = lowerHead.find(key); at != std::string::npos; at = lowerHead.find(key, at + 1))
			n++;
		return n;
	}
};

/* One request on a fresh connection from `source`; reads to the end (or the head of a 101). */
Reply request(int port, const std::string &text, const char *source = "127.0.0.1")
{
	Reply reply;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval timeout = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	struct sockaddr_in from = {};
	from.sin_family = AF_INET;
	inet_pton(AF_INET, source, &from.sin_addr);
	bind(fd, reinterpret_cast<struct sockaddr *>(&from), sizeof(from));
	struct sockaddr_in to = {};
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, reinterpret_cast<struct sockaddr *>(&to), sizeof(to)) != 0 ||
	    send(fd, text.data(), text.size(), MSG_NOSIGNAL) != ssize_t(text.size())) {
		close(fd);
		return reply;
	}
	std::string all;
	char buffer[4096];
	for (;;) {
		ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
		if (n <= 0)
			break;
		all.append(buffer, n);
		if (all.rfind("HTTP/1.1 101", 0) == 0 && all.find("\r\n\r\n") != std::string::npos)
			break;
	}
	close(fd);
	size_t end = all.find("\r\n\r\n");
	reply.head = all.substr(0, end);
	reply.body = end == std::string::npos ? "" : all.substr(end + 4);
	if (all.rfind("HTTP/1.1 ", 0) == 0)
		reply.status = std::atoi(all.c_str() + 9);
	return reply;
}

std::string basic(const std::string &user, const std::string &password)
{
	std::string pair = user + ":" + password;
	g_autofree char *encoded = g_base64_encode(reinterpret_cast<const guchar *>(pair.data()), pair.size());
	return std::string("Basic ") + encoded;
}

/* A request with the usual Host for 127.0.0.1:port plus `headers` (each ending in \r\n). */
std::string get(int port, const std::string &path, const std::string &headers = {})
{
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + headers + "\r\n";
}

std::string upgrade(int port, const std::string &headers = {})
{
	return get(port, "/ws",
		   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		   "Sec-WebSocket-Version: 13\r\n" + headers);
}

std::string whepPost(int port, const std::string &headers, const std::string &body = "v=0\r\n")
{
	return "POST /whep HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
	       "\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
	       headers + "\r\n" + body;
}

std::string whepDelete(int port, const std::string &location, const std::string &headers = {})
{
	return "DELETE " + location + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + headers +
	       "\r\n";
}

template<typename Work>
Reply ask(Work work)
{
	return onClientThread(work);
}

Config authConfig()
{
	Config config = testConfig();
	config.security.usersFile = "/nonexistent/users"; /* read already: the users below */
	std::string error;
	config.security.users = { { "alice", hashPassword(kPassword, error) } };
	config.security.whepTokens = { kToken };
	return config;
}

/* An IPv4 address of this machine that is not loopback, or "". */
std::string nonLoopbackAddress()
{
	struct ifaddrs *list = nullptr;
	if (getifaddrs(&list) != 0)
		return {};
	std::string found;
	for (struct ifaddrs *entry = list; entry && found.empty(); entry = entry->ifa_next) {
		if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET || (entry->ifa_flags & IFF_LOOPBACK) ||
		    !(entry->ifa_flags & IFF_UP))
			continue;
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &reinterpret_cast<struct sockaddr_in *>(entry->ifa_addr)->sin_addr, text, sizeof(text));
		found = text;
	}
	freeifaddrs(list);
	return found;
}

bool canConnect(const std::string &address, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = {};
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	inet_pton(AF_INET, address.c_str(), &to.sin_addr);
	bool ok = connect(fd, reinterpret_cast<struct sockaddr *>(&to), sizeof(to)) == 0;
	close(fd);
	return ok;
}

} /* namespace */

TEST_CASE("other sites' pages and rebinding DNS names are refused", "[integration][security]")
{
	Config config = testConfig();
	config.security.allowedOrigins = { "http://ha.local:8123" };
	Server server(config);
	int port = server.app->port();
	const std::string own = "Origin: http://127.0.0.1:" + std::to_string(port) + "\r\n";

	SECTION("the websocket upgrade")
	{
		Reply evil = ask([&] { return request(port, upgrade(port, "Origin: http://evil.example\r\n")); });
		CHECK(evil.status == 403);
		CHECK(evil.body.find("http://evil.example may not use this camera") != std::string::npos);
		CHECK(ask([&] { return request(port, upgrade(port, "Origin: null\r\n")); }).status == 403);
		CHECK(ask([&] { return request(port, upgrade(port, own)); }).status == 101);
		CHECK(ask([&] { return request(port, upgrade(port, "Origin: http://ha.local:8123\r\n")); }).status == 101);
		/* No Origin: not a browser; credentials alone decide (none needed here). */
		CHECK(ask([&] { return request(port, upgrade(port)); }).status == 101);
	}

	SECTION("WHEP POST, DELETE and preflight")
	{
		Reply post = ask([&] { return request(port, whepPost(port, "Origin: https://evil.example\r\n")); });
		CHECK(post.status == 403);
		CHECK(post.header("Access-Control-Allow-Origin").empty());
		CHECK(ask([&] { return request(port, whepDelete(port, "/whep/x", "Origin: https://evil.example\r\n")); })
			      .status == 403);
		Reply preflight = ask([&] {
			return request(port, "OPTIONS /whep HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
						     "\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
		});
		CHECK(preflight.status == 403);
		Reply listed = ask([&] {
			return request(port, "OPTIONS /whep HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
						     "\r\nOrigin: http://ha.local:8123\r\nAccess-Control-Request-Method: POST\r\n\r\n");
		});
		CHECK(listed.status == 204);
		CHECK(listed.header("Access-Control-Allow-Origin") == "http://ha.local:8123");
		CHECK(listed.header("Access-Control-Expose-Headers") == "Location");
		/* Our own page: a bad offer is judged as an offer, not refused as a stranger. */
		CHECK(ask([&] { return request(port, whepPost(port, own)); }).status == 400);
	}

	SECTION("/stats never says * and answers listed origins only")
	{
		Reply plain = ask([&] { return request(port, get(port, "/stats")); });
		CHECK(plain.status == 200);
		CHECK(plain.header("Access-Control-Allow-Origin").empty());
		Reply evil = ask([&] { return request(port, get(port, "/stats", "Origin: http://evil.example\r\n")); });
		CHECK(evil.header("Access-Control-Allow-Origin").empty());
		CHECK(evil.header("Vary") == "Origin");
		Reply listed = ask([&] { return request(port, get(port, "/stats", "Origin: http://ha.local:8123\r\n")); });
		CHECK(listed.header("Access-Control-Allow-Origin") == "http://ha.local:8123");
	}

	SECTION("a Host that is none of the camera's names (DNS rebinding)")
	{
		std::string rebound = "GET / HTTP/1.1\r\nHost: evil.example:" + std::to_string(port) +
				      "\r\nOrigin: http://evil.example:" + std::to_string(port) + "\r\n\r\n";
		Reply page = ask([&] { return request(port, rebound); });
		CHECK(page.status == 403);
		CHECK(page.body.find("Host \"evil.example:" + std::to_string(port) + "\" is not a name of this camera") !=
		      std::string::npos);
		std::string stats = "GET /stats HTTP/1.1\r\nHost: evil.example\r\n\r\n";
		CHECK(ask([&] { return request(port, stats); }).status == 403);
		std::string ws = "GET /ws HTTP/1.1\r\nHost: evil.example:" + std::to_string(port) +
				 "\r\nOrigin: http://evil.example:" + std::to_string(port) +
				 "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
		CHECK(ask([&] { return request(port, ws); }).status == 403);
		/* Its own names and the listed origins' hosts are fine; /health answers anyone. */
		CHECK(ask([&] { return request(port, "GET / HTTP/1.1\r\nHost: localhost:1\r\n\r\n"); }).status == 200);
		CHECK(ask([&] { return request(port, "GET / HTTP/1.1\r\nHost: " + std::string(g_get_host_name()) + "\r\n\r\n"); })
			      .status == 200);
		CHECK(ask([&] { return request(port, "GET / HTTP/1.1\r\nHost: ha.local:8123\r\n\r\n"); }).status == 200);
		CHECK(ask([&] { return request(port, "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n"); }).status == 200);
	}
}

TEST_CASE("session ids cannot be guessed and only the session URL ends a session", "[integration][security]")
{
	Server server(testConfig());
	int port = server.app->port();
	TestReceiver whep("whep");
	whep.connectWhep(port);
	REQUIRE(whep.whepStatus() == 201);
	REQUIRE(runUntil([&]() { return whep.frames() >= 5; }, 20));

	static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
	std::string viewerId;
	server.app->viewers().forEach([&](const Viewer &viewer) { viewerId = viewer.id(); });
	CHECK(std::regex_match(viewerId, uuid));
	std::smatch match;
	std::string location = whep.whepLocation();
	REQUIRE(std::regex_match(location, match, std::regex("/whep/(.+)")));
	std::string secret = match[1].str();
	CHECK(std::regex_match(secret, uuid));
	/* /stats shows the viewer id, which is not the session URL. */
	CHECK(secret != viewerId);
	Reply stats = ask([&] { return request(port, get(port, "/stats")); });
	CHECK(stats.body.find(viewerId) != std::string::npos);
	CHECK(stats.body.find(secret) == std::string::npos);

	CHECK(ask([&] { return request(port, whepDelete(port, "/whep/" + viewerId)); }).status == 404);
	CHECK(ask([&] { return request(port, whepDelete(port, "/whep/1-4096")); }).status == 404);
	CHECK(server.viewers() == 1);
	CHECK(ask([&] { return request(port, whepDelete(port, location)); }).status == 200);
	CHECK(server.viewers() == 0);
	CHECK(ask([&] { return request(port, whepDelete(port, location)); }).status == 404);
}

TEST_CASE("with users, nothing but /health is served without credentials", "[integration][security]")
{
	Server server(authConfig());
	int port = server.app->port();
	const std::string good = "Authorization: " + basic("alice", kPassword) + "\r\n";

	SECTION("the page, /stats and the websocket: HTTP Basic")
	{
		for (const char *path : { "/", "/js/main.js", "/stats", "/metrics", "/snapshot.jpg" }) {
			INFO(path);
			Reply none = ask([&] { return request(port, get(port, path)); });
			CHECK(none.status == 401);
			CHECK(none.header("WWW-Authenticate") == "Basic realm=webrtc-camera");
			CHECK(none.body.find("authentication required") != std::string::npos);
			CHECK(ask([&] { return request(port, get(port, path, "Authorization: " + basic("alice", "wrong") + "\r\n")); })
				      .status == 401);
			CHECK(ask([&] { return request(port, get(port, path, "Authorization: " + basic("mallory", kPassword) + "\r\n")); })
				      .status == 401);
			CHECK(ask([&] { return request(port, get(port, path, good)); }).status == 200);
		}
		CHECK(ask([&] { return request(port, get(port, "/health")); }).status == 200);
		/* An NVR by a DNS name, without Origin: its credentials decide; a browser's page by that name does not. */
		CHECK(ask([&] { return request(port, "GET /stats HTTP/1.1\r\nHost: camera.home.lan\r\n" + good + "\r\n"); })
			      .status == 200);
		CHECK(ask([&] { return request(port, "GET /stats HTTP/1.1\r\nHost: camera.home.lan\r\n\r\n"); }).status == 401);
		CHECK(ask([&] {
			return request(port, "GET /stats HTTP/1.1\r\nHost: camera.home.lan\r\nOrigin: http://camera.home.lan\r\n" +
						     good + "\r\n");
		}).status == 403);
		CHECK(ask([&] { return request(port, upgrade(port)); }).status == 401);
		/* A token is for WHEP only. */
		CHECK(ask([&] { return request(port, upgrade(port, "Authorization: Bearer " + kToken + "\r\n")); }).status == 401);
		CHECK(ask([&] { return request(port, upgrade(port, good)); }).status == 101);

		TestReceiver viewer("viewer");
		viewer.setAuthorization(basic("alice", kPassword));
		viewer.connectWebSocket(port);
		CHECK(runUntil([&]() { return viewer.frames() >= 5; }, 20));
	}

	SECTION("WHEP: Basic or a Bearer token; DELETE needs the same credentials")
	{
		Reply none = ask([&] { return request(port, whepPost(port, "")); });
		CHECK(none.status == 401);
		CHECK(none.count("WWW-Authenticate") == 2);
		CHECK(none.head.find("WWW-Authenticate: Bearer realm=\"webrtc-camera\"") != std::string::npos);
		CHECK(ask([&] { return request(port, whepPost(port, "Authorization: Bearer not-the-token-at-all\r\n")); })
			      .status == 401);
		/* Through the door: the (bad) offer itself is judged. */
		CHECK(ask([&] { return request(port, whepPost(port, "Authorization: Bearer " + kToken + "\r\n")); }).status == 400);
		CHECK(ask([&] { return request(port, whepPost(port, good)); }).status == 400);

		TestReceiver player("player");
		player.setAuthorization("Bearer " + kToken);
		player.connectWhep(port);
		REQUIRE(player.whepStatus() == 201);
		REQUIRE(runUntil([&]() { return player.frames() >= 5; }, 20));
		std::string location = player.whepLocation();
		CHECK(ask([&] { return request(port, whepDelete(port, location)); }).status == 401);
		/* alice's password is good, but the session is the token's. */
		CHECK(ask([&] { return request(port, whepDelete(port, location, good)); }).status == 403);
		CHECK(server.viewers() == 1);
		CHECK(player.deleteWhep() == 200);
		CHECK(server.viewers() == 0);
	}

	SECTION("failed logins from one address are slowed down; others are not")
	{
		const char *attacker = "127.0.0.3";
		for (int i = 0; i < LoginThrottle::kFreeFailures + 1; i++) {
			Reply wrong = ask([&] {
				return request(port, get(port, "/", "Authorization: " + basic("alice", "guess" + std::to_string(i)) + "\r\n"),
					       attacker);
			});
			CHECK(wrong.status == 401);
		}
		/* Blocked now, even with the right password. */
		Reply blocked = ask([&] { return request(port, get(port, "/", good), attacker); });
		CHECK(blocked.status == 429);
		CHECK(std::atoi(blocked.header("Retry-After").c_str()) > 0);
		CHECK(blocked.body.find("too many failed logins") != std::string::npos);
		Reply token = ask([&] { return request(port, whepPost(port, "Authorization: Bearer " + kToken + "\r\n"), attacker); });
		CHECK(token.status == 429);
		/* Someone else is not locked out by it. */
		CHECK(ask([&] { return request(port, get(port, "/", good), "127.0.0.4"); }).status == 200);
	}
}

TEST_CASE("passwords are checked off the main loop, a bounded number at a time", "[integration][security]")
{
	Server server(authConfig());
	int port = server.app->port();

	/* 24 guesses at once, each from an address of its own (no throttling). */
	struct Result {
		int unauthorized = 0;
		int busy = 0;
		int other = 0;
		bool healthQuick = false;
	};
	Result result = onClientThread([port]() {
		Result r;
		std::vector<int> fds;
		for (int i = 0; i < 24; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			struct timeval timeout = { 10, 0 };
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
			struct sockaddr_in from = {};
			from.sin_family = AF_INET;
			from.sin_addr.s_addr = htonl(0x7f000100 + 10 + i); /* 127.0.1.10 ... */
			bind(fd, reinterpret_cast<struct sockaddr *>(&from), sizeof(from));
			struct sockaddr_in to = {};
			to.sin_family = AF_INET;
			to.sin_port = htons(port);
			to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			connect(fd, reinterpret_cast<struct sockaddr *>(&to), sizeof(to));
			std::string text = get(port, "/", "Authorization: " + basic("alice", "guess " + std::to_string(i)) + "\r\n");
			send(fd, text.data(), text.size(), MSG_NOSIGNAL);
			fds.push_back(fd);
		}
		/* Meanwhile the server answers at once: no crypt on its main loop. */
		int64_t start = g_get_monotonic_time();
		Reply health = request(port, get(port, "/health"));
		r.healthQuick = health.status == 200 && g_get_monotonic_time() - start < G_USEC_PER_SEC;
		for (int fd : fds) {
			char head[13] = {};
			ssize_t n = recv(fd, head, 12, MSG_WAITALL);
			int status = n == 12 ? std::atoi(head + 9) : 0;
			r.unauthorized += status == 401;
			r.busy += status == 503;
			r.other += status != 401 && status != 503;
			close(fd);
		}
		return r;
	});
	INFO("401: " << result.unauthorized << ", 503: " << result.busy << ", other: " << result.other);
	CHECK(result.healthQuick);
	CHECK(result.other == 0);
	CHECK(result.busy >= 1);
	CHECK(result.unauthorized >= 16);
}

TEST_CASE("without a user the camera listens on loopback only", "[integration][security]")
{
	std::string lan = nonLoopbackAddress();
	if (lan.empty()) {
		WARN("no non-loopback IPv4 address on this machine: only the loopback side is checked");
	}
	Config config = testConfig();
	config.network.bind = "0.0.0.0";
	config.security.usersFile = "/nonexistent/webrtc-camera/users";
	{
		Server server(config);
		int port = server.app->port();
		CHECK(ask([&] { return request(port, get(port, "/health")); }).status == 200);
		if (!lan.empty())
			CHECK_FALSE(onClientThread([&] { return canConnect(lan, port); }));
	}

	/* An explicitly empty users_file opens it, as configured. */
	config.security.usersFile.clear();
	if (!lan.empty()) {
		Server server(config);
		int port = server.app->port();
		CHECK(onClientThread([&] { return canConnect(lan, port); }));
	}
	/* With a user it listens where it was told. */
	config = authConfig();
	config.network.bind = "0.0.0.0";
	if (!lan.empty()) {
		Server server(config);
		int port = server.app->port();
		CHECK(onClientThread([&] { return canConnect(lan, port); }));
	}
}

TEST_CASE("websocket protocol errors are reported as README documents", "[integration][security]")
{
	Server server(testConfig());
	int port = server.app->port();

	SECTION("a message over 64 KiB in fragments gets too-large, then the connection closes")
	{
		auto result = onClientThread([port]() {
			RawClient client(port);
			if (!client.upgrade())
				return std::string("no upgrade");
			if (client.readText().find("\"type\":\"welcome\"") == std::string::npos)
				return std::string("no welcome first");
			std::string part(40000, ' ');
			client.sendFrame(false, 0x1, "{\"type\":\"ping\",\"pad\":\"" + part);
			client.sendFrame(true, 0x0, part + "\"}");
			std::string text = client.readText();
			return text + (client.closedByServer() ? " [closed]" : " [open]");
		});
		INFO(result);
		CHECK(result.find("\"code\":\"too-large\"") != std::string::npos);
		CHECK(result.find("[closed]") != std::string::npos);
	}

	SECTION("an sdpMLineIndex beyond 64 bits is not called negative")
	{
		auto result = onClientThread([port]() {
			RawClient client(port);
			if (!client.upgrade())
				return std::string("no upgrade");
			if (client.readText().find("\"type\":\"welcome\"") == std::string::npos)
				return std::string("no welcome first");
			client.sendFrame(true, 0x1, "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 UDP 1 10.0.0.1 9 typ host\","
						    "\"sdpMLineIndex\":18446744073709551616}");
			return client.readText();
		});
		INFO(result);
		CHECK(result.find("18446744073709551616 does not fit in 64 bits") != std::string::npos);
		CHECK(result.find("negative") == std::string::npos);
	}
}

TEST_CASE("a reload applies users and origins, and never opens the camera by itself", "[integration][security]")
{
	g_autofree char *dir = g_dir_make_tmp("wcam-reload-XXXXXX", nullptr);
	REQUIRE(dir);
	const std::string users = std::string(dir) + "/users";
	const std::string ini = std::string(dir) + "/config.ini";
	std::string error;
	auto writeFiles = [&](const std::string &userLines, const std::string &origins) {
		REQUIRE(g_file_set_contents(users.c_str(), userLines.c_str(), -1, nullptr));
		std::string text = "[camera]\nsource = test\nwidth = 640\nheight = 480\n[encoding]\nencoder = x264\n"
				   "bitrate = 800k\n[network]\nbind = 127.0.0.1\nice_addresses = 127.0.0.1\n"
				   "max_viewers_per_address = 64\nmax_connections_per_address = 1024\nviewer_timeout = 20\n"
				   "[security]\nusers_file = " + users + "\nallowed_origins = " + origins + "\n";
		REQUIRE(g_file_set_contents(ini.c_str(), text.c_str(), -1, nullptr));
	};
	const std::string alice = "alice:" + hashPassword(kPassword, error) + "\n";
	writeFiles(alice, "");

	Config config = testConfig();
	config.security.usersFile = users;
	config.security.users = { { "alice", alice.substr(6, alice.size() - 7) } };
	Server server(config);
	server.app->setConfigPath(ini);
	int port = server.app->port();
	const std::string aliceAuth = "Authorization: " + basic("alice", kPassword) + "\r\n";
	const std::string fromHa = "Origin: http://ha.local:8123\r\n";

	CHECK(ask([&] { return request(port, upgrade(port, aliceAuth + fromHa)); }).status == 403);
	CHECK(ask([&] { return request(port, get(port, "/", "Authorization: " + basic("bob", "bob's password") + "\r\n")); })
		      .status == 401);

	writeFiles(alice + "bob:" + hashPassword("bob's password", error) + "\n", "http://ha.local:8123");
	server.app->reload();
	CHECK(ask([&] { return request(port, upgrade(port, aliceAuth + fromHa)); }).status == 101);
	CHECK(ask([&] { return request(port, get(port, "/", "Authorization: " + basic("bob", "bob's password") + "\r\n")); })
		      .status == 200);

	/* Every user removed: the old ones stay until a restart moves the camera to loopback. */
	writeFiles("# nobody\n", "");
	server.app->reload();
	CHECK(ask([&] { return request(port, get(port, "/")); }).status == 401);
	CHECK(ask([&] { return request(port, get(port, "/", aliceAuth)); }).status == 200);

	test::removeTree(dir);
}
