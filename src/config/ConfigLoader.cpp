/* SPDX-License-Identifier: MIT */
/*
 * config.ini loading. Every key goes through one table entry that parses
 * and validates it; the same entries serve the environment overrides, so
 * a value means the same thing wherever it comes from. Nothing stops at
 * the first problem: all errors are collected and reported together.
 */
#include "config/ConfigLoader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "config/Preset.h"
#include "core/GlibPtr.h"
#include "core/PasswordHash.h"
#include "core/TlsFiles.h"

namespace wcam {

namespace {

constexpr int kLatencyStampWidth = 608;

/* Where a value came from ("file:section.key" or "env:VAR") and its sink. */
class Field
{
public:
	Field(ConfigResult &result, std::string where)
		: result_(result), where_(std::move(where))
	{
	}

	void error(const std::string &what, const std::string &allowed)
	{
		result_.errors.push_back(where_ + ": " + what + "; " + allowed);
	}

	void warning(const std::string &what)
	{
		result_.warnings.push_back(where_ + ": " + what);
	}

private:
	ConfigResult &result_;
	std::string where_;
};

/* Values are quoted in messages so empty strings and spaces stay visible. */
std::string quote(const std::string &value)
{
	constexpr size_t kMaxShown = 80;
	std::string out = "\"";
	for (size_t i = 0; i < value.size(); i++) {
		if (i == kMaxShown) {
			out += "...";
			break;
		}
		unsigned char c = value[i];
		if (c == '"' || c == '\\') {
			out += '\\';
			out += static_cast<char>(c);
		} else if (c < 0x20 || c == 0x7f) {
			char hex[8];
			g_snprintf(hex, sizeof(hex), "\\x%02x", c);
			out += hex;
		} else {
			out += static_cast<char>(c);
		}
	}
	return out + "\"";
}

std::string trim(std::string_view text)
{
	auto isSpace = [](char c) { return g_ascii_isspace(c); };
	while (!text.empty() && isSpace(text.front()))
		text.remove_prefix(1);
	while (!text.empty() && isSpace(text.back()))
		text.remove_suffix(1);
	return std::string(text);
}

bool allDigits(std::string_view text)
{
	return !text.empty() &&
	       std::all_of(text.begin(), text.end(), [](char c) { return g_ascii_isdigit(c); });
}

std::string join(const std::vector<std::string> &items, const char *separator)
{
	std::string out;
	for (const std::string &item : items) {
		if (!out.empty())
			out += separator;
		out += item;
	}
	return out;
}

/* Optimal string alignment distance: a swapped pair of letters counts once. */
size_t editDistance(const std::string &a, const std::string &b)
{
	std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
	for (size_t i = 0; i <= a.size(); i++)
		d[i][0] = i;
	for (size_t j = 0; j <= b.size(); j++)
		d[0][j] = j;
	for (size_t i = 1; i <= a.size(); i++) {
		for (size_t j = 1; j <= b.size(); j++) {
			size_t cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
			d[i][j] = std::min({ d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost });
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
		}
	}
	return d[a.size()][b.size()];
}

/* " (did you mean "width"?)" when a known name is close to the typo. */
std::string suggestion(const std::string &unknown, const std::vector<std::string> &known)
{
	const std::string *best = nullptr;
	size_t bestDistance = 3; /* more than two edits is not a typo */
	for (const std::string &name : known) {
		size_t distance = editDistance(unknown, name);
		if (distance < bestDistance) {
			bestDistance = distance;
			best = &name;
		}
	}
	return best ? " (did you mean \"" + *best + "\"?)" : std::string();
}

/* --- Scalar parsers: each reports its own error and returns nullopt. --- */

struct IntRange {
	long long min;
	long long max;
	bool even;
	const char *unit; /* appended to the allowed text, may be null */
};

constexpr IntRange kWidth{ 16, 4096, true, nullptr };
constexpr IntRange kHeight{ 16, 2304, true, nullptr };
constexpr IntRange kFps{ 1, 120, false, "frames per second" };
constexpr IntRange kBufferSize{ 1, 64, false, "frames" };
constexpr IntRange kKeyframeInterval{ 1, 60, false, "seconds" };
constexpr IntRange kPort{ 1, 65535, false, nullptr };
constexpr IntRange kMaxViewers{ 1, 64, false, nullptr };
constexpr IntRange kViewerTimeout{ 5, 3600, false, "seconds" };
constexpr IntRange kConnectionsPerAddress{ 2, 1024, false, nullptr };
constexpr IntRange kRequestTimeout{ 1, 300, false, "seconds" };

constexpr IntRange kAdaptiveInterval{ 1, 60, false, "seconds" };
constexpr IntRange kCpuPercent{ 1, 100, false, "percent" };
constexpr IntRange kTemperature{ 30, 110, false, "degrees Celsius" };

constexpr long long kBitrateMin = 50000;
constexpr long long kBitrateMax = 50000000;

std::string allowedInt(const IntRange &range)
{
	std::string text = range.even ? "expected an even integer" : "expected an integer";
	text += " from " + std::to_string(range.min) + " to " + std::to_string(range.max);
	if (range.unit)
		text += std::string(" (") + range.unit + ")";
	return text;
}

enum class NumberStatus { Ok, Invalid, Overflow };

NumberStatus toInteger(std::string_view text, long long &out)
{
	if (!text.empty() && text.front() == '+') {
		text.remove_prefix(1);
		if (!text.empty() && text.front() == '-')
			return NumberStatus::Invalid;
	}
	if (text.empty())
		return NumberStatus::Invalid;

	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, out);
	if (ec == std::errc::result_out_of_range)
		return NumberStatus::Overflow;
	if (ec != std::errc() || ptr != end)
		return NumberStatus::Invalid;
	return NumberStatus::Ok;
}

std::optional<int> parseInt(Field &field, const std::string &value, const IntRange &range)
{
	long long number = 0;
	switch (toInteger(value, number)) {
	case NumberStatus::Invalid:
		field.error(quote(value) + " is not a number", allowedInt(range));
		return std::nullopt;
	case NumberStatus::Overflow:
		field.error(quote(value) + " is out of range", allowedInt(range));
		return std::nullopt;
	case NumberStatus::Ok:
		break;
	}

	if (number < range.min || number > range.max) {
		field.error(quote(value) + " is out of range", allowedInt(range));
		return std::nullopt;
	}
	if (range.even && number % 2 != 0) {
		field.error(quote(value) + " is odd", allowedInt(range));
		return std::nullopt;
	}
	return static_cast<int>(number);
}

/* Plain bits per second, or a decimal with a k/M suffix ("1500k", "2.5M"). */
std::optional<int> parseBitrate(Field &field, const std::string &value)
{
	static const std::string allowed =
		"expected bits per second from " + std::to_string(kBitrateMin) + " to " +
		std::to_string(kBitrateMax) + ", optionally with a k or M suffix (e.g. 1500k, 2M)";

	std::string_view text = value;
	bool negative = !text.empty() && text.front() == '-';
	if (negative || (!text.empty() && text.front() == '+'))
		text.remove_prefix(1);

	long long multiplier = 1;
	size_t multiplierDigits = 0;
	if (!text.empty()) {
		switch (text.back()) {
		case 'k':
		case 'K':
			multiplier = 1000;
			multiplierDigits = 3;
			text.remove_suffix(1);
			break;
		case 'M':
		case 'm':
			multiplier = 1000000;
			multiplierDigits = 6;
			text.remove_suffix(1);
			break;
		default:
			break;
		}
	}

	std::string_view whole = text;
	std::string_view fraction;
	size_t dot = text.find('.');
	bool hasDot = dot != std::string_view::npos;
	if (hasDot) {
		whole = text.substr(0, dot);
		fraction = text.substr(dot + 1);
	}

	/* A fraction only makes sense with a suffix: "1.5" bits is nonsense. */
	if (!allDigits(whole) || (hasDot && (!allDigits(fraction) || multiplier == 1))) {
		field.error(quote(value) + " is not a number", allowed);
		return std::nullopt;
	}

	/* Anything this long is out of range whatever the suffix. */
	if (negative || whole.size() > 12) {
		field.error(quote(value) + " is out of range", allowed);
		return std::nullopt;
	}

	long long number = 0;
	std::from_chars(whole.data(), whole.data() + whole.size(), number);
	number *= multiplier;

	if (fraction.size() > multiplierDigits) {
		std::string_view rest = fraction.substr(multiplierDigits);
		if (rest.find_first_not_of('0') != std::string_view::npos) {
			field.error(quote(value) + " is not a whole number of bits per second",
				    allowed);
			return std::nullopt;
		}
		fraction = fraction.substr(0, multiplierDigits);
	}
	if (!fraction.empty()) {
		std::string padded(fraction);
		padded.resize(multiplierDigits, '0');
		long long part = 0;
		std::from_chars(padded.data(), padded.data() + padded.size(), part);
		number += part;
	}

	if (number < kBitrateMin || number > kBitrateMax) {
		field.error(quote(value) + " is out of range", allowed);
		return std::nullopt;
	}
	return static_cast<int>(number);
}

std::optional<bool> parseBool(Field &field, const std::string &value)
{
	static const char *const trueWords[] = { "true", "yes", "on", "1" };
	static const char *const falseWords[] = { "false", "no", "off", "0" };

	for (const char *word : trueWords)
		if (g_ascii_strcasecmp(value.c_str(), word) == 0)
			return true;
	for (const char *word : falseWords)
		if (g_ascii_strcasecmp(value.c_str(), word) == 0)
			return false;

	field.error(quote(value) + " is not a boolean", "expected true/false, yes/no, on/off or 1/0");
	return std::nullopt;
}

template<typename T>
struct Choice {
	const char *name;
	T value;
};

template<typename T, size_t N>
std::optional<T> parseChoice(Field &field, const std::string &value, const char *what,
			     const Choice<T> (&choices)[N])
{
	std::vector<std::string> names;
	for (const Choice<T> &choice : choices) {
		if (g_ascii_strcasecmp(value.c_str(), choice.name) == 0)
			return choice.value;
		names.push_back(choice.name);
	}
	field.error(quote(value) + " is not a valid " + what,
		    "expected one of " + join(names, ", "));
	return std::nullopt;
}

constexpr Choice<SourceKind> kSources[] = {
	{ "auto", SourceKind::Auto },
	{ "libcamera", SourceKind::Libcamera },
	{ "v4l2", SourceKind::V4l2 },
	{ "test", SourceKind::Test },
};

constexpr Choice<EncoderKind> kEncoders[] = {
	{ "auto", EncoderKind::Auto },
	{ "v4l2", EncoderKind::V4l2 },
	{ "x264", EncoderKind::X264 },
	{ "openh264", EncoderKind::OpenH264 },
};

constexpr Choice<H264Profile> kProfiles[] = {
	{ "baseline", H264Profile::Baseline },
	{ "main", H264Profile::Main },
	{ "high", H264Profile::High },
};

constexpr Choice<LogLevel> kLogLevels[] = {
	{ "debug", LogLevel::Debug },
	{ "info", LogLevel::Info },
	{ "warning", LogLevel::Warning },
	{ "error", LogLevel::Error },
};

constexpr Choice<AdaptivePolicy> kAdaptivePolicies[] = {
	{ "weakest", AdaptivePolicy::Weakest },
	{ "median", AdaptivePolicy::Median },
	{ "fixed", AdaptivePolicy::Fixed },
};

constexpr Choice<FrameDropStrategy> kDropStrategies[] = {
	{ "latest", FrameDropStrategy::Latest },
	{ "none", FrameDropStrategy::None },
};

bool isIpAddress(const std::string &text)
{
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(text.c_str());
	return address != nullptr;
}

std::optional<std::string> parseBind(Field &field, const std::string &value)
{
	if (isIpAddress(value))
		return value;
	field.error(quote(value) + " is not an IP address",
		    "expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::");
	return std::nullopt;
}

bool isInterfaceName(const std::string &text)
{
	if (text.empty() || text.size() > 15)
		return false;
	return std::all_of(text.begin(), text.end(), [](char c) {
		return g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
	});
}

std::optional<std::vector<std::string>> parseIceAddresses(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected IP addresses or interface names (up to 15 of A-Z a-z 0-9 _ . : -) "
		"separated by commas or spaces, or empty for all";

	std::vector<std::string> addresses;
	bool ok = true;
	g_auto(GStrv) tokens = g_strsplit_set(value.c_str(), ", \t", -1);
	for (char **token = tokens; *token; token++) {
		std::string item = *token;
		if (item.empty())
			continue;
		if (isIpAddress(item)) {
			addresses.push_back(item);
			continue;
		}
		/* "192.168.1.300" would pass as a name; it is surely a mistyped address. */
		bool looksLikeIpv4 = item.find('.') != std::string::npos &&
				     std::all_of(item.begin(), item.end(), [](char c) {
					     return g_ascii_isdigit(c) || c == '.';
				     });
		if (looksLikeIpv4) {
			field.error(quote(item) + " is not a valid IP address", allowed);
			ok = false;
		} else if (!isInterfaceName(item)) {
			field.error(quote(item) + " is neither an IP address nor an interface name",
				    allowed);
			ok = false;
		} else {
			addresses.push_back(item);
		}
	}
	if (!ok)
		return std::nullopt;
	return addresses;
}

/* --- ice_servers: the browsers' RTCConfiguration.iceServers as JSON. --- */

bool hasIceScheme(const std::string &url, bool &isTurn)
{
	static const char *const stunSchemes[] = { "stun:", "stuns:" };
	static const char *const turnSchemes[] = { "turn:", "turns:" };

	for (const char *scheme : stunSchemes) {
		if (g_str_has_prefix(url.c_str(), scheme) && url.size() > strlen(scheme)) {
			isTurn = false;
			return true;
		}
	}
	for (const char *scheme : turnSchemes) {
		if (g_str_has_prefix(url.c_str(), scheme) && url.size() > strlen(scheme)) {
			isTurn = true;
			return true;
		}
	}
	return false;
}

/* Parses one array entry; returns false (after reporting) when invalid. */
bool parseIceServer(Field &field, JsonNode *node, unsigned int index, IceServer &server)
{
	const std::string entry = "entry " + std::to_string(index);
	static const char *shape =
		"expected objects like {\"urls\": \"turn:host:3478\", \"username\": \"u\", "
		"\"credential\": \"p\"}";

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		field.error(entry + " is not an object", shape);
		return false;
	}

