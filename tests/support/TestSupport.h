/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the tests: driving the default main context
 * while the code under test runs on it, running code that may abort in a
 * child, and removing temporary trees.
 */
#pragma once

#include <functional>
#include <string>

#include <cstring>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

/*
 * Run `body` in a child process so an abort (webrtcbin's g_assert, or a
 * critical or warning made fatal) fails the test instead of killing the
 * test runner.
 * Returns an empty string on success, else what went wrong.
 */
inline std::string runIsolated(const std::function<std::string()> &body,
			       GLogLevelFlags fatal = GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR),
			       unsigned timeoutSeconds = 30)
{
	int fds[2];
	if (pipe(fds) != 0)
		return "pipe failed";
	fflush(nullptr);
	pid_t pid = fork();
	if (pid < 0)
		return "fork failed";
	if (pid == 0) {
		close(fds[0]);
		alarm(timeoutSeconds);
		g_log_set_always_fatal(GLogLevelFlags(fatal | G_LOG_FATAL_MASK));
		std::string result = body();
		if (write(fds[1], result.data(), result.size()) < 0)
			_exit(3);
		_exit(result.empty() ? 0 : 1);
	}
	close(fds[1]);
	std::string output;
	char buffer[512];
	ssize_t n;
	while ((n = read(fds[0], buffer, sizeof(buffer))) > 0)
		output.append(buffer, n);
	close(fds[0]);

	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return "waitpid failed";
	if (WIFSIGNALED(status))
		return "child killed by signal " + std::to_string(WTERMSIG(status)) +
		       " (" + strsignal(WTERMSIG(status)) + ")";
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return output.empty() ? "child exited with " + std::to_string(WEXITSTATUS(status))
				      : output;
	return {};
}

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
