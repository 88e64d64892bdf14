/* SPDX-License-Identifier: MIT */
#include "pipeline/V4l2EncoderLimits.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace wcam {

namespace {

int macroblocks(int pixels)
{
	return (pixels + 15) / 16;
}

struct Level {
	const char *name;
	int64_t frameMacroblocks; /* MaxFS */
	int64_t macroblockRate;	  /* MaxMBPS */
	int64_t bitrateKbps;	  /* MaxBR, VCL, Baseline/Main */
};

/*
 * Table A-1, from 3.1 up: lower levels have stalled the encoder at VGA
 * (raspberrypi/linux#4906), and 3.1 is what WebRTC's usual
 * profile-level-id 42e01f announces. 4.2 is the top of the driver's
 * h264_level menu (raspberrypi/linux#4238).
 */
constexpr Level kLevels[] = {
	{ "3.1", 3600, 108000, 14000 },
	{ "3.2", 5120, 216000, 20000 },
	{ "4", 8192, 245760, 20000 },
	{ "4.1", 8192, 245760, 50000 },
	{ "4.2", 8704, 522240, 50000 },
};

/*
 * The firmware encodes frames beyond level 4.1's 8192 macroblocks with
 * corrupt blocks (1920x1200: raspberrypi/linux#5084, #6045), and video
 * encode is "limited to 1920x1080" (raspberrypi/picamera2#753).
 */
constexpr int64_t kMaxFrameMacroblocks = 8192;

} /* namespace */

int v4l2Bitrate(int bitsPerSecond)
{
	int clamped = std::clamp(bitsPerSecond, kV4l2MinBitrate, kV4l2MaxBitrate);
	/* Nearest step, as the kernel's control code rounds. */
	return (clamped + kV4l2BitrateStep / 2) / kV4l2BitrateStep * kV4l2BitrateStep;
}

const char *h264Level(int width, int height, int fps, int maxBitrate, H264Profile profile)
{
	int64_t frame = int64_t(macroblocks(width)) * macroblocks(height);
	int64_t rate = frame * fps;
	/* High profile may use 1.25 times MaxBR (Table A-2, cpbBrVclFactor). */
	int64_t factor = profile == H264Profile::High ? 1250 : 1000;
	for (const Level &level : kLevels) {
		if (frame <= level.frameMacroblocks && rate <= level.macroblockRate &&
		    maxBitrate <= level.bitrateKbps * factor)
			return level.name;
	}
	return "";
}

std::string v4l2EncoderSizeProblem(int width, int height, int fps)
{
	/*
	 * The encoder wants NV12 lines on 32-byte boundaries and the VC4 ISP
	 * pads its NV12 lines to 32 bytes: at other widths the padded lines
	 * are misread (1296x972 comes out corrupt: raspberrypi/firmware#1608;
	 * "720 is not a multiple of 32, hence we get fun and games", 6by9 in
	 * tvheadend/tvheadend#1916). libcamerasrc before libcamera 0.5.1 does
	 * not even tell GStreamer the padded stride (no GstVideoMeta:
	 * raspberrypi/libcamera#141).
	 */
	if (width % 32 != 0) {
		int below = width / 32 * 32;
		return "the Raspberry Pi hardware encoder needs a width that is a multiple of 32, not " +
		       std::to_string(width) + " (try " +
		       (below >= 32 ? std::to_string(below) + " or " : std::string()) +
		       std::to_string(below + 32) + ")";
	}

	int64_t frame = int64_t(macroblocks(width)) * macroblocks(height);
	if (frame > kMaxFrameMacroblocks)
		return "the Raspberry Pi hardware encoder corrupts frames larger than 1920x1080 "
		       "(8192 macroblocks), not " +
		       std::to_string(width) + "x" + std::to_string(height);

	if (frame * fps > kLevels[std::size(kLevels) - 1].macroblockRate)
		return "the Raspberry Pi hardware encoder tops out at H.264 level 4.2 "
		       "(1920x1080 at 60 fps), not " +
		       std::to_string(width) + "x" + std::to_string(height) + " at " +
		       std::to_string(fps) + " fps";
	return {};
}

} /* namespace wcam */
