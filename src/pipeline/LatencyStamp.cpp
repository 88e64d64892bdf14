/* SPDX-License-Identifier: MIT */
/*
 * Latency stamp writer/reader and the pad probe that applies it to raw
 * video. The format is docs/latency-stamp.md; the browser side reads the
 * same blocks from a canvas (data/web/js/latency-stamp.js).
 */
#include "pipeline/LatencyStamp.h"

#include <algorithm>
#include <array>
#include <mutex>

#include <glib.h>
#include <gst/video/video.h>

#include "core/GlibPtr.h"

GST_DEBUG_CATEGORY_STATIC(wcam_stamp_debug);
#define GST_CAT_DEFAULT wcam_stamp_debug

namespace wcam {

namespace {

constexpr size_t kDataBlock = kStampHead.size();
constexpr size_t kTailBlock = kDataBlock + 32;
static_assert(kTailBlock + kStampTail.size() == kStampBlocks, "the stamp carries 32 bits");

/* The head guard, 32 data bits MSB first, the tail guard. */
std::array<bool, kStampBlocks> stampBits(uint32_t millis)
{
	std::array<bool, kStampBlocks> bits{};
	std::copy(kStampHead.begin(), kStampHead.end(), bits.begin());
	for (size_t i = 0; i < 32; i++)
		bits[kDataBlock + i] = (millis >> (31 - i)) & 1;
	std::copy(kStampTail.begin(), kStampTail.end(), bits.begin() + kTailBlock);
	return bits;
}

void neutraliseChroma(PlaneView plane, int xShift, int yShift)
{
	if (!plane.data)
		return;

	/* Every chroma sample that covers some stamped luma pixel. */
	int columns = ((kStampWidth - 1) >> xShift) + 1;
	int rows = ((kStampBlock - 1) >> yShift) + 1;
	for (int y = 0; y < rows; y++) {
		uint8_t *row = plane.data + static_cast<ptrdiff_t>(y) * plane.stride;
		for (int x = 0; x < columns; x++)
			row[x * plane.pixelStride] = kStampNeutralChroma;
	}
}

bool isSupported(GstVideoFormat format)
{
	switch (format) {
	case GST_VIDEO_FORMAT_I420:
	case GST_VIDEO_FORMAT_YV12:
	case GST_VIDEO_FORMAT_Y42B:
	case GST_VIDEO_FORMAT_Y444:
	case GST_VIDEO_FORMAT_NV12:
	case GST_VIDEO_FORMAT_NV21:
	case GST_VIDEO_FORMAT_GRAY8:
	case GST_VIDEO_FORMAT_YUY2:
	case GST_VIDEO_FORMAT_UYVY:
		return true;
	default:
		return false;
	}
}

/*
 * What the probe remembers between buffers: the caps it last parsed
 * (holding a reference, so a new caps object can never reuse the
 * pointer) and whether it already complained about them.
 */
struct StamperState {
	CapsPtr caps;
	GstVideoInfo info;
	bool usable = false;
	bool warned = false;
};

void freeStamperState(gpointer data)
{
	delete static_cast<StamperState *>(data);
}

/* Re-reads the format on (re)negotiation; false = pass buffers untouched. */
bool updateCaps(StamperState *state, GstPad *pad)
{
	CapsPtr caps = CapsPtr::adopt(gst_pad_get_current_caps(pad));
	if (!caps)
		return false;
	if (caps.get() == state->caps.get())
		return state->usable;
	state->caps = std::move(caps);
	state->usable = false;
	state->warned = false;

	if (!gst_video_info_from_caps(&state->info, state->caps.get())) {
		GST_WARNING_OBJECT(pad, "not raw video, no latency stamp: %" GST_PTR_FORMAT,
				   state->caps.get());
		state->warned = true;
		return false;
	}

	GstVideoFormat format = GST_VIDEO_INFO_FORMAT(&state->info);
	if (!isSupported(format)) {
		GST_WARNING_OBJECT(pad, "format %s not supported, no latency stamp",
				   gst_video_format_to_string(format));
		state->warned = true;
		return false;
	}

	if (GST_VIDEO_INFO_WIDTH(&state->info) < kStampWidth ||
	    GST_VIDEO_INFO_HEIGHT(&state->info) < kStampBlock) {
		GST_WARNING_OBJECT(pad, "%dx%d is below %dx%d, no latency stamp",
				   GST_VIDEO_INFO_WIDTH(&state->info),
				   GST_VIDEO_INFO_HEIGHT(&state->info),
				   kStampWidth, kStampBlock);
		state->warned = true;
		return false;
	}

	GST_DEBUG_OBJECT(pad, "stamping %s %dx%d", gst_video_format_to_string(format),
			 GST_VIDEO_INFO_WIDTH(&state->info), GST_VIDEO_INFO_HEIGHT(&state->info));
	state->usable = true;
	return true;
}

GstPadProbeReturn stampProbe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *state = static_cast<StamperState *>(data);

