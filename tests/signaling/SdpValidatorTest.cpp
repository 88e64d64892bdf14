/* SPDX-License-Identifier: MIT */
/*
 * SdpValidator: one test per rule, each naming the GStreamer 1.22.0 code
 * path the rule keeps bad input from, and a test that what is no longer
 * checked here webrtcbin refuses itself without aborting. webrtcbin runs
 * in child processes only: an abort fails a test, not the runner, and
 * GStreamer's thread pools do not survive a fork of a process that used
 * them.
 */
#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "signaling/SdpValidator.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::CriticalCounter;
using wcam::test::runIsolated;

namespace {

/*
 * What Chromium answers to our offer (one sendonly H264 video m-line,
 * mid video0): captured shape, with its own ufrag/pwd/fingerprint.
 */
const std::string kChromeAnswer =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE video0\r\n"
	"a=extmap-allow-mixed\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:Hq7b\r\n"
	"a=ice-pwd:8hG3mZk1rVx0pQ5sT2wLyN4e\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 5C:2F:91:0A:7E:D4:38:B6:11:9E:C7:03:6A:F5:2B:84:"
	"D9:40:E2:17:8C:B3:65:0F:AA:5D:C1:79:36:E8:04:9B\r\n"
	"a=setup:active\r\n"
	"a=mid:video0\r\n"
	"a=recvonly\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=rtcp-fb:96 goog-remb\r\n"
	"a=rtcp-fb:96 transport-cc\r\n"
	"a=rtcp-fb:96 ccm fir\r\n"
	"a=rtcp-fb:96 nack\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

/* A Chromium WHEP player's offer: recvonly audio and video, many codecs. */
const std::string kChromeWhepOffer =
	"v=0\r\n"
	"o=- 2896359386211862174 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0 1\r\n"
	"a=extmap-allow-mixed\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 98 99 100 101 112 113 116 117 118\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:yV2f\r\n"
	"a=ice-pwd:Wq9tB3nM6kR1cX8pZ4dL0sHj\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 A1:0B:7C:E3:52:9D:44:F8:16:C2:3A:B5:8E:07:D9:61:"
	"2F:CA:90:4E:73:1D:B8:E6:05:5A:C4:29:F1:8B:3E:70\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n"
	"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
	"a=extmap:3 urn:3gpp:video-orientation\r\n"
	"a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
	"a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
	"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=recvonly\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 goog-remb\r\n"
	"a=rtcp-fb:96 transport-cc\r\n"
	"a=rtcp-fb:96 ccm fir\r\n"
	"a=rtcp-fb:96 nack\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=rtpmap:97 rtx/90000\r\n"
	"a=fmtp:97 apt=96\r\n"
	"a=rtpmap:102 H264/90000\r\n"
	"a=rtcp-fb:102 goog-remb\r\n"
	"a=rtcp-fb:102 transport-cc\r\n"
	"a=rtcp-fb:102 ccm fir\r\n"
	"a=rtcp-fb:102 nack\r\n"
	"a=rtcp-fb:102 nack pli\r\n"
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
	"a=rtpmap:103 rtx/90000\r\n"
	"a=fmtp:103 apt=102\r\n"
	"a=rtpmap:104 H264/90000\r\n"
	"a=rtcp-fb:104 nack pli\r\n"
	"a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
	"a=rtpmap:105 rtx/90000\r\n"
	"a=fmtp:105 apt=104\r\n"
	"a=rtpmap:106 H264/90000\r\n"
	"a=rtcp-fb:106 nack pli\r\n"
	"a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
	"a=rtpmap:107 rtx/90000\r\n"
	"a=fmtp:107 apt=106\r\n"
	"a=rtpmap:108 H264/90000\r\n"
	"a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
	"a=rtpmap:109 rtx/90000\r\n"
	"a=fmtp:109 apt=108\r\n"
	"a=rtpmap:127 H264/90000\r\n"
	"a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
	"a=rtpmap:125 rtx/90000\r\n"
	"a=fmtp:125 apt=127\r\n"
	"a=rtpmap:39 H264/90000\r\n"
	"a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
	"a=rtpmap:40 rtx/90000\r\n"
	"a=fmtp:40 apt=39\r\n"
	"a=rtpmap:98 VP9/90000\r\n"
	"a=fmtp:98 profile-id=0\r\n"
	"a=rtpmap:99 rtx/90000\r\n"
	"a=fmtp:99 apt=98\r\n"
	"a=rtpmap:100 VP9/90000\r\n"
	"a=fmtp:100 profile-id=2\r\n"
	"a=rtpmap:101 rtx/90000\r\n"
	"a=fmtp:101 apt=100\r\n"
	"a=rtpmap:112 H264/90000\r\n"
	"a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
	"a=rtpmap:113 rtx/90000\r\n"
	"a=fmtp:113 apt=112\r\n"
	"a=rtpmap:116 red/90000\r\n"
	"a=rtpmap:117 rtx/90000\r\n"
	"a=fmtp:117 apt=116\r\n"
	"a=rtpmap:118 ulpfec/90000\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:yV2f\r\n"
	"a=ice-pwd:Wq9tB3nM6kR1cX8pZ4dL0sHj\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 A1:0B:7C:E3:52:9D:44:F8:16:C2:3A:B5:8E:07:D9:61:"
	"2F:CA:90:4E:73:1D:B8:E6:05:5A:C4:29:F1:8B:3E:70\r\n"
	"a=setup:actpass\r\n"
	"a=mid:1\r\n"
	"a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
	"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=recvonly\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=rtcp-fb:111 transport-cc\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:63 red/48000/2\r\n"
	"a=fmtp:63 111/111\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:13 CN/8000\r\n"
	"a=rtpmap:110 telephone-event/48000\r\n"
	"a=rtpmap:126 telephone-event/8000\r\n";

std::vector<std::string> sdpLines(const std::string &sdp)
{
	std::vector<std::string> lines;
	size_t start = 0;
	while (start < sdp.size()) {
		size_t end = sdp.find("\r\n", start);
		if (end == std::string::npos)
			end = sdp.size();
		lines.push_back(sdp.substr(start, end - start));
		start = end + 2;
	}
	return lines;
}

std::string joinLines(const std::vector<std::string> &lines)
{
	std::string sdp;
	for (const std::string &line : lines)
		sdp += line + "\r\n";
	return sdp;
}

bool startsWith(const std::string &s, const std::string &prefix)
{
	return s.compare(0, prefix.size(), prefix) == 0;
}

/* Drop every line starting with `prefix`. */
std::string without(const std::string &sdp, const std::string &prefix)
{
	std::vector<std::string> kept;
	for (const std::string &line : sdpLines(sdp))
		if (!startsWith(line, prefix))
			kept.push_back(line);
	REQUIRE(kept.size() < sdpLines(sdp).size());
	return joinLines(kept);
}

/* Replace the first line starting with `prefix`. */
std::string replaced(const std::string &sdp, const std::string &prefix, const std::string &line)
{
	std::vector<std::string> lines = sdpLines(sdp);
	for (std::string &l : lines)
		if (startsWith(l, prefix)) {
			l = line;
			return joinLines(lines);
		}
	FAIL("no line starts with " << prefix);
	return {};
}

/* Insert `line` after the first line starting with `prefix`. */
std::string inserted(const std::string &sdp, const std::string &prefix, const std::string &line)
{
	std::vector<std::string> lines = sdpLines(sdp);
	for (size_t i = 0; i < lines.size(); i++)
		if (startsWith(lines[i], prefix)) {
			lines.insert(lines.begin() + i + 1, line);
			return joinLines(lines);
		}
	FAIL("no line starts with " << prefix);
	return {};
}

/*
 * Fuzz-style variants of `sdp`: every line dropped, doubled, emptied of
 * its value or swapped with its neighbour.
 */
std::vector<std::string> lineVariants(const std::string &sdp)
{
	std::vector<std::string> lines = sdpLines(sdp);
	std::vector<std::string> variants;
	for (size_t i = 0; i < lines.size(); i++) {
		std::vector<std::string> v = lines;
		v.erase(v.begin() + i);
		variants.push_back(joinLines(v));

		v = lines;
		v.insert(v.begin() + i, lines[i]);
		variants.push_back(joinLines(v));

		v = lines;
		size_t colon = v[i].find(':');
		v[i] = colon != std::string::npos ? v[i].substr(0, colon + 1) : v[i].substr(0, 2);
		variants.push_back(joinLines(v));

		if (i + 1 < lines.size()) {
			v = lines;
			std::swap(v[i], v[i + 1]);
			variants.push_back(joinLines(v));
		}
	}
	return variants;
}

/* The answer's line variants, and the text cut at many offsets. */
std::vector<std::string> answerVariants()
{
	std::vector<std::string> variants = lineVariants(kChromeAnswer);
	for (size_t cut = 0; cut < kChromeAnswer.size(); cut += 13)
		variants.push_back(kChromeAnswer.substr(0, cut));
	variants.push_back(kChromeAnswer + kChromeAnswer);
	return variants;
}

/*
 * The server's side: a webrtcbin with one sendonly H264 transceiver, its
 * codec preferences `caps`, as ViewerBranch sets it up.
 */
class Peer
{
public:
	explicit Peer(const std::string &caps)
		: pipeline_(GstPtr<GstElement>::retain(gst_pipeline_new(nullptr))),
		  webrtc_(GstPtr<GstElement>::retain(gst_element_factory_make("webrtcbin", nullptr)))
	{
		if (!webrtc_)
			return;
		gst_bin_add(GST_BIN(pipeline_.get()), webrtc_.get());
		g_object_set(webrtc_.get(), "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
		sink_ = GstPtr<GstPad>::adopt(gst_element_request_pad_simple(webrtc_.get(), "sink_%u"));
		g_autoptr(GstWebRTCRTPTransceiver) transceiver = nullptr;
		g_object_get(sink_.get(), "transceiver", &transceiver, nullptr);
		CapsPtr preferences = CapsPtr::adopt(gst_caps_from_string(caps.c_str()));
		g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
			     "codec-preferences", preferences.get(), "do-nack", TRUE, nullptr);
		gst_element_set_state(pipeline_.get(), GST_STATE_READY);
	}
	~Peer()
	{
		if (sink_)
			gst_element_release_request_pad(webrtc_.get(), sink_.get());
		gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
	}

