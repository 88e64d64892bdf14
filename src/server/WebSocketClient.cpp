/* SPDX-License-Identifier: MIT */
#include "server/WebSocketClient.h"

#include "core/Log.h"
#include "signaling/Message.h"

namespace wcam {

WebSocketClient::WebSocketClient(SoupWebsocketConnection *connection, std::string remote,
				 ViewerManager &viewers, std::vector<IceServer> iceServers,
				 int64_t idleTimeoutUs, std::function<void(WebSocketClient *)> closed)
	: connection_(GObjectPtr<SoupWebsocketConnection>::retain(connection)),
	  remote_(std::move(remote)), viewers_(viewers), iceServers_(std::move(iceServers)),
	  closed_(std::move(closed)), connectionId_(ViewerManager::newId()), idleTimeoutUs_(idleTimeoutUs),
	  lastMessageUs_(g_get_monotonic_time())
{
	idleTimer_.reset(g_timeout_add_seconds(1, [](gpointer data) -> gboolean {
		auto *self = static_cast<WebSocketClient *>(data);
		if (g_get_monotonic_time() - self->lastMessageUs_ <= self->idleTimeoutUs_ ||
		    soup_websocket_connection_get_state(self->connection_.get()) != SOUP_WEBSOCKET_STATE_OPEN)
			return G_SOURCE_CONTINUE;
		logInfo("websocket closed: silent for " + std::to_string(self->idleTimeoutUs_ / G_USEC_PER_SEC) + " s",
			{ { "REMOTE_ADDR", self->remote_ }, { "VIEWER_ID", self->viewerId_ } });
		self->close("silent for too long");
		return G_SOURCE_CONTINUE;
	}, this));
	/* A single frame can never exceed this; see also kMaxMessageSize. */
	soup_websocket_connection_set_max_incoming_payload_size(connection, kMaxMessageSize);
	/* Pings keep NAT bindings and proxies open while a viewer watches. */
	soup_websocket_connection_set_keepalive_interval(connection, 20);

	messageSignal_ = SignalConnection(connection, "message",
		G_CALLBACK(+[](SoupWebsocketConnection *, gint type, GBytes *message, gpointer data) {
			static_cast<WebSocketClient *>(data)->onMessage(static_cast<SoupWebsocketDataType>(type), message);
		}), this);
	/* Emitted while the connection is still open: a last message gets out. */
	errorSignal_ = SignalConnection(connection, "error",
		G_CALLBACK(+[](SoupWebsocketConnection *, GError *error, gpointer data) {
			static_cast<WebSocketClient *>(data)->onError(error);
		}), this);
	closedSignal_ = SignalConnection(connection, "closed",
		G_CALLBACK(+[](SoupWebsocketConnection *, gpointer data) {
			static_cast<WebSocketClient *>(data)->onClosed();
		}), this);

	/* The protocol's first message, before the client says anything. */
	send(welcomeMessage(connectionId_, iceServers_));
}

WebSocketClient::~WebSocketClient()
{
	messageSignal_.disconnect();
	closedSignal_.disconnect();
	errorSignal_.disconnect();
	/* Still open means the server is going away: say so before closing. */
	if (!viewerId_.empty())
		send(byeMessage("server shutting down"));
	stopViewer("websocket closed");
	if (soup_websocket_connection_get_state(connection_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(connection_.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
}

void WebSocketClient::close(const std::string &reason)
{
	if (soup_websocket_connection_get_state(connection_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(connection_.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
						reason.c_str());
}

void WebSocketClient::send(const std::string &json)
{
	if (soup_websocket_connection_get_state(connection_.get()) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_send_text(connection_.get(), json.c_str());
}

void WebSocketClient::onClosed()
{
	/* The owner destroys us; never from inside our own signal handler. */
	postToMain(lifetime_, [this]() { closed_(this); });
}

/*
 * A message over the limit (one frame, or fragments adding up) ends the
 * connection; the client is told why first, as the protocol documents.
 */
void WebSocketClient::onError(GError *error)
{
	bool tooLarge = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) ||
			g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
	if (!tooLarge) {
		logDebug(std::string("websocket error: ") + error->message,
			 { { "REMOTE_ADDR", remote_ }, { "VIEWER_ID", viewerId_ } });
		return;
	}
	logInfo("websocket closed: a message over " + std::to_string(kMaxMessageSize) + " bytes",
		{ { "REMOTE_ADDR", remote_ }, { "VIEWER_ID", viewerId_ } });
	send(errorMessage({ "too-large", "a message may have at most " + std::to_string(kMaxMessageSize) +
						 " bytes; the connection is closed" }));
}

void WebSocketClient::onMessage(SoupWebsocketDataType type, GBytes *data)
{
	lastMessageUs_ = g_get_monotonic_time();
	if (type != SOUP_WEBSOCKET_DATA_TEXT) {
		send(errorMessage({ "bad-message", "binary messages are not part of the protocol; send JSON text" }));
		return;
	}
	gsize size = 0;
	const char *bytes = static_cast<const char *>(g_bytes_get_data(data, &size));
	ParsedMessage parsed = parseClientMessage(std::string_view(bytes ? bytes : "", size));
	if (parsed.error) {
		logDebug("bad signaling message: " + parsed.error->message,
			 { { "REMOTE_ADDR", remote_ }, { "VIEWER_ID", viewerId_ } });
		send(errorMessage(*parsed.error));
		return;
	}

	const ClientMessage &message = *parsed.message;
	Viewer *viewer = viewerId_.empty() ? nullptr : viewers_.find(viewerId_);
	if (viewer)
		viewer->touch();

	switch (message.type) {
	case ClientMessageType::Start:
		startViewer();
		break;
	case ClientMessageType::Stop:
		stopViewer("stopped by the viewer");
		break;
	case ClientMessageType::Ping:
		send(pongMessage());
		break;
	case ClientMessageType::Answer:
		if (!viewer) {
			send(errorMessage({ "bad-state", "answer without a stream; send start first" }));
			break;
		}
		viewer->handleAnswer(message.answer);
		break;
	case ClientMessageType::Candidate:
		if (!viewer) {
			send(errorMessage({ "bad-state", "candidate without a stream; send start first" }));
			break;
		}
		viewer->handleCandidate(message.mlineIndex, message.candidate);
		break;
	}
}

void WebSocketClient::startViewer()
{
	/* A second start restarts: the old stream goes first. */
	stopViewer("restarted by the viewer");

	/*
	 * The id `welcome` gave names the first stream. A stream started again
	 * needs another: the one it replaces may still be leaving the pipeline
	 * under its name.
	 */
	std::string id = connectionId_;
	if (++streams_ > 1)
		id += "-" + std::to_string(streams_);

	ProtocolError error;
	Viewer *viewer = viewers_.create(Viewer::Kind::WebSocket, remote_, *this, error, id);
	if (!viewer) {
		send(errorMessage(error));
		return;
	}
	viewerId_ = viewer->id();

	std::string why;
	if (!viewer->startOffer(why)) {
		send(errorMessage({ "internal", why }));
		stopViewer(why);
	}
}

void WebSocketClient::signal(const std::string &, const std::string &json)
{
	send(json);
}

/* The server ended our viewer (it is gone already): tell the browser. */
void WebSocketClient::ended(const std::string &, const std::string &reason)
{
	viewerId_.clear();
	send(byeMessage(reason));
}

void WebSocketClient::stopViewer(const std::string &reason)
{
	if (viewerId_.empty())
		return;
	viewers_.remove(viewerId_, reason);
	viewerId_.clear();
}

} /* namespace wcam */
