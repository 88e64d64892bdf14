/* SPDX-License-Identifier: MIT */
#include "config/ValueParsers.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include <unistd.h>

#include <gio/gio.h>

namespace wcam {

namespace {

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

bool isIpAddress(const std::string &text)
{
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(text.c_str());
	return address != nullptr;
}

bool isInterfaceName(const std::string &text)
{
	if (text.empty() || text.size() > 15)
		return false;
	return std::all_of(text.begin(), text.end(), [](char c) {
		return g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
	});
}

} /* namespace */

std::string allowedInt(const IntRange &range)
{
	std::string text = range.even ? "expected an even integer" : "expected an integer";
	text += " from " + std::to_string(range.min) + " to " + std::to_string(range.max);
	if (range.unit)
		text += std::string(" (") + range.unit + ")";
	return text;
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


std::optional<std::string> parseBind(Field &field, const std::string &value)
{
	if (isIpAddress(value))
		return value;
	field.error(quote(value) + " is not an IP address",
		    "expected an IPv4 or IPv6 literal such as 0.0.0.0, 127.0.0.1 or ::");
	return std::nullopt;
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

namespace {

/*
 * Every comma-separated item through `check`, which gives its accepted
 * form or says what is wrong in `error`; every error is reported, and
 * any one refuses the whole value.
 */
template<typename Check>
std::optional<std::vector<std::string>> parseItems(Field &field, const std::string &value, const char *allowed,
						   Check check)
{
	std::vector<std::string> items;
	bool ok = true;
	for (const std::string &item : splitList(value)) {
		std::string error;
		std::string accepted = check(item, error);
		if (error.empty()) {
			items.push_back(std::move(accepted));
		} else {
			field.error(error, allowed);
			ok = false;
		}
	}
	if (!ok)
		return std::nullopt;
	return items;
}

} /* namespace */

/*
 * RFC 6750 b64token characters, and long enough that guessing is hopeless
 * (webrtc-camera-configure makes 32 random characters).
 */
std::optional<std::string> parseRtspPath(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected a path such as /camera: \"/\" then segments of A-Z a-z 0-9 - . _ ~ "
		"separated by \"/\", at most 128 characters";
	std::string why;
	if (value.empty() || value.front() != '/')
		why = "does not start with /";
	else if (value.size() > 128)
		why = "is longer than 128 characters";
	else if (!std::all_of(value.begin(), value.end(),
			      [](char c) { return g_ascii_isalnum(c) || strchr("-._~/", c); }))
		why = "has a character outside the allowed set";
	else {
		/* Every segment non-empty and no "." or "..": one spelling per mount point. */
		g_auto(GStrv) segments = g_strsplit(value.c_str() + 1, "/", -1);
		if (value.size() == 1)
			why = "has an empty, \".\" or \"..\" segment";
		for (char **s = segments; *s; s++)
			if (!**s || !strcmp(*s, ".") || !strcmp(*s, ".."))
				why = "has an empty, \".\" or \"..\" segment";
	}
	if (why.empty())
		return value;
	field.error(quote(value) + " " + why, allowed);
	return std::nullopt;
}

std::optional<std::vector<std::string>> parseTokens(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected tokens of 16 to 256 characters from A-Z a-z 0-9 - . _ ~ + /, "
		"separated by commas, or empty for none";
	return parseItems(field, value, allowed, [](const std::string &token, std::string &error) {
		bool charsOk = std::all_of(token.begin(), token.end(), [](char c) {
			return g_ascii_isalnum(c) || strchr("-._~+/", c);
		});
		/* Never echo a secret in full: the first characters identify it. */
		std::string shown = quote(token.substr(0, 4) + "...");
		if (!charsOk)
			error = "token " + shown + " has a character outside the allowed set";
		else if (token.size() < 16 || token.size() > 256)
			error = "token " + shown + " has " + std::to_string(token.size()) + " characters";
		return token;
	});
}

/* "scheme://host[:port]" as browsers send it in Origin: no path, no default port. */
std::optional<std::vector<std::string>> parseOrigins(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected origins such as https://camera.example.org or http://192.168.1.20:8080 "
		"(scheme, host and port only), separated by commas, or empty";
	return parseItems(field, value, allowed, [](const std::string &item, std::string &error) -> std::string {
		if (item == "*" || item == "null") {
			error = quote(item) + " would let any web page in";
			return {};
		}
		g_autoptr(GUri) uri = g_uri_parse(item.c_str(), G_URI_FLAGS_NONE, nullptr);
		const char *scheme = uri ? g_uri_get_scheme(uri) : nullptr;
		const char *host = uri ? g_uri_get_host(uri) : nullptr;
		if (!uri || (g_strcmp0(scheme, "http") && g_strcmp0(scheme, "https")) || !host || !*host) {
			error = quote(item) + " is not an http:// or https:// origin";
			return {};
		}
		const char *path = g_uri_get_path(uri);
		if ((path && *path && strcmp(path, "/")) || g_uri_get_query(uri) || g_uri_get_fragment(uri) ||
		    g_uri_get_userinfo(uri)) {
			error = quote(item) + " has more than a scheme, host and port";
			return {};
		}
		/* The form browsers serialise: lower case, default port left out. */
		int port = g_uri_get_port(uri);
		bool defaultPort = port < 0 || (!strcmp(scheme, "http") && port == 80) ||
				   (!strcmp(scheme, "https") && port == 443);
		g_autofree char *lower = g_ascii_strdown(host, -1);
		std::string hostText = strchr(lower, ':') ? std::string("[") + lower + "]" : lower;
		return std::string(scheme) + "://" + hostText + (defaultPort ? "" : ":" + std::to_string(port));
	});
}

std::optional<std::string> parseHttpUrl(Field &field, const std::string &value)
{
	if (value.empty())
		return value;
	static const char *allowed = "expected an http:// or https:// URL such as "
				     "https://sfu.example.org/whip/camera, or empty";
	g_autoptr(GUri) uri = g_uri_parse(value.c_str(), G_URI_FLAGS_NONE, nullptr);
	const char *scheme = uri ? g_uri_get_scheme(uri) : nullptr;
	const char *host = uri ? g_uri_get_host(uri) : nullptr;
	if (!uri || (g_strcmp0(scheme, "http") && g_strcmp0(scheme, "https"))) {
		field.error(quote(value) + " is not an http:// or https:// URL", allowed);
		return std::nullopt;
	}
	if (!host || !*host) {
		field.error(quote(value) + " has no host", allowed);
		return std::nullopt;
	}
	return value;
}

std::optional<std::string> parseHost(Field &field, const std::string &value)
{
	auto nameChar = [](char c) { return g_ascii_isalnum(c) || c == '-' || c == '.'; };
	if (value.empty() || isIpAddress(value) ||
	    (value.size() <= 253 && g_ascii_isalnum(value.front()) && std::all_of(value.begin(), value.end(), nameChar)))
		return value;
	field.error(quote(value) + " is not a host",
		    "expected an IP address such as 192.168.1.10 or a host name such as sfu.lan, or empty");
	return std::nullopt;
}

std::optional<std::string> parseBearerToken(Field &field, const std::string &value)
{
	bool charsOk = std::all_of(value.begin(), value.end(), [](char c) {
		return g_ascii_isalnum(c) || strchr("-._~+/=", c);
	});
	if (charsOk)
		return value;
	/* Never echo a secret in full. */
	field.error("token " + quote(value.substr(0, 4) + "...") + " has a character outside the allowed set",
		    "expected A-Z a-z 0-9 - . _ ~ + / = (RFC 6750), or empty");
	return std::nullopt;
}

} /* namespace wcam */
