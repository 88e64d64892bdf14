/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text exposition format (version 0.0.4): families with
 * their # HELP and # TYPE lines, samples with escaped label values. A
 * value that is not a finite number is left out, never written as NaN:
 * "unknown" is no sample. A family without samples writes nothing.
 */
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wcam {

class PrometheusText
{
public:
	static constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";

	enum class Type { Counter, Gauge, Summary };
	using Labels = std::vector<std::pair<std::string, std::string>>;

	/* Start a family; its samples follow. `help` may hold any text. */
	void family(const std::string &name, Type type, const std::string &help);

	/* A sample of the current family: `suffix` ("_sum", "_count") follows its name. */
	void sample(double value, const Labels &labels = {}, const char *suffix = "");

	/*
	 * A summary of `values` (one per viewer, say): quantiles 0, 0.5, 0.9
	 * and 1 by nearest rank, _sum and _count. Non-finite values are left
	 * out; with none left, only _sum and _count (0).
	 */
	void summary(std::vector<double> values);

	const std::string &text() const { return text_; }

	static std::string escapeHelp(const std::string &text);
	static std::string escapeLabel(const std::string &text);
	static std::string formatValue(double value);

private:
	std::string text_;
	std::string name_;
	std::string header_; /* HELP and TYPE, written with the first sample */
};

} /* namespace wcam */
