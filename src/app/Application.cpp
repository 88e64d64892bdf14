/* SPDX-License-Identifier: MIT */
#include "app/Application.h"

#include <algorithm>
#include <cstring>

#include <glib-unix.h>
#include <malloc.h>

#include "config/ConfigLoader.h"
#include "config/ConfigSchema.h"
#include "core/Log.h"
#include "core/SystemdNotify.h"
#include "pipeline/DtlsIdentity.h"
#include "pipeline/EncoderControl.h"
#include "pipeline/LatencyStamp.h"
#include "server/MetricsReport.h"

namespace wcam {

namespace {

/* The HTTP side probes itself this often, and must answer within: */
constexpr guint kSelfCheckPeriodMs = 2000;
constexpr guint kSelfCheckTimeoutMs = 2000;
/* Unanswered probes for this long starve the watchdog. */
constexpr int64_t kHttpGraceUs = 10 * G_USEC_PER_SEC;
/* An outage this long, recovery attempts included, starves the watchdog. */
constexpr int64_t kRecoveryGraceUs = 10 * G_USEC_PER_SEC;
/* The stats clock without an adaptive controller to set its pace. */
constexpr guint kStatsPeriodMs = 2000;
/* A snapshot waits this long for a decoded picture: a forced keyframe comes within 150 ms. */
constexpr int64_t kSnapshotTimeoutUs = 5 * G_USEC_PER_SEC;

/* The connected viewers' latest figures, as the controller takes them. */
std::vector<ViewerSample> viewerSamples(const ViewerManager &viewers)
{
	std::vector<ViewerSample> samples;
	viewers.forEach([&](const Viewer &viewer) {
		if (viewer.state() != Viewer::State::Connected)
			return;
		const ViewerRtcStats &rtc = viewer.rtcStats();
		samples.push_back({ viewer.id(), rtc.fractionLost, rtc.roundTripTime, rtc.jitter, rtc.remb,
				    rtc.reportUs });
	});
	return samples;
}

} /* namespace */

Application::Application(Config config, const Platform &platform, int64_t processStartUs)
	: config_(std::move(config)), description_(describePipeline(config_, platform)),
	  processStartUs_(processStartUs), startedUs_(g_get_monotonic_time())
{
}

Application::~Application()
{
	adaptive_.reset();
	statsTimer_.reset();
	systemdTimer_.reset();
	selfCheck_.reset();
	if (readySent_)
		systemdNotify("STOPPING=1");
	/* Waiting snapshot requests are answered while the server still runs. */
	snapshot_.reset();
	/* Viewers leave before the pipeline they are part of stops. */
	rtsp_.reset();
	http_.reset();
	whipStart_.reset();
	whip_.reset();
	rtpRelay_.reset();
	viewers_.reset();
	grabber_.reset();
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
		if (branch.rfind(FrameGrabber::kBranchPrefix, 0) == 0) {
			postToMain(lifetime_, [this, branch, message]() {
				if (grabber_)
					grabber_->branchFailed(branch, message);
			});
			return;
		}
		if (branch.rfind("relay-", 0) == 0) {
			postToMain(lifetime_, [this, branch, message]() {
				logError("relay: " + branch + ": " + message);
				if (whip_ && branch.rfind(WhipClient::kBranchPrefix, 0) == 0)
					whip_->branchFailed(message);
			});
			return;
		}
		/* "viewer-<id>": only that viewer goes. */
		std::string id = branch.substr(strlen("viewer-"));
		postToMain(lifetime_, [this, id, message]() { viewers_->end(id, "error: " + message); });
	};
	pipeline_ = std::make_unique<StreamPipeline>(description_, config_.debug.latencyStamp, callbacks);
	if (!pipeline_->start(error))
		return false;

