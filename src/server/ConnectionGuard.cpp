/* SPDX-License-Identifier: MIT */
#include "server/ConnectionGuard.h"

#include <algorithm>
#include <vector>

#include <sys/resource.h>

#include "core/Log.h"

namespace wcam {

namespace {

/* One warning per address and kind this often; the rest is counted. */
constexpr int64_t kWarningIntervalUs = 10 * G_USEC_PER_SEC;

/* Time for a refused client to read its reply before the socket closes. */
constexpr guint kRawReplyLingerMs = 300;

/* Out of descriptors: stop accepting this long, rather than spin. */
constexpr guint kAcceptPauseMs = 250;

/* Descriptors kept for the pipeline, logs, libraries; and per viewer (ICE, DTLS). */
constexpr long long kReservedDescriptors = 128;
constexpr long long kDescriptorsPerViewer = 16;

GQuark connectionQuark()
{
	static GQuark quark = g_quark_from_static_string("wcam-connection");
	return quark;
}

std::string addressText(GSocketAddress *address)
{
	if (!address || !G_IS_INET_SOCKET_ADDRESS(address))
		return {};
	g_autofree char *text = g_inet_address_to_string(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
	return text ? text : "";
}

} /* namespace */

/*
 * The guard as libsoup's objects may still see it: their connections can
 * outlive the guard at shutdown, so the link is cut when it goes.
 */
struct ConnectionGuard::Registry {
	ConnectionGuard *guard;
};

namespace {

/* Tied to the remote address object libsoup keeps for a connection's life. */
struct ConnectionTag {
	std::shared_ptr<void> registry;
	uint64_t id;
};

} /* namespace */

ConnectionGuard::ConnectionGuard(SoupServer *server, const Limits &limits)
	: server_(server), limits_(limits), registry_(std::make_shared<Registry>(Registry{ this }))
{
	timer_.reset(g_timeout_add(250, [](gpointer data) -> gboolean {
		static_cast<ConnectionGuard *>(data)->expire();
		return G_SOURCE_CONTINUE;
	}, this));
}

ConnectionGuard::~ConnectionGuard()
{
	timer_.reset();
	acceptWatch_.reset();
	acceptPause_.reset();
	registry_->guard = nullptr;
	if (listener_)
		g_socket_close(listener_.get(), nullptr);
}

int ConnectionGuard::totalFor(int maxViewers)
{
	struct rlimit limit = {};
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
		return 1024;
	long long spare = (long long)limit.rlim_cur - kReservedDescriptors - kDescriptorsPerViewer * maxViewers;
	return int(std::clamp<long long>(spare, 16, 1024));
}

bool ConnectionGuard::listen(GSocketAddress *address, int &port, std::string &error)
{
	g_autoptr(GError) listenError = nullptr;
	listener_ = GObjectPtr<GSocket>::adopt(g_socket_new(g_socket_address_get_family(address),
							    G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
							    &listenError));
	if (listener_) {
		g_socket_set_blocking(listener_.get(), FALSE);
		g_socket_set_listen_backlog(listener_.get(), 128);
	}
	if (!listener_ || !g_socket_bind(listener_.get(), address, TRUE, &listenError) ||
	    !g_socket_listen(listener_.get(), &listenError)) {
		error = listenError->message;
		listener_.reset();
		return false;
	}
	g_autoptr(GSocketAddress) effective = g_socket_get_local_address(listener_.get(), nullptr);
	port = effective ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective)) : 0;

	watchListener();
	return true;
}

void ConnectionGuard::watchListener()
{
	g_autoptr(GSource) source = g_socket_create_source(listener_.get(), G_IO_IN, nullptr);
	g_source_set_callback(source, G_SOURCE_FUNC(+[](GSocket *, GIOCondition, gpointer data) -> gboolean {
		static_cast<ConnectionGuard *>(data)->acceptPending();
		return G_SOURCE_CONTINUE;
	}), this, nullptr);
	acceptWatch_.reset(g_source_attach(source, nullptr));
}

