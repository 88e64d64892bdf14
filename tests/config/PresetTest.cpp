/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <glib.h>
#include <glib/gstdio.h>

#include "config/ConfigLoader.h"
#include "config/Preset.h"

using namespace wcam;

namespace {

const std::string kOrigin = "/etc/webrtc-camera/config.ini";

std::string allMessages(const ConfigResult &result)
{
	std::string text;
	for (const std::string &error : result.errors)
		text += "\n  error: " + error;
	for (const std::string &warning : result.warnings)
		text += "\n  warning: " + warning;
	return text;
}

Config parseOk(const std::string &text, const Environment &env = {})
{
	ConfigResult result = parseConfig(text, kOrigin, env);
	INFO("config:\n" << text << allMessages(result));
	REQUIRE(result.errors.empty());
	REQUIRE(result.config);
	return *result.config;
}

/* A key of a shipped preset file, read independently of the loader. */
std::string presetValue(const std::string &name, const char *section, const char *key)
{
	std::string path = presetDirectory() + "/" + name + ".ini";
	g_autoptr(GKeyFile) file = g_key_file_new();
	REQUIRE(g_key_file_load_from_file(file, path.c_str(), G_KEY_FILE_NONE, nullptr));
	g_autofree char *value = g_key_file_get_value(file, section, key, nullptr);
	REQUIRE(value);
	return value;
}

} /* namespace */

TEST_CASE("the device-tree model picks the preset", "[config][preset]")
{
	struct Case {
		const char *model;
		const char *preset;
	};
	const Case cases[] = {
		{ "Raspberry Pi Zero W Rev 1.1", "pi-zero-w" },
		{ "Raspberry Pi Zero Rev 1.3", "pi-zero-w" },
		{ "Raspberry Pi Model B Plus Rev 1.2", "pi-zero-w" },
		{ "Raspberry Pi Compute Module Rev 1.0", "pi-zero-w" },
		{ "Raspberry Pi Zero 2 W Rev 1.0", "pi-zero-2w" },
		{ "Raspberry Pi 2 Model B Rev 1.1", "pi-3" },
		{ "Raspberry Pi 3 Model B Rev 1.2", "pi-3" },
		{ "Raspberry Pi 3 Model B Plus Rev 1.3", "pi-3" },
		{ "Raspberry Pi 3 Model A Plus Rev 1.0", "pi-3" },
		{ "Raspberry Pi Compute Module 3 Plus Rev 1.0", "pi-3" },
		{ "Raspberry Pi 4 Model B Rev 1.4", "pi-4" },
		{ "Raspberry Pi 400 Rev 1.0", "pi-4" },
		{ "Raspberry Pi Compute Module 4 Rev 1.0", "pi-4" },
		{ "Raspberry Pi 5 Model B Rev 1.0", "pi-5" },
		{ "Raspberry Pi 500 Rev 1.0", "pi-5" },
		{ "Raspberry Pi Compute Module 5 Rev 1.0", "pi-5" },
		/* The kernel's file ends with a NUL. */
		{ "Raspberry Pi 4 Model B Rev 1.1\n", "pi-4" },
		{ "", "" },
		{ "Radxa ROCK Pi 4B", "" },
		{ "Raspberry Pi", "" },
		{ "Generic x86 PC", "" },
	};
	for (const Case &c : cases) {
		INFO("model: \"" << c.model << "\"");
		CHECK(presetForModel(c.model) == c.preset);
	}
	CHECK(presetForModel(std::string("Raspberry Pi Zero W Rev 1.1\0", 28)) == "pi-zero-w");
}

TEST_CASE("every model's preset is shipped and loads cleanly", "[config][preset]")
{
	std::vector<std::string> presets = availablePresets(presetDirectory());
	INFO("directory: " << presetDirectory());
	REQUIRE(presets == std::vector<std::string>{ "pi-3", "pi-4", "pi-5", "pi-zero-2w",
						     "pi-zero-w", "usb-webcam" });

	for (const std::string &name : presets) {
		std::string path = presetDirectory() + "/" + name + ".ini";
		ConfigResult result = loadConfigFile(path);
		INFO(path << allMessages(result));
		CHECK(result.errors.empty());
		CHECK(result.warnings.empty());
	}
}

