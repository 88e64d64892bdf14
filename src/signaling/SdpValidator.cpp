/* SPDX-License-Identifier: MIT */
/*
 * Remote SDP and candidate checks. GstSdp parses almost anything, so the
 * text is first checked line by line, then the parsed message is checked
 * for everything webrtcbin 1.22 relies on without checking itself (it
 * asserts, or dereferences NULL, on e.g. a BUNDLE tag naming no media or an
 * answer with fewer m-lines than the offer).
 */

#include "signaling/SdpValidator.h"

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

namespace wcam {

namespace {

constexpr size_t kMaxSdpSize = 64 * 1024;
constexpr size_t kMaxCandidateSize = 1024;
/* More m-lines than any sane WHEP client offers; bounds the work here. */
constexpr unsigned kMaxMedia = 16;

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

std::string mediaName(unsigned index)
{
	return "media " + std::to_string(index);
}

bool isIceChar(char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/';
}

bool isIceString(std::string_view s, size_t minLen, size_t maxLen)
{
	if (s.size() < minLen || s.size() > maxLen)
		return false;
	for (char c : s)
		if (!isIceChar(c))
			return false;
	return true;
}

/* RFC 4566 token (mid values, group semantics). */
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

/* Plain decimal digits only: no sign, no blanks, no overflow. */
bool parseUnsigned(std::string_view s, uint64_t max, uint64_t &out)
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
	out = value;
	return true;
}

bool isUnsigned(std::string_view s, uint64_t max)
{
	uint64_t unused;
	return parseUnsigned(s, max, unused);
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

bool isIpLiteral(std::string_view s)
{
	if (s.empty() || s.size() > 64)
		return false;
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(std::string(s).c_str());
	return address != nullptr;
}

/* An mDNS host name as browsers use to hide local addresses: <uuid>.local */
bool isMdnsName(std::string_view s)
{
	constexpr std::string_view suffix = ".local";
	if (s.size() <= suffix.size() || s.size() > 253 ||
	    g_ascii_strcasecmp(std::string(s.substr(s.size() - suffix.size())).c_str(),
			       suffix.data()) != 0)
		return false;
	for (std::string_view label : split(s.substr(0, s.size() - suffix.size()), '.')) {
		if (label.empty() || label.size() > 63 || label.front() == '-' ||
		    label.back() == '-')
			return false;
		for (char c : label)
			if (!g_ascii_isalnum(c) && c != '-')
				return false;
	}
	return true;
}

bool isCandidateAddress(std::string_view s)
{
	return isIpLiteral(s) || isMdnsName(s);
}

const char *attributeValue(const GstSDPAttribute *attr)
{
	return attr->value ? attr->value : "";
}

/* Session and media attributes seen through one interface. */
struct AttributeList {
	const GstSDPMessage *msg = nullptr;
	const GstSDPMedia *media = nullptr;

	unsigned size() const
	{
		return media ? gst_sdp_media_attributes_len(media)
			     : gst_sdp_message_attributes_len(msg);
	}
	const GstSDPAttribute *at(unsigned i) const
	{
		return media ? gst_sdp_media_get_attribute(media, i)
			     : gst_sdp_message_get_attribute(msg, i);
	}
	unsigned count(const char *key) const
	{
		unsigned n = 0;
		for (unsigned i = 0; i < size(); i++)
			n += g_strcmp0(at(i)->key, key) == 0;
		return n;
	}
	/* First value of `key`, nullptr when absent. */
	const char *find(const char *key) const
	{
		for (unsigned i = 0; i < size(); i++)
			if (g_strcmp0(at(i)->key, key) == 0)
				return attributeValue(at(i));
		return nullptr;
	}
};

/* A media section's value of `key`, falling back to the session level. */
const char *mediaOrSessionValue(const GstSDPMessage *msg, unsigned index, const char *key)
{
	const char *value = AttributeList{ msg, gst_sdp_message_get_media(msg, index) }.find(key);
	if (!value || !*value)
		value = AttributeList{ msg, nullptr }.find(key);
	return value && *value ? value : nullptr;
}

std::string checkFingerprint(std::string_view value, const std::string &where)
{
	static const std::set<std::string_view> hashes = {
		"sha-1", "sha-224", "sha-256", "sha-384", "sha-512",
	};
	size_t space = value.find(' ');
	if (space == std::string_view::npos)
		return where + " has a malformed fingerprint " + quote(value);
	std::string hash(value.substr(0, space));
	for (char &c : hash)
		c = g_ascii_tolower(c);
	if (!hashes.count(hash))
		return where + " has a fingerprint with unknown hash " + quote(hash);
	std::vector<std::string_view> bytes = split(value.substr(space + 1), ':');
	if (bytes.size() < 20 || bytes.size() > 64)
		return where + " has a fingerprint of the wrong length";
	for (std::string_view byte : bytes)
		if (byte.size() != 2 || !g_ascii_isxdigit(byte[0]) || !g_ascii_isxdigit(byte[1]))
			return where + " has a malformed fingerprint " + quote(value);
	return {};
}

/*
 * The text itself, before GstSdp sees it: size, NUL bytes, control
 * characters, "x=" line shapes, v=0 first, and the other mandatory
 * session lines (o=, s=, t=) before the first m=.
 */
std::string checkText(std::string_view sdp)
{
	if (sdp.empty())
		return "SDP is empty";
	if (sdp.size() > kMaxSdpSize)
		return "SDP is " + std::to_string(sdp.size()) + " bytes, larger than the " +
		       std::to_string(kMaxSdpSize) + " byte limit";
	if (sdp.find('\0') != std::string_view::npos)
		return "SDP contains a NUL byte";
	/* GstSdp would pass such values on into caps, which GStreamer refuses. */
	if (!g_utf8_validate(sdp.data(), sdp.size(), nullptr))
		return "SDP is not valid UTF-8";

	std::vector<std::string_view> lines = split(sdp, '\n');
	/* A final line break leaves one empty element; that is fine. */
	if (lines.size() > 1 && lines.back().empty())
		lines.pop_back();

	bool haveOrigin = false, haveSession = false, haveTiming = false;
	for (size_t i = 0; i < lines.size(); i++) {
		std::string_view line = lines[i];
		if (!line.empty() && line.back() == '\r')
			line.remove_suffix(1);
		std::string where = "SDP line " + std::to_string(i + 1);

		for (char c : line) {
			unsigned char u = c;
			if ((u < 0x20 && c != '\t') || u == 0x7f)
				return where + " contains a control character";
		}
		if (line.size() < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=')
			return where + " is not of the form x=value: " + quote(line);
		if (i == 0 && line != "v=0")
			return "SDP does not start with v=0";

		switch (line[0]) {
		case 'v':
			if (i != 0)
				return where + " repeats the v= line";
			break;
		case 'o':
			haveOrigin = true;
			break;
		case 's':
			haveSession = true;
			break;
		case 't':
			haveTiming = true;
			break;
		case 'm':
			if (!haveOrigin)
				return "SDP has no o= (origin) line before the first m= line";
			if (!haveSession)
				return "SDP has no s= (session name) line before the first m= line";
			if (!haveTiming)
				return "SDP has no t= (timing) line before the first m= line";
			break;
		case 'k':
			/* webrtcbin refuses k= lines: keys come from DTLS. */
			return where + " is a k= (encryption key) line, not allowed";
		default:
			break;
		}
	}
	if (!haveOrigin)
		return "SDP has no o= (origin) line";
	if (!haveSession)
		return "SDP has no s= (session name) line";
	if (!haveTiming)
		return "SDP has no t= (timing) line";
	return {};
}

/* a=rtpmap, a=fmtp, a=rtcp-fb, a=ssrc... of one media section. */
std::string checkMediaAttributes(const AttributeList &attrs, const std::set<unsigned> &formats,
				 unsigned index, unsigned mediaCount)
{
	std::string where = mediaName(index);
	std::set<unsigned> mapped;

	for (unsigned i = 0; i < attrs.size(); i++) {
		const GstSDPAttribute *attr = attrs.at(i);
		std::string_view key = attr->key ? attr->key : "";
		std::string_view value = attributeValue(attr);

		if (key == "rtpmap" || key == "fmtp") {
			/* "<pt> <rest>": the payload type must be one we offer here. */
			size_t space = value.find(' ');
			uint64_t pt;
			if (space == std::string_view::npos || space + 1 == value.size() ||
			    !parseUnsigned(value.substr(0, space), 127, pt))
				return where + " has a malformed a=" + std::string(key) + ": " + quote(value);
			if (!formats.count(pt))
				return where + " has a=" + std::string(key) + " for payload type " +
				       std::to_string(pt) + " not in its m= line";
			if (key == "rtpmap") {
				/* <encoding>/<clock rate>[/<channels>] */
				std::vector<std::string_view> parts = split(value.substr(space + 1), '/');
				if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
				    !isToken(parts[0]) || !isUnsigned(parts[1], 10000000) ||
				    (parts.size() == 3 && !isUnsigned(parts[2], 255)))
					return where + " has a malformed a=rtpmap: " + quote(value);
				if (!mapped.insert(pt).second)
					return where + " maps payload type " + std::to_string(pt) + " twice";
			}
		} else if (key == "rtcp-fb") {
			size_t space = value.find(' ');
			std::string_view pt = value.substr(0, space);
			if (space == std::string_view::npos || (pt != "*" && !isUnsigned(pt, 127)))
				return where + " has a malformed a=rtcp-fb: " + quote(value);
		} else if (key == "ssrc") {
			size_t space = value.find(' ');
			if (!isUnsigned(value.substr(0, space), UINT32_MAX))
				return where + " has a malformed a=ssrc: " + quote(value);
		} else if (key == "ssrc-group") {
			std::vector<std::string_view> parts = split(value, ' ');
			if (parts.size() < 2 || !isToken(parts[0]))
				return where + " has a malformed a=ssrc-group: " + quote(value);
			for (size_t j = 1; j < parts.size(); j++)
				if (!isUnsigned(parts[j], UINT32_MAX))
					return where + " has a malformed a=ssrc-group: " + quote(value);
		} else if (key == "extmap") {
			/* <id>[/<direction>] <uri> */
			size_t space = value.find(' ');
			std::string_view id = value.substr(0, space);
			id = id.substr(0, id.find('/'));
			uint64_t n;
			if (space == std::string_view::npos || !parseUnsigned(id, 255, n) || n == 0)
				return where + " has a malformed a=extmap: " + quote(value);
		} else if (key == "candidate") {
			std::string reason = validateCandidate(
				std::string("candidate:") + std::string(value), index, mediaCount);
			if (!reason.empty())
				return where + " has a bad a=candidate: " + reason;
		}
	}

	/*
	 * Past RFC 3551's static table (0-34) a payload type means nothing
	 * without an rtpmap; Chromium also uses 35-63 once 96-127 run out.
	 */
	for (unsigned pt : formats)
		if (pt >= 35 && !mapped.count(pt))
			return where + " has no a=rtpmap for dynamic payload type " +
			       std::to_string(pt);
	return {};
}

enum class SdpRole { Answer, Offer };

struct MediaSummary {
	std::string kind;
	std::string mid;
	std::string direction; /* empty: none given (sendrecv) */
	bool hasH264 = false;
};

std::string checkMedia(const GstSDPMessage *msg, unsigned index, SdpRole role,
		       MediaSummary &summary)
{
	const GstSDPMedia *media = gst_sdp_message_get_media(msg, index);
	const unsigned mediaCount = gst_sdp_message_medias_len(msg);
	AttributeList attrs{ msg, media };
	std::string where = mediaName(index);

	const char *kind = gst_sdp_media_get_media(media);
	if (!kind || !isToken(kind))
		return where + " has no media type in its m= line";
	summary.kind = kind;

	/* Port 0 marks rejected or bundle-only sections: nothing we can use. */
	guint port = gst_sdp_media_get_port(media);
	if (port == 0)
		return where + " has port 0 (rejected or bundle-only m= line)";
	if (port > 65535)
		return where + " has an invalid port " + std::to_string(port);
	if (gst_sdp_media_get_num_ports(media) > 1)
		return where + " asks for several ports";

	const char *proto = gst_sdp_media_get_proto(media);
	if (!proto || !strstr(proto, "RTP") || !strstr(proto, "SAVPF"))
		return where + " has protocol " + quote(proto ? proto : "") +
		       ", expected UDP/TLS/RTP/SAVPF";

	/* GstSdp turns "m=video 9 UDP/TLS/RTP/SAVPF" into one empty format. */
	unsigned formatCount = gst_sdp_media_formats_len(media);
	if (formatCount == 0 ||
	    (formatCount == 1 && !*gst_sdp_media_get_format(media, 0)))
		return where + " has no formats in its m= line";
	std::set<unsigned> formats;
	for (unsigned i = 0; i < formatCount; i++) {
		const char *format = gst_sdp_media_get_format(media, i);
		uint64_t pt;
		if (!format || !parseUnsigned(format, 127, pt))
			return where + " has an invalid payload type " + quote(format ? format : "");
		if (!formats.insert(pt).second)
			return where + " lists payload type " + std::to_string(pt) + " twice";
	}

	/* mid: exactly one, a token. */
	if (attrs.count("mid") == 0)
		return where + " has no a=mid";
	if (attrs.count("mid") > 1)
		return where + " has more than one a=mid";
	summary.mid = attrs.find("mid");
	if (!isToken(summary.mid))
		return where + " has an invalid a=mid " + quote(summary.mid);

	/* ICE credentials, at media level or else at session level. */
	for (const char *key : { "ice-ufrag", "ice-pwd" }) {
		if (attrs.count(key) > 1)
			return where + " has more than one a=" + key;
		const char *value = mediaOrSessionValue(msg, index, key);
		if (!value)
			return where + " has no a=" + key;
		bool ufrag = key[4] == 'u';
		if (!isIceString(value, ufrag ? 4 : 22, 256))
			return where + " has an invalid a=" + key + " " + quote(value);
	}

	/* DTLS fingerprint, at media level or else at session level. */
	if (!mediaOrSessionValue(msg, index, "fingerprint"))
		return where + " has no a=fingerprint";
	for (unsigned i = 0; i < attrs.size(); i++)
		if (g_strcmp0(attrs.at(i)->key, "fingerprint") == 0) {
			std::string reason = checkFingerprint(attributeValue(attrs.at(i)), where);
			if (!reason.empty())
				return reason;
		}

	/* DTLS role: an answerer must pick a side (RFC 5763), never actpass. */
	if (attrs.count("setup") == 0)
		return where + " has no a=setup";
	if (attrs.count("setup") > 1)
		return where + " has more than one a=setup";
	std::string_view setup = attrs.find("setup");
	if (role == SdpRole::Answer && setup == "actpass")
		return where + " has a=setup:actpass, an answer must be active or passive";
	if (setup != "active" && setup != "passive" && setup != "actpass")
		return where + " has an invalid a=setup " + quote(setup);

	/* One direction at most: webrtcbin 1.22 gets confused by two. */
	for (const char *dir : { "sendrecv", "sendonly", "recvonly", "inactive" }) {
		unsigned n = attrs.count(dir);
		if (n == 0)
			continue;
		if (n > 1 || !summary.direction.empty())
			return where + " has more than one direction attribute";
		summary.direction = dir;
	}
	/* Our offer only sends, so a sending answer has no valid result. */
	if (role == SdpRole::Answer && summary.direction == "sendonly")
		return where + " is sendonly, but our offer only sends";

	for (unsigned i = 0; i < attrs.size(); i++) {
		const GstSDPAttribute *attr = attrs.at(i);
		if (g_strcmp0(attr->key, "rtpmap") != 0)
			continue;
		std::string_view value = attributeValue(attr);
		size_t space = value.find(' ');
		if (space != std::string_view::npos &&
		    g_ascii_strncasecmp(value.data() + space + 1, "H264/90000", 10) == 0 &&
		    value.size() == space + 11)
			summary.hasH264 = true;
	}

	return checkMediaAttributes(attrs, formats, index, mediaCount);
}

std::string checkGroups(const GstSDPMessage *msg, const std::vector<MediaSummary> &medias)
{
	AttributeList session{ msg, nullptr };
	std::set<std::string> mids;
	for (const MediaSummary &m : medias)
		if (!mids.insert(m.mid).second)
			return "two media sections share a=mid:" + m.mid;

	bool haveBundle = false;
	for (unsigned i = 0; i < session.size(); i++) {
		const GstSDPAttribute *attr = session.at(i);
		if (g_strcmp0(attr->key, "group") != 0)
			continue;
		std::vector<std::string_view> parts = split(attributeValue(attr), ' ');
		if (parts.size() < 2 || !isToken(parts[0]))
			return "a=group needs a semantics and at least one mid: " +
			       quote(attributeValue(attr));
		if (parts[0] == "BUNDLE") {
			if (haveBundle)
				return "SDP has more than one a=group:BUNDLE";
			haveBundle = true;
		}
		std::set<std::string_view> seen;
		for (size_t j = 1; j < parts.size(); j++) {
			if (!mids.count(std::string(parts[j])))
				return "a=group:" + std::string(parts[0]) + " names unknown mid " +
				       quote(parts[j]);
			if (!seen.insert(parts[j]).second)
				return "a=group:" + std::string(parts[0]) + " names mid " +
				       quote(parts[j]) + " twice";
		}
	}

	/* Bundled sections share one transport: credentials must agree. */
	if (haveBundle) {
		std::vector<std::string_view> bundle = split(session.find("group"), ' ');
		if (bundle.empty() || bundle[0] != "BUNDLE")
			return "a=group:BUNDLE must be the first a=group line";
		std::string ufrag, pwd;
		for (unsigned i = 0; i < medias.size(); i++) {
			bool bundled = false;
			for (size_t j = 1; j < bundle.size(); j++)
				bundled |= bundle[j] == medias[i].mid;
			if (!bundled)
				continue;
			const char *u = mediaOrSessionValue(msg, i, "ice-ufrag");
			const char *p = mediaOrSessionValue(msg, i, "ice-pwd");
			if (ufrag.empty()) {
				ufrag = u;
				pwd = p;
			} else if (ufrag != u || pwd != p) {
				return mediaName(i) + " has different ICE credentials inside the bundle";
			}
		}
	}
	return {};
}

std::string checkSdp(std::string_view sdp, SdpRole role, unsigned maxMedia,
		     std::vector<MediaSummary> &medias)
{
	std::string reason = checkText(sdp);
	if (!reason.empty())
		return reason;

	g_autoptr(GstSDPMessage) msg = nullptr;
	if (gst_sdp_message_new_from_text(std::string(sdp).c_str(), &msg) != GST_SDP_OK || !msg)
		return "SDP does not parse";

	if (g_strcmp0(gst_sdp_message_get_version(msg), "0") != 0)
		return "SDP version is not 0";
	const GstSDPKey *key = gst_sdp_message_get_key(msg);
	if (key && key->data && *key->data)
		return "SDP has a k= line";

	unsigned count = gst_sdp_message_medias_len(msg);
	if (count == 0)
		return "SDP has no media (m=) section";
	if (count > kMaxMedia || (maxMedia && count > maxMedia))
		return "SDP has " + std::to_string(count) + " media sections, expected at most " +
		       std::to_string(maxMedia ? maxMedia : kMaxMedia);

	AttributeList session{ msg, nullptr };
	for (const char *key : { "ice-ufrag", "ice-pwd", "setup", "mid" })
		if (session.count(key) > 1)
			return std::string("SDP has more than one session-level a=") + key;
	for (unsigned i = 0; i < session.size(); i++)
		if (g_strcmp0(session.at(i)->key, "fingerprint") == 0) {
			std::string reason = checkFingerprint(attributeValue(session.at(i)), "session");
			if (!reason.empty())
				return reason;
		}

	/*
	 * webrtcbin takes the first fingerprint of each level and refuses a
	 * description where media fingerprints differ from each other.
	 */
	std::string firstFingerprint;
	for (unsigned i = 0; i < count; i++) {
		MediaSummary summary;
		reason = checkMedia(msg, i, role, summary);
		if (!reason.empty())
			return reason;
		medias.push_back(summary);

		const char *fp = mediaOrSessionValue(msg, i, "fingerprint");
		if (firstFingerprint.empty())
			firstFingerprint = fp;
		else if (g_ascii_strcasecmp(firstFingerprint.c_str(), fp) != 0)
			return mediaName(i) + " has a different a=fingerprint than media 0";
	}

	return checkGroups(msg, medias);
}

} /* namespace */

std::string validateAnswer(std::string_view sdp, unsigned offeredMedia)
{
	std::vector<MediaSummary> medias;
	return checkSdp(sdp, SdpRole::Answer, offeredMedia, medias);
}

std::string validateWhepOffer(std::string_view sdp)
{
	std::vector<MediaSummary> medias;
	std::string reason = checkSdp(sdp, SdpRole::Offer, 0, medias);
	if (!reason.empty())
		return reason;

	bool haveVideo = false;
	for (const MediaSummary &m : medias) {
		if (m.kind != "video")
			continue;
		haveVideo = true;
		if (!m.hasH264)
			continue;
		if (m.direction.empty() || m.direction == "recvonly" || m.direction == "sendrecv")
			return {};
	}
	if (!haveVideo)
		return "offer has no video media section";
	return "offer has no video media section that receives H264/90000 "
	       "(needs a=rtpmap:<pt> H264/90000 and recvonly or sendrecv)";
}

SdpMessagePtr parseSdp(const std::string &sdp)
{
	/* GstSdp g_return_val_if_fail()s on empty text. */
	if (sdp.empty())
		return {};
	/* It allocates the message before parsing: ours either way. */
	GstSDPMessage *message = nullptr;
	GstSDPResult result = gst_sdp_message_new_from_text(sdp.c_str(), &message);
	SdpMessagePtr owned = SdpMessagePtr::adopt(message);
	if (result != GST_SDP_OK)
		return {};
	return owned;
}

std::string validateCandidate(std::string_view candidate, unsigned mlineIndex,
			      unsigned mediaCount)
{
	if (mlineIndex >= mediaCount)
		return "candidate sdpMLineIndex " + std::to_string(mlineIndex) +
		       " is out of range (" + std::to_string(mediaCount) + " media)";
	if (candidate.empty())
		return "candidate is empty";
	if (candidate.size() > kMaxCandidateSize)
		return "candidate is longer than " + std::to_string(kMaxCandidateSize) + " bytes";
	for (char c : candidate) {
		unsigned char u = c;
		if (u < 0x20 || u == 0x7f)
			return "candidate contains a control character";
		if (u >= 0x80)
			return "candidate contains a non-ASCII character";
	}

	std::string_view text = candidate;
	if (text.substr(0, 2) == "a=")
		text.remove_prefix(2);
	constexpr std::string_view prefix = "candidate:";
	if (text.substr(0, prefix.size()) != prefix)
		return "candidate does not start with 'candidate:'";
	text.remove_prefix(prefix.size());

	if (text.empty())
		return "candidate has no fields after 'candidate:'";
	std::vector<std::string_view> fields = split(text, ' ');
	for (std::string_view field : fields)
		if (field.empty())
			return "candidate has an empty field (stray space)";
	if (fields.size() < 8)
		return "candidate has " + std::to_string(fields.size()) +
		       " fields, needs at least 8";

	if (!isIceString(fields[0], 1, 32))
		return "candidate foundation " + quote(fields[0]) + " is invalid";
	uint64_t component;
	if (!parseUnsigned(fields[1], 256, component) || component == 0)
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

	/* Extensions: key/value pairs, the ones libnice reads checked strictly. */
	if ((fields.size() - 8) % 2 != 0)
		return "candidate extension " + quote(fields.back()) + " has no value";
	std::set<std::string_view> keys;
	bool haveTcpType = false;
	for (size_t i = 8; i < fields.size(); i += 2) {
		std::string_view key = fields[i];
		std::string_view value = fields[i + 1];
		if (key.size() > 64)
			return "candidate extension name is too long";
		for (char c : key)
			if (!g_ascii_isalnum(c) && c != '-' && c != '_')
				return "candidate extension name " + quote(key) + " is invalid";
		if (!keys.insert(key).second)
			return "candidate repeats extension " + quote(key);

		if (key == "raddr") {
			if (!isCandidateAddress(value))
				return "candidate raddr " + quote(value) + " is not an address";
		} else if (key == "rport") {
			if (!isUnsigned(value, 65535))
				return "candidate rport " + quote(value) + " is not in 0..65535";
		} else if (key == "tcptype") {
			if (value != "active" && value != "passive" && value != "so")
				return "candidate tcptype " + quote(value) +
				       " is not active, passive or so";
			haveTcpType = true;
		} else if (key == "generation" || key == "network-id" || key == "network-cost") {
			if (!isUnsigned(value, UINT32_MAX))
				return "candidate " + std::string(key) + " " + quote(value) +
				       " is not a number";
		} else if (key == "ufrag") {
			if (!isIceString(value, 1, 256))
				return "candidate ufrag " + quote(value) + " is invalid";
		}
	}
	if (transport == "tcp" && !haveTcpType)
		return "tcp candidate has no tcptype";
	if (transport == "udp" && haveTcpType)
		return "udp candidate has a tcptype";
	if (keys.count("raddr") != keys.count("rport"))
		return "candidate has only one of raddr and rport";

	return {};
}

} /* namespace wcam */