/* main thread: the listening socket is readable. */
void ConnectionGuard::acceptPending()
{
	for (;;) {
		g_autoptr(GError) error = nullptr;
		g_autoptr(GSocket) socket = g_socket_accept(listener_.get(), nullptr, &error);
		if (!socket) {
			if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				return;
			/*
			 * Out of descriptors (EMFILE): the connection stays queued and
			 * the socket readable. Pause instead of spinning on it.
			 */
			warnThrottled("*", std::string("cannot accept: ") + error->message);
			acceptWatch_.reset();
			acceptPause_.reset(g_timeout_add(kAcceptPauseMs, [](gpointer data) -> gboolean {
				auto *self = static_cast<ConnectionGuard *>(data);
				self->acceptPause_.release();
				self->watchListener();
				return G_SOURCE_REMOVE;
			}, this));
			return;
		}
		g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection(socket);
		if (!admit(connection))
			sendRawReply(G_IO_STREAM(connection), SOUP_STATUS_SERVICE_UNAVAILABLE,
				     "too many connections; try again later\n");
	}
}

bool ConnectionGuard::admit(GSocketConnection *connection)
{
	g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address(connection, nullptr);
	g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address(connection, nullptr);
	if (!remote || !local)
		return false;
	std::string address = addressText(remote);

	int fromAddress = openFrom(address);
	if (fromAddress >= limits_.perAddress || int(counters_.open) >= limits_.total) {
		counters_.refused++;
		warnThrottled(address, fromAddress >= limits_.perAddress
					       ? "too many connections from this address"
					       : "too many connections in all");
		return false;
	}

	uint64_t id = nextId_++;
	perAddress_[address]++;
	counters_.open++;
	counters_.accepted++;
	connections_[id] = Connection{ address, g_get_monotonic_time() + limits_.requestTimeoutUs,
				       GObjectPtr<GSocketConnection>::retain(connection) };

	/*
	 * libsoup keeps `remote` exactly as long as its connection object:
	 * when it lets go, the connection is closed and no longer counts.
	 */
	g_object_set_qdata_full(G_OBJECT(remote), connectionQuark(),
				new ConnectionTag{ registry_, id }, [](gpointer ptr) {
					auto *tag = static_cast<ConnectionTag *>(ptr);
					auto *registry = static_cast<Registry *>(tag->registry.get());
					if (registry->guard)
						registry->guard->release(tag->id);
					delete tag;
				});

	if (tls_) {
		awaitTls(connection, local, remote, address);
		return true;
	}
	g_autoptr(GError) error = nullptr;
	if (!soup_server_accept_iostream(server_, G_IO_STREAM(connection), local, remote, &error)) {
		logWarning(std::string("http: cannot accept a connection: ") + error->message,
			   { { "REMOTE_ADDR", address } });
		return true; /* released with `remote` below; nothing to reply on */
	}
	return true;
}

/*
 * The first byte tells a TLS ClientHello (a handshake record, 0x16) from
 * a plain-HTTP request, which gets a short answer saying what to use
 * instead of a failed handshake. Waiting for it holds `remote` like the
 * handshake does; the request deadline still applies.
 */
