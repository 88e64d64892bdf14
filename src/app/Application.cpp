/* SPDX-License-Identifier: MIT */
#include "app/Application.h"

#include <glib-unix.h>

#include "core/Log.h"
#include "server/StatsReport.h"

namespace wcam {

Application::Application(Config config, const Platform &platform)
	: config_(std::move(config)), description_(describePipeline(config_, platform)),
	  startedUs_(g_get_monotonic_time())
{
}

Application::~Application()
{
	hostTimer_.reset();
	/* Viewers leave before the pipeline they are part of stops. */
	http_.reset();
	viewers_.reset();
	pipeline_.reset();
	if (loop_)
		g_main_loop_unref(loop_);
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

	StreamPipeline::Callbacks callbacks;
	callbacks.fatalError = [this](const std::string &message) {
		logError("stream failed, stopping: " + message);
		quit(1);
	};
	callbacks.branchError = [this](const std::string &branch, const std::string &message) {
		/* "viewer-<id>": only that viewer goes. */
		std::string id = branch.substr(strlen("viewer-"));
		postToMain([this, id, message]() { viewers_->end(id, "error: " + message); });
	};
	pipeline_ = std::make_unique<StreamPipeline>(description_, config_.debug.latencyStamp, callbacks);
	if (!pipeline_->start(error))
		return false;

	viewers_ = std::make_unique<ViewerManager>(*pipeline_, config_);
	HttpServer::Handlers handlers;
	handlers.healthy = [this]() { return pipeline_->flowing(); };
	handlers.statsJson = [this]() { return statsJson(); };
	http_ = std::make_unique<HttpServer>(config_, *viewers_, handlers);
	if (!http_->start(error))
		return false;

	hostSample_ = hostStats_.sample();
	hostTimer_.reset(g_timeout_add_seconds(2, [](gpointer data) -> gboolean {
		auto *self = static_cast<Application *>(data);
		self->hostSample_ = self->hostStats_.sample();
		return G_SOURCE_CONTINUE;
	}, this));

	logInfo("serving http://" + config_.network.bind + ":" + std::to_string(port()) +
			"/ (web root " + config_.paths.webRoot + ")",
		{ { "PORT", std::to_string(port()) } });
	return true;
}

std::string Application::statsJson()
{
	StatsInputs inputs{ *pipeline_, *viewers_, hostSample_,
			    (g_get_monotonic_time() - startedUs_) / 1e6, config_.debug.latencyStamp };
	return buildStatsJson(inputs);
}

void Application::quit(int exitCode)
{
	exitCode_ = exitCode;
	if (loop_)
		g_main_loop_quit(loop_);
}

int Application::run()
{
	loop_ = g_main_loop_new(nullptr, FALSE);
	auto onSignal = [](gpointer data) -> gboolean {
		logInfo("stopping on signal");
		static_cast<Application *>(data)->quit(0);
		return G_SOURCE_CONTINUE;
	};
	SourceGuard sigint(g_unix_signal_add(SIGINT, onSignal, this));
	SourceGuard sigterm(g_unix_signal_add(SIGTERM, onSignal, this));
	g_main_loop_run(loop_);
	return exitCode_;
}

} /* namespace wcam */
