/* SPDX-License-Identifier: MIT */
#include "server/SelfCheck.h"

#include <cstring>

namespace wcam {

/*
 * One probe in flight. GIO's callbacks hold it; `owner` is cut when the
 * SelfCheck goes first, and the cancellable stops the I/O.
 */
struct SelfCheck::Probe {
	SelfCheck *owner;
	GObjectPtr<GCancellable> cancellable;
	GObjectPtr<GSocketConnection> connection;
	SourceGuard timeout;
	std::string request;
	char reply[64];
};

namespace {

const char kStatusPrefix[] = "HTTP/1.1 ";

} /* namespace */

SelfCheck::SelfCheck(const std::string &bind, int port, bool tls) : port_(port), tls_(tls)
{
	if (bind == "0.0.0.0")
		host_ = "127.0.0.1";
	else if (bind == "::")
		host_ = "::1";
	else
		host_ = bind;
}

SelfCheck::~SelfCheck()
{
	if (current_) {
		current_->owner = nullptr;
		current_->timeout.reset();
		g_cancellable_cancel(current_->cancellable.get());
	}
}

void SelfCheck::probe(unsigned timeoutMs)
{
	if (current_)
		return;
	auto *probe = new Probe{ this, GObjectPtr<GCancellable>::adopt(g_cancellable_new()), {}, {}, {}, {} };
	current_ = probe;
	probe->request = "GET /health HTTP/1.1\r\nHost: " + host_ + "\r\nConnection: close\r\n\r\n";
	probe->timeout.reset(g_timeout_add(timeoutMs, [](gpointer data) -> gboolean {
		auto *p = static_cast<Probe *>(data);
		p->timeout.release();
		g_cancellable_cancel(p->cancellable.get());
		return G_SOURCE_REMOVE;
	}, probe));

	g_autoptr(GSocketClient) client = g_socket_client_new();
	/*
	 * Our own port on our own address: never through a proxy. With one
	 * configured (http_proxy, desktop settings) the probe went to it and
	 * failed, and the watchdog restarted a healthy server; and asking
	 * loads GIO's proxy modules, libproxy, GSettings and dconf (a thread
	 * of its own), ~1 MB resident for nothing.
	 */
	g_socket_client_set_enable_proxy(client, FALSE);
	if (tls_) {
		g_socket_client_set_tls(client, TRUE);
		/* Our own certificate on loopback: self-signed ones are fine here. */
		g_signal_connect(client, "event", G_CALLBACK(+[](GSocketClient *, GSocketClientEvent event,
								   GSocketConnectable *, GIOStream *connection,
								   gpointer) {
			if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING || !G_IS_TLS_CONNECTION(connection))
				return;
			g_signal_connect(connection, "accept-certificate",
					 G_CALLBACK(+[](GTlsConnection *, GTlsCertificate *, GTlsCertificateFlags,
							gpointer) -> gboolean { return TRUE; }),
					 nullptr);
		}), nullptr);
	}
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host_.c_str());
	g_autoptr(GSocketAddress) target = g_inet_socket_address_new(address, guint16(port_));
	g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(target), probe->cancellable.get(),
		[](GObject *source, GAsyncResult *result, gpointer data) {
			auto *p = static_cast<Probe *>(data);
			g_autoptr(GError) error = nullptr;
			GSocketConnection *connection =
				g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
			if (!connection) {
				p->owner ? p->owner->finish(p, std::string("connect: ") + error->message)
					 : delete p;
				return;
			}
			p->connection = GObjectPtr<GSocketConnection>::adopt(connection);
			g_output_stream_write_all_async(
				g_io_stream_get_output_stream(G_IO_STREAM(connection)), p->request.data(),
				p->request.size(), G_PRIORITY_DEFAULT, p->cancellable.get(),
				[](GObject *out, GAsyncResult *res, gpointer ptr) {
					auto *q = static_cast<Probe *>(ptr);
					g_autoptr(GError) err = nullptr;
					if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(out), res, nullptr, &err)) {
						q->owner ? q->owner->finish(q, std::string("send: ") + err->message)
							 : delete q;
						return;
					}
					g_input_stream_read_all_async(
						g_io_stream_get_input_stream(G_IO_STREAM(q->connection.get())), q->reply,
						sizeof(kStatusPrefix) - 1 + 3, G_PRIORITY_DEFAULT, q->cancellable.get(),
						[](GObject *in, GAsyncResult *r, gpointer pp) {
							auto *z = static_cast<Probe *>(pp);
							g_autoptr(GError) e = nullptr;
							gsize got = 0;
							bool ok = g_input_stream_read_all_finish(G_INPUT_STREAM(in), r, &got, &e);
							std::string why;
							if (!ok)
								why = std::string("receive: ") + e->message;
							else if (got < sizeof(kStatusPrefix) - 1 ||
								 memcmp(z->reply, kStatusPrefix, sizeof(kStatusPrefix) - 1))
								why = "no HTTP status line in the answer";
							z->owner ? z->owner->finish(z, why) : delete z;
						},
						q);
				},
				p);
		},
		probe);
}

void SelfCheck::finish(Probe *probe, const std::string &error)
{
	current_ = nullptr;
	lastError_ = error;
	if (error.empty())
		lastAnswerUs_ = g_get_monotonic_time();
	if (probe->connection)
		g_io_stream_close(G_IO_STREAM(probe->connection.get()), nullptr, nullptr);
	delete probe;
}

} /* namespace wcam */