void ConnectionGuard::awaitTls(GSocketConnection *connection, GSocketAddress *local, GSocketAddress *remote,
			       const std::string &address)
{
	struct Waiting {
		std::shared_ptr<Registry> registry;
		GObjectPtr<GSocketConnection> connection;
		GObjectPtr<GSocketAddress> local;
		GObjectPtr<GSocketAddress> remote;
		std::string address;
	};
	GSocket *socket = g_socket_connection_get_socket(connection);
	GSource *source = g_socket_create_source(socket, G_IO_IN, nullptr);
	auto *waiting = new Waiting{ registry_, GObjectPtr<GSocketConnection>::retain(connection),
				     GObjectPtr<GSocketAddress>::retain(local),
				     GObjectPtr<GSocketAddress>::retain(remote), address };
	GSocketSourceFunc readable = [](GSocket *sock, GIOCondition, gpointer data) -> gboolean {
		auto *w = static_cast<Waiting *>(data);
		auto *registry = static_cast<Registry *>(w->registry.get());
		if (!registry->guard)
			return G_SOURCE_REMOVE;
		char first = 0;
		GInputVector vector = { &first, 1 };
		gint flags = G_SOCKET_MSG_PEEK;
		gssize got = g_socket_receive_message(sock, nullptr, &vector, 1, nullptr, nullptr, &flags, nullptr,
						      nullptr);
		if (got == 1 && first == 0x16)
			registry->guard->startTls(w->connection.get(), w->local.get(), w->remote.get(), w->address);
		else if (got == 1 && g_ascii_isupper(first))
			sendRawReply(G_IO_STREAM(w->connection.get()), SOUP_STATUS_BAD_REQUEST,
				     "this camera speaks HTTPS only: use https:// (and wss://)\n");
		else
			g_io_stream_close(G_IO_STREAM(w->connection.get()), nullptr, nullptr);
		return G_SOURCE_REMOVE;
	};
	g_source_set_callback(source, G_SOURCE_FUNC(readable), waiting,
			      [](gpointer data) { delete static_cast<Waiting *>(data); });
	g_source_attach(source, nullptr);
}

/*
 * The handshake holds `remote` (and with it the connection's count) until
 * libsoup takes over, or drops it on failure, which releases the slot.
 */
void ConnectionGuard::startTls(GSocketConnection *connection, GSocketAddress *local, GSocketAddress *remote,
			       const std::string &address)
{
	struct Handshake {
		std::shared_ptr<Registry> registry;
		GObjectPtr<GIOStream> tls;
		GObjectPtr<GSocketAddress> local;
		GObjectPtr<GSocketAddress> remote;
		std::string address;
	};
	g_autoptr(GError) error = nullptr;
	GIOStream *tls = g_tls_server_connection_new(G_IO_STREAM(connection), tls_.get(), &error);
	if (!tls) {
		warnThrottled(address, std::string("cannot start TLS: ") + error->message);
		return;
	}
	/* A peer closing without close_notify is not an error for HTTP/1.1 framing. */
	g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
	auto *handshake = new Handshake{ registry_, GObjectPtr<GIOStream>::adopt(tls),
					 GObjectPtr<GSocketAddress>::retain(local),
					 GObjectPtr<GSocketAddress>::retain(remote), address };
	g_tls_connection_handshake_async(G_TLS_CONNECTION(tls), G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer data) {
			std::unique_ptr<Handshake> h(static_cast<Handshake *>(data));
			g_autoptr(GError) err = nullptr;
			bool ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), result, &err);
			auto *registry = static_cast<Registry *>(h->registry.get());
			if (!registry->guard)
				return;
			if (!ok) {
				/* Plain HTTP on the TLS port lands here too. */
				logDebug("http: " + h->address + ": TLS handshake failed: " + err->message,
					 { { "REMOTE_ADDR", h->address } });
				g_io_stream_close(h->tls.get(), nullptr, nullptr);
				return;
			}
			if (!soup_server_accept_iostream(registry->guard->server_, h->tls.get(), h->local.get(),
							 h->remote.get(), &err))
				logWarning(std::string("http: cannot accept a connection: ") + err->message,
					   { { "REMOTE_ADDR", h->address } });
		},
		handshake);
}

void ConnectionGuard::requestRead(SoupServerMessage *message)
{
	GSocketAddress *remote = soup_server_message_get_remote_address(message);
	auto *tag = remote ? static_cast<ConnectionTag *>(
				     g_object_get_qdata(G_OBJECT(remote), connectionQuark()))
			   : nullptr;
	if (!tag)
		return;
	auto it = connections_.find(tag->id);
	if (it != connections_.end())
		it->second.deadlineUs = 0;
}

