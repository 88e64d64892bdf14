/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <glib.h>

#include "config/ConfigLoader.h"
#include "config/ConfigSchema.h"
#include "config/ConfigTestSupport.h"

using namespace wcam;
using test::readText;
using test::requireConfig;
using test::sourceDir;

namespace {

/* On a mismatch, the text it should be, to diff or copy over the shipped file. */
std::string writeExpected(const std::string &name, const std::string &text)
{
	const char *dir = g_getenv("WCAM_BUILD_DIR");
	std::string path = std::string(dir ? dir : g_get_tmp_dir()) + "/" + name;
	g_file_set_contents(path.c_str(), text.c_str(), text.size(), nullptr);
	return path;
}

std::vector<std::string> paths(const std::vector<const ConfigKey *> &keys)
{
	std::vector<std::string> out;
	for (const ConfigKey *key : keys)
		out.push_back(key->path());
	return out;
}

Config parsed(const std::string &text)
{
	return requireConfig(parseConfig(text, test::kConfigOrigin));
}

} /* namespace */

TEST_CASE("the shipped config.ini is the key table's", "[config]")
{
	const std::string path = sourceDir() + "/data/config/config.ini";
	const std::string expected = renderConfigIni();
	if (readText(path) != expected)
		FAIL_CHECK(path << " differs from the key table (src/config/ConfigSchema.cpp); the table's text is in "
				<< writeExpected("config.ini.expected", expected));
}

TEST_CASE("the man page lists the key table", "[config]")
{
	const std::string path = sourceDir() + "/data/man/webrtc-camera.1";
	const std::string page = readText(path);
	const std::string begin = ".\\\" BEGIN KEYS: generated from src/config/ConfigSchema.cpp\n";
	const std::string end = ".\\\" END KEYS\n";
	size_t from = page.find(begin);
	size_t to = page.find(end);
	REQUIRE(from != std::string::npos);
	REQUIRE(to != std::string::npos);
	from += begin.size();
	const std::string expected = renderManKeys();
	if (page.substr(from, to - from) != expected)
		FAIL_CHECK(path << ": the key list differs from the key table; the table's text is in "
				<< writeExpected("man-keys.expected", expected));
}

TEST_CASE("every key's default reads back as Config's default", "[config]")
{
	const Config defaults;
	for (const ConfigKey &key : configKeys()) {
		INFO(key.path() << " = " << key.format(defaults));
		ConfigResult result;
		Field field(result, key.path());
		Config config;
		/* Another value first, so that a parser that stores nothing is caught. */
		config.camera.preset = "x";
		key.parse(field, key.format(defaults), config);
		CHECK(result.errors.empty());
		if (std::string(key.name) != "preset")
			CHECK(key.same(config, defaults));
	}
}

TEST_CASE("every key prints a value that reads back the same", "[config]")
{
	const Config set = parsed("[camera]\nsource = v4l2\ndevice = /dev/video2\nwidth = 640\n[encoding]\nbitrate = 2.5M\n"
				  "threads = 3\n[network]\nice_servers = [{\"urls\": [\"stun:a:1\", \"turn:b:2\"], "
				  "\"username\": \"u\\\"\", \"credential\": \"p\"}, {\"urls\": \"stun:c\"}]\n"
				  "ice_addresses = eth0 10.0.0.1\n[security]\nwhep_tokens = 0123456789abcdef, "
				  "0123456789abcdeg\nallowed_origins = https://A.example:443\n[debug]\nlog_level = error\n");
	REQUIRE(set.network.iceServers.size() == 2);
	for (const ConfigKey &key : configKeys()) {
		const std::string text = key.format(set);
		INFO(key.path() << " = " << text);
		ConfigResult result;
		Field field(result, key.path());
		Config config;
		key.parse(field, text, config);
		CHECK(result.errors.empty());
		if (std::string(key.name) != "preset" && std::string(key.name) != "users_file")
			CHECK(key.same(config, set));
	}
}

TEST_CASE("keys are unique and documented", "[config]")
{
	const std::vector<ConfigKey> &keys = configKeys();
	REQUIRE(keys.size() >= 40);
	for (size_t i = 0; i < keys.size(); i++) {
		INFO(keys[i].path());
		CHECK(std::string(keys[i].allowed).size() > 0);
		/* A key without its own comment shares the one just above it, in its section. */
		if (!keys[i].doc)
			CHECK((i > 0 && std::string(keys[i - 1].section) == keys[i].section));
		for (size_t j = i + 1; j < keys.size(); j++)
			CHECK(keys[i].path() != keys[j].path());
	}
}

TEST_CASE("changedKeys names exactly the keys that differ", "[config]")
{
	const Config before = parsed("[camera]\nsource = test\n");

	SECTION("nothing changed")
	{
		CHECK(changedKeys(before, parsed("[camera]\nsource = test\n")).empty());
	}

	SECTION("one key of each kind")
	{
		const Config after = parsed("[camera]\nsource = test\nwidth = 640\n[encoding]\nbitrate = 800k\n"
					    "[adaptive]\nmax_bitrate = 2M\ncpu_low = 50\n[debug]\nlog_level = debug\n");
		std::vector<const ConfigKey *> changed = changedKeys(before, after);
		CHECK(paths(changed) == std::vector<std::string>{ "camera.width", "encoding.bitrate",
								   "adaptive.max_bitrate", "adaptive.cpu_low",
								   "debug.log_level" });
		for (const ConfigKey *key : changed) {
			INFO(key->path());
			CHECK((key->reload == Reload::Restart) == (key->path() == "camera.width"));
		}
	}

	SECTION("copying the live keys leaves only the restart keys different")
	{
		Config running = before;
		const Config after = parsed("[camera]\nsource = test\nfps = 15\n[network]\nmax_viewers = 3\n"
					    "viewer_timeout = 60\n[adaptive]\npolicy = median\ninterval = 5\n");
		for (const ConfigKey *key : changedKeys(running, after))
			if (key->reload == Reload::Live)
				key->copy(after, running);
		CHECK(running.network.maxViewers == 3);
		CHECK(running.network.viewerTimeout == 60);
		CHECK(running.adaptive.policy == AdaptivePolicy::Median);
		CHECK(running.adaptive.interval == before.adaptive.interval);
		CHECK(paths(changedKeys(running, after)) == std::vector<std::string>{ "camera.fps", "adaptive.interval" });
	}

	SECTION("users_file's value includes the users it holds")
	{
		Config other = before;
		other.security.users = { { "alice", "$y$hash" } };
		CHECK(paths(changedKeys(before, other)) == std::vector<std::string>{ "security.users_file" });
	}
}

TEST_CASE("the live keys", "[config]")
{
	/* What reload() applies without a restart; everything else waits for one. */
	const std::vector<std::string> live = {
		"encoding.bitrate",	     "network.max_viewers",
		"network.ice_servers",	     "network.ice_addresses",
		"network.viewer_timeout",    "network.max_connections_per_address",
		"network.max_viewers_per_address", "network.request_timeout",
		"security.users_file",	     "security.whep_tokens",
		"security.allowed_origins",  "adaptive.min_bitrate",
		"adaptive.max_bitrate",	     "adaptive.cpu_high",
		"adaptive.cpu_low",	     "adaptive.temp_high",
		"adaptive.temp_low",	     "adaptive.policy",
		"snapshot.enabled",	     "snapshot.interval",
		"debug.log_level",
	};
	std::vector<std::string> actual;
	for (const ConfigKey &key : configKeys())
		if (key.reload == Reload::Live)
			actual.push_back(key.path());
	CHECK(actual == live);
}
