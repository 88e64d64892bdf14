/* SPDX-License-Identifier: MIT */
/*
 * One /ws connection: says `welcome` as soon as it opens (README's
 * protocol), parses the browser's messages (signaling/Message.h) and
 * drives at most one viewer at a time. A bad message gets an error reply
 * on this socket only. Main thread only.
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <libsoup/soup.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "server/ViewerManager.h"

namespace wcam {

class WebSocketClient : private ViewerObserver
{
public:
	WebSocketClient(SoupWebsocketConnection *connection, std::string remote,
			ViewerManager &viewers, std::vector<IceServer> iceServers, int64_t idleTimeoutUs,
			std::function<void(WebSocketClient *)> closed);
	~WebSocketClient() override;

	WebSocketClient(const WebSocketClient &) = delete;
	WebSocketClient &operator=(const WebSocketClient &) = delete;

	void close(const std::string &reason);

private:
	void onMessage(SoupWebsocketDataType type, GBytes *data);
	void onClosed();
	void onError(GError *error);
	void send(const std::string &json);
	void startViewer();
	void stopViewer(const std::string &reason);

	/* Our viewer's life (ViewerObserver). */
	void signal(const std::string &id, const std::string &json) override;
	void ended(const std::string &id, const std::string &reason) override;

	GObjectPtr<SoupWebsocketConnection> connection_;
	std::string remote_;
	ViewerManager &viewers_;
	std::vector<IceServer> iceServers_;
	std::function<void(WebSocketClient *)> closed_;
	/* Sent in `welcome`; the first stream's viewer id, later ones add "-2", "-3"... */
	std::string connectionId_;
	unsigned streams_ = 0;
	std::string viewerId_; /* empty while no stream runs */
	/* A socket that says nothing for this long is closed. */
	int64_t idleTimeoutUs_;
	int64_t lastMessageUs_;
	SourceGuard idleTimer_;
	SignalConnection messageSignal_;
	SignalConnection closedSignal_;
	SignalConnection errorSignal_;
	Lifetime lifetime_;
};

} /* namespace wcam */
