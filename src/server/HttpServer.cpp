/* SPDX-License-Identifier: MIT */
#include "server/HttpServer.h"

#include <algorithm>
#include <cstring>

#include "core/Log.h"
#include "core/TlsFiles.h"
#include "server/PrometheusText.h"
#if !SOUP_CHECK_VERSION(3, 8, 0)
#include "server/WebSocketLimiter.h"
#endif
#include "signaling/Message.h"

GST_DEBUG_CATEGORY_STATIC(wcam_server_debug);
#define GST_CAT_DEFAULT wcam_server_debug

namespace wcam {

namespace {

void setText(SoupServerMessage *message, guint status, const char *text)
{
	soup_server_message_set_status(message, status, nullptr);
	soup_server_message_set_response(message, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
					 text, strlen(text));
}

void noCache(SoupServerMessage *message)
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
	soup_message_headers_replace(headers, "Cache-Control", "no-cache");
	soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
}

} /* namespace */

HttpServer::HttpServer(const Config &config, ViewerManager &viewers, Handlers handlers)
	: config_(config), viewers_(viewers), handlers_(std::move(handlers)),
	  files_(config.paths.webRoot), access_(config.security, config.security.tls()),
	  auth_(config.security), whep_(viewers, access_)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_server_debug, "wcam-server", 0, "webrtc-camera HTTP server");
		g_once_init_leave(&once, 1);
	}
}

HttpServer::~HttpServer()
{
	clients_.clear();
	auth_.detach();
	if (server_)
		soup_server_disconnect(server_.get());
	guard_.reset();
}

ConnectionGuard::Limits HttpServer::limitsFrom(const Config &config)
{
	ConnectionGuard::Limits limits;
	limits.perAddress = config.network.maxConnectionsPerAddress;
	limits.total = ConnectionGuard::totalFor(config.network.maxViewers);
	limits.requestTimeoutUs = int64_t(config.network.requestTimeout) * G_USEC_PER_SEC;
	return limits;
}

void HttpServer::applyConfig(const Config &config)
{
	config_ = config;
	if (guard_)
		guard_->setLimits(limitsFrom(config));
	access_.applyConfig(config.security);
	auth_.applyConfig(config.security);
}

bool HttpServer::start(std::string &error)
{
	server_ = GObjectPtr<SoupServer>::adopt(
		soup_server_new("server-header", "webrtc-camera/" WCAM_VERSION " ", nullptr));

	soup_server_add_handler(server_.get(), "/ws", &HttpServer::onWebSocketRequest, this, nullptr);
	soup_server_add_handler(server_.get(), nullptr, &HttpServer::onRequest, this, nullptr);
	g_signal_connect(server_.get(), "request-started", G_CALLBACK(&HttpServer::onRequestStarted), this);
	g_signal_connect(server_.get(), "request-read",
			 G_CALLBACK(+[](SoupServer *, SoupServerMessage *message, gpointer data) {
				 static_cast<HttpServer *>(data)->guard_->requestRead(message);
			 }),
			 this);

	bind_ = config_.network.bind;
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(bind_.c_str());
	if (!address) {
		error = "cannot listen on " + bind_ + ": not an IP address";
		return false;
	}
	/* A fresh install is no open camera on the LAN: loopback until a user exists. */
	if (config_.security.loopbackOnly() && !g_inet_address_get_is_loopback(address)) {
		bool v6 = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6;
		bind_ = v6 ? "::1" : "127.0.0.1";
		g_autoptr(GInetAddress) loopback =
			g_inet_address_new_loopback(v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4);
		std::swap(address, loopback);
		logWarning("no user in " + config_.security.usersFile + ": listening on " + bind_ +
			   " only, not " + config_.network.bind + "; add one with \"sudo webrtc-camera-configure"
			   " --add-user NAME\" and restart, or set [security] users_file = (empty) for a camera"
			   " open to anyone who can reach it");
	}

	GObjectPtr<GTlsCertificate> certificate;
	if (config_.security.tls()) {
		std::string tlsError;
		certificate = GObjectPtr<GTlsCertificate>::adopt(
			loadTlsCertificate(config_.security.tlsCertificate, config_.security.tlsKey, tlsError));
		if (!certificate) {
			error = "cannot use " + config_.security.tlsCertificate + ": " + tlsError;
			return false;
		}
	}

	g_autoptr(GSocketAddress) socketAddress = g_inet_socket_address_new(address, config_.network.port);
	guard_ = std::make_unique<ConnectionGuard>(server_.get(), limitsFrom(config_));
	if (certificate)
		guard_->setTlsCertificate(certificate.get());
	std::string listenError;
	if (!guard_->listen(socketAddress, port_, listenError)) {
		error = "cannot listen on " + bind_ + ":" + std::to_string(config_.network.port) + ": " +
			listenError;
		return false;
	}
	auth_.attach(server_.get());
	if (auth_.enabled())
		logInfo("authentication on: " + std::to_string(config_.security.users.size()) + " user(s) in " +
			config_.security.usersFile + ", " + std::to_string(config_.security.whepTokens.size()) +
			" WHEP token(s)");
	else if (!config_.security.loopbackOnly())
		logWarning("authentication off ([security] users_file is empty): anyone who can reach " + bind_ +
			   ":" + std::to_string(port_) + " can watch");
	return true;
}

