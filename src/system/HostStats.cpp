/* SPDX-License-Identifier: MIT */
/*
 * /proc and /sys parsing. Every reader tolerates a missing or malformed
 * file: a field it cannot read simply stays at its default, because a
 * container or a non-Pi host lacks several of these files.
 */
#include "system/HostStats.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <glib.h>
#include <unistd.h>

namespace wcam {

namespace {

std::optional<std::string> readFile(const std::string &path)
{
	g_autofree gchar *contents = nullptr;
	gsize length = 0;
	if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr))
		return std::nullopt;
	return std::string(contents, length);
}

/* Parses an unsigned integer at `pos`, skipping leading blanks. */
bool parseUnsigned(const std::string &text, size_t &pos, uint64_t &value, int base = 10)
{
	while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	if (pos >= text.size() || !g_ascii_isxdigit(text[pos]))
		return false;
	const char *start = text.c_str() + pos;
	char *end = nullptr;
	value = g_ascii_strtoull(start, &end, base);
	if (end == start)
		return false;
	pos += end - start;
	return true;
}

/* "Key:   1234 kB" lines of meminfo and status, in bytes. */
std::optional<uint64_t> findKilobytes(const std::string &text, std::string_view key)
{
	size_t pos = 0;
	while (pos < text.size()) {
		size_t eol = text.find('\n', pos);
		if (eol == std::string::npos)
			eol = text.size();
		std::string_view line(text.data() + pos, eol - pos);
		if (line.size() > key.size() && line.substr(0, key.size()) == key &&
		    line[key.size()] == ':') {
			size_t p = pos + key.size() + 1;
			uint64_t kb;
			if (parseUnsigned(text, p, kb))
				return kb * 1024;
			return std::nullopt;
		}
		pos = eol + 1;
	}
	return std::nullopt;
}

struct CpuTimes {
	uint64_t total;
	uint64_t idle;
};

/* The aggregate "cpu " line: user nice system idle iowait irq softirq steal. */
std::optional<CpuTimes> readSystemCpu(const std::string &path)
{
	auto text = readFile(path);
	if (!text || text->compare(0, 4, "cpu ") != 0)
		return std::nullopt;

	size_t pos = 4;
	uint64_t fields[8] = {};
	int count = 0;
	for (; count < 8; count++) {
		if (!parseUnsigned(*text, pos, fields[count]))
			break;
	}
	/* Kernels before 2.6.11 had no steal; four fields is the minimum. */
	if (count < 4)
		return std::nullopt;

	CpuTimes times{ 0, fields[3] + fields[4] };
	for (int i = 0; i < count; i++)
		times.total += fields[i];
	return times;
}

/* utime + stime, fields 14 and 15 of /proc/<pid>/stat. */
std::optional<uint64_t> readProcessCpu(const std::string &path)
{
	auto text = readFile(path);
	if (!text)
		return std::nullopt;

	/* comm (field 2) may hold spaces and parentheses: skip past the last ')'. */
	size_t paren = text->rfind(')');
	if (paren == std::string::npos)
		return std::nullopt;

	/* After ')' come fields 3 (state) onwards; utime is the 12th token. */
	g_auto(GStrv) tokens = g_strsplit_set(text->c_str() + paren + 1, " \n", -1);
	std::optional<uint64_t> result;
	int index = 0;
	uint64_t utime = 0;
	for (gchar **t = tokens; *t; t++) {
		if (**t == '\0')
			continue;
		index++;
		char *end = nullptr;
		if (index == 12) {
			utime = g_ascii_strtoull(*t, &end, 10);
			if (*end != '\0')
				break;
		} else if (index == 13) {
			uint64_t stime = g_ascii_strtoull(*t, &end, 10);
			if (*end == '\0')
				result = utime + stime;
			break;
		}
	}
	return result;
}