	JsonObject *object = json_node_get_object(node);
	bool ok = true;

	g_autoptr(GList) members = json_object_get_members(object);
	for (GList *item = members; item; item = item->next) {
		std::string name = static_cast<const char *>(item->data);
		if (name != "urls" && name != "username" && name != "credential") {
			field.error(entry + " has unknown member " + quote(name) +
					    suggestion(name, { "urls", "username", "credential" }),
				    "allowed members are urls, username and credential");
			ok = false;
		}
	}

	auto stringMember = [&](const char *name, std::string &out) {
		JsonNode *member = json_object_get_member(object, name);
		if (!member)
			return true;
		if (JSON_NODE_HOLDS_VALUE(member) &&
		    json_node_get_value_type(member) == G_TYPE_STRING) {
			out = json_node_get_string(member);
			return true;
		}
		field.error(entry + " " + name + " is not a string", "expected a JSON string");
		ok = false;
		return false;
	};
	/* Both run: each reports its own error. */
	bool credentialsValid = stringMember("username", server.username);
	credentialsValid = stringMember("credential", server.credential) && credentialsValid;

	static const char *urlsAllowed =
		"expected \"urls\" as a string or a non-empty array of strings";
	JsonNode *urls = json_object_get_member(object, "urls");
	if (!urls) {
		/* With "url" reported as unknown (did you mean...), this is just noise. */
		if (ok)
			field.error(entry + " has no urls", urlsAllowed);
		return false;
	}

