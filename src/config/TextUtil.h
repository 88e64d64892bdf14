/* SPDX-License-Identifier: MIT */
/*
 * Small text helpers of the config loader: quoting values in messages,
 * trimming, lists, and the "did you mean" suggestion.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wcam {

/* Values are quoted in messages so empty strings and spaces stay visible. */
std::string quote(const std::string &value);

std::string trim(std::string_view text);

bool allDigits(std::string_view text);

std::string join(const std::vector<std::string> &items, const char *separator);

/* Items separated by commas, spaces or tabs; empty items dropped. */
std::vector<std::string> splitList(const std::string &value);

/* Optimal string alignment distance: a swapped pair of letters counts once. */
size_t editDistance(const std::string &a, const std::string &b);

/* " (did you mean "width"?)" when a known name is close to the typo. */
std::string suggestion(const std::string &unknown, const std::vector<std::string> &known);

} /* namespace wcam */
