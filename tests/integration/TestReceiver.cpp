/* SPDX-License-Identifier: MIT */
#include "TestReceiver.h"

#include <algorithm>
#include <map>

#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include "core/MainThread.h"

namespace wcam::test {

namespace {

/* One Lifetime per receiver, looked up by pointer from posted work. */
std::map<const TestReceiver *, std::shared_ptr<char>> gAlive;

void post(const TestReceiver *receiver, std::function<void()> work)
{
	std::weak_ptr<char> weak = gAlive[receiver];
	postToMain([weak, work = std::move(work)]() {
		if (!weak.expired())
			work();
	});
}

/* streaming thread: the centre pixel of a planar YUV frame as 0xYYUUVV, or -1. */
int32_t centrePixel(GstPad *pad, GstBuffer *buffer)
{
	GstCaps *caps = gst_pad_get_current_caps(pad);
	GstVideoInfo info;
	bool ok = caps && gst_video_info_from_caps(&info, caps) && GST_VIDEO_INFO_IS_YUV(&info) &&
		  GST_VIDEO_INFO_N_PLANES(&info) == 3;
	if (caps)
		gst_caps_unref(caps);
	GstVideoFrame frame;
	if (!ok || !gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ))
		return -1;
	int32_t yuv = 0;
	for (guint c = 0; c < 3; c++) {
		int x = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(info.finfo, c, GST_VIDEO_INFO_WIDTH(&info) / 2);
		int y = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(info.finfo, c, GST_VIDEO_INFO_HEIGHT(&info) / 2);
		const guint8 *row = static_cast<const guint8 *>(GST_VIDEO_FRAME_COMP_DATA(&frame, c)) +
				    y * GST_VIDEO_FRAME_COMP_STRIDE(&frame, c);
		yuv = (yuv << 8) | row[x * GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, c)];
	}
	gst_video_frame_unmap(&frame);
	return yuv;
}

/* webrtcbin runs its operations on its own thread: waiting here is fine. */
const GstStructure *waitPromise(GstPromise *promise)
{
	gst_promise_wait(promise);
	return gst_promise_get_reply(promise);
}

std::string sdpText(GstWebRTCSessionDescription *description)
{
	g_autofree char *text = gst_sdp_message_as_text(description->sdp);
	return text;
}

GstWebRTCSessionDescription *parseDescription(GstWebRTCSDPType type, const std::string &text)
{
	GstSDPMessage *sdp = nullptr;
	gst_sdp_message_new_from_text(text.c_str(), &sdp);
	return gst_webrtc_session_description_new(type, sdp);
}

void setDescription(GstElement *webrtc, const char *signal, GstWebRTCSessionDescription *description)
{
	GstPromise *promise = gst_promise_new();
	g_signal_emit_by_name(webrtc, signal, description, promise);
	waitPromise(promise);
	gst_promise_unref(promise);
}

GstWebRTCSessionDescription *create(GstElement *webrtc, const char *signal, const char *field)
{
	GstPromise *promise = gst_promise_new();
	g_signal_emit_by_name(webrtc, signal, nullptr, promise);
	const GstStructure *reply = waitPromise(promise);
	GstWebRTCSessionDescription *description = nullptr;
	if (reply)
		gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
	gst_promise_unref(promise);
	return description;
}

std::string toJson(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = json_builder_get_root(builder);
	g_autofree char *text = json_to_string(root, FALSE);
	return text;
}

/* The server runs on this very main context: never block it with sync I/O. */
GBytes *sendAndWait(SoupSession *session, SoupMessage *message, GError **error)
{
	struct Call {
		bool done = false;
		GBytes *bytes = nullptr;
		GError *error = nullptr;
	} call;
	soup_session_send_and_read_async(session, message, G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer data) {
			auto *c = static_cast<Call *>(data);
			c->bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &c->error);
			c->done = true;
		}, &call);
	runUntil([&call]() { return call.done; }, 30);
	if (call.error) {
		if (error)
			*error = call.error;
		else
			g_error_free(call.error);
	}
	return call.bytes;
}

} /* namespace */

