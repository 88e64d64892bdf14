/* SPDX-License-Identifier: MIT */
/*
 * The /metrics document (Prometheus text format): the figures /stats
 * shows, from the same StatsInputs, as webrtc_camera_* families. Viewers
 * appear only by kind and as summaries: no label per viewer, whose set
 * would grow without bound.
 */
#pragma once

#include <cstdint>
#include <string>

#include "server/StatsReport.h"

namespace wcam {

/* /snapshot.jpg's counters. */
struct SnapshotFigures {
	uint64_t requests = 0;
	uint64_t pictures = 0; /* decoded from the stream */
	uint64_t encodes = 0;  /* JPEGs made */
	uint64_t failures = 0;
};

std::string buildMetricsText(const StatsInputs &inputs, const SnapshotFigures &snapshot);

} /* namespace wcam */
