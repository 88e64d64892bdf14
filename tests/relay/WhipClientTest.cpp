/* SPDX-License-Identifier: MIT */
/*
 * The WHIP relay against a WHIP endpoint written here: a libsoup server
 * that answers each POSTed offer with a receiving webrtcbin of its own
 * (decoding and counting frames), "201 Created" and a Location, and
 * forgets the session on DELETE. All on loopback, one main context.
 */
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include "integration/TestServer.h"
#include "core/GlibPtr.h"
#include "relay/WhipClient.h"
#include "support/SmallPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;

namespace {

/* One publisher's session: a receiving webrtcbin that decodes and counts. */
class Session
{
public:
	Session()
	{
		pipeline_ = GstPtr<GstElement>::retain(gst_pipeline_new(nullptr));
		webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
		g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
		gst_bin_add(GST_BIN(pipeline_.get()), webrtc_);
		/* libnice skips loopback unless told, and must not ask routers for UPnP. */
		g_autoptr(GObject) agent = nullptr;
		g_object_get(webrtc_, "ice-agent", &agent, nullptr);
		gboolean added = FALSE;
		g_signal_emit_by_name(agent, "add-local-ip-address", "127.0.0.1", &added);
		g_autoptr(GObject) nice = nullptr;
		g_object_get(agent, "agent", &nice, nullptr);
		if (nice && g_object_class_find_property(G_OBJECT_GET_CLASS(nice), "upnp"))
			g_object_set(nice, "upnp", FALSE, nullptr);
		/* streaming thread */
		g_signal_connect(webrtc_, "pad-added", G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer data) {
			auto *self = static_cast<Session *>(data);
			if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
				return;
			GstElement *decode = gst_parse_bin_from_description(
				"rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink sync=false", TRUE, nullptr);
			gst_bin_add(GST_BIN(self->pipeline_.get()), decode);
			gst_element_sync_state_with_parent(decode);
			GstPtr<GstPad> sink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(decode, "sink"));
			gst_pad_link(pad, sink.get());
			GstPtr<GstElement> fakesink =
				GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(decode), "sink"));
			GstPtr<GstPad> in = GstPtr<GstPad>::adopt(gst_element_get_static_pad(fakesink.get(), "sink"));
			gst_pad_add_probe(in.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *, gpointer d) {
				static_cast<Session *>(d)->frames_++;
				return GST_PAD_PROBE_OK;
			}, self, nullptr);
		}), this);
		gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
	}

	~Session() { gst_element_set_state(pipeline_.get(), GST_STATE_NULL); }

	/* The answer, set locally; its candidates come with gathering. */
	std::string answer(const std::string &offerText)
	{
		GstSDPMessage *sdp = nullptr;
		if (gst_sdp_message_new_from_text(offerText.c_str(), &sdp) != GST_SDP_OK)
			return {};
		GstWebRTCSessionDescription *offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
		call("set-remote-description", offer);
		gst_webrtc_session_description_free(offer);
		GstPromise *promise = gst_promise_new();
		g_signal_emit_by_name(webrtc_, "create-answer", nullptr, promise);
		gst_promise_wait(promise);
		GstWebRTCSessionDescription *answer = nullptr;
		const GstStructure *reply = gst_promise_get_reply(promise);
		if (reply)
			gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
		gst_promise_unref(promise);
		if (!answer)
			return {};
		call("set-local-description", answer);
		gst_webrtc_session_description_free(answer);
		return "ok";
	}

	bool gathered() const
	{
		GstWebRTCICEGatheringState state;
		g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
		return state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
	}

	std::string localDescription() const
	{
		GstWebRTCSessionDescription *local = nullptr;
		g_object_get(webrtc_, "local-description", &local, nullptr);
		g_autofree char *text = gst_sdp_message_as_text(local->sdp);
		gst_webrtc_session_description_free(local);
		return text;
	}

	uint64_t frames() const { return frames_.load(); }

private:
	void call(const char *signal, GstWebRTCSessionDescription *description)
	{
		GstPromise *promise = gst_promise_new();
		g_signal_emit_by_name(webrtc_, signal, description, promise);
		gst_promise_wait(promise);
		gst_promise_unref(promise);
	}

	GstPtr<GstElement> pipeline_;
	GstElement *webrtc_ = nullptr;
	std::atomic<uint64_t> frames_{ 0 };
};

/*
 * POST /whip -> 201 + Location /whip/session/N; DELETE it -> 200. On a
 * thread and main context of its own, as a real server is elsewhere: the
 * client's DELETE at shutdown blocks the main thread.
 */
class WhipEndpoint
{
public:
	explicit WhipEndpoint(std::string token) : token_(std::move(token))
	{
		context_ = g_main_context_new();
		loop_ = g_main_loop_new(context_, FALSE);
		thread_ = g_thread_new("whip-endpoint", [](gpointer data) -> gpointer {
			auto *self = static_cast<WhipEndpoint *>(data);
			g_main_context_push_thread_default(self->context_);
			g_main_loop_run(self->loop_);
			g_main_context_pop_thread_default(self->context_);
			return nullptr;
		}, this);
		listen(0);
	}
	~WhipEndpoint()
	{
		stop();
		g_main_loop_quit(loop_);
		g_thread_join(thread_);
		g_main_loop_unref(loop_);
		g_main_context_unref(context_);
	}

