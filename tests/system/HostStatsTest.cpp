/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "system/HostStats.h"

#include "support/TestSupport.h"

using namespace wcam;

namespace {

using test::removeTree;

/* A fake root with /proc and /sys laid out like the real ones. */
class FakeRoot
{
public:
	FakeRoot()
	{
		char *dir = g_dir_make_tmp("wcam-hoststats-XXXXXX", nullptr);
		REQUIRE(dir != nullptr);
		root_ = dir;
		g_free(dir);
	}

	~FakeRoot() { removeTree(root_); }

	void write(const std::string &rel, const std::string &text)
	{
		std::string path = root_ + rel;
		g_autofree char *parent = g_path_get_dirname(path.c_str());
		REQUIRE(g_mkdir_with_parents(parent, 0755) == 0);
		REQUIRE(g_file_set_contents(path.c_str(), text.c_str(), -1, nullptr));
	}

	void makeDir(const std::string &rel)
	{
		REQUIRE(g_mkdir_with_parents((root_ + rel).c_str(), 0755) == 0);
	}

	const std::string &path() const { return root_; }

private:
	std::string root_;
};

std::string procStat(uint64_t user, uint64_t nice, uint64_t system, uint64_t idle,
		     uint64_t iowait, uint64_t irq, uint64_t softirq, uint64_t steal)
{
	g_autofree char *line = g_strdup_printf(
		"cpu  %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
		" %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
		" %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " 0 0\n",
		user, nice, system, idle, iowait, irq, softirq, steal);
	/* Per-core lines must not be mistaken for the aggregate. */
	return std::string(line) +
	       "cpu0 999999 0 0 0 0 0 0 0 0 0\n"
	       "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
}

/* Fields 14/15 (utime, stime) after a comm holding spaces and ')'. */
std::string selfStat(uint64_t utime, uint64_t stime)
{
	g_autofree char *text = g_strdup_printf(
		"4242 (web rtc) (cam) S 1 4242 4242 0 -1 4194560 1500 0 0 0 "
		"%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " 0 0 20 0 9 0 777 123456789 2500\n",
		utime, stime);
	return text;
}

} /* namespace */

TEST_CASE("fake tree: exact figures over two samples", "[hoststats]")
{
	FakeRoot root;
	root.write("/proc/stat", procStat(100, 20, 50, 700, 100, 10, 15, 5));
	root.write("/proc/self/stat", selfStat(40, 10));
	root.write("/proc/meminfo",
		   "MemTotal:        3884000 kB\n"
		   "MemFree:          100000 kB\n"
		   "MemAvailable:    2500000 kB\n"
		   "Buffers:           50000 kB\n");
	root.write("/proc/self/status",
		   "Name:\twebrtc-camera\nVmPeak:\t  999999 kB\nVmRSS:\t   51234 kB\nThreads:\t9\n");
	root.write("/proc/loadavg", "1.25 0.80 0.50 2/345 6789\n");
	root.write("/sys/class/thermal/thermal_zone0/temp", "45000\n");
	root.write("/sys/class/thermal/thermal_zone1/temp", "61234\n");
	root.write("/sys/class/thermal/thermal_zone3/temp", "garbage\n");
	root.makeDir("/sys/class/thermal/thermal_zone2/temp"); /* unreadable as a file */
	root.makeDir("/sys/class/thermal/thermal_zone4");      /* no temp at all */
	root.write("/sys/class/thermal/cooling_device0/temp", "99000\n"); /* not a zone */
	root.write("/sys/devices/platform/soc/soc:firmware/get_throttled", "50005\n");

	HostStats stats(root.path());
	int64_t before = g_get_monotonic_time();
	HostSample first = stats.sample();

	/* First call: no previous sample, so no CPU figures yet. */
	CHECK(first.systemCpuPercent == 0);
	CHECK(first.processCpuPercent == 0);
	CHECK(first.memTotalBytes == 3884000ull * 1024);
	CHECK(first.memAvailableBytes == 2500000ull * 1024);
	CHECK(first.processRssBytes == 51234ull * 1024);
	CHECK(first.loadAverage1 == Approx(1.25));
	REQUIRE(first.temperatureCelsius);
	CHECK(*first.temperatureCelsius == Approx(61.234));
	REQUIRE(first.throttled);
	CHECK(*first.throttled == 0x50005u);

	/*
	 * Second sample: total goes 1000 -> 1900 (+900), idle+iowait
	 * 800 -> 1400 (+600), so busy is 300/900.
	 */
	root.write("/proc/stat", procStat(250, 30, 100, 1250, 150, 40, 45, 35));
	root.write("/proc/self/stat", selfStat(55, 20)); /* +25 jiffies */
	root.write("/proc/meminfo", "MemTotal: 3884000 kB\nMemAvailable: 1000 kB\n");
	root.write("/sys/class/thermal/thermal_zone0/temp", "72500\n");
	root.write("/sys/devices/platform/soc/soc:firmware/get_throttled", "0x0\n");

	g_usleep(100000);
	HostSample second = stats.sample();
	int64_t after = g_get_monotonic_time();

	CHECK(second.systemCpuPercent == Approx(100.0 * 300 / 900));
	CHECK(second.memAvailableBytes == 1000ull * 1024);
	REQUIRE(second.temperatureCelsius);
	CHECK(*second.temperatureCelsius == Approx(72.5));
	REQUIRE(second.throttled);
	CHECK(*second.throttled == 0u);

	/*
	 * The process figure depends on real elapsed time, which lies
	 * between the 100 ms sleep and the whole span around both calls.
	 */
	double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
	double maxPercent = 25 / (0.1 * hz) * 100;
	double minPercent = 25 / ((after - before) / 1e6 * hz) * 100;
	CHECK(second.processCpuPercent <= maxPercent + 1e-9);
	CHECK(second.processCpuPercent >= minPercent - 1e-9);

	/* Third sample with nothing changed: idle system, idle process. */
	HostSample third = stats.sample();
	CHECK(third.systemCpuPercent == 0);
	CHECK(third.processCpuPercent == 0);
}