	/* create-offer/create-answer: the description, or null and `error`. */
	SessionDescriptionPtr create(const char *what, std::string &error)
	{
		StructurePtr reply = emit((std::string("create-") + what).c_str(), nullptr, error);
		GstWebRTCSessionDescription *description = nullptr;
		if (error.empty() && reply)
			gst_structure_get(reply.get(), what, GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
					  &description, nullptr);
		if (error.empty() && !description)
			error = std::string("webrtcbin created no ") + what;
		return SessionDescriptionPtr::adopt(description);
	}

	/* set-local-description/set-remote-description: "" or webrtcbin's error. */
	std::string set(const char *which, GstWebRTCSessionDescription *description)
	{
		std::string error;
		emit((std::string("set-") + which + "-description").c_str(), description, error);
		return error;
	}

	/* Remote text as the test gives it, parsed as webrtcbin's user would. */
	std::string setRemote(GstWebRTCSDPType type, const std::string &text)
	{
		GstSDPMessage *sdp = nullptr;
		gst_sdp_message_new_from_text(text.c_str(), &sdp);
		auto description = SessionDescriptionPtr::adopt(gst_webrtc_session_description_new(type, sdp));
		return set("remote", description.get());
	}

	GstElement *webrtc() const { return webrtc_.get(); }

private:
	StructurePtr emit(const char *signal, gpointer argument, std::string &error)
	{
		PromisePtr promise = PromisePtr::adopt(gst_promise_new());
		g_signal_emit_by_name(webrtc_.get(), signal, argument, promise.get());
		if (gst_promise_wait(promise.get()) != GST_PROMISE_RESULT_REPLIED) {
			error = "promise not replied";
			return {};
		}
		const GstStructure *reply = gst_promise_get_reply(promise.get());
		g_autoptr(GError) gerror = nullptr;
		if (reply && gst_structure_has_field(reply, "error"))
			gst_structure_get(reply, "error", G_TYPE_ERROR, &gerror, nullptr);
		if (gerror)
			error = gerror->message;
		return StructurePtr::adopt(reply ? gst_structure_copy(reply) : nullptr);
	}

