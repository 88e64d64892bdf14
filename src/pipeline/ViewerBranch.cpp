/* SPDX-License-Identifier: MIT */
#include "pipeline/ViewerBranch.h"

#include <string>
#include <type_traits>
#include <vector>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <gio/gio.h>
#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>

#include "adaptive/Remb.h"
#include "core/Log.h"
#include "pipeline/DtlsIdentity.h"
#include "pipeline/RtpPayloadType.h"

GST_DEBUG_CATEGORY_STATIC(wcam_viewer_debug);
#define GST_CAT_DEFAULT wcam_viewer_debug

namespace wcam {

namespace {

/* A leaky queue this long is plenty for one frame burst and stays "small". */
constexpr guint64 kQueueTimeNs = 200 * GST_MSECOND;

/* Browsers send REMB about once a second; older than this is not news. */
constexpr int64_t kRembMaxAgeUs = 5 * G_USEC_PER_SEC;

/* ICE's Ta, the pause between two connectivity checks: RFC 8445's minimum. */
constexpr guint kIcePacingMs = 5;

/*
 * Connect `handler` (a closure, freed with the connection) to `signal`.
 * It runs on the emitting thread: it copies what it needs and posts the
 * rest with postToMain(guard, ...).
 */
template<typename... Args>
SignalConnection connectHandler(gpointer instance, const char *signal,
				std::type_identity_t<std::function<void(gpointer, Args...)>> handler)
{
	using Handler = std::function<void(gpointer, Args...)>;
	return SignalConnection(
		instance, signal,
		G_CALLBACK(+[](gpointer object, Args... args, gpointer data) {
			(*static_cast<Handler *>(data))(object, args...);
		}),
		new Handler(std::move(handler)), [](gpointer data, GClosure *) { delete static_cast<Handler *>(data); });
}

/* Follow one of webrtcbin's state properties: read on its thread, delivered on the main one. */
template<typename Enum>
SignalConnection watchState(GstElement *webrtc, const char *property, Lifetime::Guard guard,
			    std::function<void(Enum)> deliver)
{
	std::string signal = std::string("notify::") + property;
	return connectHandler<GParamSpec *>(webrtc, signal.c_str(),
		[property, guard, deliver](gpointer object, GParamSpec *) {
			Enum value;
			g_object_get(object, property, &value, nullptr);
			postToMain(guard, [deliver, value]() { deliver(value); });
		});
}

/* Whether a compound RTCP packet carries a receiver report block (SR or RR). */
bool hasReceptionReport(GstBuffer *buffer)
{
	GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
	if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp))
		return false;
	bool found = false;
	GstRTCPPacket packet;
	for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more && !found;
	     more = gst_rtcp_packet_move_to_next(&packet)) {
		GstRTCPType type = gst_rtcp_packet_get_type(&packet);
		found = (type == GST_RTCP_TYPE_RR || type == GST_RTCP_TYPE_SR) &&
			gst_rtcp_packet_get_rb_count(&packet) > 0;
	}
	gst_rtcp_buffer_unmap(&rtcp);
	return found;
}

using PromiseHandler = std::function<void(const GstStructure *reply, const std::string &error)>;

/* `handler` runs on webrtcbin's thread: copy what it needs, then post. */
PromisePtr makePromise(PromiseHandler handler)
{
	auto *data = new PromiseHandler(std::move(handler));
	return PromisePtr::adopt(gst_promise_new_with_change_func(
		[](GstPromise *promise, gpointer ptr) {
			auto &fn = *static_cast<PromiseHandler *>(ptr);
			if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
				fn(nullptr, "interrupted");
				return;
			}
			const GstStructure *reply = gst_promise_get_reply(promise);
			g_autoptr(GError) error = nullptr;
			if (reply && gst_structure_has_field(reply, "error"))
				gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
			if (error) {
				fn(reply, error->message);
				return;
			}
			fn(reply, {});
		},
		data, [](gpointer ptr) { delete static_cast<PromiseHandler *>(ptr); }));
}

