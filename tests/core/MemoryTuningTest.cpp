/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <glib.h>

#include "core/MemoryTuning.h"

using namespace wcam;

TEST_CASE("linking MemoryTuning makes GLib's slices plain malloc", "[memory]")
{
	/* Referenced, so the object and its .preinit_array entry are linked in. */
	tuneMalloc();
	if (!glib_check_version(2, 76, 0)) {
		SUCCEED("GLib >= 2.76 allocates slices with malloc whatever G_SLICE says");
		return;
	}
	/*
	 * GLib set its slice allocator up before main(), in its own
	 * constructors: only the preinit hook can have changed it in time
	 * (this test runs without G_SLICE).
	 */
	G_GNUC_BEGIN_IGNORE_DEPRECATIONS
	CHECK(g_slice_get_config(G_SLICE_CONFIG_ALWAYS_MALLOC) != 0);
	G_GNUC_END_IGNORE_DEPRECATIONS
}
