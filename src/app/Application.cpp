/* SPDX-License-Identifier: MIT */
#include "app/Application.h"

#include <algorithm>
#include <cstring>

#include <glib-unix.h>
#include <malloc.h>

#include "config/ConfigLoader.h"
#include "core/Log.h"
#include "core/SystemdNotify.h"
#include "pipeline/DtlsIdentity.h"
#include "pipeline/EncoderControl.h"
#include "pipeline/LatencyStamp.h"
#include "server/StatsReport.h"

namespace wcam {

namespace {

/* The HTTP side probes itself this often, and must answer within: */
constexpr guint kSelfCheckPeriodMs = 2000;
constexpr guint kSelfCheckTimeoutMs = 2000;
/* Unanswered probes for this long starve the watchdog. */
constexpr int64_t kHttpGraceUs = 10 * G_USEC_PER_SEC;
/* An outage this long, recovery attempts included, starves the watchdog. */
constexpr int64_t kRecoveryGraceUs = 10 * G_USEC_PER_SEC;

} /* namespace */

Application::Application(Config config, const Platform &platform, int64_t processStartUs)
	: config_(std::move(config)), description_(describePipeline(config_, platform)),
	  processStartUs_(processStartUs), startedUs_(g_get_monotonic_time())
{
}

Application::~Application()
{
	adaptive_.reset();
	hostTimer_.reset();
	systemdTimer_.reset();
	selfCheck_.reset();
	if (readySent_)
		systemdNotify("STOPPING=1");
	/* Viewers leave before the pipeline they are part of stops. */
	http_.reset();
	viewers_.reset();
	pipeline_.reset();
}

bool Application::start(std::string &error)
{
	logInfo("source: " + description_.source.kind + " (" + description_.source.reason + ")",
		{ { "SOURCE", description_.source.kind } });
	logInfo("encoder: " + description_.encoder.kind + " (" + description_.encoder.reason + ")",
		{ { "ENCODER", description_.encoder.kind } });
	if (!description_.error.empty()) {
		error = description_.error;
		return false;
	}
	logInfo("pipeline: " + description_.launch);

	std::string note;
	std::string dtlsPem = DtlsIdentity::loadOrCreate(DtlsIdentity::defaultPath(), note);
	if (!note.empty())
		logWarning(note);
	if (!dtlsPem.empty()) {
		std::string fingerprint = DtlsIdentity::fingerprint(dtlsPem);
		logInfo("DTLS certificate sha-256 " + fingerprint, { { "DTLS_FINGERPRINT", fingerprint } });
	}
	warmUp_ = std::make_unique<ViewerWarmUp>(dtlsPem);

	StreamPipeline::Callbacks callbacks;
	callbacks.rebuilt = [this]() {
		if (adaptive_)
			adaptive_->reapply();
	};
	callbacks.firstFrame = [this]() { announceReady(); };
	callbacks.branchError = [this](const std::string &branch, const std::string &message) {
		/* "viewer-<id>": only that viewer goes. */
		std::string id = branch.substr(strlen("viewer-"));
		postToMain(lifetime_, [this, id, message]() { viewers_->end(id, "error: " + message); });
	};
	pipeline_ = std::make_unique<StreamPipeline>(description_, config_.debug.latencyStamp, callbacks);
	if (!pipeline_->start(error))
		return false;

	viewers_ = std::make_unique<ViewerManager>(*pipeline_, config_, std::move(dtlsPem));
	HttpServer::Handlers handlers;
	handlers.unhealthy = [this]() { return pipeline_->problem(); };
	handlers.statsJson = [this]() { return statsJson(); };
	http_ = std::make_unique<HttpServer>(config_, *viewers_, handlers);
	if (!http_->start(error))
		return false;
	selfCheck_ = std::make_unique<SelfCheck>(http_->bindAddress(), port(), config_.security.tls());

	hostSample_ = hostStats_.sample();
	hostTimer_.reset(g_timeout_add_seconds(2, [](gpointer data) -> gboolean {
		auto *self = static_cast<Application *>(data);
		self->hostSample_ = self->hostStats_.sample();
		self->trimMemory();
		return G_SOURCE_CONTINUE;
	}, this));

	if (config_.adaptive.enabled) {
		AdaptiveController::Sources sources;
		sources.viewers = [this]() { return AdaptiveController::viewerSamples(*viewers_); };
		sources.host = [this]() { return hostSample_; };
		adaptive_ = std::make_unique<AdaptiveController>(adaptiveLimits(config_), config_.adaptive.interval * 1000,
								 *pipeline_, std::move(sources));
		adaptive_->start();
	}

	/*
	 * READY=1 once frames flow; WATCHDOG=1 only while the service works
	 * (see watchdogProblem), so systemd restarts one that does not.
	 */
	uint64_t watchdogUs = systemdWatchdogUsec();
	guint periodMs = watchdogUs ? guint(std::clamp<uint64_t>(watchdogUs / 4000, 100, kSelfCheckPeriodMs))
				    : kSelfCheckPeriodMs;
	systemdTimer_.reset(g_timeout_add(periodMs, [](gpointer data) -> gboolean {
		static_cast<Application *>(data)->notifySystemd();
		return G_SOURCE_CONTINUE;
	}, this));

	logInfo(std::string("serving ") + http_->scheme() + "://" + http_->bindAddress() + ":" + std::to_string(port()) +
			"/ (web root " + config_.paths.webRoot + ")",
		{ { "PORT", std::to_string(port()) } });
	return true;
}

AdaptiveLimits Application::adaptiveLimits(const Config &config) const
{
	bool hardware = pipeline_->encoder() &&
			g_str_equal(GST_OBJECT_NAME(gst_element_get_factory(pipeline_->encoder())), "v4l2h264enc");
	AdaptiveLimits limits = AdaptiveLimits::from(config.adaptive, config.camera, config.encoding.bitrate,
						     hardware, true);
	/* A scaled-down picture could no longer carry the latency stamp. */
	if (config.debug.latencyStamp)
		limits.minWidth = kStampWidth;
	return limits;
}

/*
 * What viewers that left freed goes back to the system: glibc keeps the
 * high-water mark of a burst of viewers otherwise, and on a Pi Zero's
 * 512 MB the RSS is what counts.
 */
void Application::trimMemory()
{
	uint64_t departures = viewers_->departures();
	if (departures == trimmedAt_)
		return;
	trimmedAt_ = departures;
	malloc_trim(0);
}

/* READY=1 as soon as frames flow: the pipeline reports its first frame, the poll catches the rest. */
void Application::announceReady()
{
	if (readySent_ || !http_ || !pipeline_->flowing())
		return;
	readySent_ = true;
	systemdNotify("READY=1\nSTATUS=streaming on port " + std::to_string(port()));
	int64_t ms = (g_get_monotonic_time() - processStartUs_) / 1000;
	logInfo("first frames encoded; ready " + std::to_string(ms) + " ms after start",
		{ { "READY_MS", std::to_string(ms) } });
}

void Application::notifySystemd()
{
	selfCheck_->probe(kSelfCheckTimeoutMs);
	announceReady();
	if (!readySent_)
		return;
	if (!systemdWatchdogUsec())
		return;
	std::string problem = watchdogProblem();
	if (problem.empty()) {
		if (!watchdogProblem_.empty())
			logInfo("watchdog: fed again");
		systemdNotify("WATCHDOG=1");
	} else if (watchdogProblem_.empty()) {
		logError("watchdog: no longer fed, systemd will restart the service: " + problem);
		systemdNotify("STATUS=" + problem);
	}
	watchdogProblem_ = problem;
}

std::string Application::watchdogProblem() const
{
	int64_t now = g_get_monotonic_time();
	/* The stream gets kRecoveryGraceUs to come back in this process. */
	int64_t outage = pipeline_->outageSinceUs();
	if (outage && now - outage > kRecoveryGraceUs)
		return "no frames for " + std::to_string((now - outage) / G_USEC_PER_SEC) + " s (" +
		       pipeline_->problem() + ")";
	int64_t answered = std::max(selfCheck_->lastAnswerUs(), startedUs_);
	if (now - answered > kHttpGraceUs)
		return "the HTTP server has not answered its own /health probe for " +
		       std::to_string((now - answered) / G_USEC_PER_SEC) + " s (" + selfCheck_->lastError() + ")";
	return {};
}

void Application::reload()
{
	if (configPath_.empty()) {
		logWarning("reload: started without a config file; nothing to read");
		return;
	}
	ConfigResult result = loadConfigFile(configPath_, processEnvironment());
	if (!result.config) {
		for (const std::string &error : result.errors)
			logError("reload refused: " + error);
		return;
	}
	systemdNotify("RELOADING=1");
	Config next = *result.config;
	if (next.paths.webRoot.empty())
		next.paths.webRoot = config_.paths.webRoot;

	std::vector<std::string> restart;
	auto needsRestart = [&](bool changed, const char *key) {
		if (changed)
			restart.push_back(key);
	};
	const Config &cur = config_;
	needsRestart(next.camera.source != cur.camera.source || next.camera.device != cur.camera.device ||
			     next.camera.width != cur.camera.width || next.camera.height != cur.camera.height ||
			     next.camera.fps != cur.camera.fps || next.camera.bufferSize != cur.camera.bufferSize,
		     "[camera]");
	needsRestart(next.encoding.encoder != cur.encoding.encoder || next.encoding.profile != cur.encoding.profile ||
			     next.encoding.keyframeInterval != cur.encoding.keyframeInterval,
		     "[encoding] encoder/h264_profile/keyframe_interval");
	needsRestart(next.network.bind != cur.network.bind || next.network.port != cur.network.port,
		     "[network] bind/port");
	needsRestart(next.performance.lowLatencyMode != cur.performance.lowLatencyMode ||
			     next.performance.frameDropStrategy != cur.performance.frameDropStrategy,
		     "[performance]");
	needsRestart(next.pipeline.source != cur.pipeline.source || next.pipeline.encoder != cur.pipeline.encoder,
		     "[pipeline]");
	needsRestart(next.debug.latencyStamp != cur.debug.latencyStamp, "[debug] latency_stamp");
	needsRestart(next.paths.webRoot != cur.paths.webRoot, "[network] web_root");
	needsRestart(next.network.upnp != cur.network.upnp, "[network] upnp");
	needsRestart(next.security.tlsCertificate != cur.security.tlsCertificate ||
			     next.security.tlsKey != cur.security.tlsKey,
		     "[security] tls_certificate/tls_key");
	/* Loopback until the first user: leaving it needs a new listening socket. */
	needsRestart(next.security.loopbackOnly() != cur.security.loopbackOnly(),
		     "[security] users_file (listening address)");

	needsRestart(next.adaptive.enabled != cur.adaptive.enabled || next.adaptive.interval != cur.adaptive.interval,
		     "[adaptive] enabled/interval");
	if (adaptive_) {
		/* The controller owns the encoder's bitrate (until a restart): it gets the new bounds. */
		if (next.encoding.bitrate != cur.encoding.bitrate || next.adaptive != cur.adaptive)
			adaptive_->setLimits(adaptiveLimits(next));
	} else if (next.encoding.bitrate != cur.encoding.bitrate) {
		if (setEncoderBitrate(pipeline_->encoder(), next.encoding.bitrate))
			logInfo("reload: bitrate now " + std::to_string(next.encoding.bitrate) + " bit/s");
		else
			restart.push_back("[encoding] bitrate");
	}
	/* The last user removed: until a restart moves to loopback, the old users stay. */
	if (next.security.users.empty() && !cur.security.users.empty()) {
		next.security.users = cur.security.users;
		logWarning("reload: users_file has no user left; the previous users stay until a restart");
	}
	viewers_->applyConfig(next);
	http_->applyConfig(next);

	/* Keep what is running; take the live-applicable values only. */
	config_.encoding.bitrate = next.encoding.bitrate;
	if (adaptive_) {
		AdaptiveConfig adaptive = next.adaptive;
		adaptive.enabled = config_.adaptive.enabled;
		adaptive.interval = config_.adaptive.interval;
		config_.adaptive = adaptive;
	}
	config_.network.maxViewers = next.network.maxViewers;
	config_.network.viewerTimeout = next.network.viewerTimeout;
	config_.network.maxConnectionsPerAddress = next.network.maxConnectionsPerAddress;
	config_.network.maxViewersPerAddress = next.network.maxViewersPerAddress;
	config_.network.requestTimeout = next.network.requestTimeout;
	config_.network.iceServers = next.network.iceServers;
	config_.network.iceAddresses = next.network.iceAddresses;
	/* Users, tokens and origins apply from the next request; the socket stays. */
	config_.security.users = next.security.users;
	config_.security.whepTokens = next.security.whepTokens;
	config_.security.allowedOrigins = next.security.allowedOrigins;

	std::string pending;
	for (const std::string &key : restart)
		pending += (pending.empty() ? "" : ", ") + key;
	if (pending.empty())
		logInfo("reload: configuration applied");
	else
		logWarning("reload: applied what can change live; restart the service for " + pending);
	systemdNotify("READY=1");
}

std::string Application::statsJson()
{
	AdaptiveStatus adaptive;
	if (adaptive_)
		adaptive = adaptive_->status();
	StatsInputs inputs{ *pipeline_, *viewers_, hostSample_,
			    (g_get_monotonic_time() - startedUs_) / 1e6, config_.debug.latencyStamp,
			    adaptive_ ? &adaptive : nullptr, http_->connections(), watchdogProblem() };
	return buildStatsJson(inputs);
}

void Application::quit(int exitCode)
{
	exitCode_ = exitCode;
	if (loop_)
		g_main_loop_quit(loop_.get());
}

int Application::run()
{
	loop_ = MainLoopPtr::adopt(g_main_loop_new(nullptr, FALSE));
	auto onSignal = [](gpointer data) -> gboolean {
		logInfo("stopping on signal");
		static_cast<Application *>(data)->quit(0);
		return G_SOURCE_CONTINUE;
	};
	SourceGuard sigint(g_unix_signal_add(SIGINT, onSignal, this));
	SourceGuard sigterm(g_unix_signal_add(SIGTERM, onSignal, this));
	SourceGuard sighup(g_unix_signal_add(SIGHUP, [](gpointer data) -> gboolean {
		static_cast<Application *>(data)->reload();
		return G_SOURCE_CONTINUE;
	}, this));
	g_main_loop_run(loop_.get());
	return exitCode_;
}

} /* namespace wcam */
