/* SPDX-License-Identifier: MIT */
/*
 * Live changes to a running H.264 encoder, whichever it is: x264enc takes
 * kbit/s, openh264enc bit/s, v4l2h264enc a V4L2 control in extra-controls.
 */
#pragma once

#include <gst/gst.h>

namespace wcam {

/* True when the element is a known encoder and took the new bitrate. */
bool setEncoderBitrate(GstElement *encoder, int bitsPerSecond);

/* The bitrate the encoder is set to, in bit/s, or -1 when unknown. */
int encoderBitrate(GstElement *encoder);

} /* namespace wcam */