std::optional<double> readMaxTemperature(const std::string &thermalDir)
{
	GDir *dir = g_dir_open(thermalDir.c_str(), 0, nullptr);
	if (!dir)
		return std::nullopt;

	std::optional<double> hottest;
	while (const char *name = g_dir_read_name(dir)) {
		if (!g_str_has_prefix(name, "thermal_zone"))
			continue;
		auto text = readFile(thermalDir + "/" + name + "/temp");
		if (!text)
			continue;
		/* Millidegrees, possibly negative on some sensors. */
		const char *start = text->c_str();
		char *end = nullptr;
		gint64 milli = g_ascii_strtoll(start, &end, 10);
		if (end == start)
			continue;
		double celsius = milli / 1000.0;
		if (!hottest || celsius > *hottest)
			hottest = celsius;
	}
	g_dir_close(dir);
	return hottest;
}

/*
 * The firmware driver prints the flags with "%x" (no prefix), so bare
 * digits are hexadecimal; "0x..." and vcgencmd's "throttled=0x..." are
 * accepted too.
 */
std::optional<uint32_t> readThrottled(const std::string &path)
{
	auto text = readFile(path);
	if (!text)
		return std::nullopt;

	std::string_view view(*text);
	if (view.substr(0, 10) == "throttled=")
		view.remove_prefix(10);
	if (view.substr(0, 2) == "0x" || view.substr(0, 2) == "0X")
		view.remove_prefix(2);

	std::string digits(view);
	size_t pos = 0;
	uint64_t value;
	if (!parseUnsigned(digits, pos, value, 16) || value > UINT32_MAX)
		return std::nullopt;
	return static_cast<uint32_t>(value);
}

} /* namespace */

HostStats::HostStats(std::string root)
	: root_(std::move(root))
{
}

HostSample HostStats::sample()
{
	HostSample s;

	if (auto cpu = readSystemCpu(root_ + "/proc/stat")) {
		/* A counter going backwards (fake tree, hotplug) yields 0, not garbage. */
		if (lastTotalJiffies_ && cpu->total > lastTotalJiffies_ &&
		    cpu->idle >= lastIdleJiffies_) {
			uint64_t total = cpu->total - lastTotalJiffies_;
			uint64_t idle = std::min(cpu->idle - lastIdleJiffies_, total);
			s.systemCpuPercent = static_cast<double>(total - idle) * 100.0 / total;
		}
		lastTotalJiffies_ = cpu->total;
		lastIdleJiffies_ = cpu->idle;
	}

	int64_t nowUs = g_get_monotonic_time();
	if (auto jiffies = readProcessCpu(root_ + "/proc/self/stat")) {
		long ticks = sysconf(_SC_CLK_TCK);
		if (lastMonotonicUs_ && nowUs > lastMonotonicUs_ && ticks > 0 &&
		    *jiffies >= lastProcessJiffies_) {
			double seconds = (nowUs - lastMonotonicUs_) / 1e6;
			double used = static_cast<double>(*jiffies - lastProcessJiffies_);
			s.processCpuPercent = used / (seconds * ticks) * 100.0;
		}
		lastProcessJiffies_ = *jiffies;
		lastMonotonicUs_ = nowUs;
	}

	if (auto meminfo = readFile(root_ + "/proc/meminfo")) {
		s.memTotalBytes = findKilobytes(*meminfo, "MemTotal").value_or(0);
		s.memAvailableBytes = findKilobytes(*meminfo, "MemAvailable").value_or(0);
	}

	if (auto status = readFile(root_ + "/proc/self/status"))
		s.processRssBytes = findKilobytes(*status, "VmRSS").value_or(0);

	if (auto loadavg = readFile(root_ + "/proc/loadavg")) {
		const char *start = loadavg->c_str();
		char *end = nullptr;
		double load = g_ascii_strtod(start, &end);
		if (end != start)
			s.loadAverage1 = load;
	}

	s.temperatureCelsius = readMaxTemperature(root_ + "/sys/class/thermal");
	s.throttled = readThrottled(root_ + "/sys/devices/platform/soc/soc:firmware/get_throttled");

	return s;
}

} /* namespace wcam */