TEST_CASE("the device model is read without its trailing NUL", "[config][preset]")
{
	g_autofree char *dir = g_dir_make_tmp("wcam-preset-XXXXXX", nullptr);
	REQUIRE(dir);
	std::string path = std::string(dir) + "/model";
	const char model[] = "Raspberry Pi 5 Model B Rev 1.0"; /* sizeof includes the NUL */
	REQUIRE(g_file_set_contents(path.c_str(), model, sizeof(model), nullptr));

	CHECK(readDeviceModel(path) == "Raspberry Pi 5 Model B Rev 1.0");
	CHECK(presetForModel(readDeviceModel(path)) == "pi-5");
	CHECK(readDeviceModel(std::string(dir) + "/missing").empty());

	g_unlink(path.c_str());
	g_rmdir(dir);
}

TEST_CASE("preset values resolve", "[config][preset]")
{
	const std::string dir = presetDirectory();

	SECTION("none and empty apply nothing")
	{
		for (const char *value : { "none", "NONE", "" }) {
			PresetChoice choice = resolvePreset(value, "Raspberry Pi 4 Model B Rev 1.4", dir);
			CHECK(choice.name.empty());
			CHECK(choice.error.empty());
			CHECK(choice.note.empty());
		}
	}
	SECTION("auto follows the model")
	{
		PresetChoice choice = resolvePreset("auto", "Raspberry Pi Zero W Rev 1.1", dir);
		CHECK(choice.name == "pi-zero-w");
		CHECK(choice.path == dir + "/pi-zero-w.ini");
		CHECK(g_file_test(choice.path.c_str(), G_FILE_TEST_IS_REGULAR));
	}
	SECTION("auto on an unknown board applies nothing and says why")
	{
		PresetChoice choice = resolvePreset("auto", "Generic x86 PC", dir);
		CHECK(choice.name.empty());
		CHECK(choice.error.empty());
		CHECK(choice.note.find("Generic x86 PC") != std::string::npos);
		CHECK_FALSE(resolvePreset("auto", "", dir).note.empty());
	}
	SECTION("a name must be a shipped preset")
	{
		PresetChoice named = resolvePreset("pi-5", "", dir);
		CHECK(named.name == "pi-5");
		for (const char *value : { "pi-6", "../data/config/config", "pi-4.ini" }) {
			PresetChoice choice = resolvePreset(value, "", dir);
			INFO(value);
			CHECK(choice.name.empty());
			CHECK(choice.error.find(value) != std::string::npos);
			CHECK(choice.allowed.find("pi-zero-2w") != std::string::npos);
		}
	}
}