/* The description in a create-offer/create-answer reply, ours to free. */
SessionDescriptionPtr replyDescription(const GstStructure *reply, const char *field)
{
	GstWebRTCSessionDescription *description = nullptr;
	if (reply)
		gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
	return SessionDescriptionPtr::adopt(description);
}

std::string descriptionText(const GstWebRTCSessionDescription *description)
{
	if (!description || !description->sdp)
		return {};
	g_autofree char *text = gst_sdp_message_as_text(description->sdp);
	return text ? text : "";
}

double numberField(const GstStructure *s, const char *name, double fallback)
{
	const GValue *value = gst_structure_get_value(s, name);
	if (!value)
		return fallback;
	GValue out = G_VALUE_INIT;
	g_value_init(&out, G_TYPE_DOUBLE);
	double result = fallback;
	if (g_value_transform(value, &out))
		result = g_value_get_double(&out);
	g_value_unset(&out);
	return result;
}

ViewerRtcStats parseStats(const GstStructure *reply)
{
	ViewerRtcStats stats;
	/*
	 * With RTX the peer reports on two streams. What it says of the RTX
	 * one (a handful of resent packets) is no measure of the path: take
	 * the report on the stream that carries the media, the busiest one.
	 */
	std::string mediaId;
	double mostPackets = -1;
	std::vector<const GstStructure *> remoteReports;
	int n = gst_structure_n_fields(reply);
	for (int i = 0; i < n; i++) {
		const GValue *value = gst_structure_get_value(reply, gst_structure_nth_field_name(reply, i));
		if (!GST_VALUE_HOLDS_STRUCTURE(value))
			continue;
		const GstStructure *s = gst_value_get_structure(value);
		GstWebRTCStatsType type;
		if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr))
			continue;
		if (type == GST_WEBRTC_STATS_OUTBOUND_RTP) {
			double packets = numberField(s, "packets-sent", 0);
			stats.bytesSent += numberField(s, "bytes-sent", 0);
			stats.packetsSent += packets;
			stats.pliCount += numberField(s, "pli-count", 0);
			stats.firCount += numberField(s, "fir-count", 0);
			stats.nackCount += numberField(s, "nack-count", 0);
			const char *id = gst_structure_get_string(s, "id");
			if (id && packets > mostPackets) {
				mostPackets = packets;
				mediaId = id;
			}
		} else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
			remoteReports.push_back(s);
		}
	}
	for (const GstStructure *s : remoteReports) {
		const char *local = gst_structure_get_string(s, "local-id");
		if (remoteReports.size() > 1 && (!local || mediaId != local))
			continue;
		double rtt = numberField(s, "round-trip-time", -1);
		if (rtt >= 0)
			stats.roundTripTime = rtt;
		stats.fractionLost = numberField(s, "fraction-lost", stats.fractionLost);
		stats.packetsLost = numberField(s, "packets-lost", stats.packetsLost);
		stats.jitter = numberField(s, "jitter", stats.jitter);
	}
	return stats;
}

/* streaming thread: give the peer's payload type to every packet and caps. */
struct PayloadRewrite {
	guint pt;
	CapsPtr caps; /* what webrtcbin was told it gets (codec preferences) */
};

