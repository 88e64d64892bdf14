/* SPDX-License-Identifier: MIT */
/*
 * What the Raspberry Pi 0-4 hardware H.264 encoder (bcm2835-codec, driven
 * by v4l2h264enc) accepts, from its driver and its maintainers' words.
 * Pure functions, so that the config check and the pipeline description
 * agree and both are testable anywhere.
 */
#pragma once

#include <string>

#include "config/Config.h"

namespace wcam {

/*
 * The driver's video_bitrate control: 25000..25000000 bit/s in steps of
 * 25000 (`v4l2-ctl --list-ctrls` on a Pi, raspberrypi/linux#4917). The
 * kernel clamps and rounds a value outside that silently; doing it here
 * keeps what we report equal to what the encoder does.
 */
inline constexpr int kV4l2MinBitrate = 25000;
inline constexpr int kV4l2MaxBitrate = 25000000;
inline constexpr int kV4l2BitrateStep = 25000;
int v4l2Bitrate(int bitsPerSecond);

/*
 * The smallest H.264 level (3.1 at least) whose frame size, macroblock
 * rate and bitrate (Table A-1 of the standard) cover the stream; "" when
 * even 4.2, the encoder's highest, does not.
 */
const char *h264Level(int width, int height, int fps, int maxBitrate, H264Profile profile);

/*
 * Why the encoder cannot take frames of this size and rate, or "" when it
 * can: width a multiple of 32, at most 8192 macroblocks a frame (1920x1080)
 * and level 4.2's macroblock rate.
 */
std::string v4l2EncoderSizeProblem(int width, int height, int fps);

} /* namespace wcam */
