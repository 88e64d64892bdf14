/* SPDX-License-Identifier: MIT */
/*
 * The libsoup 3 server: the viewer page (GET /), the /ws signaling
 * websocket, WHEP, /health, /stats, /metrics and /snapshot.jpg. Main
 * thread only.
 */
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libsoup/soup.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "server/AccessPolicy.h"
#include "server/Authenticator.h"
#include "server/ConnectionGuard.h"
#include "server/StaticFiles.h"
#include "server/ViewerManager.h"
#include "server/WebSocketClient.h"
#include "server/WhepEndpoint.h"

namespace wcam {

class HttpServer
{
public:
	struct Handlers {
		/* Empty while frames are flowing, else why not (for the 503). */
		std::function<std::string()> unhealthy;
		std::function<std::string()> statsJson; /* the /stats document */
		std::function<std::string()> metricsText; /* the /metrics document */
		/* GET /snapshot.jpg (SnapshotEndpoint): answers, or pauses the message until it can. */
		std::function<void(SoupServerMessage *, GHashTable *query)> snapshot;
	};

	HttpServer(const Config &config, ViewerManager &viewers, Handlers handlers);
	~HttpServer();

	/* Bind and listen; false with `error` set when the port is taken etc. */
	bool start(std::string &error);

	/* The port really bound (useful with port 0 in tests). */
	int port() const { return port_; }

	/* The address really listened on: loopback while there is no user. */
	const std::string &bindAddress() const { return bind_; }

	/* "https" with [security] tls_certificate, else "http". */
	const char *scheme() const { return config_.security.tls() ? "https" : "http"; }

	/*
	 * [network] limits and [security] users, tokens, origins changed
	 * (reload). `config` is what runs now: keys that need a restart keep
	 * their old values in it.
	 */
	void applyConfig(const Config &config);

	ConnectionGuard::Counters connections() const { return guard_->counters(); }

	static ConnectionGuard::Limits limitsFrom(const Config &config);

private:
	static void onRequest(SoupServer *server, SoupServerMessage *message, const char *path,
			      GHashTable *query, gpointer data);
	static void onWebSocketRequest(SoupServer *server, SoupServerMessage *message, const char *path,
				       GHashTable *query, gpointer data);
	static void onRequestStarted(SoupServer *server, SoupServerMessage *message, gpointer data);
	void checkHeaders(SoupServerMessage *message);
	void refuseBody(SoupServerMessage *message, const std::string &why);
	void checkAccess(SoupServerMessage *message, const char *path);
	void forbid(SoupServerMessage *message, const std::string &why);
	void acceptWebSocket(SoupWebsocketConnection *connection, const std::string &remote);
	void serveFile(SoupServerMessage *message, const char *path);
	void serveHealth(SoupServerMessage *message);
	void serveStats(SoupServerMessage *message);
	void serveMetrics(SoupServerMessage *message);

	/* A copy: the caller's Config changes under a reload. */
	Config config_;
	ViewerManager &viewers_;
	Handlers handlers_;
	StaticFiles files_;
	AccessPolicy access_;
	Authenticator auth_;
	WhepEndpoint whep_;
	GObjectPtr<SoupServer> server_;
	std::unique_ptr<ConnectionGuard> guard_;
	std::map<WebSocketClient *, std::unique_ptr<WebSocketClient>> clients_;
	int port_ = 0;
	std::string bind_;
};

} /* namespace wcam */
