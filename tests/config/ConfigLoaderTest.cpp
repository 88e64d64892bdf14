/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <glib.h>
#include <glib/gstdio.h>

#include "config/ConfigLoader.h"
#include "config/ConfigSchema.h"
#include "config/ConfigTestSupport.h"
#include "support/TestSupport.h"

using namespace wcam;
using test::allErrors;
using test::readText;
using test::requireConfig;
using test::sourceDir;
using test::TempDir;

namespace {

ConfigResult parse(const std::string &text, const Environment &env = {})
{
	return parseConfig(text, test::kConfigOrigin, env);
}

/* Parses `text`, requires exactly one error starting with `prefix`. */
std::string singleError(const std::string &text, const std::string &prefix,
			const Environment &env = {})
{
	ConfigResult result = parse(text, env);
	INFO("config:\n" << text << "\nerrors:" << allErrors(result));
	CHECK_FALSE(result.config.has_value());
	REQUIRE(result.errors.size() == 1);
	CHECK(result.errors[0].rfind(prefix, 0) == 0);
	return result.errors[0];
}

} /* namespace */

TEST_CASE("enums print as config.ini spells them", "[config]")
{
	CHECK(std::string(toString(SourceKind::Auto)) == "auto");
	CHECK(std::string(toString(SourceKind::Libcamera)) == "libcamera");
	CHECK(std::string(toString(SourceKind::V4l2)) == "v4l2");
	CHECK(std::string(toString(SourceKind::Test)) == "test");
	CHECK(std::string(toString(EncoderKind::Auto)) == "auto");
	CHECK(std::string(toString(EncoderKind::V4l2)) == "v4l2");
	CHECK(std::string(toString(EncoderKind::X264)) == "x264");
	CHECK(std::string(toString(EncoderKind::OpenH264)) == "openh264");
	CHECK(std::string(toString(H264Profile::Baseline)) == "baseline");
	CHECK(std::string(toString(H264Profile::Main)) == "main");
	CHECK(std::string(toString(H264Profile::High)) == "high");
	CHECK(std::string(toString(FrameDropStrategy::Latest)) == "latest");
	CHECK(std::string(toString(FrameDropStrategy::None)) == "none");
}

TEST_CASE("defaults match Config.h", "[config]")
{
	auto checkDefaults = [](const Config &config) {
		const Config reference;
		CHECK(config.camera.source == SourceKind::Auto);
		CHECK(config.camera.device.empty());
		CHECK(config.camera.width == 1280);
		CHECK(config.camera.height == 720);
		CHECK(config.camera.fps == 30);
		CHECK(config.camera.bufferSize == 2);
		CHECK(config.encoding.encoder == EncoderKind::Auto);
		CHECK(config.encoding.bitrate == 1500000);
		CHECK(config.encoding.profile == H264Profile::Baseline);
		CHECK(config.encoding.keyframeInterval == 2);
		CHECK(config.network.bind == "0.0.0.0");
		CHECK(config.network.port == 8080);
		CHECK(config.network.maxViewers == 10);
		CHECK(config.network.iceServers.empty());
		CHECK(config.network.iceAddresses.empty());
		CHECK(config.network.viewerTimeout == 30);
		CHECK(config.performance.lowLatencyMode == true);
		CHECK(config.performance.frameDropStrategy == FrameDropStrategy::Latest);
		CHECK(config.pipeline.source.empty());
		CHECK(config.pipeline.encoder.empty());
		CHECK(config.debug.latencyStamp == false);
		CHECK(config.paths.webRoot == reference.paths.webRoot);
	};

	SECTION("no file")
	{
		ConfigResult result = defaultConfig();
		const Config &config = requireConfig(result);
		CHECK(config.path.empty());
		CHECK(result.warnings.empty());
		checkDefaults(config);
	}

	SECTION("empty file")
	{
		ConfigResult result = parse("");
		const Config &config = requireConfig(result);
		CHECK(config.path == test::kConfigOrigin);
		checkDefaults(config);
	}

	SECTION("sections present, keys absent")
	{
		checkDefaults(requireConfig(parse("[camera]\n[encoding]\n[network]\n[performance]\n"
						  "[pipeline]\n[debug]\n")));
	}
}

TEST_CASE("every key is parsed", "[config]")
{
	TempDir web;
	const std::string text =
		"# full-line comment\n"
		"[camera]\n"
		"source = v4l2\n"
		"device = /dev/video2\n"
		"width = 1920\n"
		"height = 1080\n"
		"fps = 25\n"
		"buffer_size = 5\n"
		"[encoding]\n"
		"encoder = x264\n"
		"bitrate = 2500000\n"
		"h264_profile = high\n"
		"keyframe_interval = 4\n"
		"[network]\n"
		"bind = ::1\n"
		"port = 9000\n"
		"max_viewers = 3\n"
		"ice_servers = [{\"urls\": \"stun:stun.example.org:3478\"}, "
		"{\"urls\": [\"turn:t.example.org:3478\", \"turns:t.example.org:5349\"], "
		"\"username\": \"u\", \"credential\": \"p\"}]\n"
		"ice_addresses = eth0, 192.168.1.20 wlan0\n"
		"viewer_timeout = 60\n"
		"max_connections_per_address = 40\n"
		"max_viewers_per_address = 6\n"
		"request_timeout = 20\n"
		"web_root = " + web.path() + "\n"
		"[performance]\n"
		"low_latency_mode = false\n"
		"frame_drop_strategy = none\n"
		"[pipeline]\n"
		"source =   videotestsrc is-live=true ! videoconvert   \n"
		"encoder = x264enc tune=zerolatency\n"
		"[debug]\n"
		"latency_stamp = true\n";

	ConfigResult result = parse(text);
	const Config &config = requireConfig(result);
	CHECK(result.warnings.empty());

	CHECK(config.path == test::kConfigOrigin);
	CHECK(config.camera.source == SourceKind::V4l2);
	CHECK(config.camera.device == "/dev/video2");
	CHECK(config.camera.width == 1920);
	CHECK(config.camera.height == 1080);
	CHECK(config.camera.fps == 25);
	CHECK(config.camera.bufferSize == 5);

	CHECK(config.encoding.encoder == EncoderKind::X264);
	CHECK(config.encoding.bitrate == 2500000);
	CHECK(config.encoding.profile == H264Profile::High);
	CHECK(config.encoding.keyframeInterval == 4);

	CHECK(config.network.bind == "::1");
	CHECK(config.network.port == 9000);
	CHECK(config.network.maxViewers == 3);
	REQUIRE(config.network.iceServers.size() == 2);
	CHECK(config.network.iceServers[0].urls ==
	      std::vector<std::string>{ "stun:stun.example.org:3478" });
	CHECK(config.network.iceServers[0].username.empty());
	CHECK(config.network.iceServers[0].credential.empty());
	CHECK(config.network.iceServers[1].urls ==
	      std::vector<std::string>{ "turn:t.example.org:3478", "turns:t.example.org:5349" });
	CHECK(config.network.iceServers[1].username == "u");
	CHECK(config.network.iceServers[1].credential == "p");
	CHECK(config.network.iceAddresses ==
	      std::vector<std::string>{ "eth0", "192.168.1.20", "wlan0" });
	CHECK(config.network.viewerTimeout == 60);
	CHECK(config.network.maxConnectionsPerAddress == 40);
	CHECK(config.network.maxViewersPerAddress == 6);
	CHECK(config.network.requestTimeout == 20);
	CHECK(config.paths.webRoot == web.path());

	CHECK(config.performance.lowLatencyMode == false);
	CHECK(config.performance.frameDropStrategy == FrameDropStrategy::None);

	CHECK(config.pipeline.source == "videotestsrc is-live=true ! videoconvert");
	CHECK(config.pipeline.encoder == "x264enc tune=zerolatency");

	CHECK(config.debug.latencyStamp == true);
}

