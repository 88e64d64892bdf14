/* SPDX-License-Identifier: MIT */
#include "core/Log.h"

#include <atomic>
#include <cstdio>
#include <cstring>

namespace wcam {

namespace {

constexpr const char *kDomain = "webrtc-camera";
std::atomic<int> gThreshold{ static_cast<int>(LogLevel::Info) };
std::atomic<bool> gVerbose{ false };
std::atomic<int> gLevel{ static_cast<int>(LogLevel::Info) }; /* configured; gThreshold is in force */

GLogLevelFlags toGlib(LogLevel level)
{
	switch (level) {
	case LogLevel::Debug:
		return G_LOG_LEVEL_DEBUG;
	case LogLevel::Info:
		return G_LOG_LEVEL_INFO;
	case LogLevel::Warning:
		return G_LOG_LEVEL_WARNING;
	case LogLevel::Error:
		break;
	}
	/* G_LOG_LEVEL_ERROR aborts; CRITICAL is GLib's "error, keep going". */
	return G_LOG_LEVEL_CRITICAL;
}

/* syslog(3) priorities: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
const char *syslogPriority(LogLevel level)
{
	switch (level) {
	case LogLevel::Debug:
		return "7";
	case LogLevel::Info:
		return "6";
	case LogLevel::Warning:
		return "4";
	case LogLevel::Error:
		break;
	}
	return "3";
}

int severity(GLogLevelFlags flags)
{
	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return static_cast<int>(LogLevel::Error);
	if (flags & G_LOG_LEVEL_WARNING)
		return static_cast<int>(LogLevel::Warning);
	if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		return static_cast<int>(LogLevel::Info);
	return static_cast<int>(LogLevel::Debug);
}

const char *levelName(GLogLevelFlags flags)
{
	switch (severity(flags)) {
	case 0:
		return "debug";
	case 1:
		return "info";
	case 2:
		return "warning";
	default:
		return "error";
	}
}

/*
 * journald gets the structured fields as they are (and adds its own
 * timestamp); a terminal gets one line with a timestamp and key=value.
 */
GLogWriterOutput writer(GLogLevelFlags flags, const GLogField *fields, gsize count,
			gpointer)
{
	if (severity(flags) < gThreshold.load())
		return G_LOG_WRITER_HANDLED;

	if (g_log_writer_is_journald(fileno(stderr)) &&
	    g_log_writer_journald(flags, fields, count, nullptr) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;

	std::string line;
	std::string extra;
	for (gsize i = 0; i < count; i++) {
		const GLogField &field = fields[i];
		if (field.length != -1)
			continue; /* binary field */
		const char *value = static_cast<const char *>(field.value);
		if (!strcmp(field.key, "MESSAGE")) {
			line = value;
		} else if (!strcmp(field.key, "GLIB_DOMAIN") && strcmp(value, kDomain)) {
			extra += std::string(" domain=") + value;
		} else if (g_ascii_isupper(field.key[0]) && strcmp(field.key, "PRIORITY") &&
			   strcmp(field.key, "GLIB_DOMAIN") && strncmp(field.key, "CODE_", 5) &&
			   strcmp(field.key, "SYSLOG_IDENTIFIER")) {
			g_autofree char *key = g_ascii_strdown(field.key, -1);
			extra += std::string(" ") + key + "=" + value;
		}
	}

	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S");
	fprintf(stderr, "%s.%03d %-7s %s%s\n", stamp,
		g_date_time_get_microsecond(now) / 1000, levelName(flags),
		line.c_str(), extra.c_str());
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

} /* namespace */

void setupLogging(LogLevel level, bool verbose)
{
	setVerboseLogging(verbose);
	setLogLevel(level);
	static bool installed = false;
	if (!installed) {
		g_log_set_writer_func(writer, nullptr, nullptr);
		installed = true;
	}
}

void setLogLevel(LogLevel level)
{
	gLevel = static_cast<int>(level);
	gThreshold = static_cast<int>(gVerbose ? LogLevel::Debug : level);
}

void setVerboseLogging(bool verbose)
{
	gVerbose = verbose;
	setLogLevel(static_cast<LogLevel>(gLevel.load()));
}

LogLevel logThreshold()
{
	return static_cast<LogLevel>(gThreshold.load());
}

void logMessage(LogLevel level, const std::string &message, const LogFields &fields)
{
	std::vector<GLogField> logFields;
	logFields.reserve(fields.size() + 4);
	/*
	 * g_log_structured_array adds no PRIORITY (only the g_log_structured
	 * macro does), and journald stores none without it: "journalctl -p
	 * warning" would then show nothing of ours.
	 */
	logFields.push_back({ "PRIORITY", syslogPriority(level), -1 });
	logFields.push_back({ "MESSAGE", message.c_str(), -1 });
	/*
	 * For "journalctl -t"; GLib's journald writer sets none. argv[0]'s
	 * name, as syslog(3) does: webrtc-camera@NAME.service runs us as
	 * webrtc-camera-NAME, its SyslogIdentifier= for stderr's lines too.
	 */
	const char *identifier = g_get_prgname();
	logFields.push_back({ "SYSLOG_IDENTIFIER", identifier && *identifier ? identifier : kDomain, -1 });
	logFields.push_back({ "GLIB_DOMAIN", kDomain, -1 });
	for (const auto &[key, value] : fields)
		logFields.push_back({ key.c_str(), value.c_str(), -1 });
	g_log_structured_array(toGlib(level), logFields.data(), logFields.size());
}

} /* namespace wcam */