	std::vector<JsonNode *> urlNodes;
	if (JSON_NODE_HOLDS_ARRAY(urls)) {
		JsonArray *array = json_node_get_array(urls);
		for (guint i = 0; i < json_array_get_length(array); i++)
			urlNodes.push_back(json_array_get_element(array, i));
		if (urlNodes.empty()) {
			field.error(entry + " urls is empty", urlsAllowed);
			return false;
		}
	} else {
		urlNodes.push_back(urls);
	}

	bool needsCredentials = false;
	for (JsonNode *urlNode : urlNodes) {
		if (!JSON_NODE_HOLDS_VALUE(urlNode) ||
		    json_node_get_value_type(urlNode) != G_TYPE_STRING) {
			field.error(entry + " has a url that is not a string", urlsAllowed);
			ok = false;
			continue;
		}
		std::string url = json_node_get_string(urlNode);
		bool isTurn = false;
		if (!hasIceScheme(url, isTurn)) {
			field.error(entry + " url " + quote(url) + " is not a STUN or TURN url",
				    "each url must start with stun:, stuns:, turn: or turns:");
			ok = false;
			continue;
		}
		needsCredentials |= isTurn;
		server.urls.push_back(url);
	}

	/* A wrongly typed credential was reported already; do not say it is missing. */
	if (needsCredentials && credentialsValid &&
	    (server.username.empty() || server.credential.empty())) {
		field.error(entry + " has a turn: url but no username or credential",
			    "turn: and turns: urls require non-empty \"username\" and \"credential\"");
		ok = false;
	}
	return ok;
}

