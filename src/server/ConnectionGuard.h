/* SPDX-License-Identifier: MIT */
/*
 * Accepts the TCP connections of the SoupServer itself, so that what a
 * client may hold is bounded before libsoup reads a byte of it:
 *  - open connections per client address (websockets included) and in all;
 *  - a deadline for the whole request, headers and body (slowloris);
 *  - one request per connection. libsoup 3.2 never closes an idle
 *    keep-alive connection that the client closed (fixed in 3.3.0), which
 *    leaked a file descriptor per connection; a server with no listener of
 *    its own closes every connection after its response.
 * Main thread only.
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <libsoup/soup.h>

#include "core/GlibPtr.h"

namespace wcam {

class ConnectionGuard
{
public:
	struct Limits {
		int perAddress = 16;	   /* connections and websockets per client address */
		int total = 256;	   /* connections and websockets in all; see totalFor() */
		int64_t requestTimeoutUs = 10 * G_USEC_PER_SEC;
	};

	struct Counters {
		uint64_t accepted = 0;
		uint64_t refused = 0;	/* over a per-address or total cap */
		uint64_t timedOut = 0;	/* no whole request within the deadline */
		size_t open = 0;	/* connections libsoup holds, plus websockets */
	};

	ConnectionGuard(SoupServer *server, const Limits &limits);

	/*
	 * A total that leaves descriptors for the viewers (each holds a few
	 * sockets) under the process's RLIMIT_NOFILE.
	 */
	static int totalFor(int maxViewers);
	~ConnectionGuard();

	ConnectionGuard(const ConnectionGuard &) = delete;
	ConnectionGuard &operator=(const ConnectionGuard &) = delete;

	/* Listen on `address`; the port really bound (for port 0) in `port`. */
	bool listen(GSocketAddress *address, int &port, std::string &error);

	void setLimits(const Limits &limits) { limits_ = limits; }

	/*
	 * Speak TLS only: every connection does its handshake before libsoup
	 * sees it, within the request deadline; a plain-HTTP request gets a
	 * 400 saying to use https:// and is closed.
	 */
	void setTlsCertificate(GTlsCertificate *certificate)
	{
		tls_ = GObjectPtr<GTlsCertificate>::retain(certificate);
	}

	/* The request on `message`'s connection arrived whole: no deadline now. */
	void requestRead(SoupServerMessage *message);

	/* A websocket, no longer libsoup's, counts for its address while open. */
	void websocketOpened(const std::string &address);
	void websocketClosed(const std::string &address);

	Counters counters() const;

	/* What `address` holds now (connections and websockets). */
	int openFrom(const std::string &address) const;

	/* Refuse a connection that was accepted already: a short raw reply, then close. */
	static void sendRawReply(GIOStream *stream, guint status, const std::string &text);

private:
	struct Connection {
		std::string address;
		int64_t deadlineUs; /* 0 once the request is read */
		GObjectPtr<GSocketConnection> socket;
	};
	struct Registry;

	void watchListener();
	void acceptPending();
	bool admit(GSocketConnection *connection);
	void awaitTls(GSocketConnection *connection, GSocketAddress *local, GSocketAddress *remote,
		      const std::string &address);
	void startTls(GSocketConnection *connection, GSocketAddress *local, GSocketAddress *remote,
		      const std::string &address);
	void expire();
	void release(uint64_t id);
	void warnThrottled(const std::string &address, const std::string &what);

	SoupServer *server_;
	Limits limits_;
	GObjectPtr<GTlsCertificate> tls_;
	GObjectPtr<GSocket> listener_;
	SourceGuard acceptWatch_;
	SourceGuard acceptPause_;
	std::shared_ptr<Registry> registry_;
	std::map<uint64_t, Connection> connections_;
	std::map<std::string, int> perAddress_;
	std::map<std::string, int64_t> lastWarningUs_;
	uint64_t nextId_ = 1;
	Counters counters_;
	SourceGuard timer_;
};

} /* namespace wcam */