TEST_CASE("a preset sits under the file's keys and the environment", "[config][preset]")
{
	SECTION("the preset alone")
	{
		Config config = parseOk("[camera]\npreset = pi-zero-w\n");
		CHECK(config.camera.preset == "pi-zero-w");
		CHECK(config.camera.width == 640);
		CHECK(config.camera.height == 480);
		CHECK(config.camera.fps == 20);
		CHECK(config.encoding.encoder == EncoderKind::V4l2);
		CHECK(config.encoding.bitrate == 500000);
		CHECK(config.encoding.profile == H264Profile::Baseline);
	}
	SECTION("key by key override, whatever the order in the file")
	{
		Config config = parseOk("[camera]\nwidth = 800\npreset = pi-zero-w\n"
					"[encoding]\nbitrate = 700k\n");
		CHECK(config.camera.width == 800);
		CHECK(config.camera.height == 480);
		CHECK(config.camera.fps == 20);
		CHECK(config.encoding.bitrate == 700000);
		CHECK(config.encoding.encoder == EncoderKind::V4l2);
	}
	SECTION("the environment wins over both")
	{
		Config config = parseOk("[camera]\npreset = pi-4\nfps = 25\n",
					{ { "CAMERA_FPS", "15" }, { "CAMERA_WIDTH", "1280" } });
		CHECK(config.camera.fps == 15);
		CHECK(config.camera.width == 1280);
		CHECK(config.camera.height == 1080);
	}
	SECTION("no preset, or none, keeps the built-in defaults")
	{
		for (const char *text : { "[camera]\n", "[camera]\npreset = none\n" }) {
			Config config = parseOk(text);
			Config defaults;
			CHECK(config.camera.preset.empty());
			CHECK(config.camera.width == defaults.camera.width);
			CHECK(config.camera.fps == defaults.camera.fps);
			CHECK(config.encoding.encoder == defaults.encoding.encoder);
			CHECK(config.encoding.bitrate == defaults.encoding.bitrate);
		}
	}
	SECTION("every preset's values arrive as its file states them")
	{
		for (const std::string &name : availablePresets(presetDirectory())) {
			INFO(name);
			Config config = parseOk("[camera]\npreset = " + name + "\n");
			CHECK(config.camera.preset == name);
			CHECK(std::to_string(config.camera.width) ==
			      presetValue(name, "camera", "width"));
			CHECK(std::to_string(config.camera.height) ==
			      presetValue(name, "camera", "height"));
			CHECK(std::to_string(config.camera.fps) == presetValue(name, "camera", "fps"));
			CHECK(toString(config.encoding.encoder) ==
			      presetValue(name, "encoding", "encoder"));
		}
	}
	SECTION("what the issue asks of each board")
	{
		Config pi4 = parseOk("[camera]\npreset = pi-4\n");
		CHECK((pi4.camera.width == 1920 && pi4.camera.height == 1080 && pi4.camera.fps == 30));
		CHECK(pi4.encoding.encoder == EncoderKind::V4l2);
		for (const char *name : { "pi-3", "pi-zero-2w" }) {
			Config config = parseOk(std::string("[camera]\npreset = ") + name + "\n");
			CHECK((config.camera.width == 1280 && config.camera.height == 720 &&
			       config.camera.fps == 30));
		}
		Config pi5 = parseOk("[camera]\npreset = pi-5\n");
		CHECK(pi5.encoding.encoder == EncoderKind::X264);
		/* One of the Pi 5's 4 cores is left free whatever the load. */
		CHECK(pi5.encoding.threads == 3);
		Config usb = parseOk("[camera]\npreset = usb-webcam\n");
		/* The built-in chain, so the device is chosen by driver, not a fixed /dev/video0. */
		CHECK(usb.camera.source == SourceKind::V4l2);
		CHECK(usb.camera.format == CaptureFormat::Mjpeg);
		CHECK(usb.pipeline.source.empty());
	}
}

TEST_CASE("preset and log level errors name the file and key", "[config][preset]")
{
	ConfigResult unknown = parseConfig("[camera]\npreset = pi-6\n", kOrigin);
	INFO(allMessages(unknown));
	REQUIRE(unknown.errors.size() == 1);
	CHECK(unknown.errors[0].rfind(kOrigin + ":camera.preset: \"pi-6\"", 0) == 0);
	CHECK_FALSE(unknown.config);

	/* A bad user key stays the user's error, not the preset's. */
	ConfigResult bad = parseConfig("[camera]\npreset = pi-4\nwidth = 15\n", kOrigin);
	INFO(allMessages(bad));
	REQUIRE(bad.errors.size() == 1);
	CHECK(bad.errors[0].rfind(kOrigin + ":camera.width: ", 0) == 0);

	CHECK(parseOk("[debug]\nlog_level = warning\n").debug.logLevel == LogLevel::Warning);
	CHECK(parseOk("[debug]\nlog_level = DEBUG\n").debug.logLevel == LogLevel::Debug);
	CHECK(parseOk("").debug.logLevel == LogLevel::Info);
	ConfigResult level = parseConfig("[debug]\nlog_level = loud\n", kOrigin);
	REQUIRE(level.errors.size() == 1);
	CHECK(level.errors[0].rfind(kOrigin + ":debug.log_level: \"loud\"", 0) == 0);
	CHECK(level.errors[0].find("debug, info, warning, error") != std::string::npos);
}