std::optional<std::vector<IceServer>> parseIceServers(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected a JSON array like [{\"urls\": \"stun:stun.example.org:3478\"}] "
		"or empty for none";

	if (value.empty())
		return std::vector<IceServer>();

	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = nullptr;
	if (!json_parser_load_from_data(parser, value.c_str(), value.size(), &error)) {
		field.error(std::string("invalid JSON: ") + error->message, allowed);
		return std::nullopt;
	}

	JsonNode *root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_ARRAY(root)) {
		field.error("is not a JSON array", allowed);
		return std::nullopt;
	}

	std::vector<IceServer> servers;
	bool ok = true;
	JsonArray *array = json_node_get_array(root);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		IceServer server;
		if (parseIceServer(field, json_array_get_element(array, i), i + 1, server))
			servers.push_back(std::move(server));
		else
			ok = false;
	}
	if (!ok)
		return std::nullopt;
	return servers;
}

std::optional<std::string> parseWebRoot(Field &field, const std::string &value)
{
	static const char *allowed = "expected an existing directory, or empty for the built-in page";

	if (value.empty())
		return value;
	if (!g_file_test(value.c_str(), G_FILE_TEST_EXISTS)) {
		field.error(quote(value) + " does not exist", allowed);
		return std::nullopt;
	}
	if (!g_file_test(value.c_str(), G_FILE_TEST_IS_DIR)) {
		field.error(quote(value) + " is not a directory", allowed);
		return std::nullopt;
	}
	return value;
}

