/* SPDX-License-Identifier: MIT */
/*
 * Wires the pieces together: pipeline, viewers, HTTP server, host stats.
 * Owns the main loop when run() is used; tests drive the default main
 * context themselves after start().
 */
#pragma once

#include <memory>
#include <string>

#include "adaptive/AdaptiveController.h"
#include "config/Config.h"
#include "core/GlibPtr.h"
#include "pipeline/FrameGrabber.h"
#include "pipeline/Platform.h"
#include "pipeline/StreamPipeline.h"
#include "pipeline/ViewerWarmUp.h"
#include "relay/RtpRelay.h"
#include "relay/WhipClient.h"
#include "rtsp/RtspServer.h"
#include "server/HttpServer.h"
#include "server/SelfCheck.h"
#include "server/SnapshotEndpoint.h"
#include "server/StatsReport.h"
#include "server/ViewerManager.h"
#include "system/HostStats.h"

namespace wcam {

class Application
{
public:
	/* `processStartUs`: g_get_monotonic_time() when main() began, for the readiness time. */
	Application(Config config, const Platform &platform, int64_t processStartUs = g_get_monotonic_time());
	~Application();

	bool start(std::string &error);

	/*
	 * SIGHUP: read `configPath` again, apply what can change live and log
	 * what needs a restart. A broken file is refused; nothing changes.
	 */
	void setConfigPath(std::string path) { configPath_ = std::move(path); }
	void reload();

	/* Run until SIGINT/SIGTERM or a fatal pipeline error; the exit code. */
	int run();
	void quit(int exitCode);

	int port() const { return http_ ? http_->port() : 0; }
	StreamPipeline &pipeline() { return *pipeline_; }
	ViewerManager &viewers() { return *viewers_; }
	/* Null while [relay] whip_url is empty. */
	WhipClient *whip() { return whip_.get(); }
	/* Null when [adaptive] enabled = false. */
	AdaptiveController *adaptive() { return adaptive_.get(); }
	/* Null when [rtsp] enabled = false. */
	RtspServer *rtsp() { return rtsp_.get(); }

	/*
	 * Why the systemd watchdog must not be fed now (empty: feed it): frames
	 * have not flowed for a while despite rebuilds, or the HTTP server has
	 * not answered its own probe.
	 */
	std::string watchdogProblem() const;

	ConnectionGuard::Counters connections() const { return http_->connections(); }

	/* The /stats document. */
	std::string statsJson();
	/* The /metrics document: the same figures. */
	std::string metricsText();
	/* Null when the pipeline has not started. */
	SnapshotEndpoint *snapshot() { return snapshot_.get(); }
	FrameGrabber *frameGrabber() { return grabber_.get(); }

private:
	AdaptiveLimits adaptiveLimits(const Config &config) const;
	void announceReady();
	void notifySystemd();
	void trimMemory();
	void sampleStats();
	StatsInputs statsInputs();
	bool startRelay(const std::string &dtlsPem, std::string &error);
	void startWhipWhenFlowing();

	Config config_;
	PipelineDescription description_;
	std::unique_ptr<ViewerWarmUp> warmUp_;
	std::unique_ptr<StreamPipeline> pipeline_;
	std::unique_ptr<ViewerManager> viewers_;
	std::unique_ptr<FrameGrabber> grabber_;
	std::unique_ptr<SnapshotEndpoint> snapshot_;
	AdaptiveStatus adaptiveStatus_; /* statsInputs() points at it */
	/* [relay]: null while off. */
	std::unique_ptr<RtpRelay> rtpRelay_;
	std::unique_ptr<WhipClient> whip_;
	SourceGuard whipStart_;
	std::unique_ptr<HttpServer> http_;
	std::unique_ptr<RtspServer> rtsp_;
	std::unique_ptr<AdaptiveController> adaptive_;
	std::unique_ptr<SelfCheck> selfCheck_;
	HostStats hostStats_;
	HostSample hostSample_;
	SourceGuard statsTimer_;
	SourceGuard systemdTimer_;
	bool readySent_ = false;
	uint64_t trimmedAt_ = 0; /* departures at the last trim */
	std::string watchdogProblem_;
	std::string configPath_;
	MainLoopPtr loop_;
	int exitCode_ = 0;
	int64_t processStartUs_;
	int64_t startedUs_;
	/* Work posted to the main loop is dropped once we are gone. */
	Lifetime lifetime_;
};

} /* namespace wcam */