void ConnectionGuard::release(uint64_t id)
{
	auto it = connections_.find(id);
	if (it == connections_.end())
		return;
	auto count = perAddress_.find(it->second.address);
	if (count != perAddress_.end() && --count->second <= 0)
		perAddress_.erase(count);
	counters_.open--;
	connections_.erase(it);
}

void ConnectionGuard::websocketOpened(const std::string &address)
{
	perAddress_[address]++;
	counters_.open++;
}

void ConnectionGuard::websocketClosed(const std::string &address)
{
	auto count = perAddress_.find(address);
	if (count != perAddress_.end() && --count->second <= 0)
		perAddress_.erase(count);
	if (counters_.open)
		counters_.open--;
}

/* main thread, every 250 ms */
void ConnectionGuard::expire()
{
	int64_t now = g_get_monotonic_time();
	std::vector<uint64_t> late;
	for (const auto &[id, connection] : connections_) {
		if (connection.deadlineUs && now > connection.deadlineUs)
			late.push_back(id);
	}
	for (uint64_t id : late) {
		Connection &connection = connections_.at(id);
		connection.deadlineUs = 0;
		counters_.timedOut++;
		warnThrottled(connection.address, "no whole request within " +
			      std::to_string(limits_.requestTimeoutUs / G_USEC_PER_SEC) + " s; connection closed");
		/*
		 * libsoup sees the end of its input and drops the connection the
		 * usual way; the descriptor is closed there, not under its feet.
		 */
		GSocket *socket = g_socket_connection_get_socket(connection.socket.get());
		g_socket_shutdown(socket, TRUE, TRUE, nullptr);
	}
}

ConnectionGuard::Counters ConnectionGuard::counters() const
{
	return counters_;
}

int ConnectionGuard::openFrom(const std::string &address) const
{
	auto it = perAddress_.find(address);
	return it == perAddress_.end() ? 0 : it->second;
}

void ConnectionGuard::warnThrottled(const std::string &address, const std::string &what)
{
	std::string key = address + "\n" + what;
	int64_t now = g_get_monotonic_time();
	auto it = lastWarningUs_.find(key);
	if (it != lastWarningUs_.end() && now - it->second < kWarningIntervalUs)
		return;
	lastWarningUs_[key] = now;
	/* Bounded: an address that stays quiet for a while is forgotten. */
	if (lastWarningUs_.size() > 1024) {
		std::erase_if(lastWarningUs_, [now](const auto &entry) {
			return now - entry.second >= kWarningIntervalUs;
		});
	}
	logWarning("http: " + address + ": " + what, { { "REMOTE_ADDR", address } });
}

void ConnectionGuard::sendRawReply(GIOStream *stream, guint status, const std::string &text)
{
	struct Reply {
		GObjectPtr<GIOStream> stream;
		std::string bytes;
	};
	std::string bytes = "HTTP/1.1 " + std::to_string(status) + " " +
			    soup_status_get_phrase(status) +
			    "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
			    std::to_string(text.size()) + "\r\nConnection: close\r\n";
	if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
		bytes += "Retry-After: 5\r\n";
	bytes += "\r\n" + text;
	auto *reply = new Reply{ GObjectPtr<GIOStream>::retain(stream), std::move(bytes) };
	g_output_stream_write_all_async(
		g_io_stream_get_output_stream(stream), reply->bytes.data(), reply->bytes.size(),
		G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer data) {
			auto *r = static_cast<Reply *>(data);
			g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, nullptr, nullptr);
			/* Closing at once could reset the connection before the reply is read. */
			g_timeout_add(kRawReplyLingerMs, [](gpointer ptr) -> gboolean {
				auto *done = static_cast<Reply *>(ptr);
				g_io_stream_close(done->stream.get(), nullptr, nullptr);
				delete done;
				return G_SOURCE_REMOVE;
			}, r);
		},
		reply);
}

} /* namespace wcam */
