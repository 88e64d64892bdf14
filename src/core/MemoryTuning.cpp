/* SPDX-License-Identifier: MIT */
#include "core/MemoryTuning.h"

#include <malloc.h>

#include <glib.h>

namespace wcam {

namespace {

/*
 * GLib configures its slice allocator once, in the first g_slice call,
 * and its own constructors (GObject's type system) make that call before
 * main() runs. An executable's .preinit_array runs before every shared
 * library's constructor: the one place where this still counts. (Not
 * setenv("G_SLICE"): libc's own initialisation, which runs after, puts
 * back the environment the process was started with.) It only sets a
 * static of GLib's, nothing that needs GLib initialised.
 */
void sliceFromMalloc(int, char **, char **)
{
	G_GNUC_BEGIN_IGNORE_DEPRECATIONS
	g_slice_set_config(G_SLICE_CONFIG_ALWAYS_MALLOC, TRUE);
	G_GNUC_END_IGNORE_DEPRECATIONS
}

__attribute__((section(".preinit_array"), used)) void (*const kSliceFromMalloc)(int, char **, char **) =
	sliceFromMalloc;

} /* namespace */

void tuneMalloc()
{
#ifdef M_ARENA_MAX
	/*
	 * Every viewer brings threads (ICE, DTLS, RTCP, queues) and glibc
	 * gives threads up to 8 malloc arenas per core: memory freed by a
	 * viewer that left stays spread over them, and the RSS crept up by
	 * ~25 KB per join/leave after hundreds of cycles. With two it levels
	 * off (tools/webrtc-camera-soak, churn).
	 */
	mallopt(M_ARENA_MAX, 2);
#endif
}

} /* namespace wcam */