	GstPtr<GstElement> pipeline_;
	GstPtr<GstElement> webrtc_;
	GstPtr<GstPad> sink_;
};

std::string sdpText(const GstWebRTCSessionDescription *description)
{
	g_autofree char *text = gst_sdp_message_as_text(description->sdp);
	return text ? text : "";
}

/*
 * Our offer set as local description, then `answer` as remote. Returns ""
 * when webrtcbin accepted it and is stable, else the error webrtcbin
 * reported; aborts (in the child) when webrtcbin does.
 */
std::string negotiate(const std::string &answer, std::string *offerText = nullptr)
{
	Peer peer("application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,"
		  "packetization-mode=(string)1,profile-level-id=(string)42e01f");
	if (!peer.webrtc())
		return "no webrtcbin element";
	std::string error;
	SessionDescriptionPtr offer = peer.create("offer", error);
	if (!offer)
		return error;
	if (offerText)
		*offerText = sdpText(offer.get());
	if (!(error = peer.set("local", offer.get())).empty())
		return "local offer refused: " + error;
	if (!(error = peer.setRemote(GST_WEBRTC_SDP_TYPE_ANSWER, answer)).empty())
		return error;
	GstWebRTCSignalingState state;
	g_object_get(peer.webrtc(), "signaling-state", &state, nullptr);
	return state == GST_WEBRTC_SIGNALING_STATE_STABLE ? "" : "webrtcbin is not stable after the answer";
}

/*
 * A WHEP exchange, as ViewerBranch::answerOffer does it: the transceiver
 * fixed to payload type `pt`, `offer` set as remote description, then
 * create-answer and set-local-description.
 */
std::string answerOfferWith(const std::string &offer, int pt, std::string *answerText = nullptr)
{
	Peer peer("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
		  "packetization-mode=(string)1,payload=" + std::to_string(pt));
	if (!peer.webrtc())
		return "no webrtcbin element";
	std::string error = peer.setRemote(GST_WEBRTC_SDP_TYPE_OFFER, offer);
	if (!error.empty())
		return "offer refused: " + error;
	SessionDescriptionPtr answer = peer.create("answer", error);
	if (!answer)
		return error;
	if (answerText)
		*answerText = sdpText(answer.get());
	return peer.set("local", answer.get());
}

bool haveWebrtcbin()
{
	return bool(GstPtr<GstElementFactory>::adopt(gst_element_factory_find("webrtcbin")));
}

/* The Chromium offer with only its video section. */
std::string videoOnlyOffer()
{
	std::string offer = kChromeWhepOffer.substr(0, kChromeWhepOffer.find("m=audio"));
	return replaced(offer, "a=group:", "a=group:BUNDLE 0");
}

/*
 * Run `fn` on each of `inputs` in one child (fatal criticals): "" when
 * none aborted, else the input it aborted on.
 */
std::string firstAbort(const std::vector<std::string> &inputs,
		       const std::function<void(const std::string &)> &fn)
{
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	std::string outcome = runIsolated([&] {
		close(fds[0]);
		for (size_t i = 0; i < inputs.size(); i++) {
			/* Before each input: the parent learns which one it died on. */
			if (write(fds[1], &i, sizeof(i)) != sizeof(i))
				return std::string("pipe");
			fn(inputs[i]);
		}
		return std::string();
	}, GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR), 100);
	close(fds[1]);
	size_t index = inputs.size(), last;
	while (read(fds[0], &last, sizeof(last)) == sizeof(last))
		index = last;
	close(fds[0]);
	if (outcome.empty())
		return {};
	return outcome + " on:\n" + (index < inputs.size() ? inputs[index] : "?");
}

} /* namespace */