/* Builds the fragment the way the pipeline will, so any error shows up now. */
std::optional<std::string> parseFragment(Field &field, const std::string &value,
					 const char *example)
{
	const std::string allowed = std::string("expected a gst-launch fragment such as \"") +
				    example + "\", or empty for the built-in chain";

	if (value.empty())
		return value;
	/*
	 * The rest of the pipeline is linked on with " ! ", so a link at either
	 * end is a typo; GStreamer 1.22's parser also raises criticals on it
	 * when caps are involved. Said plainly here instead.
	 */
	if (value.front() == '!' || value.back() == '!') {
		field.error(quote(value) + " starts or ends with '!'", allowed);
		return std::nullopt;
	}

	if (!gst_is_initialized()) {
		g_autoptr(GError) error = nullptr;
		if (!gst_init_check(nullptr, nullptr, &error)) {
			field.error(std::string("cannot initialise GStreamer to check it: ") +
					    error->message,
				    allowed);
			return std::nullopt;
		}
	}

	/*
	 * GStreamer 1.22's parser raises criticals on some malformed text (an
	 * unknown element followed by "= value" links a missing element):
	 * they are part of its answer here, not a fault of ours to log.
	 */
	std::string critical;
	guint handler = g_log_set_handler("GStreamer", GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING),
		[](const gchar *, GLogLevelFlags, const gchar *message, gpointer data) {
			auto *text = static_cast<std::string *>(data);
			if (text->empty())
				*text = message;
		}, &critical);
	g_autoptr(GError) error = nullptr;
	GstPtr<GstElement> bin = GstPtr<GstElement>::retain(gst_parse_bin_from_description_full(
		value.c_str(), FALSE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error));
	g_log_remove_handler("GStreamer", handler);
	if (error || !bin || !critical.empty()) {
		field.error(error ? error->message : "cannot be parsed (" + critical + ")", allowed);
		return std::nullopt;
	}
	return value;
}


/* --- [security] --- */

std::vector<std::string> splitList(const std::string &value)
{
	std::vector<std::string> items;
	g_auto(GStrv) tokens = g_strsplit_set(value.c_str(), ", \t", -1);
	for (char **token = tokens; *token; token++)
		if (**token)
			items.push_back(*token);
	return items;
}

std::optional<std::string> parseAbsolutePath(Field &field, const std::string &value, const char *what)
{
	if (value.empty() || value.front() == '/')
		return value;
	field.error(quote(value) + " is not an absolute path",
		    std::string("expected the absolute path of ") + what + ", or empty");
	return std::nullopt;
}

/* A file named by a key must exist and be readable now, not at the first request. */
std::optional<std::string> parseReadableFile(Field &field, const std::string &value, const char *what)
{
	std::optional<std::string> path = parseAbsolutePath(field, value, what);
	if (!path || path->empty())
		return path;
	std::string allowed = std::string("expected the absolute path of ") + what;
	if (!g_file_test(path->c_str(), G_FILE_TEST_IS_REGULAR)) {
		field.error(quote(*path) + (g_file_test(path->c_str(), G_FILE_TEST_EXISTS)
						    ? " is not a regular file" : " does not exist"),
			    allowed);
		return std::nullopt;
	}
	if (access(path->c_str(), R_OK) != 0) {
		field.error(quote(*path) + " is not readable: " + g_strerror(errno), allowed);
		return std::nullopt;
	}
	return path;
}

/*
 * RFC 6750 b64token characters, and long enough that guessing is hopeless
 * (webrtc-camera-configure makes 32 random characters).
 */
std::optional<std::vector<std::string>> parseTokens(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected tokens of 16 to 256 characters from A-Z a-z 0-9 - . _ ~ + /, "
		"separated by commas, or empty for none";
	std::vector<std::string> tokens;
	bool ok = true;
	for (const std::string &token : splitList(value)) {
		bool charsOk = std::all_of(token.begin(), token.end(), [](char c) {
			return g_ascii_isalnum(c) || strchr("-._~+/", c);
		});
		/* Never echo a secret in full: the first characters identify it. */
		std::string shown = quote(token.substr(0, 4) + "...");
		if (!charsOk) {
			field.error("token " + shown + " has a character outside the allowed set", allowed);
			ok = false;
		} else if (token.size() < 16 || token.size() > 256) {
			field.error("token " + shown + " has " + std::to_string(token.size()) + " characters",
				    allowed);
			ok = false;
		} else {
			tokens.push_back(token);
		}
	}
	if (!ok)
		return std::nullopt;
	return tokens;
}

