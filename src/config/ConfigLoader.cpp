/* SPDX-License-Identifier: MIT */
/*
 * config.ini loading: the INI text (IniFile), then every key through its
 * row of the key table (ConfigSchema), which also serves the environment
 * overrides, so a value means the same thing wherever it comes from.
 * Nothing stops at the first problem: all errors are collected and
 * reported together.
 */
#include "config/ConfigLoader.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <utility>

#include <gio/gio.h>
#include <glib.h>

#include "config/ConfigSchema.h"
#include "config/Field.h"
#include "config/IniFile.h"
#include "config/LegacyKeys.h"
#include "config/Preset.h"
#include "config/TextUtil.h"
#include "core/PasswordHash.h"
#include "core/TlsFiles.h"
#include "pipeline/LatencyStampGeometry.h"
#include "pipeline/V4l2EncoderLimits.h"

namespace wcam {

namespace {

constexpr int kLatencyStampWidth = kStampWidth;
constexpr gsize kMaxFileSize = 1 << 20; /* a config or users file larger than this is no such file */

bool readFile(const std::string &path, std::string &contents, std::string &reason)
{
	g_autofree char *data = nullptr;
	gsize size = 0;
	g_autoptr(GError) error = nullptr;
	if (!g_file_get_contents(path.c_str(), &data, &size, &error)) {
		/* "Failed to open file “path”: reason": callers name the path already. */
		std::string message = error->message;
		size_t colon = message.rfind(": ");
		reason = colon == std::string::npos ? message : message.substr(colon + 2);
		return false;
	}
	if (size > kMaxFileSize) {
		reason = "larger than 1 MiB";
		return false;
	}
	contents.assign(data, size);
	return true;
}

/* Blank lines and # comments aside, every line is name:hash. */
std::vector<UserEntry> parseUsers(const std::string &text, const std::string &path, ConfigResult &result)
{
	std::vector<UserEntry> users;
	std::istringstream in(text);
	std::string line;
	int number = 0;
	while (std::getline(in, line)) {
		number++;
		std::string where = path + ":" + std::to_string(number);
		std::string trimmed = trim(line);
		if (trimmed.empty() || trimmed.front() == '#')
			continue;
		size_t colon = trimmed.find(':');
		if (colon == std::string::npos) {
			result.errors.push_back(where + ": no \"name:hash\" on this line; "
						"add users with webrtc-camera-configure --add-user NAME");
			continue;
		}
		UserEntry user{ trimmed.substr(0, colon), trimmed.substr(colon + 1) };
		bool nameOk = !user.name.empty() && user.name.size() <= 64 &&
			      std::all_of(user.name.begin(), user.name.end(), [](char c) {
				      return g_ascii_isalnum(c) || strchr("-._@", c);
			      });
		if (!nameOk) {
			result.errors.push_back(where + ": user name " + quote(user.name) +
						" is not 1 to 64 of A-Z a-z 0-9 - . _ @");
			continue;
		}
		std::string problem = checkPasswordHash(user.hash);
		if (!problem.empty()) {
			result.errors.push_back(where + ": the hash of user " + quote(user.name) + " " + problem);
			continue;
		}
		auto same = [&](const UserEntry &other) { return other.name == user.name; };
		if (std::any_of(users.begin(), users.end(), same)) {
			result.errors.push_back(where + ": user " + quote(user.name) + " is listed twice");
			continue;
		}
		users.push_back(std::move(user));
	}
	return users;
}

/*
 * users_file: read once every key is known (its default path applies too).
 * A missing file means no user yet (a fresh install): the server then
 * stays on loopback, which is the point, so it is no error.
 */
void loadUsers(const std::string &origin, Config &config, ConfigResult &result)
{
	const std::string &path = config.security.usersFile;
	if (path.empty() || !g_file_test(path.c_str(), G_FILE_TEST_EXISTS))
		return;
	std::string contents;
	std::string reason;
	if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR))
		reason = "not a regular file";
	else
		readFile(path, contents, reason);
	if (!reason.empty()) {
		Field(result, origin + ":security.users_file")
			.error(quote(path) + " cannot be read: " + reason,
			       "expected a file of name:hash lines readable by the service");
		return;
	}
	config.security.users = parseUsers(contents, path, result);
}

struct EnvOverride {
	const char *variable;
	const char *section;
	const char *key;
};

constexpr EnvOverride kEnvOverrides[] = {
	{ "CAMERA_WIDTH", "camera", "width" },
	{ "CAMERA_HEIGHT", "camera", "height" },
	{ "CAMERA_FPS", "camera", "fps" },
	{ "SERVER_PORT", "network", "port" },
	{ "BITRATE", "encoding", "bitrate" },
};

/* --- Loading steps. --- */

/*
 * Keys of the old Python server: read as ours before the file's own keys
 * (which win), each with one notice. True when `entry` was one of them.
 */
