/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: GStreamer set up once, GLib warnings
 * and criticals made fatal (a g_return_if_fail() or "please file a bug"
 * in GstSdp on input we accepted is a bug of ours, and webrtcbin would be
 * next to trip on it), and a check that aborts with a message so libFuzzer
 * saves the input.
 */
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <glib.h>
#include <gst/gst.h>

namespace wcam::fuzz {

inline void setUp()
{
	/* abort(), which libFuzzer catches, not GLib's fatal SIGTRAP, which it does not. */
	g_log_set_default_handler(
		[](const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer) {
			if (!(level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)))
				return;
			fprintf(stderr, "fuzz: %s: %s\n", domain ? domain : "", message);
			abort();
		},
		nullptr);
	gst_init(nullptr, nullptr);
}

[[noreturn]] inline void violated(const char *what, const std::string &detail)
{
	fprintf(stderr, "fuzz invariant violated: %s: %s\n", what, detail.c_str());
	abort();
}

#define FUZZ_CHECK(cond, detail)                          \
	do {                                              \
		if (!(cond))                              \
			::wcam::fuzz::violated(#cond, detail); \
	} while (0)

} /* namespace wcam::fuzz */
