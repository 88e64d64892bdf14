/* SPDX-License-Identifier: MIT */
/*
 * How the process allocates, for a 512 MB Pi that streams for months.
 *
 * Linking this file in also makes GLib's slices plain malloc (what
 * G_SLICE=always-malloc does) before any library initialises: GLib 2.74's
 * slice allocator keeps magazines per thread and slabs per size that a
 * viewer's seven threads fill and never give back; GLib >= 2.76 allocates
 * slices with malloc anyway. Measured with 8 viewers: ~2.5 MB less RSS,
 * ~4 MB less once they left.
 */
#pragma once

namespace wcam {

/* At the start of main(), before any thread exists: malloc's settings. */
void tuneMalloc();

} /* namespace wcam */
