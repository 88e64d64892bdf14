/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include <gio/gio.h>

#include "core/GlibPtr.h"
#include "server/SelfCheck.h"

using namespace wcam;

namespace {

/*
 * A proxy resolver that sends everything to a proxy nobody listens on,
 * and counts how often it was asked: installed as GIO's default, it
 * stands for a user's http_proxy or desktop proxy settings.
 */
std::atomic<int> proxyLookups{ 0 };

struct DeadProxyResolver {
	GObject parent;
};
struct DeadProxyResolverClass {
	GObjectClass parent;
};

gchar **deadLookup(GProxyResolver *, const gchar *, GCancellable *, GError **)
{
	proxyLookups++;
	gchar **proxies = g_new0(gchar *, 2);
	proxies[0] = g_strdup("http://127.0.0.1:9");
	return proxies;
}

void deadLookupAsync(GProxyResolver *resolver, const gchar *uri, GCancellable *cancellable,
		     GAsyncReadyCallback callback, gpointer data)
{
	g_autoptr(GTask) task = g_task_new(resolver, cancellable, callback, data);
	g_task_return_pointer(task, deadLookup(resolver, uri, cancellable, nullptr),
			      reinterpret_cast<GDestroyNotify>(g_strfreev));
}

gchar **deadLookupFinish(GProxyResolver *, GAsyncResult *result, GError **error)
{
	return static_cast<gchar **>(g_task_propagate_pointer(G_TASK(result), error));
}

void deadResolverInit(gpointer g_iface, gpointer)
{
	auto *iface = static_cast<GProxyResolverInterface *>(g_iface);
	iface->is_supported = [](GProxyResolver *) -> gboolean { return TRUE; };
	iface->lookup = deadLookup;
	iface->lookup_async = deadLookupAsync;
	iface->lookup_finish = deadLookupFinish;
}

GType deadProxyResolverType()
{
	static GType type = 0;
	if (!type) {
		type = g_type_register_static_simple(G_TYPE_OBJECT, "WcamTestDeadProxyResolver",
						     sizeof(DeadProxyResolverClass), nullptr,
						     sizeof(DeadProxyResolver), nullptr, GTypeFlags(0));
		const GInterfaceInfo info = { deadResolverInit, nullptr,
					      nullptr };
		g_type_add_interface_static(type, G_TYPE_PROXY_RESOLVER, &info);
	}
	return type;
}

/* GIO's default resolver: ours, ahead of libproxy and the desktop's. */
void installDeadProxy()
{
	GIOExtensionPoint *point = g_io_extension_point_register(G_PROXY_RESOLVER_EXTENSION_POINT_NAME);
	g_io_extension_point_set_required_type(point, G_TYPE_PROXY_RESOLVER);
	g_io_extension_point_implement(G_PROXY_RESOLVER_EXTENSION_POINT_NAME, deadProxyResolverType(),
				       "wcam-test-dead-proxy", 10000);
}

/* A server on loopback answering every connection with an HTTP status line. */
gboolean answer(GSocketService *, GSocketConnection *connection, GObject *, gpointer)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
	g_output_stream_write_all(out, reply, sizeof(reply) - 1, nullptr, nullptr, nullptr);
	g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
	return TRUE;
}

} /* namespace */

TEST_CASE("SelfCheck reaches our own port directly, whatever proxy is configured", "[selfcheck]")
{
	g_unsetenv("GIO_USE_PROXY_RESOLVER");
	installDeadProxy();
	g_autoptr(GProxyResolver) resolver = G_PROXY_RESOLVER(g_object_ref(g_proxy_resolver_get_default()));
	REQUIRE(G_TYPE_FROM_INSTANCE(resolver) == deadProxyResolverType());

	GObjectPtr<GSocketService> service = GObjectPtr<GSocketService>::adopt(g_socket_service_new());
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = nullptr;
	REQUIRE(g_socket_listener_add_address(G_SOCKET_LISTENER(service.get()), any, G_SOCKET_TYPE_STREAM,
					      G_SOCKET_PROTOCOL_TCP, nullptr, &bound, nullptr));
	int port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_signal_connect(service.get(), "incoming", G_CALLBACK(answer), nullptr);
	g_socket_service_start(service.get());

	SelfCheck check("127.0.0.1", port);
	proxyLookups = 0;
	check.probe(5000);
	GMainContext *context = g_main_context_default();
	while (check.lastAnswerUs() == 0 && check.lastError().empty())
		g_main_context_iteration(context, TRUE);

	INFO("probe error: " << check.lastError());
	CHECK(check.lastError().empty());
	CHECK(check.lastAnswerUs() != 0);
	CHECK(proxyLookups == 0);
	g_socket_service_stop(service.get());
}