GstPadProbeReturn rewritePayloadType(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	auto *state = static_cast<PayloadRewrite *>(data);
	guint8 pt = guint8(state->pt);

	/* The tee shares buffers between viewers: only the header is copied. */
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		GST_PAD_PROBE_INFO_DATA(info) = withPayloadType(GST_PAD_PROBE_INFO_BUFFER(info), pt);
	} else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
		GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
		guint n = gst_buffer_list_length(list);
		for (guint i = 0; i < n; i++) {
			GstBuffer *buffer = gst_buffer_list_get(list, i);
			/* Our own reference for withPayloadType() to take; the list keeps its. */
			auto rewritten = MiniObjectPtr<GstBuffer>::adopt(withPayloadType(gst_buffer_ref(buffer), pt));
			if (rewritten.get() != buffer) {
				gst_buffer_list_remove(list, i, 1);
				gst_buffer_list_insert(list, gint(i), rewritten.release());
			}
		}
		GST_PAD_PROBE_INFO_DATA(info) = list;
	} else if (info->type & GST_PAD_PROBE_TYPE_QUERY_UPSTREAM) {
		/* webrtcbin asks what it will get: the peer's payload type. */
		GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
		if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
			GstCaps *filter = nullptr;
			gst_query_parse_caps(query, &filter);
			CapsPtr result = filter ? CapsPtr::adopt(gst_caps_intersect(filter, state->caps.get()))
						: state->caps;
			gst_query_set_caps_result(query, result.get());
			return GST_PAD_PROBE_HANDLED;
		}
	} else if (info->type & GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM) {
		/*
		 * webrtcbin only takes the peer's payload type, the tee offers
		 * ours: answer caps queries here so this branch can never make
		 * the shared payloader renegotiate for everyone.
		 */
		GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
		if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
			gst_query_set_accept_caps_result(query, TRUE);
			return GST_PAD_PROBE_HANDLED;
		}
		if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
			GstCaps *filter = nullptr;
			gst_query_parse_caps(query, &filter);
			gst_query_set_caps_result(query, filter ? filter : CapsPtr::adopt(gst_caps_new_any()).get());
			return GST_PAD_PROBE_HANDLED;
		}
	} else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
			/* Replaced below: the probe owns the old event. */
			auto old = MiniObjectPtr<GstEvent>::adopt(event);
			GstCaps *caps;
			gst_event_parse_caps(event, &caps);
			CapsPtr fixed = CapsPtr::adopt(gst_caps_copy(caps));
			gst_caps_set_simple(fixed.get(), "payload", G_TYPE_INT, static_cast<int>(pt), nullptr);
			/*
			 * webrtcbin matches these caps against the peer's offer: the
			 * offer's profile-level-id stands (see setCodec), not ours.
			 */
			gst_structure_remove_fields(gst_caps_get_structure(fixed.get(), 0), "profile-level-id",
						    "profile", "level", nullptr);
			GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(fixed.get());
		}
	}
	return GST_PAD_PROBE_OK;
}

bool isFactory(GstElement *element, const char *name)
{
	GstElementFactory *factory = gst_element_get_factory(element);
	return factory && g_str_equal(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), name);
}

/* One element of webrtcbin's, still in NULL (any thread). */
void adjustOne(GstElement *element, const std::string &dtlsPem)
{
	/*
	 * webrtcbin puts a clocksync sync=true before its RTP session, which
	 * holds every frame for the pipeline latency (a frame period of the
	 * live camera). Our input is live already: send at once.
	 */
	if (isFactory(element, "clocksync"))
		g_object_set(element, "sync", FALSE, nullptr);
	/*
	 * The process's one certificate, before the DTLS encoder (which joins
	 * the decoder's connection on NULL to READY) looks the connection up.
	 */
	else if (isFactory(element, "dtlssrtpdec") && !dtlsPem.empty())
		g_object_set(element, "pem", dtlsPem.c_str(), nullptr);
}

/*
 * webrtcbin 1.22 hashes every base64 line of the PEM it is given, the
 * private key's too, so the fingerprint it writes for a certificate of
 * ours is wrong and a browser would refuse the DTLS handshake. Write the
 * certificate's own.
 */
void setFingerprint(GstSDPMessage *sdp, const std::string &fingerprint)
{
	std::string value = "sha-256 " + fingerprint;
	auto fix = [&value](guint count, auto get, auto replace) {
		for (guint i = 0; i < count; i++) {
			const GstSDPAttribute *attribute = get(i);
			if (attribute && g_strcmp0(attribute->key, "fingerprint") == 0) {
				GstSDPAttribute fixed;
				gst_sdp_attribute_set(&fixed, "fingerprint", value.c_str());
				replace(i, &fixed);
			}
		}
	};
	fix(gst_sdp_message_attributes_len(sdp),
	    [sdp](guint i) { return gst_sdp_message_get_attribute(sdp, i); },
	    [sdp](guint i, GstSDPAttribute *a) { gst_sdp_message_replace_attribute(sdp, i, a); });
	for (guint m = 0; m < gst_sdp_message_medias_len(sdp); m++) {
		auto *media = const_cast<GstSDPMedia *>(gst_sdp_message_get_media(sdp, m));
		fix(gst_sdp_media_attributes_len(media),
		    [media](guint i) { return gst_sdp_media_get_attribute(media, i); },
		    [media](guint i, GstSDPAttribute *a) { gst_sdp_media_replace_attribute(media, i, a); });
	}
}