/*
 * The dependencies are required (meson): a missing webrtcbin is a broken
 * install, not a reason to pass.
 */
TEST_CASE("webrtcbin is there to test against", "[sdp][webrtcbin]")
{
	REQUIRE(haveWebrtcbin());
}

TEST_CASE("a real Chromium answer is parsed once and kept as it is", "[sdp]")
{
	RemoteSdp answer = parseAnswer(kChromeAnswer);
	REQUIRE(answer.error == "");
	REQUIRE(answer.message);
	g_autofree char *text = gst_sdp_message_as_text(answer.message.get());
	CHECK(text == kChromeAnswer);

	/* Bare LF line endings and no final line break are fine too. */
	std::string lf;
	for (char c : kChromeAnswer)
		if (c != '\r')
			lf += c;
	CHECK(parseAnswer(lf).error == "");
	CHECK(parseAnswer(lf.substr(0, lf.size() - 1)).error == "");
}

TEST_CASE("a real Chromium WHEP offer: its constrained baseline H.264 is chosen", "[sdp]")
{
	RemoteSdp offer = parseWhepOffer(kChromeWhepOffer);
	REQUIRE(offer.error == "");
	REQUIRE(offer.message);
	CHECK(gst_sdp_message_medias_len(offer.message.get()) == 2);
	/* 102 is baseline 42001f; 106 is constrained baseline with mode 1. */
	CHECK(offer.payloadType == 106);
	CHECK(offer.mid == "0");
	CHECK(offer.profile == "constrained-baseline");

	/* Video only; with no direction (sendrecv) or sendrecv. */
	std::string video = videoOnlyOffer();
	CHECK(parseWhepOffer(video).payloadType == 106);
	CHECK(parseWhepOffer(without(video, "a=recvonly")).payloadType == 106);
	CHECK(parseWhepOffer(replaced(video, "a=recvonly", "a=sendrecv")).payloadType == 106);

	/* Without constrained baseline: baseline, then whatever comes first. */
	std::string noCb = video;
	for (size_t at; (at = noCb.find("profile-level-id=42e01f")) != std::string::npos;)
		noCb.replace(at, 23, "profile-level-id=640c1f");
	CHECK(parseWhepOffer(noCb).payloadType == 102);
	std::string high = replaced(noCb, "a=fmtp:102", "a=fmtp:102 packetization-mode=0;profile-level-id=42001f");
	for (size_t at; (at = high.find("profile-level-id=42001f")) != std::string::npos;)
		high.replace(at, 23, "profile-level-id=640c1f");
	CHECK(parseWhepOffer(high).payloadType == 106);
}