/* "scheme://host[:port]" as browsers send it in Origin: no path, no default port. */
std::optional<std::vector<std::string>> parseOrigins(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected origins such as https://camera.example.org or http://192.168.1.20:8080 "
		"(scheme, host and port only), separated by commas, or empty";
	std::vector<std::string> origins;
	bool ok = true;
	for (const std::string &item : splitList(value)) {
		if (item == "*" || item == "null") {
			field.error(quote(item) + " would let any web page in", allowed);
			ok = false;
			continue;
		}
		g_autoptr(GUri) uri = g_uri_parse(item.c_str(), G_URI_FLAGS_NONE, nullptr);
		const char *scheme = uri ? g_uri_get_scheme(uri) : nullptr;
		const char *host = uri ? g_uri_get_host(uri) : nullptr;
		if (!uri || (g_strcmp0(scheme, "http") && g_strcmp0(scheme, "https")) || !host || !*host) {
			field.error(quote(item) + " is not an http:// or https:// origin", allowed);
			ok = false;
			continue;
		}
		const char *path = g_uri_get_path(uri);
		if ((path && *path && strcmp(path, "/")) || g_uri_get_query(uri) || g_uri_get_fragment(uri) ||
		    g_uri_get_userinfo(uri)) {
			field.error(quote(item) + " has more than a scheme, host and port", allowed);
			ok = false;
			continue;
		}
		/* The form browsers serialise: lower case, default port left out. */
		int port = g_uri_get_port(uri);
		bool defaultPort = port < 0 || (!strcmp(scheme, "http") && port == 80) ||
				   (!strcmp(scheme, "https") && port == 443);
		g_autofree char *lower = g_ascii_strdown(host, -1);
		std::string hostText = strchr(lower, ':') ? std::string("[") + lower + "]" : lower;
		origins.push_back(std::string(scheme) + "://" + hostText +
				  (defaultPort ? "" : ":" + std::to_string(port)));
	}
	if (!ok)
		return std::nullopt;
	return origins;
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
	if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
		reason = "not a regular file";
	} else {
		int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			reason = g_strerror(errno);
		} else {
			char buffer[4096];
			ssize_t count;
			while ((count = read(fd, buffer, sizeof(buffer))) > 0 && contents.size() < (1 << 20))
				contents.append(buffer, count);
			if (count < 0)
				reason = g_strerror(errno);
			close(fd);
		}
	}
	if (!reason.empty()) {
		Field(result, origin + ":security.users_file")
			.error(quote(path) + " cannot be read: " + reason,
			       "expected a file of name:hash lines readable by the service");
		return;
	}
	config.security.users = parseUsers(contents, path, result);
}

/* --- The key table. --- */

template<typename T, typename U>
void assign(T &target, std::optional<U> &&value)
{
	if (value)
		target = std::move(*value);
}

using Apply = void (*)(Field &field, const std::string &value, Config &config);

struct KeySpec {
	const char *name;
	Apply apply;
};

struct SectionSpec {
	const char *name;
	std::vector<KeySpec> keys;

	const KeySpec *find(const std::string &key) const
	{
		for (const KeySpec &spec : keys)
			if (key == spec.name)
				return &spec;
		return nullptr;
	}

	std::vector<std::string> keyNames() const
	{
		std::vector<std::string> names;
		for (const KeySpec &spec : keys)
			names.push_back(spec.name);
		return names;
	}
};

