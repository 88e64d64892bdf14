/* SPDX-License-Identifier: MIT */
/*
 * What journald receives: the writer sees every field our messages carry,
 * PRIORITY included (journald stores no priority for a native message
 * without one, and "journalctl -p warning" would skip it).
 */
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include <glib.h>

#include "core/Log.h"

using namespace wcam;

namespace {

std::vector<std::map<std::string, std::string>> gRecords;

GLogWriterOutput recordingWriter(GLogLevelFlags, const GLogField *fields, gsize count, gpointer)
{
	std::map<std::string, std::string> record;
	for (gsize i = 0; i < count; i++) {
		if (fields[i].length == -1)
			record[fields[i].key] = static_cast<const char *>(fields[i].value);
	}
	gRecords.push_back(record);
	return G_LOG_WRITER_HANDLED;
}

} /* namespace */

TEST_CASE("messages carry a syslog PRIORITY, an identifier and their fields", "[log]")
{
	/* Instead of setupLogging's writer: GLib takes one writer per process. */
	g_log_set_writer_func(recordingWriter, nullptr, nullptr);
	/* What GOptionContext sets from argv[0] "/usr/bin/webrtc-camera". */
	g_set_prgname("webrtc-camera");

	logDebug("d");
	logInfo("viewer v1 joined", { { "VIEWER_ID", "v1" }, { "REMOTE_ADDR", "10.0.0.2" } });
	logWarning("w");
	logError("e");
	REQUIRE(gRecords.size() == 4);

	const char *expected[] = { "7", "6", "4", "3" };
	for (size_t i = 0; i < 4; i++) {
		INFO("message " << gRecords[i]["MESSAGE"]);
		CHECK(gRecords[i]["PRIORITY"] == expected[i]);
		CHECK(gRecords[i]["GLIB_DOMAIN"] == "webrtc-camera");
		CHECK(gRecords[i]["SYSLOG_IDENTIFIER"] == "webrtc-camera");
	}
	CHECK(gRecords[1]["MESSAGE"] == "viewer v1 joined");
	CHECK(gRecords[1]["VIEWER_ID"] == "v1");
	CHECK(gRecords[1]["REMOTE_ADDR"] == "10.0.0.2");
}

TEST_CASE("the identifier is the program's name: one per instance of the template unit", "[log]")
{
	/* What GOptionContext sets from argv[0] "webrtc-camera-front" (ExecStart=@...). */
	g_set_prgname("webrtc-camera-front");
	gRecords.clear();
	logInfo("i");
	g_set_prgname("webrtc-camera");
	REQUIRE(gRecords.size() == 1);
	CHECK(gRecords[0]["SYSLOG_IDENTIFIER"] == "webrtc-camera-front");
	CHECK(gRecords[0]["GLIB_DOMAIN"] == "webrtc-camera");
}

TEST_CASE("the level changes while running; --verbose keeps debug", "[log]")
{
	/* Not setupLogging: the writer of the test above stays (GLib takes one per process). */
	setLogLevel(LogLevel::Warning);
	CHECK(logThreshold() == LogLevel::Warning);
	/* A reload's [debug] log_level. */
	setLogLevel(LogLevel::Error);
	CHECK(logThreshold() == LogLevel::Error);
	setLogLevel(LogLevel::Info);
	CHECK(logThreshold() == LogLevel::Info);

	setVerboseLogging(true);
	CHECK(logThreshold() == LogLevel::Debug);
	setLogLevel(LogLevel::Error);
	CHECK(logThreshold() == LogLevel::Debug);
	/* Back to the configured level, the last one set. */
	setVerboseLogging(false);
	CHECK(logThreshold() == LogLevel::Error);
}
