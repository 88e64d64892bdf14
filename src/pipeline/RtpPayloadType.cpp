/* SPDX-License-Identifier: MIT */
#include "pipeline/RtpPayloadType.h"

#include "core/GlibPtr.h"

namespace wcam {

namespace {

/* Version, flags, marker + payload type, sequence, timestamp, SSRC. */
constexpr gsize kRtpFixedHeader = 12;

} /* namespace */

GstBuffer *withPayloadType(GstBuffer *buffer, guint8 pt)
{
	guint8 current = 0;
	if (gst_buffer_get_size(buffer) < kRtpFixedHeader || gst_buffer_extract(buffer, 1, &current, 1) != 1)
		return buffer;
	if ((current & 0x7f) == (pt & 0x7f))
		return buffer;

	/*
	 * A writable gst_rtp_buffer_map() copies every memory it maps: only
	 * the header for rtph264pay's packets, the whole packet for one held
	 * in a single memory. The byte to change is in the first 12: those
	 * get memory of their own, the rest is the same memory, with its
	 * reference counted.
	 */
	auto shared = MiniObjectPtr<GstBuffer>::adopt(buffer);
	GstBuffer *result = gst_buffer_copy_region(
		shared.get(), GstBufferCopyFlags(GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_DEEP),
		0, kRtpFixedHeader);
	result = gst_buffer_append(result,
				   gst_buffer_copy_region(shared.get(), GST_BUFFER_COPY_MEMORY, kRtpFixedHeader, -1));

	GstMapInfo map;
	if (gst_buffer_map_range(result, 0, 1, &map, GST_MAP_WRITE)) {
		/* The marker bit stays; the payload type is the low 7 bits. */
		map.data[1] = guint8((map.data[1] & 0x80) | (pt & 0x7f));
		gst_buffer_unmap(result, &map);
	}
	return result;
}

} /* namespace wcam */