TEST_CASE("enum values", "[config]")
{
	SECTION("every camera source")
	{
		for (SourceKind kind : { SourceKind::Auto, SourceKind::Libcamera, SourceKind::V4l2,
					 SourceKind::Test }) {
			INFO(toString(kind));
			const Config &config = requireConfig(
				parse(std::string("[camera]\nsource = ") + toString(kind) + "\n"));
			CHECK(config.camera.source == kind);
		}
	}

	SECTION("every encoder")
	{
		for (EncoderKind kind : { EncoderKind::Auto, EncoderKind::V4l2, EncoderKind::X264,
					  EncoderKind::OpenH264 }) {
			INFO(toString(kind));
			const Config &config = requireConfig(
				parse(std::string("[encoding]\nencoder = ") + toString(kind) + "\n"));
			CHECK(config.encoding.encoder == kind);
		}
	}

	SECTION("every profile")
	{
		for (H264Profile profile : { H264Profile::Baseline, H264Profile::Main,
					     H264Profile::High }) {
			INFO(toString(profile));
			const Config &config = requireConfig(parse(
				std::string("[encoding]\nh264_profile = ") + toString(profile) + "\n"));
			CHECK(config.encoding.profile == profile);
		}
	}

	SECTION("case does not matter")
	{
		const Config &config = requireConfig(parse("[camera]\nsource = V4L2\n"
							   "[encoding]\nencoder = OpenH264\n"));
		CHECK(config.camera.source == SourceKind::V4l2);
		CHECK(config.encoding.encoder == EncoderKind::OpenH264);
	}
}

TEST_CASE("booleans accept the usual spellings", "[config]")
{
	const std::vector<std::pair<std::string, bool>> spellings = {
		{ "true", true }, { "TRUE", true }, { "yes", true }, { "On", true }, { "1", true },
		{ "false", false }, { "False", false }, { "no", false }, { "OFF", false },
		{ "0", false },
	};
	for (const auto &[text, expected] : spellings) {
		INFO(text);
		const Config &config =
			requireConfig(parse("[performance]\nlow_latency_mode = " + text + "\n"));
		CHECK(config.performance.lowLatencyMode == expected);
	}
}

TEST_CASE("bitrate suffixes", "[config]")
{
	const std::vector<std::pair<std::string, int>> good = {
		{ "1500000", 1500000 }, { "1500k", 1500000 }, { "1500K", 1500000 },
		{ "2M", 2000000 },      { "2.5M", 2500000 },  { "0.05M", 50000 },
		{ "50000", 50000 },     { "50M", 50000000 },  { "64.5k", 64500 },
		{ "+800k", 800000 },
	};
	for (const auto &[text, expected] : good) {
		INFO(text);
		const Config &config = requireConfig(parse("[encoding]\nbitrate = " + text + "\n"));
		CHECK(config.encoding.bitrate == expected);
	}

	const std::vector<std::pair<std::string, std::string>> bad = {
		{ "fast", "not a number" },      { "2G", "not a number" },
		{ "1.5", "not a number" },       { "k", "not a number" },
		{ "2 M", "not a number" },       { "49999", "out of range" },
		{ "49k", "out of range" },       { "51M", "out of range" },
		{ "-2M", "out of range" },       { "99999999999999999", "out of range" },
		{ "1.0000005M", "not a whole number" },
	};
	for (const auto &[text, what] : bad) {
		std::string error = singleError("[encoding]\nbitrate = " + text + "\n",
						test::kConfigOrigin + ":encoding.bitrate: \"" + text + "\" is ");
		CHECK_THAT(error, Catch::Contains(what));
		CHECK_THAT(error, Catch::EndsWith("; expected bits per second from 50000 to 50000000, "
						  "optionally with a k or M suffix (e.g. 1500k, 2M)"));
	}
}

