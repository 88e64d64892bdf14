/* SPDX-License-Identifier: MIT */
#include "adaptive/Remb.h"

#include <cstring>

#include <gst/rtp/rtp.h>

namespace wcam {

std::optional<uint64_t> parseRembFci(const uint8_t *fci, size_t size)
{
	/* "REMB", SSRC count (8 bits), exponent (6 bits), mantissa (18 bits), SSRCs. */
	if (!fci || size < 8 || std::memcmp(fci, "REMB", 4) != 0)
		return std::nullopt;
	unsigned ssrcs = fci[4];
	if (size < 8 + 4 * size_t(ssrcs))
		return std::nullopt;
	unsigned exponent = fci[5] >> 2;
	uint64_t mantissa = (uint64_t(fci[5] & 0x3) << 16) | (uint64_t(fci[6]) << 8) | fci[7];
	/* A 64-bit shift past the width is undefined; such values are nonsense anyway. */
	if (exponent > 40)
		return std::nullopt;
	return mantissa << exponent;
}

std::optional<uint64_t> findRemb(GstBuffer *buffer)
{
	GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
	if (!buffer || !gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp))
		return std::nullopt;

	std::optional<uint64_t> result;
	GstRTCPPacket packet;
	for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
	     more = gst_rtcp_packet_move_to_next(&packet)) {
		if (gst_rtcp_packet_get_type(&packet) != GST_RTCP_TYPE_PSFB ||
		    gst_rtcp_packet_fb_get_type(&packet) != GST_RTCP_PSFB_TYPE_AFB)
			continue;
		const uint8_t *fci = gst_rtcp_packet_fb_get_fci(&packet);
		size_t size = size_t(gst_rtcp_packet_fb_get_fci_length(&packet)) * 4;
		if (auto remb = parseRembFci(fci, size))
			result = remb;
	}
	gst_rtcp_buffer_unmap(&rtcp);
	return result;
}

} /* namespace wcam */