	/* As a crashed server: sessions and socket gone, nobody told. */
	void stop()
	{
		inThread([this]() {
			std::map<std::string, std::unique_ptr<Session>> gone;
			{
				std::lock_guard<std::mutex> lock(mutex_);
				gone.swap(sessions_);
			}
			gone.clear();
			if (server_)
				soup_server_disconnect(server_.get());
			server_ = nullptr;
		});
	}
	void listen(int port)
	{
		std::string error;
		inThread([this, port, &error]() {
			server_ = GObjectPtr<SoupServer>::adopt(soup_server_new(nullptr, nullptr));
			soup_server_add_handler(server_.get(), "/whip", [](SoupServer *, SoupServerMessage *message,
									 const char *path, GHashTable *, gpointer data) {
				static_cast<WhipEndpoint *>(data)->handle(message, path);
			}, this, nullptr);
			g_autoptr(GError) e = nullptr;
			if (!soup_server_listen_local(server_.get(), port, SOUP_SERVER_LISTEN_IPV4_ONLY, &e)) {
				error = e->message;
				return;
			}
			GSList *uris = soup_server_get_uris(server_.get());
			port_ = g_uri_get_port(static_cast<GUri *>(uris->data));
			g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
		});
		INFO(error);
		REQUIRE(error.empty());
	}

	std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/whip"; }
	int port() const { return port_; }
	uint64_t frames()
	{
		std::lock_guard<std::mutex> lock(mutex_);
		uint64_t total = 0;
		for (const auto &[id, session] : sessions_)
			total += session->frames();
		return total;
	}
	size_t sessions()
	{
		std::lock_guard<std::mutex> lock(mutex_);
		return sessions_.size();
	}
	std::vector<std::string> deleted()
	{
		std::lock_guard<std::mutex> lock(mutex_);
		return deleted_;
	}
	std::atomic<int> posts{ 0 };
	std::atomic<int> refused{ 0 };

private:
	/* Run `work` on the endpoint's thread and wait for it. */
	void inThread(std::function<void()> work)
	{
		std::promise<void> done;
		auto call = [&]() {
			work();
			done.set_value();
		};
		using Call = decltype(call);
		g_main_context_invoke(context_, [](gpointer data) -> gboolean {
			(*static_cast<Call *>(data))();
			return G_SOURCE_REMOVE;
		}, &call);
		done.get_future().wait();
	}

	/* endpoint thread */
	void handle(SoupServerMessage *message, const char *path)
	{
		const char *method = soup_server_message_get_method(message);
		const char *auth = soup_message_headers_get_one(soup_server_message_get_request_headers(message),
								"Authorization");
		if (!token_.empty() && g_strcmp0(auth, ("Bearer " + token_).c_str()) != 0) {
			refused++;
			soup_server_message_set_status(message, SOUP_STATUS_UNAUTHORIZED, nullptr);
			return;
		}
		if (!strcmp(method, "DELETE")) {
			std::unique_ptr<Session> gone;
			{
				std::lock_guard<std::mutex> lock(mutex_);
				auto it = sessions_.find(path);
				if (it != sessions_.end()) {
					deleted_.push_back(path);
					gone = std::move(it->second);
					sessions_.erase(it);
				}
			}
			soup_server_message_set_status(message, gone ? 200 : 404, nullptr);
			return;
		}
		if (strcmp(method, "POST") || strcmp(path, "/whip")) {
			soup_server_message_set_status(message, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
			return;
		}
		int number = ++posts;
		const char *type = soup_message_headers_get_content_type(
			soup_server_message_get_request_headers(message), nullptr);
		SoupMessageBody *body = soup_server_message_get_request_body(message);
		g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
		gsize size;
		const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
		auto session = std::make_unique<Session>();
		if (g_strcmp0(type, "application/sdp") || session->answer(std::string(data, size)).empty()) {
			soup_server_message_set_status(message, SOUP_STATUS_BAD_REQUEST, nullptr);
			return;
		}
		/* No trickle: the answer goes with every candidate. */
		struct Wait {
			GObjectPtr<SoupServerMessage> message;
			Session *session;
			std::string location;
		};
		auto *wait = new Wait{ GObjectPtr<SoupServerMessage>::retain(message), session.get(),
				       "/whip/session/" + std::to_string(number) };
		{
			std::lock_guard<std::mutex> lock(mutex_);
			sessions_[wait->location] = std::move(session);
		}
		soup_server_message_pause(message);
		GSource *poll = g_timeout_source_new(20);
		g_source_set_callback(poll, [](gpointer d) -> gboolean {
			auto *w = static_cast<Wait *>(d);
			if (!w->session->gathered())
				return G_SOURCE_CONTINUE;
			std::string sdp = w->session->localDescription();
			soup_message_headers_replace(soup_server_message_get_response_headers(w->message.get()),
						     "Location", w->location.c_str());
			soup_server_message_set_response(w->message.get(), "application/sdp", SOUP_MEMORY_COPY,
							 sdp.data(), sdp.size());
			soup_server_message_set_status(w->message.get(), SOUP_STATUS_CREATED, nullptr);
			soup_server_message_unpause(w->message.get());
			return G_SOURCE_REMOVE;
		}, wait, [](gpointer d) { delete static_cast<Wait *>(d); });
		g_source_attach(poll, context_);
		g_source_unref(poll);
	}

	std::string token_;
	GMainContext *context_ = nullptr;
	GMainLoop *loop_ = nullptr;
	GThread *thread_ = nullptr;
	/* endpoint thread */
	GObjectPtr<SoupServer> server_;
	std::atomic<int> port_{ 0 };
	std::mutex mutex_; /* guards the two below */
	std::map<std::string, std::unique_ptr<Session>> sessions_;
	std::vector<std::string> deleted_;
};

WhipClient::Options quickOptions(const std::string &url, const std::string &token)
{
	WhipClient::Options options;
	options.url = url;
	options.bearerToken = token;
	options.branch.iceAddresses = { "127.0.0.1" };
	options.connectTimeoutUs = 10 * G_USEC_PER_SEC;
	options.rtcpSilenceUs = 8 * G_USEC_PER_SEC;
	options.minBackoffUs = 200 * 1000;
	options.maxBackoffUs = 2 * G_USEC_PER_SEC;
	return options;
}

} /* namespace */