/* A bin joins with its children inside, and no signal of their own. */
void adjustElement(GstElement *element, const std::string &dtlsPem)
{
	adjustOne(element, dtlsPem);
	if (!GST_IS_BIN(element))
		return;
	g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(element));
	GValue item = G_VALUE_INIT;
	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		adjustOne(GST_ELEMENT(g_value_get_object(&item)), dtlsPem);
		g_value_reset(&item);
	}
	g_value_unset(&item);
}

} /* namespace */

ViewerBranch::ViewerBranch(const std::string &name, const Options &options, ViewerObserver &observer)
	: dtlsFingerprint_(DtlsIdentity::fingerprint(options.dtlsPem)), name_(name), observer_(observer)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_viewer_debug, "wcam-viewer", 0, "webrtc-camera viewer branch");
		g_once_init_leave(&once, 1);
	}

	bin_ = GstPtr<GstElement>::retain(gst_bin_new(name.c_str()));

	/*
	 * any thread, while the new elements are still in NULL: make webrtcbin's
	 * own elements do what a live camera needs. Connected before webrtcbin
	 * joins the bin: its first transport comes with the sink pad request.
	 */
	signals_.emplace_back(bin_.get(), "deep-element-added",
		G_CALLBACK(+[](GstBin *, GstBin *, GstElement *element, gpointer data) {
			adjustElement(element, *static_cast<const std::string *>(data));
		}), new std::string(options.dtlsPem),
		[](gpointer data, GClosure *) { delete static_cast<std::string *>(data); });

	queue_ = GstPtr<GstElement>::retain(gst_element_factory_make("queue", "queue"));
	webrtc_ = GstPtr<GstElement>::retain(gst_element_factory_make("webrtcbin", "webrtc"));
	if (!queue_ || !webrtc_) {
		error_ = std::string("cannot make GStreamer's ") + (queue_ ? "webrtcbin" : "queue") +
			 " element: is its plugin installed?";
		return;
	}
	g_object_set(queue_.get(), "leaky", 2 /* downstream */, "max-size-buffers", 0u,
		     "max-size-bytes", 0u, "max-size-time", kQueueTimeNs, nullptr);
	g_object_set(webrtc_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
	gst_bin_add_many(GST_BIN(bin_.get()), queue_.get(), webrtc_.get(), nullptr);

	GstPtr<GstPad> queueSink = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue_.get(), "sink"));
	gst_element_add_pad(bin_.get(), gst_ghost_pad_new("sink", queueSink.get()));

	GstPtr<GstPad> queueSrc = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue_.get(), "src"));
	webrtcSink_ = GstPtr<GstPad>::adopt(gst_element_request_pad_simple(webrtc_.get(), "sink_%u"));
	GstPadLinkReturn linked = webrtcSink_ ? gst_pad_link(queueSrc.get(), webrtcSink_.get())
					      : GST_PAD_LINK_REFUSED;
	if (GST_PAD_LINK_FAILED(linked)) {
		error_ = std::string("cannot link the viewer's queue to webrtcbin: ") +
			 gst_pad_link_get_name(linked);
		return;
	}

	/*
	 * streaming thread: drop buffers (not events) until openGate(), then
	 * up to the next keyframe. Delta frames before it are undecodable: a
	 * browser given them asks for a keyframe (PLI) it is about to get.
	 * After the queue, not before: a leaky queue that got nothing for a
	 * while measures its first buffer against time zero, finds itself
	 * "full" and drops it, and that first buffer would be the keyframe.
	 */
	gate_ = std::make_unique<KeyframeGate>(queueSrc.get());

	configureIce(options);

	/* webrtcbin thread */
	signals_.push_back(connectHandler<guint, char *>(webrtc_.get(), "on-ice-candidate",
		[guard = lifetime_.guard(), this](gpointer, guint mline, char *candidate) {
			std::string text = candidate ? candidate : "";
			postToMain(guard, [this, mline, text]() { observer_.candidate(name_, mline, text); });
		}));

	signals_.push_back(watchState<GstWebRTCICEConnectionState>(
		webrtc_.get(), "ice-connection-state", lifetime_.guard(),
		[this](GstWebRTCICEConnectionState state) { onIceConnectionState(state); }));
	signals_.push_back(watchState<GstWebRTCPeerConnectionState>(
		webrtc_.get(), "connection-state", lifetime_.guard(),
		[this](GstWebRTCPeerConnectionState state) { onConnectionState(state); }));
	signals_.push_back(watchState<GstWebRTCICEGatheringState>(
		webrtc_.get(), "ice-gathering-state", lifetime_.guard(),
		[this](GstWebRTCICEGatheringState state) { onGatheringState(state); }));
}