TEST_CASE("every key rejects bad values with file:section.key", "[config]")
{
	struct Case {
		const char *text;
		const char *expected; /* exact error after "<origin>:" */
	};

	const std::vector<Case> cases = {
		/* camera */
		{ "[camera]\nsource = webcam\n",
		  "camera.source: \"webcam\" is not a valid source; "
		  "expected one of auto, libcamera, v4l2, test" },
		{ "[camera]\nsource = v4l2\ndevice = video0\n",
		  "camera.device: \"video0\" is not an absolute path; with source = v4l2 expected a "
		  "device node such as /dev/video0, or empty for the first capture device" },
		{ "[camera]\nwidth = abc\n",
		  "camera.width: \"abc\" is not a number; expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth = 1281\n",
		  "camera.width: \"1281\" is odd; expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth = 4098\n",
		  "camera.width: \"4098\" is out of range; expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth = 14\n",
		  "camera.width: \"14\" is out of range; expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth = 99999999999999999999\n",
		  "camera.width: \"99999999999999999999\" is out of range; "
		  "expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth =\n",
		  "camera.width: \"\" is not a number; expected an even integer from 16 to 4096" },
		{ "[camera]\nwidth = 1280.0\n",
		  "camera.width: \"1280.0\" is not a number; expected an even integer from 16 to 4096" },
		{ "[camera]\nheight = 2306\n",
		  "camera.height: \"2306\" is out of range; expected an even integer from 16 to 2304" },
		{ "[camera]\nheight = 721\n",
		  "camera.height: \"721\" is odd; expected an even integer from 16 to 2304" },
		{ "[camera]\nheight = tall\n",
		  "camera.height: \"tall\" is not a number; expected an even integer from 16 to 2304" },
		{ "[camera]\nfps = 0\n",
		  "camera.fps: \"0\" is out of range; "
		  "expected an integer from 1 to 120 (frames per second)" },
		{ "[camera]\nfps = 121\n",
		  "camera.fps: \"121\" is out of range; "
		  "expected an integer from 1 to 120 (frames per second)" },
		{ "[camera]\nfps = 29.97\n",
		  "camera.fps: \"29.97\" is not a number; "
		  "expected an integer from 1 to 120 (frames per second)" },
		{ "[camera]\nbuffer_size = 65\n",
		  "camera.buffer_size: \"65\" is out of range; "
		  "expected an integer from 1 to 64 (frames)" },
		{ "[camera]\nbuffer_size = -1\n",
		  "camera.buffer_size: \"-1\" is out of range; "
		  "expected an integer from 1 to 64 (frames)" },
		/* encoding */
		{ "[encoding]\nencoder = nvenc\n",
		  "encoding.encoder: \"nvenc\" is not a valid encoder; "
		  "expected one of auto, v4l2, x264, openh264" },
		{ "[encoding]\nbitrate = lots\n",
		  "encoding.bitrate: \"lots\" is not a number; expected bits per second from 50000 to "
		  "50000000, optionally with a k or M suffix (e.g. 1500k, 2M)" },
		{ "[encoding]\nh264_profile = extended\n",
		  "encoding.h264_profile: \"extended\" is not a valid profile; "
		  "expected one of baseline, main, high" },
		{ "[encoding]\nkeyframe_interval = 61\n",
		  "encoding.keyframe_interval: \"61\" is out of range; "
		  "expected an integer from 1 to 60 (seconds)" },
		{ "[encoding]\nkeyframe_interval = 0\n",
		  "encoding.keyframe_interval: \"0\" is out of range; "
		  "expected an integer from 1 to 60 (seconds)" },
		/* network */
		{ "[network]\nbind = localhost\n",
		  "network.bind: \"localhost\" is not an IP address; "
		  "expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::" },
		{ "[network]\nbind = 10.0.0.256\n",
		  "network.bind: \"10.0.0.256\" is not an IP address; "
		  "expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::" },
		{ "[network]\nbind =\n",
		  "network.bind: \"\" is not an IP address; "
		  "expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::" },
		{ "[network]\nport = 0\n",
		  "network.port: \"0\" is out of range; expected an integer from 1 to 65535" },
		{ "[network]\nport = 65536\n",
		  "network.port: \"65536\" is out of range; expected an integer from 1 to 65535" },
		{ "[network]\nport = http\n",
		  "network.port: \"http\" is not a number; expected an integer from 1 to 65535" },
		{ "[network]\nmax_viewers = 65\n",
		  "network.max_viewers: \"65\" is out of range; expected an integer from 1 to 64" },
		{ "[network]\nmax_viewers = 0\n",
		  "network.max_viewers: \"0\" is out of range; expected an integer from 1 to 64" },
		{ "[network]\nviewer_timeout = 19\n",
		  "network.viewer_timeout: \"19\" is out of range; "
		  "expected an integer from 20 to 3600 (seconds, at least two of the page's 10 s pings)" },
		{ "[network]\nviewer_timeout = 3601\n",
		  "network.viewer_timeout: \"3601\" is out of range; "
		  "expected an integer from 20 to 3600 (seconds, at least two of the page's 10 s pings)" },
		{ "[network]\nmax_connections_per_address = 1\n",
		  "network.max_connections_per_address: \"1\" is out of range; "
		  "expected an integer from 2 to 1024" },
		{ "[network]\nmax_viewers_per_address = 65\n",
		  "network.max_viewers_per_address: \"65\" is out of range; "
		  "expected an integer from 1 to 64" },
		{ "[network]\nrequest_timeout = 0\n",
		  "network.request_timeout: \"0\" is out of range; "
		  "expected an integer from 1 to 300 (seconds)" },
		{ "[network]\nice_addresses = eth0, wlan0!\n",
		  "network.ice_addresses: \"wlan0!\" is neither an IP address nor an interface name; "
		  "expected IP addresses or interface names (up to 15 of A-Z a-z 0-9 _ . : -) "
		  "separated by commas or spaces, or empty for all" },
		{ "[network]\nice_addresses = averyveryverylongname\n",
		  "network.ice_addresses: \"averyveryverylongname\" is neither an IP address nor an "
		  "interface name; expected IP addresses or interface names (up to 15 of A-Z a-z 0-9 "
		  "_ . : -) separated by commas or spaces, or empty for all" },
		{ "[network]\nice_addresses = 192.168.1.300\n",
		  "network.ice_addresses: \"192.168.1.300\" is not a valid IP address; "
		  "expected IP addresses or interface names (up to 15 of A-Z a-z 0-9 _ . : -) "
		  "separated by commas or spaces, or empty for all" },
		{ "[network]\nweb_root = /nonexistent/wcam-web\n",
		  "network.web_root: \"/nonexistent/wcam-web\" does not exist; "
		  "expected an existing directory, or empty for the built-in page" },
		{ "[network]\nice_servers = stun:stun.example.org\n",
		  "network.ice_servers: invalid JSON: " },
		/* performance */
		{ "[performance]\nlow_latency_mode = maybe\n",
		  "performance.low_latency_mode: \"maybe\" is not a boolean; "
		  "expected true/false, yes/no, on/off or 1/0" },
		{ "[performance]\nframe_drop_strategy = oldest\n",
		  "performance.frame_drop_strategy: \"oldest\" is not a valid strategy; "
		  "expected one of latest, none" },
		/* pipeline */
		{ "[pipeline]\nsource = nosuchelement123\n",
		  "pipeline.source: no element \"nosuchelement123\"; expected a gst-launch fragment "
		  "such as \"videotestsrc is-live=true ! videoconvert\", or empty for the built-in "
		  "chain" },
		{ "[pipeline]\nencoder = nosuchelement123\n",
		  "pipeline.encoder: no element \"nosuchelement123\"; expected a gst-launch fragment "
		  "such as \"x264enc tune=zerolatency\", or empty for the built-in chain" },
		/* GObject warns and keeps the default: said here, not at start-up (found by fuzz-config). */
		{ "[pipeline]\nencoder = x264enc bitrate=0\n",
		  "pipeline.encoder: cannot be parsed (value \"0\" of type 'guint' is invalid or out of range "
		  "for property 'bitrate' of type 'guint'); expected a gst-launch fragment such as "
		  "\"x264enc tune=zerolatency\", or empty for the built-in chain" },
		/* debug */
		{ "[debug]\nlatency_stamp = sometimes\n",
		  "debug.latency_stamp: \"sometimes\" is not a boolean; "
		  "expected true/false, yes/no, on/off or 1/0" },
		{ "[camera]\nwidth = 320\nheight = 240\n[debug]\nlatency_stamp = true\n",
		  "debug.latency_stamp: the stamp is 608 px wide but camera.width is 320; "
		  "set camera.width to at least 608 or latency_stamp = false" },
	};

	for (const Case &c : cases) {
		DYNAMIC_SECTION(c.text)
		{
			std::string error = singleError(c.text, test::kConfigOrigin + ":");
			std::string expected = test::kConfigOrigin + ":" + c.expected;
			/* Entries ending in ": " only fix the prefix (library message follows). */
			if (expected.size() > 2 && expected.compare(expected.size() - 2, 2, ": ") == 0)
				CHECK(error.rfind(expected, 0) == 0);
			else
				CHECK(error == expected);
		}
	}
}

TEST_CASE("inline comments after whitespace, as Python's configparser reads them", "[config]")
{
	const Config config = requireConfig(parse("[camera]\nwidth = 1280  # pixels\nheight = 720\t; rows\n"));
	CHECK(config.camera.width == 1280);
	CHECK(config.camera.height == 720);
	/* Without whitespace before it a # is part of the value . */
	singleError("[camera]\nfps = 30#frames\n", test::kConfigOrigin + ":camera.fps: \"30#frames\" is not a number");
}

TEST_CASE("viewer_timeout leaves the page's 10 s ping room", "[config]")
{
	/* The page pings every 10 s: below two pings a browser viewer would be dropped. */
	for (const char *value : { "5", "10", "19" }) {
		INFO(value);
		singleError(std::string("[network]\nviewer_timeout = ") + value + "\n",
			    test::kConfigOrigin + ":network.viewer_timeout: \"" + value + "\" is out of range");
	}
	CHECK(requireConfig(parse("[network]\nviewer_timeout = 20\n")).network.viewerTimeout == 20);
}

TEST_CASE("camera.device depends on the source", "[config]")
{
	SECTION("v4l2 takes an absolute path")
	{
		const Config &config =
			requireConfig(parse("[camera]\nsource = v4l2\ndevice = /dev/video0\n"));
		CHECK(config.camera.device == "/dev/video0");
	}

	SECTION("the check does not depend on key order")
	{
		singleError("[camera]\ndevice = video0\nsource = v4l2\n",
			    test::kConfigOrigin + ":camera.device: \"video0\" is not an absolute path");
	}

	SECTION("libcamera takes a camera name")
	{
		const char *name = "/base/soc/i2c0mux/i2c@1/imx219@10";
		const Config &config = requireConfig(
			parse(std::string("[camera]\nsource = libcamera\ndevice = ") + name + "\n"));
		CHECK(config.camera.device == name);

		const Config &usb = requireConfig(
			parse("[camera]\nsource = libcamera\ndevice = \\_SB_.PCI0-0c45:6366\n"));
		CHECK(usb.camera.device == "\\_SB_.PCI0-0c45:6366");
	}

	SECTION("auto takes a device path or a camera name")
	{
		CHECK(requireConfig(parse("[camera]\ndevice = /dev/video1\n")).camera.device ==
		      "/dev/video1");
		CHECK(requireConfig(parse("[camera]\ndevice = imx219\n")).camera.device == "imx219");
	}

	SECTION("test ignores the device, with a warning")
	{
		ConfigResult result = parse("[camera]\nsource = test\ndevice = /dev/video0\n");
		requireConfig(result);
		REQUIRE(result.warnings.size() == 1);
		CHECK(result.warnings[0] == test::kConfigOrigin + ":camera.device: ignored with source = test");
	}
}

