/* SPDX-License-Identifier: MIT */
/*
 * Host figures for /stats and, later, the adaptive controller: CPU use of
 * the system and of this process, memory, SoC temperature. Reads /proc and
 * /sys below a root directory so that tests can use a fake tree.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace wcam {

struct HostSample {
	double systemCpuPercent = 0;  /* all cores, 0..100, since last sample */
	double processCpuPercent = 0; /* this process, of one core, since last sample */
	uint64_t memTotalBytes = 0;
	uint64_t memAvailableBytes = 0;
	uint64_t processRssBytes = 0;
	double loadAverage1 = 0;
	std::optional<double> temperatureCelsius; /* hottest thermal zone */
	std::optional<uint32_t> throttled; /* Pi firmware flags, when readable */
};

class HostStats
{
public:
	/* `root` prefixes /proc and /sys ("" = the real ones). */
	explicit HostStats(std::string root = "");

	/* CPU percentages compare with the previous call (0 on the first). */
	HostSample sample();

private:
	std::string root_;
	uint64_t lastTotalJiffies_ = 0;
	uint64_t lastIdleJiffies_ = 0;
	uint64_t lastProcessJiffies_ = 0;
	int64_t lastMonotonicUs_ = 0;
};

} /* namespace wcam */
