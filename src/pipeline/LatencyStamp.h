/* SPDX-License-Identifier: MIT */
/*
 * The latency stamp (docs/latency-stamp.md): the capture wall-clock time
 * in milliseconds, written as 38 16x16 luma blocks in the top-left corner
 * of the raw frame, so a receiver can measure glass-to-glass latency from
 * the decoded picture alone. The layout constants are generated from
 * data/web/js/latency-stamp-geometry.json, which the viewer page reads.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <gst/gst.h>

#include "pipeline/LatencyStampGeometry.h"

namespace wcam {

/*
 * Write the stamp into an 8-bit luma plane (and, when given, set the
 * chroma below it to 128). `pixelStride` is 1 for planar formats, 2 for
 * YUY2-like packed ones. Chroma planes are subsampled by `chromaXShift`/
 * `chromaYShift`, with `chromaPixelStride` (2 for NV12's interleaved UV).
 * Returns false (writing nothing) when the frame is smaller than 608x16.
 */
struct PlaneView {
	uint8_t *data = nullptr;
	int stride = 0;
	int pixelStride = 1;
};

bool writeLatencyStamp(uint32_t millis, PlaneView luma, int width, int height,
		       PlaneView chromaU = {}, PlaneView chromaV = {},
		       int chromaXShift = 1, int chromaYShift = 1);

/* Read it back (centre pixel per block, threshold 128, both guards). */
std::optional<uint32_t> readLatencyStamp(const uint8_t *luma, int stride,
					 int pixelStride, int width, int height);

/* Low 32 bits of CLOCK_REALTIME in milliseconds. */
uint32_t wallClockMillis();

/* What wallClockMillis() makes of a CLOCK_REALTIME reading in microseconds. */
uint32_t stampMillis(int64_t realTimeUs);

/*
 * Install a buffer probe on `pad` (raw video) that stamps every frame with
 * the time it passes the pad. Supports I420, YV12, NV12, NV21, Y42B, Y444,
 * YUY2, UYVY, GRAY8; logs once and leaves other formats untouched. Returns
 * the probe id. Runs in the streaming thread; keeps no state of its own
 * besides the negotiated caps read from the pad.
 */
gulong attachLatencyStamper(GstPad *pad);

} /* namespace wcam */