TEST_CASE("latency stamp needs a wide enough picture", "[config]")
{
	CHECK(requireConfig(parse("[camera]\nwidth = 608\n[debug]\nlatency_stamp = yes\n"))
		      .debug.latencyStamp);

	singleError("[camera]\nwidth = 606\n[debug]\nlatency_stamp = on\n",
		    test::kConfigOrigin + ":debug.latency_stamp: the stamp is 608 px wide but camera.width is 606");

	/* The width may come from the environment, the stamp is still what is named. */
	singleError("[debug]\nlatency_stamp = 1\n",
		    test::kConfigOrigin + ":debug.latency_stamp: the stamp is 608 px wide but camera.width is 320",
		    { { "CAMERA_WIDTH", "320" } });

	CHECK_FALSE(requireConfig(parse("[camera]\nwidth = 320\n[debug]\nlatency_stamp = false\n"))
			    .debug.latencyStamp);
}

TEST_CASE("the hardware encoder's sizes are checked where the file names it", "[config]")
{
	/* 1296x972, a v1 camera mode, comes out corrupt (raspberrypi/firmware#1608). */
	std::string error = singleError("[camera]\nwidth = 1296\nheight = 972\n[encoding]\nencoder = v4l2\n",
					test::kConfigOrigin + ":camera.width: the Raspberry Pi hardware encoder "
							      "needs a width that is a multiple of 32, not 1296");
	CHECK(error.find("try 1280 or 1312") != std::string::npos);

	/* The preset names the encoder, the file the width. */
	singleError("[camera]\npreset = pi-4\nwidth = 1000\n", test::kConfigOrigin + ":camera.width: ");
	singleError("[camera]\nwidth = 1920\nheight = 1200\n[encoding]\nencoder = v4l2\n",
		    test::kConfigOrigin + ":camera.width: the Raspberry Pi hardware encoder corrupts frames "
					  "larger than 1920x1080");
	singleError("[camera]\nwidth = 1920\nheight = 1080\nfps = 90\n[encoding]\nencoder = v4l2\n",
		    test::kConfigOrigin + ":camera.fps: the Raspberry Pi hardware encoder tops out at H.264 level 4.2");

	/* Sizes it takes, and other encoders, pass. */
	CHECK(requireConfig(parse("[camera]\nwidth = 1920\nheight = 1080\nfps = 60\n[encoding]\nencoder = v4l2\n"))
		      .camera.fps == 60);
	CHECK(requireConfig(parse("[camera]\nwidth = 800\nheight = 600\n[encoding]\nencoder = v4l2\n"))
		      .camera.width == 800);
	for (const char *encoder : { "auto", "x264", "openh264" })
		CHECK(requireConfig(parse(std::string("[camera]\nwidth = 1296\nheight = 972\n[encoding]\nencoder = ") +
					  encoder + "\n"))
			      .camera.width == 1296);
}

TEST_CASE("camera.format is a V4L2 matter", "[config]")
{
	CHECK(requireConfig(parse("")).camera.format == CaptureFormat::Raw);
	for (const char *source : { "auto", "v4l2" }) {
		ConfigResult result = parse(std::string("[camera]\nsource = ") + source + "\nformat = MJPEG\n");
		INFO(source << allErrors(result));
		CHECK(requireConfig(result).camera.format == CaptureFormat::Mjpeg);
		CHECK(result.warnings.empty());
	}
	for (const char *source : { "libcamera", "test" }) {
		ConfigResult result = parse(std::string("[camera]\nsource = ") + source + "\nformat = mjpeg\n");
		REQUIRE(result.warnings.size() == 1);
		CHECK(result.warnings[0] ==
		      test::kConfigOrigin + ":camera.format: ignored with source = " + source);
	}
	std::string error = singleError("[camera]\nformat = h264\n", test::kConfigOrigin + ":camera.format: \"h264\"");
	CHECK(error.find("raw, mjpeg") != std::string::npos);
}

TEST_CASE("web_root", "[config]")
{
	TempDir dir;

	SECTION("an existing directory")
	{
		const Config &config = requireConfig(parse("[network]\nweb_root = " + dir.path() + "\n"));
		CHECK(config.paths.webRoot == dir.path());
	}

	SECTION("empty means automatic")
	{
		CHECK(requireConfig(parse("[network]\nweb_root =\n")).paths.webRoot.empty());
	}

	SECTION("a file is not a directory")
	{
		std::string file = dir.write("index.html", "<html></html>");
		std::string error = singleError("[network]\nweb_root = " + file + "\n",
						test::kConfigOrigin + ":network.web_root: ");
		CHECK(error == test::kConfigOrigin + ":network.web_root: \"" + file +
				       "\" is not a directory; expected an existing directory, or "
				       "empty for the built-in page");
	}
}

TEST_CASE("ice_addresses", "[config]")
{
	SECTION("commas, spaces and IPv6")
	{
		const Config &config = requireConfig(
			parse("[network]\nice_addresses = eth0,,  fe80::1 , 10.0.0.2\ten0.100:1\n"));
		CHECK(config.network.iceAddresses ==
		      std::vector<std::string>{ "eth0", "fe80::1", "10.0.0.2", "en0.100:1" });
	}

	SECTION("empty means all")
	{
		CHECK(requireConfig(parse("[network]\nice_addresses =\n")).network.iceAddresses.empty());
	}

	SECTION("every bad entry is reported")
	{
		ConfigResult result = parse("[network]\nice_addresses = eth0 bad/name 1.2.3 wlan0 a*b\n");
		INFO(allErrors(result));
		REQUIRE(result.errors.size() == 3);
		CHECK_THAT(result.errors[0], Catch::StartsWith(test::kConfigOrigin + ":network.ice_addresses: \"bad/name\""));
		CHECK_THAT(result.errors[1], Catch::StartsWith(test::kConfigOrigin + ":network.ice_addresses: \"1.2.3\""));
		CHECK_THAT(result.errors[2], Catch::StartsWith(test::kConfigOrigin + ":network.ice_addresses: \"a*b\""));
	}
}

