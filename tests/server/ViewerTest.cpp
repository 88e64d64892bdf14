/* SPDX-License-Identifier: MIT */
/*
 * Viewer::chooseH264Payload: the WHEP offer's H.264 payload type, read
 * through GstSdp caps. Pure; no pipeline involved.
 */
#include <catch2/catch.hpp>

#include <string>

#include <glib.h>

#include "server/Viewer.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::CriticalCounter;

namespace {

const std::string kOffer =
	"v=0\r\n"
	"o=- 1438624562390393398 0 IN IP4 0.0.0.0\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 102 106\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=setup:actpass\r\n"
	"a=ice-ufrag:Vp5w\r\n"
	"a=ice-pwd:Gd2fT8pLq1WcN6vJr9sKx4mB\r\n"
	"a=fingerprint:sha-256 0F:3C:6A:92:D1:47:B8:2E:55:09:C3:7D:A4:18:6F:E0:"
	"BB:21:94:5C:07:DA:68:13:F2:4E:A9:36:C0:75:8B:1D\r\n"
	"a=mid:0\r\n"
	"a=recvonly\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtpmap:102 H264/90000\r\n"
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
	"a=rtpmap:106 H264/90000\r\n"
	"a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

} /* namespace */

TEST_CASE("the constrained baseline payload of a WHEP offer is chosen", "[viewer]")
{
	std::string why;
	CHECK(Viewer::chooseH264Payload(kOffer, why) == 106);
	CHECK(why.empty());
}

TEST_CASE("an offer without H.264 packetization-mode 1 gets a reason", "[viewer]")
{
	std::string offer = kOffer;
	for (size_t at; (at = offer.find("packetization-mode=1")) != std::string::npos;)
		offer.replace(at, 20, "packetization-mode=0");
	std::string why;
	CHECK(Viewer::chooseH264Payload(offer, why) == -1);
	CHECK(why.find("packetization-mode") != std::string::npos);
}

/*
 * GstSdp allocates the message before it parses and refuses empty text
 * with a critical; the message must be freed on that path too (the
 * sanitizer build reports the leak).
 */
TEST_CASE("an offer GstSdp refuses is released and reported", "[viewer]")
{
	CriticalCounter criticals;
	std::string why;
	CHECK(Viewer::chooseH264Payload("", why) == -1);
	CHECK(!why.empty());
	CHECK(criticals.count() == 0);
}
