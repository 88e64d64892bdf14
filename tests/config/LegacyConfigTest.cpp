/* SPDX-License-Identifier: MIT */
/*
 * The old Python server's config.ini loads: its INI dialect (Python's
 * configparser) and its keys, each read as ours with one notice.
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <glib.h>

#include "config/ConfigLoader.h"
#include "config/ConfigTestSupport.h"
#include "config/IniFile.h"

using namespace wcam;
using test::allErrors;
using test::requireConfig;
using test::sourceDir;

namespace {

ConfigResult parse(const std::string &text)
{
	return parseConfig(text, test::kConfigOrigin);
}

size_t noticesFor(const ConfigResult &result, const std::string &key,
		  const std::string &origin = test::kConfigOrigin)
{
	return std::count_if(result.notices.begin(), result.notices.end(), [&](const std::string &notice) {
		return notice.rfind(origin + ":" + key + ": a key of the old Python server, ", 0) == 0;
	});
}

} /* namespace */

TEST_CASE("the old server's documented config.ini loads", "[config][legacy]")
{
	const std::string path = sourceDir() + "/tests/config/data/legacy-config.ini";
	ConfigResult result = loadConfigFile(path);
	const Config config = requireConfig(result);
	CHECK(result.warnings.empty());

	CHECK(config.network.bind == "0.0.0.0");
	CHECK(config.network.port == 8080);
	CHECK(config.camera.device.empty()); /* device_index 0: the first camera */
	CHECK(config.camera.width == 640);
	CHECK(config.camera.height == 480);
	CHECK(config.camera.fps == 30);
	CHECK(config.encoding.encoder == EncoderKind::Auto);
	CHECK(config.encoding.threads == 2);
	CHECK(config.performance.frameDropStrategy == FrameDropStrategy::Latest);
	REQUIRE(config.network.iceServers.size() == 1);
	CHECK(config.network.iceServers[0].urls == std::vector<std::string>{ "stun:stun.l.google.com:19302" });
	CHECK(config.debug.logLevel == LogLevel::Info);

	/* One notice per old key, naming the file and the key, saying what to write. */
	INFO("notices:" << [&] {
		std::string text;
		for (const std::string &n : result.notices)
			text += "\n  " + n;
		return text;
	}());
	const std::vector<std::pair<std::string, std::string>> expected = {
		{ "server.host", "read as [network] bind = 0.0.0.0; write that instead" },
		{ "server.port", "read as [network] port = 8080; write that instead" },
		{ "camera.device_index", "read as [camera] device = (empty: the first camera found); write that instead" },
		{ "performance.use_gpu_acceleration",
		  "read as [encoding] encoder = auto (the hardware encoder when present, else software); write that instead" },
		{ "performance.video_threads", "read as [encoding] threads = 2; write that instead" },
		{ "performance.frame_drop_strategy", "read as [performance] frame_drop_strategy = latest; write that instead" },
		{ "webrtc.ice_servers", "read as [network] ice_servers = [ {\"urls\": \"stun:stun.l.google.com:19302\"} ]; "
					"write that instead" },
	};
	CHECK(result.notices.size() == expected.size());
	for (const auto &[key, text] : expected) {
		INFO(key);
		CHECK(noticesFor(result, key, path) == 1);
		CHECK(std::count(result.notices.begin(), result.notices.end(),
				 path + ":" + key + ": a key of the old Python server, " + text) == 1);
	}
}

TEST_CASE("old keys map to ours", "[config][legacy]")
{
	SECTION("a device index above 0 is that V4L2 node")
	{
		CHECK(requireConfig(parse("[camera]\ndevice_index = 2\n")).camera.device == "/dev/video2");
	}

	SECTION("no GPU: a software encoder")
	{
		ConfigResult result = parse("[performance]\nuse_gpu_acceleration = false\n");
		CHECK(requireConfig(result).encoding.encoder == EncoderKind::X264);
		CHECK(noticesFor(result, "performance.use_gpu_acceleration") == 1);
	}

	SECTION("our key wins over the old one, wherever it is in the file")
	{
		ConfigResult result = parse("[encoding]\nencoder = openh264\n[performance]\nuse_gpu_acceleration = true\n"
					    "[webrtc]\nice_servers =\n[network]\nport = 9000\n[server]\nport = 8080\n");
		const Config config = requireConfig(result);
		CHECK(config.encoding.encoder == EncoderKind::OpenH264);
		CHECK(config.network.port == 9000);
	}

	SECTION("our own frame_drop_strategy values need no notice")
	{
		ConfigResult result = parse("[performance]\nframe_drop_strategy = none\n");
		CHECK(requireConfig(result).performance.frameDropStrategy == FrameDropStrategy::None);
		CHECK(result.notices.empty());
	}

	SECTION("a bad old value is an error under its old name, once")
	{
		ConfigResult result = parse("[performance]\nuse_gpu_acceleration = maybe\n");
		INFO(allErrors(result));
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0] == test::kConfigOrigin + ":performance.use_gpu_acceleration: \"maybe\" is not a "
						       "boolean; expected true/false, yes/no, on/off or 1/0");
	}

	SECTION("the translated value is checked as ours")
	{
		ConfigResult result = parse("[server]\nport = 70000\n");
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0].rfind(test::kConfigOrigin + ":server.port: \"70000\" is out of range", 0) == 0);
	}
}

TEST_CASE("only the old server's own keys are forgiven", "[config][legacy]")
{
	SECTION("a typo in an old section")
	{
		ConfigResult result = parse("[server]\nhots = 0.0.0.0\n");
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0] == test::kConfigOrigin + ":server.hots: unknown key (did you mean \"host\"?); "
						       "known keys in [server] are host, port");
	}

	SECTION("an unknown key of ours")
	{
		ConfigResult result = parse("[performance]\nuse_gpu = true\n");
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0].rfind(test::kConfigOrigin + ":performance.use_gpu: unknown key; known keys in "
									"[performance] are low_latency_mode, frame_drop_strategy", 0) == 0);
	}

	SECTION("an unknown section")
	{
		ConfigResult result = parse("[logging]\nlevel = debug\n");
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0].rfind(test::kConfigOrigin + ":logging: unknown section [logging]", 0) == 0);
	}
}

TEST_CASE("continuation lines, as configparser joins them", "[config][legacy]")
{
	IniFile ini = parseIni("[a]\n"
			       "list = [\n"
			       "    1,\n"
			       "\n"
			       "    # a comment inside is dropped\n"
			       "    2\n"
			       "  ]\n"
			       "\n"
			       "\n"
			       "next = x ; comment\n"
			       "  indented = key\n"
			       "      deeper\n"
			       "plain=1\n");
	INFO(ini.errors.size());
	CHECK(ini.errors.empty());
	REQUIRE(ini.entries.size() == 3);
	CHECK(ini.entries[0].key == "list");
	/* An empty line inside a value stays; trailing ones do not. */
	CHECK(ini.entries[0].value == "[\n1,\n\n2\n]");
	CHECK(ini.entries[0].line == 2);
	/* "  indented" is deeper than "next": a continuation, as in configparser. */
	CHECK(ini.entries[1].key == "next");
	CHECK(ini.entries[1].value == "x\nindented = key\ndeeper");
	CHECK(ini.entries[2].key == "plain");
	CHECK(ini.entries[2].value == "1");
}