TEST_CASE("ice_servers JSON", "[config]")
{
	const std::string prefix = test::kConfigOrigin + ":network.ice_servers: ";

	SECTION("good")
	{
		const Config &config = requireConfig(parse(
			"[network]\nice_servers = [{\"urls\": \"stuns:s.example.org:5349\"}, "
			"{\"urls\": \"turns:t.example.org:443?transport=tcp\", \"username\": \"a\\\"b\", "
			"\"credential\": \"c\\\\d\"}]\n"));
		REQUIRE(config.network.iceServers.size() == 2);
		CHECK(config.network.iceServers[0].urls ==
		      std::vector<std::string>{ "stuns:s.example.org:5349" });
		CHECK(config.network.iceServers[1].urls ==
		      std::vector<std::string>{ "turns:t.example.org:443?transport=tcp" });
		/* JSON escapes survive the INI layer untouched. */
		CHECK(config.network.iceServers[1].username == "a\"b");
		CHECK(config.network.iceServers[1].credential == "c\\d");
	}

	SECTION("empty array and empty value mean none")
	{
		CHECK(requireConfig(parse("[network]\nice_servers = []\n")).network.iceServers.empty());
		CHECK(requireConfig(parse("[network]\nice_servers =\n")).network.iceServers.empty());
	}

	struct Bad {
		const char *json;
		const char *expected; /* after the prefix */
	};
	const std::vector<Bad> bad = {
		{ "[{\"urls\": \"stun:a\"", "invalid JSON: " },
		{ "{\"urls\": \"stun:a\"}",
		  "is not a JSON array; expected a JSON array like "
		  "[{\"urls\": \"stun:stun.example.org:3478\"}] or empty for none" },
		{ "[\"stun:a\"]", "entry 1 is not an object; expected objects like " },
		{ "[{\"url\": \"stun:a\"}]",
		  "entry 1 has unknown member \"url\" (did you mean \"urls\"?); "
		  "allowed members are urls, username and credential" },
		{ "[{\"urls\": \"http://a\"}]",
		  "entry 1 url \"http://a\" is not a STUN or TURN url; "
		  "each url must start with stun:, stuns:, turn: or turns:" },
		{ "[{\"urls\": \"stun:\"}]",
		  "entry 1 url \"stun:\" is not a STUN or TURN url; " },
		{ "[{\"urls\": []}]",
		  "entry 1 urls is empty; expected \"urls\" as a string or a non-empty array of strings" },
		{ "[{\"urls\": [\"stun:a\", 3]}]", "entry 1 has a url that is not a string; " },
		{ "[{\"urls\": 5}]", "entry 1 has a url that is not a string; " },
		{ "[{\"username\": \"u\"}]", "entry 1 has no urls; " },
		{ "[{\"urls\": \"stun:a\"}, {\"urls\": \"turn:t:3478\"}]",
		  "entry 2 has a turn: url but no username or credential; turn: and turns: urls "
		  "require non-empty \"username\" and \"credential\"" },
		{ "[{\"urls\": [\"stun:a\", \"turns:t\"], \"username\": \"u\"}]",
		  "entry 1 has a turn: url but no username or credential; " },
		{ "[{\"urls\": \"turn:t\", \"username\": \"u\", \"credential\": 7}]",
		  "entry 1 credential is not a string; expected a JSON string" },
	};

	for (const Bad &b : bad) {
		DYNAMIC_SECTION(b.json)
		{
			std::string error = singleError(std::string("[network]\nice_servers = ") +
								b.json + "\n",
							prefix + b.expected);
			CHECK_THAT(error, Catch::StartsWith(prefix + b.expected));
			CHECK(error.find("; ") != std::string::npos);
		}
	}

	SECTION("every bad entry is reported")
	{
		ConfigResult result = parse("[network]\nice_servers = [{\"urls\": \"ftp:x\"}, "
					    "{\"urls\": \"stun:ok\"}, {\"urls\": \"turn:y\"}]\n");
		INFO(allErrors(result));
		REQUIRE(result.errors.size() == 2);
		CHECK_THAT(result.errors[0], Catch::StartsWith(prefix + "entry 1 url \"ftp:x\""));
		CHECK_THAT(result.errors[1], Catch::StartsWith(prefix + "entry 3 has a turn: url"));
	}
}

TEST_CASE("pipeline fragments are checked by GStreamer", "[config]")
{
	SECTION("good fragments are stored trimmed")
	{
		const Config &config = requireConfig(parse("[pipeline]\n"
							   "source =  videotestsrc ! videoconvert \n"
							   "encoder = x264enc ! video/x-h264,profile=baseline ! queue\n"));
		CHECK(config.pipeline.source == "videotestsrc ! videoconvert");
		CHECK(config.pipeline.encoder == "x264enc ! video/x-h264,profile=baseline ! queue");
	}

	SECTION("a missing element")
	{
		std::string error = singleError("[pipeline]\nsource = videotestsrc ! nosuchelement123\n",
						test::kConfigOrigin + ":pipeline.source: ");
		CHECK_THAT(error, Catch::Contains("no element \"nosuchelement123\""));
	}

	SECTION("a syntax error")
	{
		singleError("[pipeline]\nencoder = x264enc ! ! \n", test::kConfigOrigin + ":pipeline.encoder: ");
	}

	SECTION("a link at either end is refused before GStreamer sees it")
	{
		/* Found by fuzzing: GStreamer 1.22's parser raised criticals on these. */
		for (const char *fragment : { "v4l2src ! image/jpeg,width=1280 ! jpegdec !",
					      "! videoconvert", "!" }) {
			INFO(fragment);
			wcam::test::CriticalCounter criticals;
			std::string error = singleError(std::string("[pipeline]\nsource = ") + fragment + "\n",
							test::kConfigOrigin + ":pipeline.source: ");
			CHECK_THAT(error, Catch::Contains("starts or ends with '!'"));
			CHECK(criticals.count() == 0);
		}
	}

	SECTION("caps cannot end a fragment")
	{
		/* gst-launch only reads caps between two links; this is GStreamer's rule. */
		singleError("[pipeline]\nencoder = x264enc ! video/x-h264,profile=baseline\n",
			    test::kConfigOrigin + ":pipeline.encoder: ");
	}

	SECTION("an unknown element given a value: refused without a GStreamer critical")
	{
		/* Found by fuzz-config: GStreamer 1.22 links the missing element and complains. */
		wcam::test::CriticalCounter criticals;
		singleError("[pipeline]\nsource = v4l2src ! image/jpeg,width=1280 ! jpegdec ! videoconveaselrtin = 4\n",
			    test::kConfigOrigin + ":pipeline.source: ");
		CHECK(criticals.count() == 0);
	}

	SECTION("an unknown property")
	{
		std::string error = singleError("[pipeline]\nsource = videotestsrc no-such-prop=1\n",
						test::kConfigOrigin + ":pipeline.source: ");
		CHECK_THAT(error, Catch::Contains("no-such-prop"));
	}
}

TEST_CASE("unknown sections and keys are errors", "[config]")
{
	SECTION("unknown key, with a suggestion and the known keys")
	{
		std::string error = singleError("[camera]\nwidht = 640\n", test::kConfigOrigin + ":camera.widht: ");
		CHECK(error == test::kConfigOrigin + ":camera.widht: unknown key (did you mean \"width\"?); known "
					 "keys in [camera] are source, device, format, width, height, fps, "
					 "buffer_size, preset");
	}

	SECTION("unknown key without a close match")
	{
		std::string error = singleError("[network]\nhostname = cam\n",
						test::kConfigOrigin + ":network.hostname: ");
		CHECK(error == test::kConfigOrigin + ":network.hostname: unknown key; known keys in [network] are "
					 "bind, port, max_viewers, ice_servers, ice_addresses, "
					 "viewer_timeout, max_connections_per_address, "
					 "max_viewers_per_address, request_timeout, web_root, upnp");
	}

	SECTION("a key valid elsewhere is unknown in the wrong section")
	{
		singleError("[encoding]\nport = 80\n", test::kConfigOrigin + ":encoding.port: unknown key");
	}

	SECTION("localised keys are unknown")
	{
		singleError("[camera]\ndevice[de] = /dev/video0\n",
			    test::kConfigOrigin + ":camera.device[de]: unknown key");
	}

	SECTION("unknown section")
	{
		std::string error = singleError("[camrea]\nwidth = 640\n", test::kConfigOrigin + ":camrea: ");
		CHECK(error == test::kConfigOrigin + ":camrea: unknown section [camrea] (did you mean \"camera\"?); "
					 "known sections are camera, encoding, network, security, rtsp, performance, "
					 "pipeline, adaptive, snapshot, relay, debug");
	}

	SECTION("section names are case-sensitive")
	{
		singleError("[Camera]\n", test::kConfigOrigin + ":Camera: unknown section [Camera] (did you mean "
							 "\"camera\"?)");
	}
}