const std::vector<SectionSpec> &sectionSpecs()
{
	static const std::vector<SectionSpec> specs = {
		{ "camera", {
			{ "source", [](Field &f, const std::string &v, Config &c) {
				  assign(c.camera.source, parseChoice(f, v, "source", kSources));
			  } },
			/* Checked against camera.source once every key is known. */
			{ "device", [](Field &, const std::string &v, Config &c) {
				  c.camera.device = v;
			  } },
			{ "width", [](Field &f, const std::string &v, Config &c) {
				  assign(c.camera.width, parseInt(f, v, kWidth));
			  } },
			{ "height", [](Field &f, const std::string &v, Config &c) {
				  assign(c.camera.height, parseInt(f, v, kHeight));
			  } },
			{ "fps", [](Field &f, const std::string &v, Config &c) {
				  assign(c.camera.fps, parseInt(f, v, kFps));
			  } },
			{ "buffer_size", [](Field &f, const std::string &v, Config &c) {
				  assign(c.camera.bufferSize, parseInt(f, v, kBufferSize));
			  } },
			/* Resolved before every other key, by applyPreset(). */
			{ "preset", [](Field &, const std::string &, Config &) {} },
		} },
		{ "encoding", {
			{ "encoder", [](Field &f, const std::string &v, Config &c) {
				  assign(c.encoding.encoder, parseChoice(f, v, "encoder", kEncoders));
			  } },
			{ "bitrate", [](Field &f, const std::string &v, Config &c) {
				  assign(c.encoding.bitrate, parseBitrate(f, v));
			  } },
			{ "h264_profile", [](Field &f, const std::string &v, Config &c) {
				  assign(c.encoding.profile, parseChoice(f, v, "profile", kProfiles));
			  } },
			{ "keyframe_interval", [](Field &f, const std::string &v, Config &c) {
				  assign(c.encoding.keyframeInterval, parseInt(f, v, kKeyframeInterval));
			  } },
		} },
		{ "network", {
			{ "bind", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.bind, parseBind(f, v));
			  } },
			{ "port", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.port, parseInt(f, v, kPort));
			  } },
			{ "max_viewers", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.maxViewers, parseInt(f, v, kMaxViewers));
			  } },
			{ "ice_servers", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.iceServers, parseIceServers(f, v));
			  } },
			{ "ice_addresses", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.iceAddresses, parseIceAddresses(f, v));
			  } },
			{ "viewer_timeout", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.viewerTimeout, parseInt(f, v, kViewerTimeout));
			  } },
			{ "max_connections_per_address", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.maxConnectionsPerAddress, parseInt(f, v, kConnectionsPerAddress));
			  } },
			{ "max_viewers_per_address", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.maxViewersPerAddress, parseInt(f, v, kMaxViewers));
			  } },
			{ "request_timeout", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.requestTimeout, parseInt(f, v, kRequestTimeout));
			  } },
			{ "web_root", [](Field &f, const std::string &v, Config &c) {
				  assign(c.paths.webRoot, parseWebRoot(f, v));
			  } },
			{ "upnp", [](Field &f, const std::string &v, Config &c) {
				  assign(c.network.upnp, parseBool(f, v));
			  } },
		} },
		{ "security", {
			{ "users_file", [](Field &f, const std::string &v, Config &c) {
				  assign(c.security.usersFile, parseAbsolutePath(f, v, "a file of name:hash lines"));
			  } },
			{ "whep_tokens", [](Field &f, const std::string &v, Config &c) {
				  assign(c.security.whepTokens, parseTokens(f, v));
			  } },
			{ "allowed_origins", [](Field &f, const std::string &v, Config &c) {
				  assign(c.security.allowedOrigins, parseOrigins(f, v));
			  } },
			{ "tls_certificate", [](Field &f, const std::string &v, Config &c) {
				  assign(c.security.tlsCertificate, parseReadableFile(f, v, "a PEM certificate"));
			  } },
			{ "tls_key", [](Field &f, const std::string &v, Config &c) {
				  assign(c.security.tlsKey, parseReadableFile(f, v, "a PEM private key"));
			  } },
		} },
		{ "performance", {
			{ "low_latency_mode", [](Field &f, const std::string &v, Config &c) {
				  assign(c.performance.lowLatencyMode, parseBool(f, v));
			  } },
			{ "frame_drop_strategy", [](Field &f, const std::string &v, Config &c) {
				  assign(c.performance.frameDropStrategy,
					 parseChoice(f, v, "strategy", kDropStrategies));
			  } },
		} },
		{ "pipeline", {
			{ "source", [](Field &f, const std::string &v, Config &c) {
				  assign(c.pipeline.source,
					 parseFragment(f, v, "videotestsrc is-live=true ! videoconvert"));
			  } },
			{ "encoder", [](Field &f, const std::string &v, Config &c) {
				  assign(c.pipeline.encoder,
					 parseFragment(f, v, "x264enc tune=zerolatency"));
			  } },
		} },
		{ "adaptive", {
			{ "enabled", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.enabled, parseBool(f, v));
			  } },
			{ "min_bitrate", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.minBitrate, parseBitrate(f, v));
			  } },
			{ "max_bitrate", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.maxBitrate, parseBitrate(f, v));
			  } },
			{ "interval", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.interval, parseInt(f, v, kAdaptiveInterval));
			  } },
			{ "cpu_high", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.cpuHigh, parseInt(f, v, kCpuPercent));
			  } },
			{ "cpu_low", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.cpuLow, parseInt(f, v, kCpuPercent));
			  } },
			{ "temp_high", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.tempHigh, parseInt(f, v, kTemperature));
			  } },
			{ "temp_low", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.tempLow, parseInt(f, v, kTemperature));
			  } },
			{ "policy", [](Field &f, const std::string &v, Config &c) {
				  assign(c.adaptive.policy, parseChoice(f, v, "policy", kAdaptivePolicies));
			  } },
		} },
		{ "debug", {
			{ "latency_stamp", [](Field &f, const std::string &v, Config &c) {
				  assign(c.debug.latencyStamp, parseBool(f, v));
			  } },
			{ "log_level", [](Field &f, const std::string &v, Config &c) {
				  assign(c.debug.logLevel, parseChoice(f, v, "log level", kLogLevels));
			  } },
		} },
	};
	return specs;
}