/* main thread: a request begins; its headers are not read yet. */
void HttpServer::onRequestStarted(SoupServer *, SoupServerMessage *message, gpointer data)
{
	/* Runs after libsoup's own got-headers handler, connected before us. */
	g_signal_connect(message, "got-headers", G_CALLBACK(+[](SoupServerMessage *msg, gpointer self) {
		static_cast<HttpServer *>(self)->checkHeaders(msg);
	}), data);
}

/*
 * Everything before a handler runs is bounded: a body no handler takes is
 * refused by its declared size, before a byte of it is read, and a chunked
 * one as soon as its running count passes the limit.
 */
void HttpServer::checkHeaders(SoupServerMessage *message)
{
	const char *path = g_uri_get_path(soup_server_message_get_uri(message));
	const char *method = soup_server_message_get_method(message);
	SoupMessageHeaders *request = soup_server_message_get_request_headers(message);
	bool takesBody = !g_strcmp0(method, "POST") && !g_strcmp0(path, WhepEndpoint::kPath);
	goffset allowed = takesBody ? goffset(kMaxMessageSize) : 0;

	if (g_strcmp0(path, "/ws"))
		soup_message_headers_replace(soup_server_message_get_response_headers(message),
					     "Connection", "close");

	switch (soup_message_headers_get_encoding(request)) {
	case SOUP_ENCODING_CONTENT_LENGTH: {
		goffset length = soup_message_headers_get_content_length(request);
		if (length > allowed) {
			refuseBody(message, "a body of " + std::to_string(length) + " bytes");
			return;
		}
		break;
	}
	case SOUP_ENCODING_CHUNKED: {
		if (!allowed) {
			refuseBody(message, "a chunked body");
			return;
		}
		struct Count {
			HttpServer *server;
			goffset bytes;
			bool refused;
		};
		g_signal_connect_data(message, "got-chunk",
			G_CALLBACK(+[](SoupServerMessage *msg, GBytes *chunk, gpointer data) {
				auto *count = static_cast<Count *>(data);
				count->bytes += g_bytes_get_size(chunk);
				if (count->bytes > goffset(kMaxMessageSize) && !count->refused) {
					count->refused = true;
					count->server->refuseBody(msg, "a chunked body over " +
								   std::to_string(kMaxMessageSize) + " bytes");
				}
			}),
			new Count{ this, 0, false }, [](gpointer data, GClosure *) { delete static_cast<Count *>(data); },
			GConnectFlags(0));
		break;
	}
	default:
		break;
	}
	checkAccess(message, path);
}

/*
 * Who may ask, judged once libsoup has checked the credentials: a browser's
 * Origin must be ours or a listed one wherever it could start or end a
 * stream, and the Host one of our names (DNS rebinding). Without an
 * Origin (curl, native players, NVRs, a page's own GETs) the Host matters
 * only while there are no credentials to ask for: a rebound page never
 * has them.
 */