	if (!startRelay(dtlsPem, error))
		return false;
	viewers_ = std::make_unique<ViewerManager>(*pipeline_, config_, std::move(dtlsPem));
	grabber_ = std::make_unique<FrameGrabber>(*pipeline_, kSnapshotTimeoutUs);
	snapshot_ = std::make_unique<SnapshotEndpoint>(*grabber_, config_.snapshot);
	HttpServer::Handlers handlers;
	handlers.unhealthy = [this]() { return pipeline_->problem(); };
	handlers.statsJson = [this]() { return statsJson(); };
	handlers.metricsText = [this]() { return metricsText(); };
	handlers.snapshot = [this](SoupServerMessage *message, GHashTable *query) { snapshot_->handle(message, query); };
	http_ = std::make_unique<HttpServer>(config_, *viewers_, handlers);
	if (!http_->start(error))
		return false;
	if (config_.rtsp.enabled) {
		rtsp_ = std::make_unique<RtspServer>(config_, http_->bindAddress(), *pipeline_);
		std::string rtspError;
		/* The web camera works without it: a port taken by another RTSP server must not stop it. */
		if (!rtsp_->start(rtspError)) {
			logError(rtspError + "; running without RTSP");
			rtsp_.reset();
		}
	}
	selfCheck_ = std::make_unique<SelfCheck>(http_->bindAddress(), port(), config_.security.tls());