/* main thread, as are the three below */
void ViewerBranch::onIceConnectionState(GstWebRTCICEConnectionState state)
{
	switch (state) {
	case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
		observer_.ended(name_, "ICE failed");
		break;
	case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
		iceLost_ = true;
		observer_.disconnected(name_);
		break;
	case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
	case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
		/* Back after a loss; the first connection is the peer connection's to tell (DTLS too). */
		if (iceLost_) {
			iceLost_ = false;
			observer_.connected(name_);
		}
		break;
	default:
		break;
	}
}

void ViewerBranch::onConnectionState(GstWebRTCPeerConnectionState state)
{
	if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
		observer_.connected(name_);
	else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
		observer_.ended(name_, "DTLS/ICE connection failed");
}

void ViewerBranch::onGatheringState(GstWebRTCICEGatheringState state)
{
	if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
		return;
	gathered_ = true;
	deliverAnswer();
}

void ViewerBranch::deliverAnswer()
{
	if (!answerDone_ || !localSet_ || !gathered_)
		return;
	SdpCallback done = std::move(answerDone_);
	answerDone_ = nullptr;
	done(localDescription(), "");
}

ViewerBranch::~ViewerBranch()
{
	/* Disconnect before the last refs go, so no handler sees a dying object. */
	signals_.clear();
}

void ViewerBranch::configureIce(const Options &options)
{
	bool haveStun = false;
	for (const IceServer &server : options.iceServers) {
		for (const std::string &url : server.urls) {
			std::string gstUrl = toGstIceUrl(url, server.username, server.credential);
			if (g_str_has_prefix(gstUrl.c_str(), "stun")) {
				/* webrtcbin takes a single STUN server. */
				if (!haveStun)
					g_object_set(webrtc_.get(), "stun-server", gstUrl.c_str(), nullptr);
				haveStun = true;
			} else {
				gboolean added = FALSE;
				g_signal_emit_by_name(webrtc_.get(), "add-turn-server", gstUrl.c_str(), &added);
				if (!added)
					logWarning("TURN server refused by webrtcbin: " + url);
			}
		}
	}

	g_autoptr(GstObject) agent = nullptr;
	g_object_get(webrtc_.get(), "ice-agent", &agent, nullptr);
	if (!agent)
		return;
	/*
	 * libnice asks every router on every interface for a UPnP port mapping
	 * by default: a camera must not open ports on the user's router
	 * unasked, and it costs up to 2 s more before gathering completes (a
	 * WHEP answer waits for that). Only [network] upnp = true allows it.
	 */
	g_autoptr(GObject) nice = nullptr;
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "agent"))
		g_object_get(agent, "agent", &nice, nullptr);
	if (nice && g_object_class_find_property(G_OBJECT_GET_CLASS(nice), "upnp"))
		g_object_set(nice, "upnp", gboolean(options.upnp), nullptr);
	/*
	 * libnice paces every connectivity check on a 20 ms tick, and with a
	 * browser's peer-reflexive (mDNS-hidden) address nomination takes three
	 * ticks: 40-60 ms of a viewer's join spent waiting. RFC 8445 14.2 allows
	 * Ta down to 5 ms, and a camera checks only a handful of pairs.
	 */
	if (nice && g_object_class_find_property(G_OBJECT_GET_CLASS(nice), "stun-pacing-timer"))
		g_object_set(nice, "stun-pacing-timer", kIcePacingMs, nullptr);
	for (const std::string &address : resolveIceAddresses(options.iceAddresses)) {
		gboolean added = FALSE;
		g_signal_emit_by_name(agent, "add-local-ip-address", address.c_str(), &added);
		if (!added)
			logWarning("ICE agent refused local address " + address);
	}
}