const SectionSpec *findSection(const std::string &name)
{
	for (const SectionSpec &spec : sectionSpecs())
		if (name == spec.name)
			return &spec;
	return nullptr;
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

void applyKeyFile(GKeyFile *file, const std::string &origin, Config &config,
		  ConfigResult &result)
{
	std::vector<std::string> sectionNames;
	for (const SectionSpec &spec : sectionSpecs())
		sectionNames.push_back(spec.name);

	g_auto(GStrv) groups = g_key_file_get_groups(file, nullptr);
	for (char **group = groups; *group; group++) {
		const std::string section = *group;
		const SectionSpec *spec = findSection(section);
		if (!spec) {
			Field field(result, origin + ":" + section);
			field.error("unknown section [" + section + "]" +
					    suggestion(section, sectionNames),
				    "known sections are " + join(sectionNames, ", "));
			continue;
		}

		g_auto(GStrv) keys = g_key_file_get_keys(file, *group, nullptr, nullptr);
		for (char **key = keys; key && *key; key++) {
			Field field(result, origin + ":" + section + "." + *key);
			const KeySpec *keySpec = spec->find(*key);
			if (!keySpec) {
				std::vector<std::string> known = spec->keyNames();
				field.error(std::string("unknown key") + suggestion(*key, known),
					    "known keys in [" + section + "] are " +
						    join(known, ", "));
				continue;
			}

			/* Raw value: JSON and gst-launch text keep their backslashes. */
			g_autofree char *raw = g_key_file_get_value(file, *group, *key, nullptr);
			keySpec->apply(field, trim(raw ? raw : ""), config);
		}
	}
}

/*
 * `[camera] preset`: the preset file's keys go in first, so that every key
 * of the user's file overrides it and errors name the file that has them.
 */
void applyPreset(GKeyFile *file, const std::string &origin, Config &config,
		 ConfigResult &result)
{
	g_autofree char *raw = g_key_file_get_value(file, "camera", "preset", nullptr);
	if (!raw)
		return;

	Field field(result, origin + ":camera.preset");
	PresetChoice choice = resolvePreset(trim(raw), readDeviceModel(), presetDirectory());
	if (!choice.error.empty()) {
		field.error(choice.error, choice.allowed);
		return;
	}
	if (choice.name.empty()) {
		if (!choice.note.empty())
			field.warning(choice.note);
		return;
	}

	g_autoptr(GKeyFile) preset = g_key_file_new();
	g_autoptr(GError) error = nullptr;
	if (!g_key_file_load_from_file(preset, choice.path.c_str(), G_KEY_FILE_KEEP_TRANSLATIONS,
				       &error)) {
		result.errors.push_back(choice.path + ": " + error->message);
		return;
	}
	if (g_key_file_has_key(preset, "camera", "preset", nullptr)) {
		Field(result, choice.path + ":camera.preset")
			.error("a preset cannot name another preset", "remove the key");
		return;
	}
	applyKeyFile(preset, choice.path, config, result);
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
		findSection(override.section)->find(override.key)->apply(field, value, config);
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
		g_autoptr(GKeyFile) file = g_key_file_new();
		g_autoptr(GError) error = nullptr;
		/* Keep "key[locale]" lines so they are reported, not silently dropped. */
		if (g_key_file_load_from_data(file, text->data(), text->size(),
					      G_KEY_FILE_KEEP_TRANSLATIONS, &error)) {
			applyPreset(file, origin, config, result);
			applyKeyFile(file, origin, config, result);
		} else {
			result.errors.push_back(origin + ": " + error->message);
		}
	}

	applyEnvironment(env, config, result);
	loadUsers(origin.empty() ? std::string("config") : origin, config, result);
	checkCombinations(origin.empty() ? std::string("config") : origin, config, result);

	if (result.errors.empty())
		result.config = std::move(config);
	return result;
}

bool readFile(const std::string &path, std::string &contents, std::string &reason)
{
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		reason = g_strerror(errno);
		return false;
	}

	bool ok = true;
	char buffer[4096];
	for (;;) {
		ssize_t count = read(fd, buffer, sizeof(buffer));
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			reason = g_strerror(errno);
			ok = false;
			break;
		}
		if (count == 0)
			break;
		contents.append(buffer, count);
	}
	close(fd);
	return ok;
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