TEST_CASE("INI syntax errors name the file", "[config]")
{
	SECTION("key before any section")
	{
		std::string error = singleError("width = 640\n", test::kConfigOrigin + ": ");
		CHECK(error.size() > test::kConfigOrigin.size() + 2);
	}

	SECTION("a line that is not a key, section or comment")
	{
		singleError("[camera]\njust some words\n", test::kConfigOrigin + ": ");
	}

	SECTION("an unclosed section header")
	{
		CHECK(singleError("[camera\nwidth = 640\n", test::kConfigOrigin + ": ") ==
		      test::kConfigOrigin + ": line 1: \"[camera\" is not a [section] header");
	}

	SECTION("semicolon starts a comment, as in configparser")
	{
		requireConfig(parse("[camera]\n; comment\n  ; indented comment\n"));
	}
}

TEST_CASE("all errors are collected", "[config]")
{
	ConfigResult result = parse("[camera]\n"
				    "width = abc\n"
				    "height = 723\n"
				    "fps = 500\n"
				    "colour = red\n"
				    "[encoding]\n"
				    "bitrate = 10\n"
				    "[network]\n"
				    "port = 0\n"
				    "bind = nowhere\n"
				    "[extra]\n"
				    "[performance]\n"
				    "low_latency_mode = perhaps\n"
				    "[pipeline]\n"
				    "source = nosuchelement123\n",
				    { { "SERVER_PORT", "-1" } });
	INFO(allErrors(result));
	CHECK_FALSE(result.config.has_value());

	const std::vector<std::string> prefixes = {
		test::kConfigOrigin + ":camera.width: ",
		test::kConfigOrigin + ":camera.height: ",
		test::kConfigOrigin + ":camera.fps: ",
		test::kConfigOrigin + ":camera.colour: ",
		test::kConfigOrigin + ":encoding.bitrate: ",
		test::kConfigOrigin + ":network.port: ",
		test::kConfigOrigin + ":network.bind: ",
		test::kConfigOrigin + ":extra: ",
		test::kConfigOrigin + ":performance.low_latency_mode: ",
		test::kConfigOrigin + ":pipeline.source: ",
		"env:SERVER_PORT: ",
	};
	REQUIRE(result.errors.size() == prefixes.size());
	for (const std::string &prefix : prefixes) {
		INFO(prefix);
		CHECK(std::count_if(result.errors.begin(), result.errors.end(),
				    [&](const std::string &e) { return e.rfind(prefix, 0) == 0; }) == 1);
	}
}

TEST_CASE("environment overrides", "[config]")
{
	SECTION("valid values override the file")
	{
		Environment env = {
			{ "CAMERA_WIDTH", "640" }, { "CAMERA_HEIGHT", "480" }, { "CAMERA_FPS", "15" },
			{ "SERVER_PORT", "9090" }, { "BITRATE", "800k" },
		};
		const Config &config = requireConfig(parse("[camera]\nwidth = 1920\nheight = 1080\n"
							   "fps = 60\n[network]\nport = 8000\n"
							   "[encoding]\nbitrate = 4M\n",
							   env));
		CHECK(config.camera.width == 640);
		CHECK(config.camera.height == 480);
		CHECK(config.camera.fps == 15);
		CHECK(config.network.port == 9090);
		CHECK(config.encoding.bitrate == 800000);
	}

	SECTION("they apply without a file too")
	{
		const Config &config = requireConfig(defaultConfig({ { "CAMERA_FPS", " 24 " } }));
		CHECK(config.camera.fps == 24);
		CHECK(config.camera.width == 1280);
	}

	SECTION("empty means unset, other variables are ignored")
	{
		const Config &config = requireConfig(
			defaultConfig({ { "CAMERA_WIDTH", "" }, { "CAMERA_DEPTH", "garbage" } }));
		CHECK(config.camera.width == 1280);
	}

	SECTION("invalid values are errors named after the variable")
	{
		ConfigResult result = parse("", { { "CAMERA_WIDTH", "x" },
						  { "CAMERA_HEIGHT", "7" },
						  { "CAMERA_FPS", "0" },
						  { "SERVER_PORT", "70000" },
						  { "BITRATE", "1G" } });
		INFO(allErrors(result));
		CHECK_FALSE(result.config.has_value());
		const std::vector<std::string> expected = {
			"env:CAMERA_WIDTH: \"x\" is not a number; expected an even integer from 16 to 4096",
			"env:CAMERA_HEIGHT: \"7\" is out of range; expected an even integer from 16 to 2304",
			"env:CAMERA_FPS: \"0\" is out of range; expected an integer from 1 to 120 (frames "
			"per second)",
			"env:SERVER_PORT: \"70000\" is out of range; expected an integer from 1 to 65535",
			"env:BITRATE: \"1G\" is not a number; expected bits per second from 50000 to "
			"50000000, optionally with a k or M suffix (e.g. 1500k, 2M)",
		};
		CHECK_THAT(result.errors, Catch::UnorderedEquals(expected));
	}

	SECTION("an invalid override is reported from defaultConfig too")
	{
		ConfigResult result = defaultConfig({ { "CAMERA_WIDTH", "641" } });
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0] ==
		      "env:CAMERA_WIDTH: \"641\" is odd; expected an even integer from 16 to 4096");
	}

	SECTION("processEnvironment reads only our variables")
	{
		g_setenv("CAMERA_FPS", "12", TRUE);
		g_setenv("BITRATE", "3M", TRUE);
		g_unsetenv("CAMERA_WIDTH");
		g_setenv("WCAM_UNRELATED_TEST_VAR", "1", TRUE);
		Environment env = processEnvironment();
		g_unsetenv("CAMERA_FPS");
		g_unsetenv("BITRATE");
		g_unsetenv("WCAM_UNRELATED_TEST_VAR");

		CHECK(env.count("CAMERA_FPS") == 1);
		CHECK(env["CAMERA_FPS"] == "12");
		CHECK(env["BITRATE"] == "3M");
		CHECK(env.count("CAMERA_WIDTH") == 0);
		CHECK(env.count("WCAM_UNRELATED_TEST_VAR") == 0);
		for (const auto &[name, value] : env) {
			INFO(name);
			CHECK((name == "CAMERA_WIDTH" || name == "CAMERA_HEIGHT" ||
			       name == "CAMERA_FPS" || name == "SERVER_PORT" || name == "BITRATE"));
		}

		const Config &config = requireConfig(defaultConfig(env));
		CHECK(config.camera.fps == 12);
		CHECK(config.encoding.bitrate == 3000000);
	}
}

TEST_CASE("loadConfigFile", "[config]")
{
	SECTION("a missing file")
	{
		ConfigResult result = loadConfigFile("/nonexistent/wcam/config.ini");
		CHECK_FALSE(result.config.has_value());
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0] ==
		      "/nonexistent/wcam/config.ini: cannot read: No such file or directory");
	}

	SECTION("a directory")
	{
		TempDir dir;
		ConfigResult result = loadConfigFile(dir.path());
		REQUIRE(result.errors.size() == 1);
		CHECK(result.errors[0] == dir.path() + ": cannot read: Is a directory");
	}

	SECTION("a real file, with errors named after its path")
	{
		TempDir dir;
		std::string good = dir.write("good.ini", "[camera]\nfps = 10\n");
		ConfigResult result = loadConfigFile(good, { { "SERVER_PORT", "1234" } });
		const Config &config = requireConfig(result);
		CHECK(config.path == good);
		CHECK(config.camera.fps == 10);
		CHECK(config.network.port == 1234);

		std::string bad = dir.write("bad.ini", "[camera]\nfps = ten\n");
		ConfigResult failed = loadConfigFile(bad);
		REQUIRE(failed.errors.size() == 1);
		CHECK_THAT(failed.errors[0], Catch::StartsWith(bad + ":camera.fps: \"ten\""));
	}
}