std::vector<std::string> ViewerBranch::resolveIceAddresses(const std::vector<std::string> &entries)
{
	std::vector<std::string> result;
	struct ifaddrs *list = nullptr;
	bool haveList = getifaddrs(&list) == 0;
	for (const std::string &entry : entries) {
		g_autoptr(GInetAddress) literal = g_inet_address_new_from_string(entry.c_str());
		if (literal) {
			result.push_back(entry);
			continue;
		}
		for (struct ifaddrs *it = haveList ? list : nullptr; it; it = it->ifa_next) {
			if (!it->ifa_addr || entry != it->ifa_name)
				continue;
			char buffer[INET6_ADDRSTRLEN] = {};
			if (it->ifa_addr->sa_family == AF_INET) {
				auto *sin = reinterpret_cast<struct sockaddr_in *>(it->ifa_addr);
				inet_ntop(AF_INET, &sin->sin_addr, buffer, sizeof(buffer));
			} else if (it->ifa_addr->sa_family == AF_INET6) {
				auto *sin6 = reinterpret_cast<struct sockaddr_in6 *>(it->ifa_addr);
				if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
					continue; /* needs a scope id browsers do not use */
				inet_ntop(AF_INET6, &sin6->sin6_addr, buffer, sizeof(buffer));
			} else {
				continue;
			}
			result.push_back(buffer);
		}
	}
	if (list)
		freeifaddrs(list);
	return result;
}

std::string ViewerBranch::toGstIceUrl(const std::string &url, const std::string &username,
				      const std::string &credential)
{
	size_t colon = url.find(':');
	if (colon == std::string::npos)
		return url;
	std::string scheme = url.substr(0, colon);
	std::string rest = url.substr(colon + 1);
	if (g_str_has_prefix(rest.c_str(), "//"))
		rest = rest.substr(2);
	if (scheme == "turn" || scheme == "turns") {
		g_autofree char *user = g_uri_escape_string(username.c_str(), nullptr, FALSE);
		g_autofree char *pass = g_uri_escape_string(credential.c_str(), nullptr, FALSE);
		return scheme + "://" + user + ":" + pass + "@" + rest;
	}
	return scheme + "://" + rest;
}

void ViewerBranch::setCodec(GstCaps *rtpCaps, int payloadType)
{
	g_autoptr(GstWebRTCRTPTransceiver) transceiver = nullptr;
	g_signal_emit_by_name(webrtc_.get(), "get-transceiver", 0, &transceiver);
	if (!transceiver)
		return;

	CapsPtr caps = CapsPtr::adopt(gst_caps_copy(rtpCaps));
	GstStructure *s = gst_caps_get_structure(caps.get(), 0);
	/*
	 * Per-stream values must not end up in the SDP as codec parameters.
	 * The SSRC stays: webrtcbin signals it (a=ssrc, and with RTX the FID
	 * group), and a browser given only the RTX stream's SSRC decodes the
	 * media arriving on an unsignalled one but never shows it.
	 */
	gst_structure_remove_fields(s, "timestamp-offset", "seqnum-offset",
				    "sprop-parameter-sets", "a-framerate", nullptr);
	/*
	 * Ask for PLI and FIR so a browser can get a keyframe when it needs
	 * one, and for NACK: on Wi-Fi a lost packet is resent (RTX, below)
	 * instead of costing a keyframe.
	 */
	gst_structure_set(s, "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE,
			  "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
			  "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE,
			  "rtcp-fb-goog-remb", G_TYPE_BOOLEAN, TRUE, nullptr);
	if (payloadType >= 0) {
		/*
		 * The peer offered: let its profile-level-id stand (any constrained
		 * baseline decoder takes our stream), only the payload type is ours
		 * to match.
		 */
		gst_structure_remove_fields(s, "profile-level-id", "profile", "level", nullptr);
		gst_structure_set(s, "payload", G_TYPE_INT, payloadType, nullptr);
		GstPtr<GstPad> queueSrc = GstPtr<GstPad>::adopt(gst_element_get_static_pad(queue_.get(), "src"));
		gst_pad_add_probe(queueSrc.get(),
				  GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
						  GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
						  GST_PAD_PROBE_TYPE_QUERY_BOTH),
				  rewritePayloadType,
				  new PayloadRewrite{ guint(payloadType), caps },
				  [](gpointer data) { delete static_cast<PayloadRewrite *>(data); });
	}
	/* do-nack: an RTX payload in the SDP and a retransmitting sender. */
	g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
		     "codec-preferences", caps.get(), "do-nack", TRUE, nullptr);
}

