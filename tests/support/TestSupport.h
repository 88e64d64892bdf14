/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the tests: driving the default main context
 * while the code under test runs on it, and removing temporary trees.
 */
#pragma once

#include <functional>
#include <string>

#include <glib.h>
#include <glib/gstdio.h>

namespace wcam::test {

/* Iterate the default main context until `done` or `seconds` pass. */
inline bool runUntil(const std::function<bool()> &done, double seconds)
{
	gint64 deadline = g_get_monotonic_time() + gint64(seconds * G_USEC_PER_SEC);
	while (!done()) {
		if (g_get_monotonic_time() > deadline)
			return false;
		g_main_context_iteration(nullptr, FALSE);
		g_usleep(2000);
	}
	return true;
}

/*
 * Counts GLib criticals (g_return_if_fail) while it lives: GLib calls the
 * default handler for libraries that log with g_log(), as GStreamer does.
 */
class CriticalCounter
{
public:
	CriticalCounter()
	{
		count_ = 0;
		previous_ = g_log_set_default_handler(
			[](const gchar *, GLogLevelFlags level, const gchar *, gpointer) {
				if (level & G_LOG_LEVEL_CRITICAL)
					count_++;
			},
			nullptr);
	}
	~CriticalCounter() { g_log_set_default_handler(previous_, nullptr); }
	CriticalCounter(const CriticalCounter &) = delete;
	CriticalCounter &operator=(const CriticalCounter &) = delete;

	int count() const { return count_; }

private:
	static inline int count_ = 0;
	GLogFunc previous_;
};

/* Remove a directory tree; symlinks are removed, never followed. */
inline void removeTree(const std::string &path)
{
	if (!g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK) &&
	    g_file_test(path.c_str(), G_FILE_TEST_IS_DIR)) {
		GDir *dir = g_dir_open(path.c_str(), 0, nullptr);
		if (dir) {
			while (const char *name = g_dir_read_name(dir))
				removeTree(path + "/" + name);
			g_dir_close(dir);
		}
	}
	g_remove(path.c_str());
}

} /* namespace wcam::test */