TEST_CASE("the shipped config.ini", "[config]")
{
	const std::string path = sourceDir() + "/data/config/config.ini";
	const std::string text = readText(path);
	INFO(path);
	REQUIRE_FALSE(text.empty());

	SECTION("parses without errors or warnings to the defaults")
	{
		ConfigResult result = loadConfigFile(path);
		const Config &config = requireConfig(result);
		CHECK(result.warnings.empty());
		CHECK(config.path == path);
		CHECK(config.camera.width == Config().camera.width);
		CHECK(config.network.port == Config().network.port);
	}

	SECTION("documents every key with its default")
	{
		const Config defaults;
		const std::vector<std::string> lines = {
			"# source = auto",
			"# device =",
			"# width = " + std::to_string(defaults.camera.width),
			"# height = " + std::to_string(defaults.camera.height),
			"# fps = " + std::to_string(defaults.camera.fps),
			"# buffer_size = " + std::to_string(defaults.camera.bufferSize),
			std::string("# encoder = ") + toString(defaults.encoding.encoder),
			"# bitrate = " + std::to_string(defaults.encoding.bitrate),
			std::string("# h264_profile = ") + toString(defaults.encoding.profile),
			"# keyframe_interval = " + std::to_string(defaults.encoding.keyframeInterval),
			"# bind = " + defaults.network.bind,
			"# port = " + std::to_string(defaults.network.port),
			"# max_viewers = " + std::to_string(defaults.network.maxViewers),
			"# ice_servers =",
			"# ice_addresses =",
			"# viewer_timeout = " + std::to_string(defaults.network.viewerTimeout),
			"# max_connections_per_address = " +
				std::to_string(defaults.network.maxConnectionsPerAddress),
			"# max_viewers_per_address = " + std::to_string(defaults.network.maxViewersPerAddress),
			"# request_timeout = " + std::to_string(defaults.network.requestTimeout),
			"# web_root =",
			"# upnp = false",
			/* The packaged default (WCAM_SYSCONFDIR is /etc there). */
			"# users_file = /etc/webrtc-camera/users",
			"# whep_tokens =",
			"# allowed_origins =",
			"# tls_certificate =",
			"# tls_key =",
			"# low_latency_mode = true",
			std::string("# frame_drop_strategy = ") +
				toString(defaults.performance.frameDropStrategy),
			"# source =",
			"# encoder =",
			"# latency_stamp = false",
			"[camera]", "[encoding]", "[network]", "[security]", "[performance]", "[pipeline]", "[debug]",
			"# source = v4l2src device=/dev/video0 ! image/jpeg,width=1280,height=720,"
			"framerate=30/1 ! jpegdec",
		};
		for (const std::string &line : lines) {
			INFO(line);
			CHECK(text.find("\n" + line + "\n") != std::string::npos);
		}
	}

	SECTION("its commented examples are valid when uncommented")
	{
		/* Uncomment every "# key = value" line that has a value. */
		static const std::regex example(R"(^# ([a-z0-9_]+ = .+)$)");
		std::istringstream in(text);
		std::string line;
		std::string uncommented;
		int examples = 0;
		while (std::getline(in, line)) {
			std::smatch match;
			if (std::regex_match(line, match, example)) {
				uncommented += match[1].str() + "\n";
				examples++;
			} else {
				uncommented += line + "\n";
			}
		}
		CHECK(examples >= 17);
		const Config &config = requireConfig(parse(uncommented));
		CHECK(config.pipeline.source.rfind("v4l2src device=/dev/video0", 0) == 0);
		CHECK_FALSE(config.network.iceServers.empty());
		CHECK_FALSE(config.network.iceAddresses.empty());
	}
}

TEST_CASE("[adaptive] keys", "[config]")
{
	SECTION("defaults")
	{
		const Config config = requireConfig(parse(""));
		const AdaptiveConfig &a = config.adaptive;
		CHECK(a.enabled);
		CHECK(a.minBitrate == 250000);
		CHECK(a.maxBitrate == 1500000);
		CHECK(a.interval == 1);
		CHECK(a.cpuHigh == 85);
		CHECK(a.cpuLow == 60);
		CHECK(a.tempHigh == 80);
		CHECK(a.tempLow == 70);
		CHECK(a.policy == AdaptivePolicy::Weakest);
		CHECK(std::string(toString(AdaptivePolicy::Median)) == "median");
	}

	SECTION("every key is parsed")
	{
		const Config config = requireConfig(parse("[adaptive]\nenabled = no\nmin_bitrate = 300k\n"
							  "max_bitrate = 2.5M\ninterval = 2\ncpu_high = 90\n"
							  "cpu_low = 50\ntemp_high = 75\ntemp_low = 65\n"
							  "policy = median\n"));
		const AdaptiveConfig &a = config.adaptive;
		CHECK_FALSE(a.enabled);
		CHECK(a.minBitrate == 300000);
		CHECK(a.maxBitrate == 2500000);
		CHECK(a.interval == 2);
		CHECK(a.cpuHigh == 90);
		CHECK(a.cpuLow == 50);
		CHECK(a.tempHigh == 75);
		CHECK(a.tempLow == 65);
		CHECK(a.policy == AdaptivePolicy::Median);
		CHECK(requireConfig(parse("[adaptive]\npolicy = FIXED\n")).adaptive.policy == AdaptivePolicy::Fixed);
	}

	SECTION("bad values name file:section.key")
	{
		singleError("[adaptive]\nenabled = maybe\n", test::kConfigOrigin + ":adaptive.enabled: \"maybe\" is not a boolean");
		singleError("[adaptive]\nmin_bitrate = 10\n", test::kConfigOrigin + ":adaptive.min_bitrate: \"10\" is out of range");
		singleError("[adaptive]\nmax_bitrate = fast\n", test::kConfigOrigin + ":adaptive.max_bitrate: \"fast\" is not a number");
		singleError("[adaptive]\ninterval = 0\n", test::kConfigOrigin + ":adaptive.interval: \"0\" is out of range");
		singleError("[adaptive]\ncpu_high = 101\n", test::kConfigOrigin + ":adaptive.cpu_high: \"101\" is out of range");
		singleError("[adaptive]\ncpu_low = x\n", test::kConfigOrigin + ":adaptive.cpu_low: \"x\" is not a number");
		singleError("[adaptive]\ntemp_high = 200\n", test::kConfigOrigin + ":adaptive.temp_high: \"200\" is out of range");
		singleError("[adaptive]\ntemp_low = 10\n", test::kConfigOrigin + ":adaptive.temp_low: \"10\" is out of range");
		std::string e = singleError("[adaptive]\npolicy = strongest\n",
					    test::kConfigOrigin + ":adaptive.policy: \"strongest\" is not a valid policy");
		CHECK_THAT(e, Catch::Contains("weakest, median, fixed"));
		singleError("[adaptive]\npolcy = weakest\n", test::kConfigOrigin + ":adaptive.polcy: unknown key (did you mean \"policy\"?)");
	}

	SECTION("pairs must leave room for hysteresis")
	{
		singleError("[adaptive]\nmin_bitrate = 2M\nmax_bitrate = 1M\n",
			    test::kConfigOrigin + ":adaptive.min_bitrate: 2000000 is above max_bitrate 1000000");
		singleError("[adaptive]\ncpu_low = 85\n", test::kConfigOrigin + ":adaptive.cpu_low: 85 is not below cpu_high 85");
		singleError("[adaptive]\ntemp_high = 60\n", test::kConfigOrigin + ":adaptive.temp_low: 70 is not below temp_high 60");
	}

	SECTION("the shipped config.ini documents them with their defaults")
	{
		const std::string text = readText(sourceDir() + "/data/config/config.ini");
		const AdaptiveConfig d;
		for (const std::string &line : { std::string("[adaptive]"), std::string("# enabled = true"),
						  "# min_bitrate = " + std::to_string(d.minBitrate),
						  "# max_bitrate = " + std::to_string(d.maxBitrate),
						  "# interval = " + std::to_string(d.interval),
						  "# cpu_high = " + std::to_string(d.cpuHigh),
						  "# cpu_low = " + std::to_string(d.cpuLow),
						  "# temp_high = " + std::to_string(d.tempHigh),
						  "# temp_low = " + std::to_string(d.tempLow),
						  std::string("# policy = ") + toString(d.policy) }) {
			INFO(line);
			CHECK(text.find(line + "\n") != std::string::npos);
		}
	}
}