void ViewerBranch::openGate()
{
	if (gate_)
		gate_->open();
}

void ViewerBranch::setLocal(GstWebRTCSessionDescription *description, SdpCallback done)
{
	if (!dtlsFingerprint_.empty() && description->sdp)
		setFingerprint(description->sdp, dtlsFingerprint_);
	std::string text = descriptionText(description);
	PromisePtr promise = makePromise([guard = lifetime_.guard(), text, done](const GstStructure *,
										 const std::string &error) {
		postToMain(guard, [text, error, done]() { done(error.empty() ? text : "", error); });
	});
	g_signal_emit_by_name(webrtc_.get(), "set-local-description", description, promise.get());
}

void ViewerBranch::createOffer(SdpCallback done)
{
	PromisePtr promise = makePromise([guard = lifetime_.guard(), this, done](const GstStructure *reply,
										 const std::string &error) {
		SessionDescriptionPtr offer = error.empty() ? replyDescription(reply, "offer") : nullptr;
		if (!offer) {
			std::string why = error.empty() ? "webrtcbin created no offer" : error;
			postToMain(guard, [done, why]() { done("", why); });
			return;
		}
		/* Freed with the work, also when the viewer is gone before it runs. */
		postToMain(guard, [this, done, offer = std::move(offer)]() { setLocal(offer.get(), done); });
	});
	g_signal_emit_by_name(webrtc_.get(), "create-offer", nullptr, promise.get());
}

ViewerBranch::SdpCallback ViewerBranch::deliverWhenGathered(SdpCallback done)
{
	return [this, done](const std::string &, const std::string &error) {
		if (!error.empty()) {
			done("", error);
			return;
		}
		answerDone_ = done;
		localSet_ = true;
		deliverAnswer();
	};
}

void ViewerBranch::createCompleteOffer(SdpCallback done)
{
	createOffer(deliverWhenGathered(std::move(done)));
}

void ViewerBranch::setRemoteAnswer(SdpMessagePtr sdp, DoneCallback done)
{
	if (!sdp) {
		/* Callbacks always come from the main loop, never from in here. */
		postToMain(lifetime_, [done]() { done("no answer"); });
		return;
	}
	SessionDescriptionPtr answer = SessionDescriptionPtr::adopt(
		gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp.release()));
	PromisePtr promise = makePromise([guard = lifetime_.guard(), done](const GstStructure *,
									   const std::string &error) {
		postToMain(guard, [done, error]() { done(error); });
	});
	g_signal_emit_by_name(webrtc_.get(), "set-remote-description", answer.get(), promise.get());
}