TestReceiver::TestReceiver(std::string name) : name_(std::move(name))
{
	gAlive[this] = std::make_shared<char>(0);
	session_ = soup_session_new();
	buildPipeline();
}

TestReceiver::~TestReceiver()
{
	gAlive.erase(this);
	if (pingTimer_)
		g_source_remove(pingTimer_);
	if (ws_) {
		if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
		g_object_unref(ws_);
	}
	gst_element_set_state(pipeline_, GST_STATE_NULL);
	gst_object_unref(pipeline_);
	g_object_unref(session_);
}

void TestReceiver::buildPipeline()
{
	pipeline_ = gst_pipeline_new(name_.c_str());
	webrtc_ = gst_element_factory_make("webrtcbin", "recv");
	g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
	gst_bin_add(GST_BIN(pipeline_), webrtc_);

	/* libnice skips loopback unless told: the test stays on 127.0.0.1. */
	GObject *agent = nullptr;
	g_object_get(webrtc_, "ice-agent", &agent, nullptr);
	gboolean added = FALSE;
	g_signal_emit_by_name(agent, "add-local-ip-address", "127.0.0.1", &added);
	/* Nor UPnP discovery, which would multicast on every interface. */
	GObject *nice = nullptr;
	g_object_get(agent, "agent", &nice, nullptr);
	if (nice && g_object_class_find_property(G_OBJECT_GET_CLASS(nice), "upnp"))
		g_object_set(nice, "upnp", FALSE, nullptr);
	if (nice)
		g_object_unref(nice);
	gst_object_unref(agent);

	/* streaming thread: decode what arrives and count the pictures. */
	g_signal_connect(webrtc_, "pad-added", G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer data) {
		if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
			return;
		auto *self = static_cast<TestReceiver *>(data);
		GstElement *decode = gst_parse_bin_from_description(
			"rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink sync=false", TRUE, nullptr);
		gst_bin_add(GST_BIN(self->pipeline_), decode);
		gst_element_sync_state_with_parent(decode);
		GstPad *sink = gst_element_get_static_pad(decode, "sink");
		gst_pad_link(pad, sink);
		gst_object_unref(sink);
		GstElement *fakesink = gst_bin_get_by_name(GST_BIN(decode), "sink");
		GstPad *fakesinkPad = gst_element_get_static_pad(fakesink, "sink");
		gst_pad_add_probe(fakesinkPad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *probed, GstPadProbeInfo *info, gpointer d) {
			auto *receiver = static_cast<TestReceiver *>(d);
			receiver->centreYuv_ = centrePixel(probed, GST_PAD_PROBE_INFO_BUFFER(info));
			receiver->frames_++;
			int64_t now = g_get_monotonic_time();
			int64_t last = receiver->lastFrameUs_.exchange(now);
			int64_t gap = last ? now - last : 0;
			int64_t max = receiver->maxGapUs_.load();
			while (gap > max && !receiver->maxGapUs_.compare_exchange_weak(max, gap))
				;
			return GST_PAD_PROBE_OK;
		}, self, nullptr);
		gst_object_unref(fakesinkPad);
		gst_object_unref(fakesink);
	}), this);

	/* webrtcbin thread */
	g_signal_connect(webrtc_, "on-ice-candidate", G_CALLBACK(+[](GstElement *, guint mline, char *candidate, gpointer data) {
		auto *self = static_cast<TestReceiver *>(data);
		std::string text = candidate;
		post(self, [self, mline, text]() {
			if (!self->ws_ || self->vanished_ || self->stall_)
				return;
			g_autoptr(JsonBuilder) b = json_builder_new();
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "type");
			json_builder_add_string_value(b, "candidate");
			json_builder_set_member_name(b, "candidate");
			json_builder_add_string_value(b, text.c_str());
			json_builder_set_member_name(b, "sdpMLineIndex");
			json_builder_add_int_value(b, mline);
			json_builder_end_object(b);
			self->send(toJson(b));
		});
	}), this);

	gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