bool applyLegacyKey(const IniEntry &entry, const std::string &origin, Config &config, ConfigResult &result)
{
	Field field(result, origin + ":" + entry.section + "." + entry.key);
	size_t errors = result.errors.size();
	std::optional<LegacyTranslation> legacy = translateLegacyKey(field, entry.section, entry.key, entry.value);
	if (!legacy)
		return result.errors.size() != errors;
	std::string notice = field.where() + ": a key of the old Python server, " + legacy->notice;
	if (std::find(result.notices.begin(), result.notices.end(), notice) == result.notices.end())
		result.notices.push_back(notice);
	findConfigKey(legacy->section, legacy->key)->parse(field, legacy->value, config);
	return true;
}

void applyIni(const IniFile &ini, const std::string &origin, Config &config, ConfigResult &result)
{
	for (const std::string &error : ini.errors)
		result.errors.push_back(origin + ": " + error);

	const std::vector<std::string> sections = configSections();
	auto known = [&](const std::string &section) {
		return std::find(sections.begin(), sections.end(), section) != sections.end();
	};
	for (const std::string &section : ini.sections) {
		if (known(section) || isLegacySection(section))
			continue;
		Field(result, origin + ":" + section)
			.error("unknown section [" + section + "]" + suggestion(section, sections),
			       "known sections are " + join(sections, ", "));
	}

	/* The old server's keys first, so that ours override them. */
	std::set<const IniEntry *> legacy;
	for (const IniEntry &entry : ini.entries)
		if ((known(entry.section) || isLegacySection(entry.section)) &&
		    applyLegacyKey(entry, origin, config, result))
			legacy.insert(&entry);

	for (const IniEntry &entry : ini.entries) {
		if (legacy.count(&entry) || !(known(entry.section) || isLegacySection(entry.section)))
			continue;
		Field field(result, origin + ":" + entry.section + "." + entry.key);
		if (const ConfigKey *key = findConfigKey(entry.section, entry.key)) {
			key->parse(field, entry.value, config);
			continue;
		}
		std::vector<std::string> names = isLegacySection(entry.section) ? legacyKeyNames(entry.section)
										 : configKeyNames(entry.section);
		field.error("unknown key" + suggestion(entry.key, names),
			    "known keys in [" + entry.section + "] are " + join(names, ", "));
	}
}

/*
 * `[camera] preset`: the preset file's keys go in first, so that every key
 * of the user's file overrides it and errors name the file that has them.
 */
void applyPreset(const IniFile &ini, const std::string &origin, Config &config, ConfigResult &result)
{
	const IniEntry *entry = ini.find("camera", "preset");
	if (!entry)
		return;

	Field field(result, origin + ":camera.preset");
	PresetChoice choice = resolvePreset(entry->value, readDeviceModel(), presetDirectory());
	if (!choice.error.empty()) {
		field.error(choice.error, choice.allowed);
		return;
	}
	if (choice.name.empty()) {
		if (!choice.note.empty())
			field.warning(choice.note);
		return;
	}

	std::string text;
	std::string reason;
	if (!readFile(choice.path, text, reason)) {
		result.errors.push_back(choice.path + ": cannot read: " + reason);
		return;
	}
	IniFile preset = parseIni(text);
	if (preset.find("camera", "preset")) {
		Field(result, choice.path + ":camera.preset")
			.error("a preset cannot name another preset", "remove the key");
		return;
	}
	applyIni(preset, choice.path, config, result);
	config.camera.preset = choice.name;
}

void applyEnvironment(const Environment &env, Config &config, ConfigResult &result)
{
	for (const EnvOverride &override : kEnvOverrides) {
		auto it = env.find(override.variable);
		/* Set-but-empty is how compose files and unit files say "unset". */
		if (it == env.end())
			continue;
		std::string value = trim(it->second);
		if (value.empty())
			continue;

		Field field(result, std::string("env:") + override.variable);
		findConfigKey(override.section, override.key)->parse(field, value, config);
	}
}