/*
 * Rule: empty text. gst_sdp_message_parse_buffer (gstsdpmessage.c)
 * g_return_val_if_fail()s on size 0: a critical, an abort under
 * G_DEBUG=fatal-criticals.
 */
TEST_CASE("rule: empty SDP is refused before GstSdp sees it", "[sdp]")
{
	{
		CriticalCounter criticals;
		GstSDPMessage *message = nullptr;
		gst_sdp_message_new_from_text("", &message);
		SdpMessagePtr owned = SdpMessagePtr::adopt(message);
		CHECK(criticals.count() == 1);
	}
	CriticalCounter criticals;
	CHECK_THAT(parseAnswer("").error, Catch::Matchers::Contains("empty"));
	RemoteSdp offer = parseWhepOffer("");
	CHECK_THAT(offer.error, Catch::Matchers::Contains("empty"));
	CHECK_FALSE(offer.message);
	CHECK(criticals.count() == 0);
}

/*
 * Rule: UTF-8 only. webrtcbin's _update_transport_ptmap_from_media (and
 * _create_answer_task's _rtp_caps_from_media) turn each format into caps
 * with gst_sdp_media_get_caps_from_media; GstStructure warns "string is
 * not valid UTF-8. Please file a bug" (fatal under G_DEBUG=fatal-warnings).
 */
TEST_CASE("rule: SDP that is not UTF-8 is refused", "[sdp][webrtcbin]")
{
	std::string bad = replaced(videoOnlyOffer(), "a=fmtp:106",
				   "a=fmtp:106 packetization-mode=1;profile-level-id=42e0\xff");
	CHECK_THAT(parseWhepOffer(bad).error, Catch::Matchers::Contains("UTF-8"));
	CHECK_THAT(parseAnswer(replaced(kChromeAnswer, "s=", "s=\xc3")).error,
		   Catch::Matchers::Contains("UTF-8"));

	std::string outcome = runIsolated([&] { return answerOfferWith(bad, 106); },
					  GLogLevelFlags(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL));
	INFO("webrtcbin, given it: " << outcome);
	CHECK(outcome.rfind("child killed", 0) == 0);
}

/*
 * Rule: an offer needs its o= line. _create_answer_task copies the
 * offer's session id into the answer; without one gst_sdp_message_as_text
 * leaves the answer's o= line out, an answer every client must refuse.
 */
TEST_CASE("rule: an offer without o= is refused", "[sdp][webrtcbin]")
{
	std::string noOrigin = without(videoOnlyOffer(), "o=");
	CHECK_THAT(parseWhepOffer(noOrigin).error, Catch::Matchers::Contains("o="));

	CHECK(runIsolated([&] {
		std::string answer, error = answerOfferWith(noOrigin, 106, &answer);
		if (!error.empty() || answer.find("\no=") != std::string::npos)
			return "expected an answer without o=: " + error + answer;
		error = answerOfferWith(videoOnlyOffer(), 106, &answer);
		if (!error.empty() || answer.find("\no=") == std::string::npos)
			return "expected an answer with o=: " + error + answer;
		return std::string();
	}) == "");
}

/*
 * Rule: at most 16 media sections in an offer. _create_answer_task makes a
 * transceiver for each audio/video m-line it has none for, and outside the
 * bundle a transport (ICE stream, DTLS elements) each: one POST must not
 * cost the server without bound.
 */
TEST_CASE("rule: an offer with more than 16 media sections is refused", "[sdp]")
{
	std::string offer = videoOnlyOffer();
	std::string section = offer.substr(offer.find("m=video"));
	std::string many = offer;
	for (int i = 1; i <= 16; i++)
		many += replaced(section, "a=mid:", "a=mid:m" + std::to_string(i));
	CHECK_THAT(parseWhepOffer(many).error, Catch::Matchers::Contains("17 media sections"));
	std::string sixteen = offer;
	for (int i = 1; i <= 15; i++)
		sixteen += replaced(section, "a=mid:", "a=mid:m" + std::to_string(i));
	CHECK(parseWhepOffer(sixteen).error == "");
}

