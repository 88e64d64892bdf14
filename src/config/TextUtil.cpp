/* SPDX-License-Identifier: MIT */
#include "config/TextUtil.h"

#include <algorithm>

#include <glib.h>

namespace wcam {

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

std::vector<std::string> splitList(const std::string &value)
{
	std::vector<std::string> items;
	g_auto(GStrv) tokens = g_strsplit_set(value.c_str(), ", \t", -1);
	for (char **token = tokens; *token; token++)
		if (**token)
			items.push_back(*token);
	return items;
}

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

} /* namespace wcam */