/* Checks that involve more than one key, run once all values are final. */
void checkCombinations(const std::string &origin, Config &config, ConfigResult &result)
{
	const std::string &device = config.camera.device;
	if (!device.empty()) {
		Field field(result, origin + ":camera.device");
		if (config.camera.source == SourceKind::V4l2 && device.front() != '/')
			field.error(quote(device) + " is not an absolute path",
				    "with source = v4l2 expected a device node such as /dev/video0, "
				    "or empty for the first capture device");
		else if (config.camera.source == SourceKind::Test)
			field.warning("ignored with source = test");
	}

	/* With auto it applies when a V4L2 camera is the one found. */
	if (config.camera.format != CaptureFormat::Raw &&
	    (config.camera.source == SourceKind::Libcamera || config.camera.source == SourceKind::Test))
		Field(result, origin + ":camera.format")
			.warning(std::string("ignored with source = ") + toString(config.camera.source));

	/* With encoder = auto the pipeline description makes the same check on a Pi. */
	const CameraConfig &camera = config.camera;
	if (config.encoding.encoder == EncoderKind::V4l2) {
		std::string problem = v4l2EncoderSizeProblem(camera.width, camera.height, camera.fps);
		bool rate = problem.find(" fps") != std::string::npos;
		if (!problem.empty())
			Field(result, origin + (rate ? ":camera.fps" : ":camera.width"))
				.error(problem, "expected a size and rate the encoder takes, e.g. 1280x720 or "
						"1920x1080 at 30 fps, or encoding.encoder = x264");
	}

	/* Pairs must leave room for hysteresis: low below high. */
	const AdaptiveConfig &adaptive = config.adaptive;
	if (adaptive.minBitrate > adaptive.maxBitrate)
		Field(result, origin + ":adaptive.min_bitrate")
			.error(std::to_string(adaptive.minBitrate) + " is above max_bitrate " +
				       std::to_string(adaptive.maxBitrate),
			       "expected min_bitrate <= max_bitrate");
	if (adaptive.cpuLow >= adaptive.cpuHigh)
		Field(result, origin + ":adaptive.cpu_low")
			.error(std::to_string(adaptive.cpuLow) + " is not below cpu_high " +
				       std::to_string(adaptive.cpuHigh),
			       "expected cpu_low < cpu_high");
	if (adaptive.tempLow >= adaptive.tempHigh)
		Field(result, origin + ":adaptive.temp_low")
			.error(std::to_string(adaptive.tempLow) + " is not below temp_high " +
				       std::to_string(adaptive.tempHigh),
			       "expected temp_low < temp_high");

	const SecurityConfig &security = config.security;
	/* A key refused on its own is reported once, not again as missing. */
	bool tlsKeysValid = std::none_of(result.errors.begin(), result.errors.end(), [](const std::string &e) {
		return e.find(":security.tls_") != std::string::npos;
	});
	if (tlsKeysValid && security.tlsCertificate.empty() != security.tlsKey.empty()) {
		Field(result, origin + (security.tlsKey.empty() ? ":security.tls_key" : ":security.tls_certificate"))
			.error("is not set but " + std::string(security.tlsKey.empty() ? "tls_certificate" : "tls_key") + " is",
			       "set both tls_certificate and tls_key, or neither");
	} else if (tlsKeysValid && security.tls()) {
		/* Loaded as the server will, so a mismatched pair stops --check-config. */
		std::string error;
		g_autoptr(GTlsCertificate) certificate =
			loadTlsCertificate(security.tlsCertificate, security.tlsKey, error);
		if (!certificate)
			Field(result, origin + ":security.tls_certificate")
				.error("cannot be used with tls_key: " + error,
				       "expected a PEM certificate (chain) and its PEM private key");
	}
	if (!security.whepTokens.empty() && !security.authentication())
		Field(result, origin + ":security.whep_tokens")
			.warning("ignored while users_file has no user: without users nothing asks for credentials");

	if (!config.relay.bearerToken.empty() && config.relay.whipUrl.empty())
		Field(result, origin + ":relay.bearer_token").warning("ignored without whip_url");
	if (config.relay.rtcpPort && config.relay.rtpHost.empty())
		Field(result, origin + ":relay.rtcp_port").warning("ignored without rtp_host");
	if (config.rtsp.enabled && config.rtsp.port == config.network.port)
		Field(result, origin + ":rtsp.port")
			.error(std::to_string(config.rtsp.port) + " is also network.port",
			       "expected another port than the web server's, or [rtsp] enabled = false");

	if (config.debug.latencyStamp && config.camera.width < kLatencyStampWidth) {
		Field field(result, origin + ":debug.latency_stamp");
		field.error("the stamp is " + std::to_string(kLatencyStampWidth) +
				    " px wide but camera.width is " +
				    std::to_string(config.camera.width),
			    "set camera.width to at least " + std::to_string(kLatencyStampWidth) +
				    " or latency_stamp = false");
	}
}

/* `text` is null when there is no file (defaults) or it could not be read. */
ConfigResult build(const std::string *text, const std::string &origin, const std::string &path,
		   const Environment &env, ConfigResult result = {})
{
	Config config;
	config.path = path;

	if (text) {
		IniFile ini = parseIni(*text);
		applyPreset(ini, origin, config, result);
		applyIni(ini, origin, config, result);
	}

	applyEnvironment(env, config, result);
	loadUsers(origin.empty() ? std::string("config") : origin, config, result);
	checkCombinations(origin.empty() ? std::string("config") : origin, config, result);

	if (result.errors.empty())
		result.config = std::move(config);
	return result;
}

} /* namespace */
Environment processEnvironment()
{
	Environment env;
	for (const EnvOverride &override : kEnvOverrides) {
		if (const char *value = g_getenv(override.variable))
			env[override.variable] = value;
	}
	return env;
}

ConfigResult parseConfig(const std::string &text, const std::string &origin,
			 const Environment &env)
{
	return build(&text, origin, origin, env);
}

ConfigResult loadConfigFile(const std::string &path, const Environment &env)
{
	std::string contents;
	std::string reason;
	if (!readFile(path, contents, reason)) {
		ConfigResult result;
		result.errors.push_back(path + ": cannot read: " + reason);
		return build(nullptr, path, path, env, std::move(result));
	}
	return build(&contents, path, path, env);
}

ConfigResult defaultConfig(const Environment &env)
{
	return build(nullptr, std::string(), std::string(), env);
}

} /* namespace wcam */