void HttpServer::checkAccess(SoupServerMessage *message, const char *path)
{
	if (!g_strcmp0(path, "/health"))
		return;
	AccessPolicy::Origin origin = access_.judgeOrigin(message);
	std::string hostProblem = origin != AccessPolicy::Origin::None || !auth_.enabled()
					  ? access_.checkHost(message)
					  : std::string();
	if (!hostProblem.empty()) {
		forbid(message, hostProblem);
		return;
	}
	bool streams = !g_strcmp0(path, "/ws") || !g_strcmp0(path, WhepEndpoint::kPath) ||
		       g_str_has_prefix(path, "/whep/");
	if (streams && origin == AccessPolicy::Origin::Foreign) {
		const char *origin = soup_message_headers_get_one(soup_server_message_get_request_headers(message),
								  "Origin");
		forbid(message, "a page from " + std::string(origin).substr(0, 100) +
					" may not use this camera; if it should, add its origin to "
					"[security] allowed_origins");
		return;
	}
	auth_.checkRefusal(message);
	auth_.verifyPending(message);
}

void HttpServer::forbid(SoupServerMessage *message, const std::string &why)
{
	const char *remote = soup_server_message_get_remote_host(message);
	logDebug("http: " + std::string(remote ? remote : "?") + ": 403: " + why,
		 { { "REMOTE_ADDR", remote ? remote : "" } });
	/* A challenge would invite a login that cannot help. */
	soup_message_headers_remove(soup_server_message_get_response_headers(message), "WWW-Authenticate");
	setText(message, SOUP_STATUS_FORBIDDEN, (why + "\n").c_str());
}

void HttpServer::refuseBody(SoupServerMessage *message, const std::string &why)
{
	const char *remote = soup_server_message_get_remote_host(message);
	const char *path = g_uri_get_path(soup_server_message_get_uri(message));
	logWarning(std::string("http: ") + (remote ? remote : "?") + ": " +
			   soup_server_message_get_method(message) + " " + path + " with " + why + " refused",
		   { { "REMOTE_ADDR", remote ? remote : "" } });
	/* The connection is ours from here: libsoup reads nothing more of it. */
	g_autoptr(GIOStream) stream = soup_server_message_steal_connection(message);
	if (!stream)
		return;
	std::string limit = g_strcmp0(path, WhepEndpoint::kPath)
				    ? std::string("this path takes no request body\n")
				    : "an offer may have at most " + std::to_string(kMaxMessageSize) + " bytes\n";
	ConnectionGuard::sendRawReply(stream, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, limit);
}

void HttpServer::onRequest(SoupServer *, SoupServerMessage *message, const char *path,
			   GHashTable *query, gpointer data)
{
	auto *self = static_cast<HttpServer *>(data);
	GST_DEBUG("%s %s from %s", soup_server_message_get_method(message), path,
		  soup_server_message_get_remote_host(message));
	noCache(message);
	if (!strcmp(path, "/health")) {
		self->serveHealth(message);
	} else if (!strcmp(path, "/stats")) {
		self->serveStats(message);
	} else if (!strcmp(path, "/metrics")) {
		self->serveMetrics(message);
	} else if (!strcmp(path, "/snapshot.jpg") && self->handlers_.snapshot) {
		/* Like /stats: credentials, Host and CORS for listed origins only. */
		self->access_.addCors(message, nullptr);
		self->handlers_.snapshot(message, query);
	} else if (!strcmp(path, WhepEndpoint::kPath) ||
		   g_str_has_prefix(path, "/whep/")) {
		self->whep_.handle(message, path);
	} else {
		self->serveFile(message, path);
	}
}

void HttpServer::serveHealth(SoupServerMessage *message)
{
	std::string problem = handlers_.unhealthy();
	if (problem.empty())
		setText(message, SOUP_STATUS_OK, "ok: frames are flowing\n");
	else
		setText(message, SOUP_STATUS_SERVICE_UNAVAILABLE, (problem + "\n").c_str());
}

void HttpServer::serveStats(SoupServerMessage *message)
{
	std::string json = handlers_.statsJson();
	/* Viewers' addresses are private: other sites' pages may read them only if listed. */
	access_.addCors(message, nullptr);
	soup_server_message_set_status(message, SOUP_STATUS_OK, nullptr);
	soup_server_message_set_response(message, "application/json", SOUP_MEMORY_COPY,
					 json.c_str(), json.size());
}

void HttpServer::serveMetrics(SoupServerMessage *message)
{
	std::string text = handlers_.metricsText ? handlers_.metricsText() : std::string();
	access_.addCors(message, nullptr);
	soup_server_message_set_status(message, SOUP_STATUS_OK, nullptr);
	soup_server_message_set_response(message, PrometheusText::kContentType, SOUP_MEMORY_COPY, text.c_str(),
					 text.size());
}