	hostSample_ = hostStats_.sample();
	if (config_.adaptive.enabled) {
		adaptive_ = std::make_unique<AdaptiveController>(adaptiveLimits(config_), *pipeline_);
		adaptive_->start();
	}
	/* The one stats clock, at the controller's pace. */
	guint statsMs = config_.adaptive.enabled ? guint(config_.adaptive.interval) * 1000 : kStatsPeriodMs;
	statsTimer_.reset(g_timeout_add(statsMs, [](gpointer data) -> gboolean {
		static_cast<Application *>(data)->sampleStats();
		return G_SOURCE_CONTINUE;
	}, this));

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

/* [relay]: branches of the one stream, not viewers: nothing counts them against max_viewers. */
bool Application::startRelay(const std::string &dtlsPem, std::string &error)
{
	const RelayConfig &relay = config_.relay;
	if (!relay.rtpHost.empty()) {
		rtpRelay_ = std::make_unique<RtpRelay>(*pipeline_, relay.rtpHost, relay.rtpPort, relay.rtcpPort);
		if (!rtpRelay_->start(error))
			return false;
	}
	if (!relay.whipUrl.empty()) {
		WhipClient::Options options;
		options.url = relay.whipUrl;
		options.bearerToken = relay.bearerToken;
		options.branch = { config_.network.iceServers, config_.network.iceAddresses, dtlsPem,
				   config_.network.upnp };
		whip_ = std::make_unique<WhipClient>(*pipeline_, std::move(options));
		/* The offer needs the payloader's caps: once frames flow. */
		postToMain(lifetime_, [this]() { startWhipWhenFlowing(); });
	}
	return true;
}

void Application::startWhipWhenFlowing()
{
	if (pipeline_->rtpCaps()) {
		whip_->start();
		return;
	}
	whipStart_.reset(g_timeout_add(100, [](gpointer data) -> gboolean {
		auto *self = static_cast<Application *>(data);
		if (!self->pipeline_->rtpCaps())
			return G_SOURCE_CONTINUE;
		self->whipStart_.release();
		self->whip_->start();
		return G_SOURCE_REMOVE;
	}, this));
}

AdaptiveLimits Application::adaptiveLimits(const Config &config) const
{
	bool hardware = description_.encoder.encoderKind == EncoderKind::V4l2;
	AdaptiveLimits limits = AdaptiveLimits::from(config.adaptive, config.camera, config.encoding.bitrate,
						     hardware, true);
	/* A scaled-down picture could no longer carry the latency stamp. */
	if (config.debug.latencyStamp)
		limits.minWidth = kStampWidth;
	return limits;
}

/*
 * main thread, every stats interval: the host now, the viewers' RTCP
 * (asked now, in by the next tick) to the controller; /stats reads the
 * same figures.
 */
void Application::sampleStats()
{
	hostSample_ = hostStats_.sample();
	if (adaptive_)
		adaptive_->update(viewerSamples(*viewers_), hostSample_);
	viewers_->refreshStats();
	trimMemory();
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
	/* No web_root in the file: keep --web-root or the installed page. */
	if (next.paths.webRoot.empty())
		next.paths.webRoot = config_.paths.webRoot;
	/* The last user removed: until a restart moves to loopback, the old users stay. */
	if (next.security.users.empty() && !config_.security.users.empty()) {
		next.security.users = config_.security.users;
		logWarning("reload: users_file has no user left; the previous users stay until a restart");
	}
	/* Loopback until the first user: leaving it needs a new listening socket. */
	bool listenChanged = next.security.loopbackOnly() != config_.security.loopbackOnly();

	/* The key table says which changes apply live; the rest wait for a restart. */
	std::vector<std::string> applied;
	std::vector<std::string> restart;
	std::vector<const ConfigKey *> changed = changedKeys(config_, next);
	for (const ConfigKey *key : changed) {
		if (key->reload == Reload::Live) {
			key->copy(next, config_);
			applied.push_back(key->path());
		} else {
			restart.push_back(key->path());
		}
	}
	if (listenChanged)
		restart.push_back("security.users_file (listening address)");
	auto changedAny = [&](const char *section, const char *name = nullptr) {
		return std::any_of(changed.begin(), changed.end(), [&](const ConfigKey *key) {
			return key->reload == Reload::Live && !strcmp(key->section, section) &&
			       (!name || !strcmp(key->name, name));
		});
	};

	if (changedAny("debug", "log_level"))
		setLogLevel(config_.debug.logLevel);
	if (adaptive_) {
		/* The controller owns the encoder's bitrate (until a restart): it gets the new bounds. */
		if (changedAny("encoding", "bitrate") || changedAny("adaptive"))
			adaptive_->setLimits(adaptiveLimits(config_));
	} else if (changedAny("encoding", "bitrate")) {
		if (setEncoderBitrate(pipeline_->encoder(), config_.encoding.bitrate)) {
			logInfo("reload: bitrate now " + std::to_string(config_.encoding.bitrate) + " bit/s");
		} else {
			applied.erase(std::find(applied.begin(), applied.end(), "encoding.bitrate"));
			restart.push_back("encoding.bitrate");
		}
	}
	/* [network] limits and ICE, [security] users, tokens, origins: from the next request. */
	viewers_->applyConfig(config_);
	http_->applyConfig(config_);
	snapshot_->applyConfig(config_.snapshot);
	if (rtsp_)
		rtsp_->applyConfig(config_);

	auto list = [](const std::vector<std::string> &keys) {
		std::string text;
		for (const std::string &key : keys)
			text += (text.empty() ? "" : ", ") + key;
		return text;
	};
	if (applied.empty() && restart.empty())
		logInfo("reload: no change");
	if (!applied.empty())
		logInfo("reload: applied " + list(applied));
	if (!restart.empty())
		logWarning("reload: restart the service for " + list(restart));
	systemdNotify("READY=1");
}

StatsInputs Application::statsInputs()
{
	if (adaptive_)
		adaptiveStatus_ = adaptive_->status();
	return StatsInputs{ *pipeline_, *viewers_, hostSample_,
			    (g_get_monotonic_time() - startedUs_) / 1e6, config_.debug.latencyStamp,
			    adaptive_ ? &adaptiveStatus_ : nullptr, http_->connections(), watchdogProblem(),
			    rtsp_ ? int(rtsp_->clients()) : -1 };
}

std::string Application::statsJson()
{
	return buildStatsJson(statsInputs());
}

std::string Application::metricsText()
{
	SnapshotEndpoint::Counters counters = snapshot_->counters();
	SnapshotFigures snapshot{ counters.requests, snapshot_->grabs(), counters.encodes, counters.failures };
	return buildMetricsText(statsInputs(), snapshot);
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
