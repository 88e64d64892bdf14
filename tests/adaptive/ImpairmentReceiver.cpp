/* SPDX-License-Identifier: MIT */
/*
 * A viewer for the network impairment test, run in its own network
 * namespace: connects to ws://HOST:PORT/ws, answers the offer with a
 * receiving webrtcbin restricted to LOCAL_IP, decodes and counts frames.
 * Every second it prints one line on stdout:
 *   stats <seconds> <frames> <packets-received> <packets-lost>
 * Usage: adaptive-receiver HOST PORT LOCAL_IP SECONDS
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

namespace {

struct Receiver {
	GMainLoop *loop = nullptr;
	GstElement *pipeline = nullptr;
	GstElement *webrtc = nullptr;
	SoupWebsocketConnection *ws = nullptr;
	std::atomic<uint64_t> frames{ 0 };
	gint64 startUs = 0;
};

Receiver gReceiver;

void sendJson(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = json_to_string(root, FALSE);
	if (gReceiver.ws && soup_websocket_connection_get_state(gReceiver.ws) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_send_text(gReceiver.ws, text);
}

/* main thread: webrtcbin runs its operations on its own thread, waiting is fine. */
const GstStructure *wait(GstPromise *promise)
{
	gst_promise_wait(promise);
	return gst_promise_get_reply(promise);
}

void onOffer(const std::string &sdp)
{
	GstSDPMessage *message = nullptr;
	gst_sdp_message_new_from_text(sdp.c_str(), &message);
	GstWebRTCSessionDescription *offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, message);
	GstPromise *promise = gst_promise_new();
	g_signal_emit_by_name(gReceiver.webrtc, "set-remote-description", offer, promise);
	wait(promise);
	gst_promise_unref(promise);
	gst_webrtc_session_description_free(offer);

	/* Report every second or so, as browsers do for video (the default is ~5 s). */
	GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(gReceiver.webrtc), "rtpbin");
	GObject *session = nullptr;
	if (rtpbin)
		g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
	if (session) {
		g_object_set(session, "rtcp-min-interval", guint64(GST_SECOND / 2), nullptr);
		g_object_unref(session);
	} else {
		g_printerr("receiver: no RTP session to speed up RTCP\n");
	}
	if (rtpbin)
		gst_object_unref(rtpbin);

	promise = gst_promise_new();
	g_signal_emit_by_name(gReceiver.webrtc, "create-answer", nullptr, promise);
	const GstStructure *reply = wait(promise);
	GstWebRTCSessionDescription *answer = nullptr;
	if (reply)
		gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
	gst_promise_unref(promise);
	if (!answer) {
		g_printerr("receiver: no answer\n");
		exit(1);
	}
	promise = gst_promise_new();
	g_signal_emit_by_name(gReceiver.webrtc, "set-local-description", answer, promise);
	wait(promise);
	gst_promise_unref(promise);

	g_autofree char *text = gst_sdp_message_as_text(answer->sdp);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "answer");
	json_builder_set_member_name(b, "sdp");
	json_builder_add_string_value(b, text);
	json_builder_end_object(b);
	sendJson(b);
	gst_webrtc_session_description_free(answer);
}

void onMessage(SoupWebsocketConnection *, gint, GBytes *bytes, gpointer)
{
	gsize size;
	const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
	g_autoptr(JsonParser) parser = json_parser_new();
	if (!json_parser_load_from_data(parser, data, size, nullptr))
		return;
	JsonObject *object = json_node_get_object(json_parser_get_root(parser));
	std::string type = json_object_get_string_member(object, "type");
	if (type == "offer") {
		onOffer(json_object_get_string_member(object, "sdp"));
	} else if (type == "candidate") {
		const char *candidate = json_object_get_string_member(object, "candidate");
		guint mline = json_object_get_int_member(object, "sdpMLineIndex");
		if (candidate && *candidate)
			g_signal_emit_by_name(gReceiver.webrtc, "add-ice-candidate", mline, candidate);
	} else if (type == "error" || type == "bye") {
		g_printerr("receiver: %.*s\n", int(size), data);
	}
}