void TestReceiver::authorize(SoupMessage *message)
{
	if (!authorization_.empty())
		soup_message_headers_replace(soup_message_get_request_headers(message), "Authorization",
					     authorization_.c_str());
}

void TestReceiver::connectWebSocket(int port)
{
	port_ = port;
	std::string url = "ws://127.0.0.1:" + std::to_string(port) + "/ws";
	SoupMessage *message = soup_message_new("GET", url.c_str());
	authorize(message);
	soup_session_websocket_connect_async(session_, message, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer data) {
			auto *self = static_cast<TestReceiver *>(data);
			GError *error = nullptr;
			self->ws_ = soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);
			if (!self->ws_) {
				self->errors_.push_back(std::string("connect: ") + error->message);
				g_error_free(error);
				return;
			}
			g_signal_connect(self->ws_, "message", G_CALLBACK(+[](SoupWebsocketConnection *, gint, GBytes *bytes, gpointer d) {
				gsize size;
				const char *text = static_cast<const char *>(g_bytes_get_data(bytes, &size));
				static_cast<TestReceiver *>(d)->onMessage(std::string(text, size));
			}), self);
			self->send("{\"type\":\"start\"}");
			self->pingTimer_ = g_timeout_add(1000, [](gpointer d) -> gboolean {
				auto *receiver = static_cast<TestReceiver *>(d);
				if (!receiver->vanished_)
					receiver->send("{\"type\":\"ping\"}");
				return G_SOURCE_CONTINUE;
			}, self);
		}, this);
	g_object_unref(message);
}

bool TestReceiver::socketOpen() const
{
	return ws_ && soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN;
}

void TestReceiver::send(const std::string &json)
{
	if (socketOpen())
		soup_websocket_connection_send_text(ws_, json.c_str());
}

void TestReceiver::sendStop()
{
	send("{\"type\":\"stop\"}");
}

void TestReceiver::vanish()
{
	vanished_ = true;
	gst_element_set_state(pipeline_, GST_STATE_NULL);
}

void TestReceiver::closeSocket()
{
	vanished_ = true;
	if (socketOpen())
		soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
	gst_element_set_state(pipeline_, GST_STATE_NULL);
}

void TestReceiver::dropSocket()
{
	vanished_ = true;
	if (socketOpen())
		g_io_stream_close(soup_websocket_connection_get_io_stream(ws_), nullptr, nullptr);
	gst_element_set_state(pipeline_, GST_STATE_NULL);
}

int64_t TestReceiver::takeMaxFrameGapUs()
{
	int64_t last = lastFrameUs_.load();
	if (!last)
		return 0;
	return std::max(maxGapUs_.exchange(0), g_get_monotonic_time() - last);
}

void TestReceiver::onMessage(const std::string &text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	if (!json_parser_load_from_data(parser, text.c_str(), text.size(), nullptr))
		return;
	JsonObject *object = json_node_get_object(json_parser_get_root(parser));
	std::string type = json_object_get_string_member(object, "type");
	if (type == "welcome") {
		viewerId_ = json_object_get_string_member(object, "id");
	} else if (type == "offer") {
		onOffer(json_object_get_string_member(object, "sdp"));
	} else if (type == "candidate") {
		const char *candidate = json_object_get_string_member(object, "candidate");
		guint mline = json_object_get_int_member(object, "sdpMLineIndex");
		if (candidate && *candidate && !vanished_ && !stall_)
			g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate);
	} else if (type == "error") {
		errors_.push_back(std::string(json_object_get_string_member(object, "code")) + ": " +
				  json_object_get_string_member(object, "message"));
	} else if (type == "bye") {
		byes_.push_back(json_object_get_string_member(object, "reason"));
	}
}