void HttpServer::serveFile(SoupServerMessage *message, const char *path)
{
	const char *method = soup_server_message_get_method(message);
	bool head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Allow", "GET, HEAD");
		setText(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
		return;
	}

	std::optional<StaticFile> file = files_.resolve(path);
	g_autofree char *contents = nullptr;
	gsize length = 0;
	if (!file || !g_file_get_contents(file->path.c_str(), &contents, &length, nullptr)) {
		setText(message, SOUP_STATUS_NOT_FOUND, "not found\n");
		return;
	}
	soup_server_message_set_status(message, SOUP_STATUS_OK, nullptr);
	if (head) {
		soup_message_headers_set_content_length(
			soup_server_message_get_response_headers(message), length);
		soup_message_headers_set_content_type(
			soup_server_message_get_response_headers(message), file->contentType.c_str(), nullptr);
		return;
	}
	soup_server_message_set_response(message, file->contentType.c_str(), SOUP_MEMORY_TAKE,
					 g_steal_pointer(&contents), length);
}

/*
 * The upgrade done by hand rather than with soup_server_add_websocket_handler,
 * so that before libsoup 3.8 the connection's input can go through the
 * WebSocketLimiter; 3.8 caps a fragmented message itself.
 */
void HttpServer::onWebSocketRequest(SoupServer *, SoupServerMessage *message, const char *,
				    GHashTable *, gpointer data)
{
	auto *self = static_cast<HttpServer *>(data);
	g_autoptr(GError) error = nullptr;
	if (!soup_websocket_server_check_handshake(message, nullptr, nullptr, nullptr, &error)) {
		std::string text = std::string("websocket handshake refused: ") + error->message + "\n";
			setText(message, SOUP_STATUS_BAD_REQUEST, text.c_str());
		return;
	}
	soup_websocket_server_process_handshake(message, nullptr, nullptr, nullptr, nullptr);

	struct Upgrade {
		HttpServer *server;
		std::string remote;
	};
	const char *remote = soup_server_message_get_remote_host(message);
	auto *upgrade = new Upgrade{ self, remote ? remote : "" };
	/* After the 101 is on the wire the connection is ours. */
	g_signal_connect_data(message, "wrote-informational",
		G_CALLBACK(+[](SoupServerMessage *msg, gpointer ptr) {
			auto *up = static_cast<Upgrade *>(ptr);
			g_autoptr(GIOStream) base = soup_server_message_steal_connection(msg);
			GUri *uri = soup_server_message_get_uri(msg);
#if SOUP_CHECK_VERSION(3, 8, 0)
			g_autoptr(SoupWebsocketConnection) connection = soup_websocket_connection_new(
				base, uri, SOUP_WEBSOCKET_CONNECTION_SERVER, nullptr, nullptr, nullptr);
			soup_websocket_connection_set_max_total_message_size(connection, kMaxMessageSize);
#else
			g_autoptr(GIOStream) limited = webSocketLimitStream(base, kMaxMessageSize);
			g_autoptr(SoupWebsocketConnection) connection = soup_websocket_connection_new(
				limited, uri, SOUP_WEBSOCKET_CONNECTION_SERVER, nullptr, nullptr, nullptr);
#endif
			up->server->acceptWebSocket(connection, up->remote);
		}),
		upgrade, [](gpointer ptr, GClosure *) { delete static_cast<Upgrade *>(ptr); },
		GConnectFlags(0));
}

void HttpServer::acceptWebSocket(SoupWebsocketConnection *connection, const std::string &remote)
{
	guard_->websocketOpened(remote);
	auto client = std::make_unique<WebSocketClient>(
		connection, remote, viewers_, config_.network.iceServers,
		/* The page pings every 10 s; a short viewer_timeout must not cut it. */
		int64_t(std::max(config_.network.viewerTimeout, 30)) * G_USEC_PER_SEC,
		[this, remote](WebSocketClient *closed) {
			guard_->websocketClosed(remote);
			clients_.erase(closed);
		});
	WebSocketClient *raw = client.get();
	clients_[raw] = std::move(client);
}

} /* namespace wcam */