	/* Read first: the stamp should carry the moment the frame passed. */
	uint32_t now = wallClockMillis();

	if (!updateCaps(state, pad)) {
		if (!state->warned) {
			GST_WARNING_OBJECT(pad, "no negotiated caps, no latency stamp");
			state->warned = true;
		}
		return GST_PAD_PROBE_OK;
	}

	GstBuffer *buffer = gst_pad_probe_info_get_buffer(info);
	if (!buffer)
		return GST_PAD_PROBE_OK;

	buffer = gst_buffer_make_writable(buffer);
	GST_PAD_PROBE_INFO_DATA(info) = buffer;

	GstVideoFrame frame;
	if (!gst_video_frame_map(&frame, &state->info, buffer, GST_MAP_WRITE)) {
		GST_WARNING_OBJECT(pad, "cannot map buffer for writing, frame not stamped");
		return GST_PAD_PROBE_OK;
	}

	/*
	 * Component accessors hide the layout differences: YV12's swapped
	 * planes, NV12/NV21's interleaved chroma, and the byte offsets and
	 * pixel strides of the packed 4:2:2 formats.
	 */
	PlaneView luma{ static_cast<uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
			GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0),
			GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0) };
	PlaneView u, v;
	int xShift = 0, yShift = 0;
	if (GST_VIDEO_FRAME_N_COMPONENTS(&frame) >= 3) {
		u = { static_cast<uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 1)),
		      GST_VIDEO_FRAME_COMP_STRIDE(&frame, 1),
		      GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 1) };
		v = { static_cast<uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 2)),
		      GST_VIDEO_FRAME_COMP_STRIDE(&frame, 2),
		      GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 2) };
		xShift = GST_VIDEO_FORMAT_INFO_W_SUB(frame.info.finfo, 1);
		yShift = GST_VIDEO_FORMAT_INFO_H_SUB(frame.info.finfo, 1);
	}

	writeLatencyStamp(now, luma, GST_VIDEO_FRAME_WIDTH(&frame),
			  GST_VIDEO_FRAME_HEIGHT(&frame), u, v, xShift, yShift);

	gst_video_frame_unmap(&frame);
	return GST_PAD_PROBE_OK;
}

} /* namespace */

bool writeLatencyStamp(uint32_t millis, PlaneView luma, int width, int height,
		       PlaneView chromaU, PlaneView chromaV,
		       int chromaXShift, int chromaYShift)
{
	if (!luma.data || width < kStampWidth || height < kStampBlock)
		return false;

	auto bits = stampBits(millis);
	for (int y = 0; y < kStampBlock; y++) {
		uint8_t *row = luma.data + static_cast<ptrdiff_t>(y) * luma.stride;
		for (int block = 0; block < kStampBlocks; block++) {
			uint8_t value = bits[block] ? kStampWhite : kStampBlack;
			int x0 = block * kStampBlock;
			for (int x = x0; x < x0 + kStampBlock; x++)
				row[x * luma.pixelStride] = value;
		}
	}

	neutraliseChroma(chromaU, chromaXShift, chromaYShift);
	neutraliseChroma(chromaV, chromaXShift, chromaYShift);
	return true;
}

std::optional<uint32_t> readLatencyStamp(const uint8_t *luma, int stride,
					 int pixelStride, int width, int height)
{
	if (!luma || width < kStampWidth || height < kStampBlock)
		return std::nullopt;

	const uint8_t *row = luma + static_cast<ptrdiff_t>(kStampBlock / 2) * stride;
	std::array<bool, kStampBlocks> bits{};
	for (int block = 0; block < kStampBlocks; block++) {
		int x = block * kStampBlock + kStampBlock / 2;
		bits[block] = row[x * pixelStride] >= kStampThreshold;
	}

	if (!std::equal(kStampHead.begin(), kStampHead.end(), bits.begin()) ||
	    !std::equal(kStampTail.begin(), kStampTail.end(), bits.begin() + kTailBlock))
		return std::nullopt;

	uint32_t millis = 0;
	for (size_t i = 0; i < 32; i++)
		millis = (millis << 1) | (bits[kDataBlock + i] ? 1u : 0u);
	return millis;
}

uint32_t stampMillis(int64_t realTimeUs)
{
	/* Milliseconds modulo 2^32: the reader subtracts modulo 2^32 too. */
	return static_cast<uint32_t>(static_cast<uint64_t>(realTimeUs / 1000));
}

uint32_t wallClockMillis()
{
	/* g_get_real_time() is CLOCK_REALTIME in microseconds. */
	return stampMillis(g_get_real_time());
}

gulong attachLatencyStamper(GstPad *pad)
{
	static std::once_flag debugOnce;
	std::call_once(debugOnce, [] {
		GST_DEBUG_CATEGORY_INIT(wcam_stamp_debug, "wcam-stamp", 0,
					"webrtc-camera latency stamp");
	});

	g_return_val_if_fail(GST_IS_PAD(pad), 0);

	return gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stampProbe,
				 new StamperState, freeStamperState);
}

} /* namespace wcam */