void ViewerBranch::answerOffer(SdpMessagePtr sdp, SdpCallback done, DoneCallback refused)
{
	if (!sdp) {
		postToMain(lifetime_, [done]() { done("", "no offer"); });
		return;
	}
	SessionDescriptionPtr offer = SessionDescriptionPtr::adopt(
		gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp.release()));

	/* Once set locally, the answer waits for gathering to complete (deliverAnswer). */
	SdpCallback answerSet = deliverWhenGathered(std::move(done));
	Lifetime::Guard guard = lifetime_.guard();
	/* Both promises are answered on webrtcbin's thread, the offer's first. */
	auto offerRefused = std::make_shared<std::atomic<bool>>(false);
	auto onAnswer = [guard, this, answerSet, offerRefused](const GstStructure *reply, const std::string &error) {
		/* refused() tells instead. */
		if (offerRefused->load())
			return;
		SessionDescriptionPtr answer = error.empty() ? replyDescription(reply, "answer") : nullptr;
		if (!answer) {
			std::string why = error.empty() ? "webrtcbin created no answer" : error;
			postToMain(guard, [answerSet, why]() { answerSet("", why); });
			return;
		}
		/* Freed with the work, also when the viewer is gone before it runs. */
		postToMain(guard, [this, answerSet, answer = std::move(answer)]() { setLocal(answer.get(), answerSet); });
	};

	PromisePtr promise = makePromise([guard, refused, offerRefused](const GstStructure *, const std::string &error) {
		if (error.empty())
			return;
		offerRefused->store(true);
		postToMain(guard, [refused, error]() { refused(error); });
	});
	g_signal_emit_by_name(webrtc_.get(), "set-remote-description", offer.get(), promise.get());
	/*
	 * Queued behind the offer on webrtcbin's own thread, not after a trip
	 * through our main loop: under load that trip cost tens of ms. When
	 * the offer was refused this fails too, unheard.
	 */
	PromisePtr answerPromise = makePromise(onAnswer);
	g_signal_emit_by_name(webrtc_.get(), "create-answer", nullptr, answerPromise.get());
}

void ViewerBranch::addRemoteCandidate(unsigned mlineIndex, const std::string &candidate)
{
	/* An empty candidate ends trickling; webrtcbin 1.22 wants NULL for that. */
	const char *text = candidate.empty() ? nullptr : candidate.c_str();
	if (g_str_has_prefix(candidate.c_str(), "a="))
		text += 2;
	g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", mlineIndex, text);
}

std::string ViewerBranch::localDescription() const
{
	GstWebRTCSessionDescription *description = nullptr;
	g_object_get(webrtc_.get(), "local-description", &description, nullptr);
	return descriptionText(SessionDescriptionPtr::adopt(description).get());
}

void ViewerBranch::watchRtcp()
{
	GstPtr<GstElement> rtpbin = GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(webrtc_.get()), "rtpbin"));
	if (!rtpbin)
		return;
	/* Bundled: every media shares session 0, which exists once negotiated. */
	g_autoptr(GObject) session = nullptr;
	g_signal_emit_by_name(rtpbin.get(), "get-internal-session", 0u, &session);
	if (!session)
		return;
	/*
	 * RTCP receive thread: parse here (read only), hand the time and the
	 * number over. A peer that is gone sends no RTCP, and a WHEP viewer
	 * has no other sign of life.
	 */
	signals_.push_back(connectHandler<GstBuffer *>(session, "on-receiving-rtcp",
		[guard = lifetime_.guard(), this](gpointer, GstBuffer *buffer) {
			std::optional<uint64_t> remb = findRemb(buffer);
			bool report = hasReceptionReport(buffer);
			int64_t at = g_get_monotonic_time();
			postToMain(guard, [this, remb, report, at]() {
				lastRtcpUs_ = at;
				if (report)
					lastReportUs_ = at;
				if (remb) {
					remb_ = *remb;
					rembAtUs_ = at;
				}
			});
		}));
	rtcpWatched_ = true;
}

void ViewerBranch::requestStats()
{
	if (!rtcpWatched_)
		watchRtcp();
	PromisePtr promise = makePromise([guard = lifetime_.guard(), this](const GstStructure *reply,
									   const std::string &error) {
		if (!error.empty() || !reply)
			return;
		ViewerRtcStats stats = parseStats(reply);
		postToMain(guard, [this, stats]() {
			ViewerRtcStats withRemb = stats;
			if (rembAtUs_ && g_get_monotonic_time() - rembAtUs_ < kRembMaxAgeUs)
				withRemb.remb = double(remb_);
			withRemb.reportUs = lastReportUs_;
			observer_.stats(name_, withRemb);
		});
	});
	g_signal_emit_by_name(webrtc_.get(), "get-stats", nullptr, promise.get());
}

} /* namespace wcam */
