/* SPDX-License-Identifier: MIT */
/*
 * Application messages through GLib structured logging, so journald gets
 * a priority and fields (VIEWER_ID, REMOTE_ADDR...) it can filter on.
 * GStreamer's own debug output stays on GST_DEBUG categories.
 */
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <glib.h>

namespace wcam {

enum class LogLevel { Debug, Info, Warning, Error };

using LogFields = std::vector<std::pair<std::string, std::string>>;

/*
 * Messages below `level` are dropped. Call at start; `verbose`
 * (--verbose) logs everything whatever the configured level.
 */
void setupLogging(LogLevel level, bool verbose = false);

/* [debug] log_level changed (reload); --verbose still wins. */
void setLogLevel(LogLevel level);

/* --verbose: log everything whatever setLogLevel says. */
void setVerboseLogging(bool verbose);

/* The level in force: messages below it are dropped. */
LogLevel logThreshold();

void logMessage(LogLevel level, const std::string &message, const LogFields &fields = {});

inline void logDebug(const std::string &m, const LogFields &f = {}) { logMessage(LogLevel::Debug, m, f); }
inline void logInfo(const std::string &m, const LogFields &f = {}) { logMessage(LogLevel::Info, m, f); }
inline void logWarning(const std::string &m, const LogFields &f = {}) { logMessage(LogLevel::Warning, m, f); }
inline void logError(const std::string &m, const LogFields &f = {}) { logMessage(LogLevel::Error, m, f); }

} /* namespace wcam */