/* Inbound RTP totals from webrtcbin's stats. */
void printStats()
{
	GstPromise *promise = gst_promise_new();
	g_signal_emit_by_name(gReceiver.webrtc, "get-stats", nullptr, promise);
	const GstStructure *reply = wait(promise);
	guint64 received = 0;
	gint64 lost = 0;
	for (int i = 0; reply && i < gst_structure_n_fields(reply); i++) {
		const GValue *value = gst_structure_get_value(reply, gst_structure_nth_field_name(reply, i));
		if (!GST_VALUE_HOLDS_STRUCTURE(value))
			continue;
		const GstStructure *s = gst_value_get_structure(value);
		GstWebRTCStatsType type;
		if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr) ||
		    type != GST_WEBRTC_STATS_INBOUND_RTP)
			continue;
		guint64 r = 0;
		gint64 l = 0;
		gst_structure_get_uint64(s, "packets-received", &r);
		gst_structure_get_int64(s, "packets-lost", &l);
		received += r;
		lost += l;
	}
	gst_promise_unref(promise);
	std::printf("stats %.1f %llu %llu %lld\n", (g_get_monotonic_time() - gReceiver.startUs) / 1e6,
		    (unsigned long long)gReceiver.frames.load(), (unsigned long long)received, (long long)lost);
	std::fflush(stdout);
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	if (argc != 5) {
		g_printerr("usage: %s HOST PORT LOCAL_IP SECONDS\n", argv[0]);
		return 2;
	}
	std::string host = argv[1];
	int port = atoi(argv[2]);
	std::string local = argv[3];
	int seconds = atoi(argv[4]);
	gReceiver.startUs = g_get_monotonic_time();
	gReceiver.loop = g_main_loop_new(nullptr, FALSE);

	gReceiver.pipeline = gst_pipeline_new("receiver");
	gReceiver.webrtc = gst_element_factory_make("webrtcbin", "recv");
	g_object_set(gReceiver.webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
	gst_bin_add(GST_BIN(gReceiver.pipeline), gReceiver.webrtc);
	GObject *agent = nullptr;
	g_object_get(gReceiver.webrtc, "ice-agent", &agent, nullptr);
	gboolean added = FALSE;
	g_signal_emit_by_name(agent, "add-local-ip-address", local.c_str(), &added);
	gst_object_unref(agent);

	/* streaming thread */
	g_signal_connect(gReceiver.webrtc, "pad-added", G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer) {
		if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
			return;
		GstElement *decode = gst_parse_bin_from_description(
			"rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink sync=false", TRUE, nullptr);
		gst_bin_add(GST_BIN(gReceiver.pipeline), decode);
		gst_element_sync_state_with_parent(decode);
		GstPad *sink = gst_element_get_static_pad(decode, "sink");
		gst_pad_link(pad, sink);
		gst_object_unref(sink);
		GstElement *fakesink = gst_bin_get_by_name(GST_BIN(decode), "sink");
		GstPad *fakesinkPad = gst_element_get_static_pad(fakesink, "sink");
		gst_pad_add_probe(fakesinkPad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *, GstPadProbeInfo *, gpointer) {
			gReceiver.frames++;
			return GST_PAD_PROBE_OK;
		}, nullptr, nullptr);
		gst_object_unref(fakesinkPad);
		gst_object_unref(fakesink);
	}), nullptr);

	/* webrtcbin thread: hand the candidate to the main loop. */
	g_signal_connect(gReceiver.webrtc, "on-ice-candidate", G_CALLBACK(+[](GstElement *, guint mline, char *candidate, gpointer) {
		struct Candidate {
			guint mline;
			std::string text;
		};
		g_idle_add([](gpointer data) -> gboolean {
			auto *c = static_cast<Candidate *>(data);
			g_autoptr(JsonBuilder) b = json_builder_new();
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "type");
			json_builder_add_string_value(b, "candidate");
			json_builder_set_member_name(b, "candidate");
			json_builder_add_string_value(b, c->text.c_str());
			json_builder_set_member_name(b, "sdpMLineIndex");
			json_builder_add_int_value(b, c->mline);
			json_builder_end_object(b);
			sendJson(b);
			delete c;
			return G_SOURCE_REMOVE;
		}, new Candidate{ mline, candidate });
	}), nullptr);
	gst_element_set_state(gReceiver.pipeline, GST_STATE_PLAYING);

	SoupSession *session = soup_session_new();
	std::string url = "ws://" + host + ":" + std::to_string(port) + "/ws";
	SoupMessage *message = soup_message_new("GET", url.c_str());
	soup_session_websocket_connect_async(session, message, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer) {
			GError *error = nullptr;
			gReceiver.ws = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
			if (!gReceiver.ws) {
				g_printerr("receiver: connect: %s\n", error->message);
				exit(1);
			}
			g_signal_connect(gReceiver.ws, "message", G_CALLBACK(onMessage), nullptr);
			soup_websocket_connection_send_text(gReceiver.ws, "{\"type\":\"start\"}");
		}, nullptr);
	g_object_unref(message);

	g_timeout_add(1000, [](gpointer) -> gboolean {
		if (gReceiver.ws && soup_websocket_connection_get_state(gReceiver.ws) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_send_text(gReceiver.ws, "{\"type\":\"ping\"}");
		printStats();
		return G_SOURCE_CONTINUE;
	}, nullptr);
	g_timeout_add_seconds(seconds, [](gpointer) -> gboolean {
		g_main_loop_quit(gReceiver.loop);
		return G_SOURCE_REMOVE;
	}, nullptr);
	g_main_loop_run(gReceiver.loop);

	if (gReceiver.ws) {
		if (soup_websocket_connection_get_state(gReceiver.ws) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_send_text(gReceiver.ws, "{\"type\":\"stop\"}");
		g_object_unref(gReceiver.ws);
	}
	gst_element_set_state(gReceiver.pipeline, GST_STATE_NULL);
	gst_object_unref(gReceiver.pipeline);
	g_object_unref(session);
	g_main_loop_unref(gReceiver.loop);
	return 0;
}
