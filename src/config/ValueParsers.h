/* SPDX-License-Identifier: MIT */
/*
 * Parsers of single config values. Each reports its own error through
 * the Field (what is wrong; what is allowed) and returns nullopt.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <glib.h>

#include "config/Config.h"
#include "config/Field.h"
#include "config/TextUtil.h"

namespace wcam {

struct IntRange {
	long long min;
	long long max;
	bool even;
	const char *unit; /* appended to the allowed text, may be null */
};

constexpr long long kBitrateMin = 50000;
constexpr long long kBitrateMax = 50000000;

/* "expected an integer from 1 to 60 (seconds)" */
std::string allowedInt(const IntRange &range);

std::optional<int> parseInt(Field &field, const std::string &value, const IntRange &range);
/* Plain bits per second, or a decimal with a k/M suffix ("1500k", "2.5M"). */
std::optional<int> parseBitrate(Field &field, const std::string &value);
std::optional<bool> parseBool(Field &field, const std::string &value);
std::optional<std::string> parseBind(Field &field, const std::string &value);
std::optional<std::vector<std::string>> parseIceAddresses(Field &field, const std::string &value);
std::optional<std::string> parseWebRoot(Field &field, const std::string &value);
std::optional<std::string> parseAbsolutePath(Field &field, const std::string &value, const char *what);
/* A file named by a key must exist and be readable now, not at the first request. */
std::optional<std::string> parseReadableFile(Field &field, const std::string &value, const char *what);
/* An RTSP mount point: "/" and one or more segments of A-Z a-z 0-9 - . _ ~ */
std::optional<std::string> parseRtspPath(Field &field, const std::string &value);
std::optional<std::vector<std::string>> parseTokens(Field &field, const std::string &value);
std::optional<std::vector<std::string>> parseOrigins(Field &field, const std::string &value);
/* An http:// or https:// URL with a host, or empty. */
std::optional<std::string> parseHttpUrl(Field &field, const std::string &value);
/* An IP literal or a DNS name, or empty. */
std::optional<std::string> parseHost(Field &field, const std::string &value);
/* A bearer token: the characters RFC 6750 allows, or empty. */
std::optional<std::string> parseBearerToken(Field &field, const std::string &value);

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

} /* namespace wcam */