void TestReceiver::onOffer(const std::string &sdp)
{
	GstWebRTCSessionDescription *offer = parseDescription(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
	setDescription(webrtc_, "set-remote-description", offer);
	gst_webrtc_session_description_free(offer);

	GstWebRTCSessionDescription *answer = create(webrtc_, "create-answer", "answer");
	if (!answer) {
		errors_.push_back("test: no answer");
		return;
	}
	setDescription(webrtc_, "set-local-description", answer);

	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, "answer");
	json_builder_set_member_name(b, "sdp");
	json_builder_add_string_value(b, sdpText(answer).c_str());
	json_builder_end_object(b);
	send(toJson(b));
	gst_webrtc_session_description_free(answer);
}

void TestReceiver::connectWhep(int port)
{
	port_ = port;
	GstCaps *caps = gst_caps_from_string(
		"application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102,"
		"packetization-mode=(string)1,profile-level-id=(string)42e01f");
	GstWebRTCRTPTransceiver *transceiver = nullptr;
	g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
			      caps, &transceiver);
	gst_caps_unref(caps);
	gst_object_unref(transceiver);

	GstWebRTCSessionDescription *offer = create(webrtc_, "create-offer", "offer");
	setDescription(webrtc_, "set-local-description", offer);
	gst_webrtc_session_description_free(offer);

	/* No trickle in WHEP: wait for our candidates, then POST. */
	runUntil([this]() {
		GstWebRTCICEGatheringState state;
		g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
		return state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
	}, 10);
	sendWhepOffer();
}

void TestReceiver::sendWhepOffer()
{
	GstWebRTCSessionDescription *local = nullptr;
	g_object_get(webrtc_, "local-description", &local, nullptr);
	std::string offer = sdpText(local);
	gst_webrtc_session_description_free(local);
	if (stall_) {
		/* An offer the server can never reach: no candidates in it. */
		std::string kept;
		for (size_t start = 0; start < offer.size();) {
			size_t end = offer.find('\n', start);
			end = end == std::string::npos ? offer.size() : end + 1;
			if (offer.compare(start, 12, "a=candidate:") != 0)
				kept += offer.substr(start, end - start);
			start = end;
		}
		offer = kept;
	}

	std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/whep";
	SoupMessage *message = soup_message_new("POST", url.c_str());
	authorize(message);
	g_autoptr(GBytes) body = g_bytes_new(offer.data(), offer.size());
	soup_message_set_request_body_from_bytes(message, "application/sdp", body);
	GError *error = nullptr;
	g_autoptr(GBytes) response = sendAndWait(session_, message, &error);
	whepStatus_ = soup_message_get_status(message);
	if (!response) {
		errors_.push_back(std::string("whep: ") + error->message);
		g_error_free(error);
		g_object_unref(message);
		return;
	}
	const char *location = soup_message_headers_get_one(soup_message_get_response_headers(message), "Location");
	whepLocation_ = location ? location : "";
	gsize size;
	const char *data = static_cast<const char *>(g_bytes_get_data(response, &size));
	std::string answer(data, size);
	g_object_unref(message);
	if (whepStatus_ != 201) {
		errors_.push_back("whep: status " + std::to_string(whepStatus_) + ": " + answer);
		return;
	}
	if (stall_)
		return;
	GstWebRTCSessionDescription *description = parseDescription(GST_WEBRTC_SDP_TYPE_ANSWER, answer);
	setDescription(webrtc_, "set-remote-description", description);
	gst_webrtc_session_description_free(description);
}

guint TestReceiver::deleteWhep()
{
	std::string url = "http://127.0.0.1:" + std::to_string(port_) + whepLocation_;
	SoupMessage *message = soup_message_new("DELETE", url.c_str());
	authorize(message);
	/* The body of a DELETE answer says nothing we check. */
	g_autoptr(GBytes) response = sendAndWait(session_, message, nullptr);
	(void)response;
	guint status = soup_message_get_status(message);
	g_object_unref(message);
	return status;
}

} /* namespace wcam::test */
