/* SPDX-License-Identifier: MIT */
/*
 * Remote SDP and candidate checks. Each rule says which GStreamer 1.22.0
 * code path it keeps bad input from (gstwebrtcbin.c, webrtcsdp.c,
 * gstsdpmessage.c, gst-libs/gst/webrtc/nice/nice.c), and has a test in
 * tests/signaling/SdpValidatorTest.cpp. Anything webrtcbin's own
 * validate_sdp() refuses with an error is left to it.
 */

#include "signaling/SdpValidator.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

namespace wcam {

namespace {

/*
 * webrtcbin gives every audio/video m-line of an offer a transceiver of
 * its own (_create_answer_task), and outside the bundle a transport with
 * its own ICE stream and DTLS elements: bound the work one POST can cause.
 */
constexpr unsigned kMaxOfferMedia = 16;

std::string quote(std::string_view text)
{
	/* Reasons are one line of ASCII: cut long or odd values short. */
	std::string out = "'";
	for (char c : text.substr(0, 64)) {
		unsigned char u = c;
		out += (u < 0x20 || u >= 0x7f) ? '?' : c;
	}
	if (text.size() > 64)
		out += "...";
	return out + "'";
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
	std::vector<std::string_view> parts;
	size_t start = 0;
	while (true) {
		size_t end = s.find(sep, start);
		parts.push_back(s.substr(start, end - start));
		if (end == std::string_view::npos)
			break;
		start = end + 1;
	}
	return parts;
}

/* Plain decimal digits only: no sign, no blanks, no overflow. */
bool isUnsigned(std::string_view s, uint64_t max)
{
	if (s.empty() || s.size() > 20)
		return false;
	uint64_t value = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		uint64_t digit = c - '0';
		if (value > (max - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	return true;
}

/* RFC 4566 token. */
bool isToken(std::string_view s)
{
	static constexpr std::string_view extra = "!#$%&'*+-.^_`{|}~";
	if (s.empty() || s.size() > 256)
		return false;
	for (char c : s)
		if (!g_ascii_isalnum(c) && extra.find(c) == std::string_view::npos)
			return false;
	return true;
}

/*
 * The parse every remote description gets, answers and offers alike.
 * Refused: empty text (gst_sdp_message_parse_buffer g_return_val_if_fail()s
 * on size 0) and text that is not UTF-8 (webrtcbin's
 * _update_transport_ptmap_from_media turns every format into caps with
 * gst_sdp_media_get_caps_from_media, and GstStructure warns "not valid
 * UTF-8. Please file a bug" on such strings, aborting under
 * G_DEBUG=fatal-warnings).
 */
RemoteSdp parse(std::string_view sdp)
{
	RemoteSdp result;
	if (sdp.empty()) {
		result.error = "SDP is empty";
		return result;
	}
	if (!g_utf8_validate(sdp.data(), sdp.size(), nullptr)) {
		result.error = "SDP is not valid UTF-8";
		return result;
	}
	/* GstSdp allocates the message before it parses: ours either way. */
	GstSDPMessage *message = nullptr;
	GstSDPResult parsed = gst_sdp_message_new_from_text(std::string(sdp).c_str(), &message);
	result.message = SdpMessagePtr::adopt(message);
	if (parsed != GST_SDP_OK || !result.message) {
		result.message.reset();
		result.error = "SDP does not parse";
	}
	return result;
}

bool receives(const GstSDPMedia *media)
{
	return !gst_sdp_media_get_attribute_val(media, "sendonly") &&
	       !gst_sdp_media_get_attribute_val(media, "inactive");
}

/* Constrained baseline (what every decoder takes) first, then baseline. */
int profileScore(const GstStructure *s)
{
	const char *profile = gst_structure_get_string(s, "profile");
	const char *levelId = gst_structure_get_string(s, "profile-level-id");
	if (!g_strcmp0(profile, "constrained-baseline") || (levelId && g_str_has_prefix(levelId, "42e0")))
		return 3;
	if (!g_strcmp0(profile, "baseline") || (levelId && g_str_has_prefix(levelId, "42")))
		return 2;
	return 1;
}

/*
 * The H.264 format of `media` we send, read by GstSdp as webrtcbin reads
 * it. Without one webrtcbin's _create_answer_task finds no transceiver
 * whose codec preferences intersect the offer and answers the section
 * rejected (port 0): a 201 with nothing to play.
 */
bool chooseH264(const GstSDPMedia *media, RemoteSdp &offer)
{
	int bestScore = 0;
	for (guint i = 0; i < gst_sdp_media_formats_len(media); i++) {
		const char *format = gst_sdp_media_get_format(media, i);
		/*
		 * As the m-line writes it: "0106" would read as 106, but the
		 * answer's 106 is then a format the offer never listed
		 * (found by fuzz-whep-offer).
		 */
		if (!isUnsigned(format, 127) || (format[0] == '0' && format[1] != '\0'))
			continue;
		int pt = atoi(format);
		CapsPtr caps = CapsPtr::adopt(gst_sdp_media_get_caps_from_media(media, pt));
		if (!caps || gst_caps_is_empty(caps.get()))
			continue;
		const GstStructure *s = gst_caps_get_structure(caps.get(), 0);
		if (g_ascii_strcasecmp(gst_structure_get_string(s, "encoding-name") ?: "", "H264") ||
		    g_strcmp0(gst_structure_get_string(s, "packetization-mode"), "1"))
			continue;
		int score = profileScore(s);
		if (score > bestScore) {
			bestScore = score;
			offer.payloadType = pt;
			const char *profile = gst_structure_get_string(s, "profile");
			offer.profile = profile ? profile : "";
		}
	}
	return offer.payloadType >= 0;
}

std::string checkOffer(RemoteSdp &offer)
{
	const GstSDPMessage *msg = offer.message.get();

	/*
	 * _create_answer_task copies the offer's o= session id into the
	 * answer; without one gst_sdp_message_as_text() leaves the answer's
	 * o= line out, and the client must refuse what we send.
	 */
	const GstSDPOrigin *origin = gst_sdp_message_get_origin(msg);
	if (!origin || !origin->sess_id || !origin->sess_version || !origin->addr)
		return "offer has no complete o= (origin) line";

	guint count = gst_sdp_message_medias_len(msg);
	if (count > kMaxOfferMedia)
		return "offer has " + std::to_string(count) + " media sections, at most " +
		       std::to_string(kMaxOfferMedia) + " are served";

	const GstSDPMedia *video = nullptr;
	for (guint i = 0; i < count; i++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(msg, i);
		/*
		 * _create_answer_task copies each a=mid into the answer and
		 * joins them into its a=group:BUNDLE line: a mid that is not a
		 * token (a blank, a control character) breaks the answer.
		 */
		const char *mid = gst_sdp_media_get_attribute_val(media, "mid");
		if (mid && !isToken(mid))
			return "media " + std::to_string(i) + " has an invalid a=mid " + quote(mid);
		if (!video && !g_strcmp0(gst_sdp_media_get_media(media), "video")) {
			video = media;
			offer.mid = mid ? mid : "";
		}
	}
	if (!video)
		return "offer has no video media section";
	/* webrtcbin: "Cannot intersect direction attributes" after the viewer joined. */
	if (!receives(video))
		return "offer's video section does not receive (needs recvonly or sendrecv)";
	if (!chooseH264(video, offer))
		return "offer has no H.264 video with packetization-mode=1 "
		       "(needs a=rtpmap:<pt> H264/90000 and a=fmtp:<pt> packetization-mode=1)";
	return {};
}

bool isCandidateAddress(std::string_view s)
{
	if (s.empty() || s.size() > 253)
		return false;
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(std::string(s).c_str());
	if (address)
		return true;
	/* An mDNS name as browsers use to hide local addresses: <uuid>.local */
	constexpr std::string_view suffix = ".local";
	if (s.size() <= suffix.size() || s.substr(s.size() - suffix.size()) != suffix)
		return false;
	for (std::string_view label : split(s.substr(0, s.size() - suffix.size()), '.')) {
		if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
			return false;
		for (char c : label)
			if (!g_ascii_isalnum(c) && c != '-')
				return false;
	}
	return true;
}

} /* namespace */

RemoteSdp parseAnswer(std::string_view sdp)
{
	return parse(sdp);
}

RemoteSdp parseWhepOffer(std::string_view sdp)
{
	RemoteSdp offer = parse(sdp);
	if (offer.error.empty())
		offer.error = checkOffer(offer);
	if (!offer.error.empty()) {
		offer.message.reset();
		offer.payloadType = -1;
	}
	return offer;
}

/*
 * webrtcbin 1.22.0 (gst_webrtc_bin_add_ice_candidate, _add_ice_candidate)
 * and its libnice glue (gst_webrtc_nice_add_candidate) take:
 * - an m-line index it knows, else it keeps the candidate in
 *   pending_remote_ice_candidates until the next description: a client
 *   can grow that list without bound;
 * - text starting with "candidate:", else it passes NULL on, which means
 *   "end of candidates" to libnice;
 * - fields libnice parses: when it cannot and the address ends in
 *   ".local", webrtcbin resolves the name by mDNS and parses again, and on
 *   that second failure on_candidate_resolved() logs a string it has just
 *   freed.
 */
std::string validateCandidate(std::string_view candidate, unsigned mlineIndex,
			      unsigned mediaCount)
{
	if (mlineIndex >= mediaCount)
		return "candidate sdpMLineIndex " + std::to_string(mlineIndex) +
		       " is out of range (" + std::to_string(mediaCount) + " media)";
	std::string_view text = candidate;
	if (text.substr(0, 2) == "a=")
		text.remove_prefix(2);
	constexpr std::string_view prefix = "candidate:";
	if (text.substr(0, prefix.size()) != prefix)
		return "candidate does not start with 'candidate:'";
	text.remove_prefix(prefix.size());

	std::vector<std::string_view> fields = split(text, ' ');
	if (fields.size() < 8)
		return "candidate has " + std::to_string(fields.size()) + " fields, needs at least 8";
	if (!isUnsigned(fields[1], 256) || fields[1] == "0")
		return "candidate component " + quote(fields[1]) + " is not in 1..256";
	std::string transport(fields[2]);
	for (char &c : transport)
		c = g_ascii_tolower(c);
	if (transport != "udp" && transport != "tcp")
		return "candidate transport " + quote(fields[2]) + " is not udp or tcp";
	if (!isUnsigned(fields[3], UINT32_MAX))
		return "candidate priority " + quote(fields[3]) + " is not a 32-bit unsigned number";
	if (!isCandidateAddress(fields[4]))
		return "candidate address " + quote(fields[4]) +
		       " is neither an IP address nor an mDNS .local name";
	if (!isUnsigned(fields[5], 65535))
		return "candidate port " + quote(fields[5]) + " is not in 0..65535";
	if (fields[6] != "typ")
		return "candidate has " + quote(fields[6]) + " where 'typ' belongs";
	std::string_view type = fields[7];
	if (type != "host" && type != "srflx" && type != "prflx" && type != "relay")
		return "candidate type " + quote(type) + " is not host, srflx, prflx or relay";

	/* The extensions libnice reads; it skips the others. */
	bool haveTcpType = false;
	for (size_t i = 8; i + 1 < fields.size(); i += 2) {
		std::string_view key = fields[i], value = fields[i + 1];
		if (key == "raddr" && !isCandidateAddress(value))
			return "candidate raddr " + quote(value) + " is not an address";
		if (key == "rport" && !isUnsigned(value, 65535))
			return "candidate rport " + quote(value) + " is not in 0..65535";
		if (key == "tcptype") {
			if (value != "active" && value != "passive" && value != "so")
				return "candidate tcptype " + quote(value) + " is not active, passive or so";
			haveTcpType = true;
		}
	}
	if (transport == "tcp" && !haveTcpType)
		return "tcp candidate has no tcptype";
	return {};
}

} /* namespace wcam */