/*
 * Rule: every mid of an offer is a token. _create_answer_task copies each
 * a=mid into the answer and joins them into its a=group:BUNDLE line, where
 * a blank splits one mid into two names the client does not know.
 */
TEST_CASE("rule: an offer's mid must be a token", "[sdp]")
{
	std::string offer = replaced(videoOnlyOffer(), "a=mid:", "a=mid:vi deo");
	offer = replaced(offer, "a=group:", "a=group:BUNDLE vi deo");
	CHECK_THAT(parseWhepOffer(offer).error, Catch::Matchers::Contains("a=mid"));
	CHECK_THAT(parseWhepOffer(replaced(kChromeWhepOffer, "a=mid:1", "a=mid:a\tb")).error,
		   Catch::Matchers::Contains("media 1"));
}

/*
 * Rule: the first video section receives H.264 with packetization-mode 1.
 * Otherwise webrtcbin's _create_answer_task finds no transceiver whose
 * codec preferences intersect the section and answers it rejected (port
 * 0): a WHEP client would get 201 Created and nothing to play. A sendonly
 * section it refuses only once the viewer is in the pipeline ("Cannot
 * intersect direction attributes").
 */
TEST_CASE("rule: an offer must let us send H.264 packetization-mode 1", "[sdp][webrtcbin]")
{
	std::string video = videoOnlyOffer();
	CHECK_THAT(parseWhepOffer(replaced(video, "a=recvonly", "a=sendonly")).error,
		   Catch::Matchers::Contains("receive"));
	CHECK_THAT(parseWhepOffer(replaced(video, "a=recvonly", "a=inactive")).error,
		   Catch::Matchers::Contains("receive"));

	/* VP8 only: webrtcbin answers the video section rejected. */
	std::string vp8 = replaced(video, "m=video", "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
	std::vector<std::string> kept;
	for (const std::string &line : sdpLines(vp8)) {
		bool keep = true;
		for (const char *prefix : { "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:" })
			if (startsWith(line, prefix) && !startsWith(line, std::string(prefix) + "96") &&
			    !startsWith(line, std::string(prefix) + "97"))
				keep = false;
		if (keep)
			kept.push_back(line);
	}
	vp8 = joinLines(kept);
	CHECK_THAT(parseWhepOffer(vp8).error, Catch::Matchers::Contains("H.264"));
	CHECK(runIsolated([&] {
		std::string answer, error = answerOfferWith(vp8, 96, &answer);
		if (!error.empty() || answer.find("H264") != std::string::npos ||
		    answer.find("a=sendonly") != std::string::npos)
			return "expected an answer that sends nothing: " + error + answer;
		return std::string();
	}) == "");

	/* H.264 in packetization-mode 0 only. */
	std::string mode0 = video;
	for (size_t at; (at = mode0.find("packetization-mode=1")) != std::string::npos;)
		mode0.replace(at, 20, "packetization-mode=0");
	CHECK_THAT(parseWhepOffer(mode0).error, Catch::Matchers::Contains("packetization-mode"));

	/* Audio only. */
	std::string audio = kChromeWhepOffer.substr(0, kChromeWhepOffer.find("m=video")) +
			    kChromeWhepOffer.substr(kChromeWhepOffer.find("m=audio"));
	CHECK_THAT(parseWhepOffer(replaced(audio, "a=group:", "a=group:BUNDLE 1")).error,
		   Catch::Matchers::Contains("no video"));
}

TEST_CASE("rule: a payload type is chosen only as the m-line writes it", "[sdp]")
{
	/* fuzz-whep-offer's find: "0106" in the m-line, rtpmap:106 H264. */
	std::string video = videoOnlyOffer();
	RemoteSdp plain = parseWhepOffer(video);
	REQUIRE(plain);
	std::string pt = std::to_string(plain.payloadType);
	std::vector<std::string> lines = sdpLines(video);
	bool padded = false;
	for (std::string &line : lines) {
		if (!startsWith(line, "m=video"))
			continue;
		size_t at = (line + " ").find(" " + pt + " ");
		REQUIRE(at != std::string::npos);
		line.insert(at + 1, "0");
		padded = true;
	}
	REQUIRE(padded);
	RemoteSdp offer = parseWhepOffer(joinLines(lines));
	INFO(offer.error);
	CHECK((!offer || offer.payloadType != plain.payloadType));
}

/*
 * What is not checked here any more: webrtcbin's own validate_sdp
 * (webrtcsdp.c) and _set_description_task refuse it with an error, which
 * reaches the viewer as "answer refused: ..." (or the WHEP response).
 */
TEST_CASE("what webrtcbin checks itself it refuses without aborting", "[sdp][webrtcbin]")
{
	struct Case {
		std::string answer;
		const char *webrtcbinSays;
	};
	std::string two = kChromeAnswer + kChromeAnswer.substr(kChromeAnswer.find("m=video"));
	const std::vector<Case> cases = {
		{ without(kChromeAnswer, "a=ice-ufrag:"), "ice-ufrag" },
		{ without(kChromeAnswer, "a=ice-pwd:"), "ice-pwd" },
		{ without(kChromeAnswer, "a=fingerprint:"), "fingerprint" },
		{ without(kChromeAnswer, "a=setup:"), "setup" },
		{ replaced(kChromeAnswer, "a=setup:", "a=setup:client"), "setup" },
		{ without(kChromeAnswer, "a=mid:"), "mid" },
		{ inserted(kChromeAnswer, "t=0 0", "k=clear:secret"), "k line" },
		{ replaced(kChromeAnswer, "a=group:", "a=group:BUNDLE audio0"), "Bundle" },
		{ two, "m-lines" },
		{ without(kChromeAnswer, "m=video"), "Bundle" },
		{ "hello", "m-lines" },
	};
	for (const Case &c : cases) {
		RemoteSdp answer = parseAnswer(c.answer);
		INFO("webrtcbin should say " << c.webrtcbinSays << " to:\n" << c.answer);
		CHECK(answer.error == "");
		std::string outcome = runIsolated([&] {
			std::string error = negotiate(c.answer);
			return error.find(c.webrtcbinSays) != std::string::npos
				       ? std::string()
				       : "webrtcbin said: '" + error + "'";
		});
		CHECK(outcome == "");
	}
}

TEST_CASE("valid trickled candidates are accepted", "[candidate]")
{
	const char *valid[] = {
		/* Chromium host, srflx, relay, mDNS, tcp. */
		"candidate:1467250027 1 udp 2122260223 192.168.1.10 46243 typ host generation 0 ufrag Hq7b network-id 1",
		"candidate:842163049 1 udp 1677729535 203.0.113.7 54400 typ srflx raddr 192.168.1.10 rport 46243 generation 0 ufrag Hq7b network-cost 999",
		"candidate:2999745851 1 udp 41885439 198.51.100.20 61234 typ relay raddr 203.0.113.7 rport 54400 generation 0 ufrag Hq7b network-cost 999",
		"candidate:3028415214 1 udp 2113937151 4b0c6c36-6a8b-4d3e-9f3b-1c2d3e4f5a6b.local 51000 typ host generation 0 ufrag Hq7b network-cost 999",
		"candidate:1853887674 1 tcp 1518280447 192.168.1.10 9 typ host tcptype active generation 0 ufrag Hq7b network-id 1",
		"candidate:1 1 TCP 1518280447 192.168.1.10 50001 typ host tcptype passive",
		"candidate:2 1 udp 1845501695 203.0.113.7 50000 typ prflx raddr 0.0.0.0 rport 0",
		/* Firefox style, IPv6, "a=" prefix, port 0. */
		"candidate:0 1 UDP 2122252543 192.168.1.10 50000 typ host",
		"candidate:4 1 UDP 2122187007 2001:db8::1 50002 typ host",
		"candidate:5 1 UDP 2122187007 fe80::1c2f:3aff:fe4b:5d6e 50003 typ host",
		"a=candidate:0 1 UDP 2122252543 192.168.1.10 50000 typ host",
		"candidate:0 1 udp 2122252543 192.168.1.10 0 typ host",
		"candidate:a+b/C9 256 udp 4294967295 10.0.0.1 65535 typ host x-custom value",
	};
	for (const char *c : valid) {
		INFO(c);
		CHECK(validateCandidate(c, 0, 1) == "");
	}
	CHECK(validateCandidate(valid[0], 1, 2) == "");
}

/*
 * Rules for candidates (gstwebrtcbin.c gst_webrtc_bin_add_ice_candidate,
 * _add_ice_candidate; nice.c gst_webrtc_nice_add_candidate): an m-line
 * index webrtcbin knows, else it keeps the candidate pending without
 * bound; the "candidate:" prefix, else webrtcbin passes NULL, libnice's
 * "end of candidates"; the fields libnice parses, else a .local address is
 * resolved by mDNS and, failing to parse again, logged after it was freed
 * (on_candidate_resolved).
 */
TEST_CASE("candidates webrtcbin or libnice would mishandle are refused, naming the field",
	  "[candidate]")
{
	struct Case {
		std::string candidate;
		const char *mention;
	};
	const std::string base = "candidate:1 1 udp 2122260223 192.168.1.10 46243 typ host";
	const std::vector<Case> cases = {
		{ "", "candidate:" },
		{ "garbage", "candidate:" },
		{ "a=b=candidate:1 1 udp 1 10.0.0.1 9 typ host", "candidate:" },
		{ "Candidate:1 1 udp 1 10.0.0.1 9 typ host", "candidate:" },
		{ "candidate:", "fields" },
		{ "candidate:1 1 udp 2122260223 x.local 46243 typ", "fields" },
		{ "candidate:1 0 udp 1 10.0.0.1 9 typ host", "component" },
		{ "candidate:1 257 udp 1 10.0.0.1 9 typ host", "component" },
		{ "candidate:1  1 udp 1 10.0.0.1 9 typ host", "component" },
		{ "candidate:1 1 sctp 1 a.local 9 typ host", "transport" },
		{ "candidate:1 1 udp 4294967296 10.0.0.1 9 typ host", "priority" },
		{ "candidate:1 1 udp -5 10.0.0.1 9 typ host", "priority" },
		{ "candidate:1 1 udp 1 999.0.0.1 9 typ host", "address" },
		{ "candidate:1 1 udp 1 example.com 9 typ host", "address" },
		{ "candidate:1 1 udp 1 .local 9 typ host", "address" },
		{ "candidate:1 1 udp 1 bad_name.local 9 typ host", "address" },
		{ "candidate:1 1 udp 1 a.local 65536 typ host", "port" },
		{ "candidate:1 1 udp 1 a.local 9 type host", "typ" },
		{ "candidate:1 1 udp 1 a.local 9 typ local", "type" },
		{ base + " raddr 10.0.0.300 rport 9", "raddr" },
		{ base + " raddr 10.0.0.3 rport 99999", "rport" },
		{ "candidate:1 1 tcp 1 a.local 9 typ host", "tcptype" },
		{ "candidate:1 1 tcp 1 10.0.0.1 9 typ host tcptype sideways", "tcptype" },
	};
	for (const Case &c : cases) {
		std::string reason = validateCandidate(c.candidate, 0, 1);
		INFO("candidate: " << c.candidate << "\nreason: " << reason);
		CHECK_THAT(reason, Catch::Matchers::Contains(c.mention, Catch::CaseSensitive::No));
	}

	CHECK_THAT(validateCandidate(base, 1, 1), Catch::Matchers::Contains("sdpMLineIndex"));
	CHECK_THAT(validateCandidate(base, 0, 0), Catch::Matchers::Contains("sdpMLineIndex"));
}

/*
 * Everything the parse lets through must be survivable: webrtcbin may
 * refuse a variant with an error, it must not abort or emit a critical
 * (made fatal in the child).
 */
TEST_CASE("webrtcbin takes every accepted answer variant without aborting", "[sdp][webrtcbin]")
{
	/* GStreamer's thread pools do not survive a fork: webrtcbin runs in children only. */
	CHECK(runIsolated([] {
		std::string text, error = negotiate(kChromeAnswer, &text);
		/* Our answer answers what webrtcbin offers: one H264 m-line, mid video0. */
		if (error.empty() && (text.find("a=mid:video0") == std::string::npos ||
				      text.find("H264/90000") == std::string::npos))
			error = "webrtcbin's offer is not what kChromeAnswer answers:\n" + text;
		return error;
	}) == "");

	std::vector<std::string> accepted;
	for (const std::string &v : answerVariants()) {
		RemoteSdp answer = parseAnswer(v);
		CHECK(answer.error.find('\n') == std::string::npos);
		if (answer)
			accepted.push_back(v);
	}
	REQUIRE(accepted.size() > 100);
	CHECK(firstAbort(accepted, [](const std::string &v) { negotiate(v); }) == "");
}

TEST_CASE("webrtcbin answers every accepted offer variant without aborting", "[sdp][webrtcbin]")
{
	std::vector<std::string> accepted;
	for (const std::string &v : lineVariants(kChromeWhepOffer)) {
		RemoteSdp offer = parseWhepOffer(v);
		if (offer)
			accepted.push_back(v);
	}
	REQUIRE(accepted.size() > 100);
	CHECK(firstAbort(accepted, [](const std::string &v) {
		answerOfferWith(v, parseWhepOffer(v).payloadType);
	}) == "");
}