TEST_CASE("[relay] whip_url: the server publishes, and DELETEs its session when it stops", "[integration][relay]")
{
	WhipEndpoint endpoint("0123456789abcdef");
	Config config = test::testConfig();
	config.relay.whipUrl = endpoint.url();
	config.relay.bearerToken = "0123456789abcdef";
	{
		test::Server server(config);
		REQUIRE(server.app->whip());
		REQUIRE(runUntil([&]() { return endpoint.frames() > 30; }, 30));
		CHECK(endpoint.posts == 1);
		CHECK(endpoint.refused == 0);
		CHECK(server.app->whip()->state() == WhipClient::State::Connected);
		CHECK(server.app->whip()->location() == endpoint.url() + "/session/1");
		/* A relay is no viewer: max_viewers and /stats are the people's. */
		CHECK(server.viewers() == 0);
	}
	CHECK(endpoint.deleted() == std::vector<std::string>{ "/whip/session/1" });
	CHECK(endpoint.sessions() == 0);
}

TEST_CASE("the WHIP relay comes back after its server restarted", "[integration][relay]")
{
	StreamPipeline pipeline(test::smallPipeline(), false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return bool(pipeline.rtpCaps()); }, 10));

	auto endpoint = std::make_unique<WhipEndpoint>(std::string());
	int port = endpoint->port();
	WhipClient client(pipeline, quickOptions(endpoint->url(), ""));
	client.start();
	REQUIRE(runUntil([&]() { return endpoint->frames() > 30; }, 30));
	CHECK(client.sessions() == 1);

	/* The server dies without a word: the client notices the silence and retries, refused meanwhile. */
	endpoint->stop();
	REQUIRE(runUntil([&]() { return client.state() != WhipClient::State::Connected; }, 20));
	INFO(client.lastError());
	CHECK_THAT(client.lastError(), Catch::Contains("no RTCP") || Catch::Contains("ICE") ||
						Catch::Contains("DTLS"));
	REQUIRE(runUntil([&]() { return client.lastError().find("POST") != std::string::npos; }, 10));

	/* Back on the same port: a new session, and frames again. */
	endpoint->listen(port);
	REQUIRE(runUntil([&]() { return endpoint->frames() > 30; }, 30));
	CHECK(client.sessions() == 2);
	CHECK(client.state() == WhipClient::State::Connected);
}

TEST_CASE("the WHIP relay sends its bearer token and backs off when refused", "[integration][relay]")
{
	StreamPipeline pipeline(test::smallPipeline(), false, StreamPipeline::Callbacks{});
	std::string error;
	REQUIRE(pipeline.start(error));
	REQUIRE(runUntil([&]() { return bool(pipeline.rtpCaps()); }, 10));

	WhipEndpoint endpoint("the-right-token-0123");
	WhipClient client(pipeline, quickOptions(endpoint.url(), "a-wrong-token-45678"));
	client.start();
	/* 200 ms, 400, 800, then 1.6 s: four refusals take about 1.4 s, never a storm. */
	REQUIRE(runUntil([&]() { return endpoint.refused >= 4; }, 20));
	int64_t fourth = g_get_monotonic_time();
	REQUIRE(runUntil([&]() { return endpoint.refused >= 5; }, 10));
	CHECK(g_get_monotonic_time() - fourth > 1000 * 1000);
	CHECK_THAT(client.lastError(), Catch::Contains("401"));
	CHECK(client.sessions() == 0);
	CHECK(endpoint.sessions() == 0);
}