TEST_CASE("fake tree: old four-field cpu line and a fully busy interval", "[hoststats]")
{
	FakeRoot root;
	root.write("/proc/stat", "cpu  10 0 10 80\n");
	HostStats stats(root.path());
	stats.sample();

	root.write("/proc/stat", "cpu  60 0 60 80\n");
	CHECK(stats.sample().systemCpuPercent == Approx(100.0));

	root.write("/proc/stat", "cpu  60 0 60 180\n");
	CHECK(stats.sample().systemCpuPercent == Approx(0.0));
}

TEST_CASE("fake tree: throttled flags in the formats seen in the wild", "[hoststats]")
{
	FakeRoot root;
	const std::string file = "/sys/devices/platform/soc/soc:firmware/get_throttled";
	HostStats stats(root.path());

	CHECK_FALSE(stats.sample().throttled);

	root.write(file, "80008\n"); /* kernel: "%x" */
	CHECK(stats.sample().throttled == 0x80008u);
	root.write(file, "0xE0000\n");
	CHECK(stats.sample().throttled == 0xe0000u);
	root.write(file, "throttled=0x4\n"); /* vcgencmd */
	CHECK(stats.sample().throttled == 0x4u);
	root.write(file, "0\n");
	CHECK(stats.sample().throttled == 0u);
	root.write(file, "not a number\n");
	CHECK_FALSE(stats.sample().throttled);
}

TEST_CASE("missing and malformed files leave defaults", "[hoststats]")
{
	FakeRoot root;
	HostStats empty(root.path());
	for (int i = 0; i < 2; i++) {
		HostSample s = empty.sample();
		CHECK(s.systemCpuPercent == 0);
		CHECK(s.processCpuPercent == 0);
		CHECK(s.memTotalBytes == 0);
		CHECK(s.memAvailableBytes == 0);
		CHECK(s.processRssBytes == 0);
		CHECK(s.loadAverage1 == 0);
		CHECK_FALSE(s.temperatureCelsius);
		CHECK_FALSE(s.throttled);
	}

	root.write("/proc/stat", "intr 1 2 3\n");
	root.write("/proc/self/stat", "4242 (no closing paren S 1 2\n");
	root.write("/proc/meminfo", "MemTotalX: 5 kB\nMemAvailable: lots\n");
	root.write("/proc/self/status", "VmRSS:\n");
	root.write("/proc/loadavg", "\n");
	root.makeDir("/sys/class/thermal");
	HostStats broken(root.path());
	for (int i = 0; i < 2; i++) {
		HostSample s = broken.sample();
		CHECK(s.systemCpuPercent == 0);
		CHECK(s.processCpuPercent == 0);
		CHECK(s.memTotalBytes == 0);
		CHECK(s.memAvailableBytes == 0);
		CHECK(s.processRssBytes == 0);
		CHECK(s.loadAverage1 == 0);
		CHECK_FALSE(s.temperatureCelsius);
	}
}

/*
 * qemu-user (tools/build-arm64 runs the tests under it) answers
 * /proc/self/stat itself with most fields 0, utime and stime among them; a
 * kernel never says 0 threads (field 20), qemu does.
 */
static bool procSelfStatEmulated()
{
	g_autofree char *text = nullptr;
	if (!g_file_get_contents("/proc/self/stat", &text, nullptr, nullptr))
		return false;
	const char *fields = strrchr(text, ')');
	if (!fields)
		return false;
	g_auto(GStrv) tokens = g_strsplit(fields + 2, " ", -1);
	/* Field 3 (state) is token 0, so field 20 (num_threads) is token 17. */
	return g_strv_length(tokens) > 17 && g_strcmp0(tokens[17], "0") == 0;
}

TEST_CASE("real root smoke test", "[hoststats]")
{
	HostStats stats;
	stats.sample();

	/* Burn a little CPU so the process figure has something to show. */
	volatile uint64_t sink = 0;
	int64_t end = g_get_monotonic_time() + 200000;
	while (g_get_monotonic_time() < end)
		sink = sink + 1;

	HostSample s = stats.sample();
	CHECK(s.memTotalBytes > 0);
	CHECK(s.memAvailableBytes > 0);
	CHECK(s.memAvailableBytes <= s.memTotalBytes);
	CHECK(s.processRssBytes > 0);
	CHECK(s.systemCpuPercent >= 0);
	CHECK(s.systemCpuPercent <= 100);
	if (procSelfStatEmulated())
		WARN("/proc/self/stat is emulated (qemu-user): process CPU not checked");
	else
		CHECK(s.processCpuPercent > 0);
	CHECK(s.loadAverage1 >= 0);
}
