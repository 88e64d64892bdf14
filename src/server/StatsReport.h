/* SPDX-License-Identifier: MIT */
/*
 * The /stats document: uptime, the pipeline and why it was chosen, what
 * the encoder produces, every viewer with its RTCP figures, and the host.
 */
#pragma once

#include <string>

#include "adaptive/AdaptiveController.h"
#include "pipeline/StreamPipeline.h"
#include "server/ConnectionGuard.h"
#include "server/ViewerManager.h"
#include "system/HostStats.h"

namespace wcam {

struct StatsInputs {
	const StreamPipeline &pipeline;
	const ViewerManager &viewers;
	const HostSample &host;
	double uptimeSeconds;
	bool latencyStamp;
	/* Null when the adaptive controller is off. */
	const AdaptiveStatus *adaptive = nullptr;
	ConnectionGuard::Counters connections = {};
	std::string watchdogProblem; /* empty while the watchdog is fed */
	int rtspClients = -1;	     /* RTSP clients playing; -1: [rtsp] enabled = false */
};

std::string buildStatsJson(const StatsInputs &inputs);

} /* namespace wcam */