TEST_CASE("[relay] keys", "[config]")
{
	SECTION("off by default")
	{
		const RelayConfig r = requireConfig(parse("")).relay;
		CHECK(r.whipUrl.empty());
		CHECK(r.bearerToken.empty());
		CHECK(r.rtpHost.empty());
		CHECK(r.rtpPort == 5004);
		CHECK(r.rtcpPort == 0);
	}

	SECTION("every key is parsed")
	{
		ConfigResult result = parse("[relay]\nwhip_url = https://sfu.example.org:8443/whip/cam?x=1\n"
					    "bearer_token = abc.DEF-123_~+/=\nrtp_host = 192.168.1.50\nrtp_port = 8004\n"
					    "rtcp_port = 8005\n");
		const RelayConfig r = requireConfig(result).relay;
		CHECK(result.warnings.empty());
		CHECK(r.whipUrl == "https://sfu.example.org:8443/whip/cam?x=1");
		CHECK(r.bearerToken == "abc.DEF-123_~+/=");
		CHECK(r.rtpHost == "192.168.1.50");
		CHECK(r.rtpPort == 8004);
		CHECK(r.rtcpPort == 8005);
		CHECK(requireConfig(parse("[relay]\nrtp_host = janus.lan\n")).relay.rtpHost == "janus.lan");
		CHECK(requireConfig(parse("[relay]\nrtp_host = fd00::5\n")).relay.rtpHost == "fd00::5");
		CHECK(requireConfig(parse("[relay]\nwhip_url = http://10.0.0.2/whip\n")).relay.whipUrl ==
		      "http://10.0.0.2/whip");
	}

	SECTION("bad values name file:section.key")
	{
		const std::string o = test::kConfigOrigin;
		singleError("[relay]\nwhip_url = ftp://sfu/whip\n",
			    o + ":relay.whip_url: \"ftp://sfu/whip\" is not an http:// or https:// URL; expected");
		singleError("[relay]\nwhip_url = sfu.example.org/whip\n",
			    o + ":relay.whip_url: \"sfu.example.org/whip\" is not an http:// or https:// URL");
		singleError("[relay]\nwhip_url = https:///whip\n", o + ":relay.whip_url: \"https:///whip\" has no host");
		singleError("[relay]\nrtp_port = 0\n", o + ":relay.rtp_port: \"0\" is out of range; expected an integer from 1 to 65535");
		singleError("[relay]\nrtp_port = 65536\n", o + ":relay.rtp_port: \"65536\" is out of range");
		singleError("[relay]\nrtcp_port = -1\n", o + ":relay.rtcp_port: \"-1\" is out of range; expected an integer from 0 to 65535 (0: none)");
		singleError("[relay]\nrtp_host = janus lan\n", o + ":relay.rtp_host: \"janus lan\" is not a host");
		singleError("[relay]\nrtp_host = -janus\n", o + ":relay.rtp_host: \"-janus\" is not a host");
		std::string e = singleError("[relay]\nwhip_url = https://a/whip\nbearer_token = secret token\n",
					    o + ":relay.bearer_token: token \"secr...\" has a character outside");
		CHECK(e.find("token\n") == std::string::npos);
		CHECK(e.find("secret token") == std::string::npos);
	}

	SECTION("a token without a WHIP URL is a warning")
	{
		ConfigResult result = parse("[relay]\nbearer_token = abc\n");
		requireConfig(result);
		REQUIRE(result.warnings.size() == 1);
		CHECK(result.warnings[0] == test::kConfigOrigin + ":relay.bearer_token: ignored without whip_url");
		ConfigResult rtcp = parse("[relay]\nrtcp_port = 5005\n");
		requireConfig(rtcp);
		REQUIRE(rtcp.warnings.size() == 1);
		CHECK(rtcp.warnings[0] == test::kConfigOrigin + ":relay.rtcp_port: ignored without rtp_host");
	}
}

TEST_CASE("[rtsp] keys", "[config]")
{
	SECTION("defaults")
	{
		const Config config = requireConfig(parse(""));
		CHECK(config.rtsp.enabled);
		CHECK(config.rtsp.port == 8554);
		CHECK(config.rtsp.path == "/camera");
	}

	SECTION("every key is parsed")
	{
		const Config config = requireConfig(parse("[rtsp]\nenabled = off\nport = 554\npath = /cams/front-door_1\n"));
		CHECK_FALSE(config.rtsp.enabled);
		CHECK(config.rtsp.port == 554);
		CHECK(config.rtsp.path == "/cams/front-door_1");
	}

	SECTION("restart keys: a reload reports them, never applies them")
	{
		for (const char *name : { "enabled", "port", "path" }) {
			INFO(name);
			REQUIRE(findConfigKey("rtsp", name));
			CHECK(findConfigKey("rtsp", name)->reload == Reload::Restart);
		}
	}

	SECTION("bad values name file:section.key")
	{
		const std::string at = test::kConfigOrigin + ":rtsp.";
		singleError("[rtsp]\nenabled = perhaps\n", at + "enabled: \"perhaps\" is not a boolean");
		singleError("[rtsp]\nport = 0\n", at + "port: \"0\" is out of range");
		singleError("[rtsp]\nport = 65536\n", at + "port: \"65536\" is out of range");
		singleError("[rtsp]\npath = camera\n", at + "path: \"camera\" does not start with /");
		singleError("[rtsp]\npath = /\n", at + "path: \"/\" has an empty");
		singleError("[rtsp]\npath = /a//b\n", at + "path: \"/a//b\" has an empty");
		singleError("[rtsp]\npath = /camera/\n", at + "path: \"/camera/\" has an empty");
		singleError("[rtsp]\npath = /../etc\n", at + "path: \"/../etc\" has an empty, \".\" or \"..\" segment");
		singleError("[rtsp]\npath = /cam era\n", at + "path: \"/cam era\" has a character outside");
		singleError("[rtsp]\npath = /cam?x=1\n", at + "path: \"/cam?x=1\" has a character outside");
		singleError("[rtsp]\npath = /" + std::string(128, 'a') + "\n", at + "path: \"/aaaa");
	}

	SECTION("the web's port is not the RTSP port")
	{
		singleError("[network]\nport = 8554\n", test::kConfigOrigin + ":rtsp.port: 8554 is also network.port");
		singleError("[rtsp]\nport = 8080\n", test::kConfigOrigin + ":rtsp.port: 8080 is also network.port");
		/* Off, it takes no port. */
		CHECK(requireConfig(parse("[rtsp]\nenabled = false\nport = 8080\n")).rtsp.port == 8080);
	}
}
