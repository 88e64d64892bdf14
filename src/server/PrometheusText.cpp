/* SPDX-License-Identifier: MIT */
#include "server/PrometheusText.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace wcam {

void PrometheusText::family(const std::string &name, Type type, const std::string &help)
{
	static const char *const kTypes[] = { "counter", "gauge", "summary" };
	name_ = name;
	header_ = "# HELP " + name + " " + escapeHelp(help) + "\n# TYPE " + name + " " + kTypes[int(type)] + "\n";
}

void PrometheusText::sample(double value, const Labels &labels, const char *suffix)
{
	if (!std::isfinite(value))
		return;
	text_ += header_;
	header_.clear();
	text_ += name_ + suffix;
	if (!labels.empty()) {
		text_ += "{";
		for (size_t i = 0; i < labels.size(); i++)
			text_ += (i ? "," : "") + labels[i].first + "=\"" + escapeLabel(labels[i].second) + "\"";
		text_ += "}";
	}
	text_ += " " + formatValue(value) + "\n";
}

void PrometheusText::summary(std::vector<double> values)
{
	values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
		     values.end());
	std::sort(values.begin(), values.end());
	if (!values.empty()) {
		for (double q : { 0.0, 0.5, 0.9, 1.0 }) {
			/* Nearest rank: the smallest value with at least q of them at or below it. */
			size_t rank = size_t(std::ceil(q * double(values.size())));
			double value = values[rank ? rank - 1 : 0];
			sample(value, { { "quantile", formatValue(q) } });
		}
	}
	double sum = 0;
	for (double v : values)
		sum += v;
	sample(sum, {}, "_sum");
	sample(double(values.size()), {}, "_count");
}

std::string PrometheusText::escapeHelp(const std::string &text)
{
	std::string out;
	for (char c : text) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

std::string PrometheusText::escapeLabel(const std::string &text)
{
	std::string out;
	for (char c : text) {
		if (c == '"')
			out += "\\\"";
		else
			out += escapeHelp(std::string(1, c));
	}
	return out;
}

/* Shortest text that reads back as the same double; integers without exponent up to 2^53. */
std::string PrometheusText::formatValue(double value)
{
	if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
		char buffer[32];
		auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), int64_t(value));
		return std::string(buffer, end);
	}
	char buffer[64];
	auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
	return std::string(buffer, end);
}

} /* namespace wcam */
