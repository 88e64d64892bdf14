/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <vector>

#include <gst/rtp/rtp.h>

#include "adaptive/Remb.h"

using namespace wcam;

namespace {

std::vector<uint8_t> rembFci(uint64_t mantissa, unsigned exponent, std::vector<uint32_t> ssrcs)
{
	std::vector<uint8_t> fci = { 'R', 'E', 'M', 'B', uint8_t(ssrcs.size()),
				     uint8_t((exponent << 2) | ((mantissa >> 16) & 0x3)),
				     uint8_t(mantissa >> 8), uint8_t(mantissa) };
	for (uint32_t ssrc : ssrcs) {
		fci.push_back(ssrc >> 24);
		fci.push_back(ssrc >> 16);
		fci.push_back(ssrc >> 8);
		fci.push_back(ssrc);
	}
	return fci;
}

/* A compound RTCP packet: a receiver report, then PSFB with `fmt` and `fci`. */
GstBuffer *compound(GstRTCPFBType fmt, const std::vector<uint8_t> &fci, bool withReport = true)
{
	GstBuffer *buffer = gst_rtcp_buffer_new(1400);
	GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
	REQUIRE(gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp));
	GstRTCPPacket packet;
	if (withReport) {
		REQUIRE(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet));
		gst_rtcp_packet_rr_set_ssrc(&packet, 0x11111111);
		gst_rtcp_packet_add_rb(&packet, 0x22222222, 12, 100, 5000, 10, 0, 0);
	}
	REQUIRE(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &packet));
	gst_rtcp_packet_fb_set_type(&packet, fmt);
	gst_rtcp_packet_fb_set_sender_ssrc(&packet, 0x11111111);
	gst_rtcp_packet_fb_set_media_ssrc(&packet, 0);
	REQUIRE(gst_rtcp_packet_fb_set_fci_length(&packet, fci.size() / 4));
	std::copy(fci.begin(), fci.end(), gst_rtcp_packet_fb_get_fci(&packet));
	gst_rtcp_buffer_unmap(&rtcp);
	return buffer;
}

} /* namespace */

TEST_CASE("REMB FCI: exponent and mantissa", "[adaptive]")
{
	auto fci = rembFci(0x3ffff, 3, { 0x22222222 });
	CHECK(parseRembFci(fci.data(), fci.size()) == uint64_t(0x3ffff) << 3);

	fci = rembFci(1500, 10, { 1, 2 });
	CHECK(parseRembFci(fci.data(), fci.size()) == 1500ull << 10);

	fci = rembFci(1200000, 0, {}); /* mantissa is 18 bits: 1200000 does not fit */
	CHECK(parseRembFci(fci.data(), fci.size()) == (1200000ull & 0x3ffff));
}

TEST_CASE("REMB FCI: malformed input is refused", "[adaptive]")
{
	auto fci = rembFci(1000, 4, { 1 });
	CHECK_FALSE(parseRembFci(fci.data(), 7));
	CHECK_FALSE(parseRembFci(nullptr, 0));
	auto lying = fci;
	lying[4] = 3; /* says three SSRCs, holds one */
	CHECK_FALSE(parseRembFci(lying.data(), lying.size()));
	auto other = fci;
	other[0] = 'X';
	CHECK_FALSE(parseRembFci(other.data(), other.size()));
}

TEST_CASE("REMB in compound RTCP packets", "[adaptive]")
{
	GstBuffer *remb = compound(GST_RTCP_PSFB_TYPE_AFB, rembFci(0x1d4c0, 2, { 0x22222222 }));
	CHECK(findRemb(remb) == uint64_t(0x1d4c0) << 2);
	gst_buffer_unref(remb);

	GstBuffer *alone = compound(GST_RTCP_PSFB_TYPE_AFB, rembFci(750, 10, { 0x22222222 }), false);
	CHECK(findRemb(alone) == 750ull << 10);
	gst_buffer_unref(alone);

	/* PLI (FMT 1) and other application feedback are not REMB. */
	GstBuffer *pli = compound(GST_RTCP_PSFB_TYPE_PLI, {});
	CHECK_FALSE(findRemb(pli));
	gst_buffer_unref(pli);
	std::vector<uint8_t> notRemb = { 'G', 'O', 'O', 'G', 0, 0, 0, 0 };
	GstBuffer *app = compound(GST_RTCP_PSFB_TYPE_AFB, notRemb);
	CHECK_FALSE(findRemb(app));
	gst_buffer_unref(app);
}
