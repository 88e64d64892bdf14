/* SPDX-License-Identifier: MIT */
#include "pipeline/EncoderControl.h"

#include <string>

#include "core/GlibPtr.h"
#include "pipeline/V4l2EncoderLimits.h"

namespace wcam {

namespace {

std::string factoryName(GstElement *encoder)
{
	GstElementFactory *factory = encoder ? gst_element_get_factory(encoder) : nullptr;
	return factory ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)) : "";
}

} /* namespace */

bool setEncoderBitrate(GstElement *encoder, int bitsPerSecond)
{
	std::string name = factoryName(encoder);
	if (name == "x264enc") {
		g_object_set(encoder, "bitrate", guint(bitsPerSecond / 1000), nullptr);
		return true;
	}
	if (name == "openh264enc") {
		g_object_set(encoder, "bitrate", guint(bitsPerSecond), nullptr);
		return true;
	}
	if (name == "v4l2h264enc") {
		/* The driver applies controls set while streaming; its range and step, as reported. */
		bitsPerSecond = v4l2Bitrate(bitsPerSecond);
		GstStructure *current = nullptr;
		g_object_get(encoder, "extra-controls", &current, nullptr);
		StructurePtr controls = StructurePtr::adopt(current ? current
								    : gst_structure_new_empty("controls"));
		gst_structure_set(controls.get(), "video_bitrate", G_TYPE_INT, bitsPerSecond, nullptr);
		g_object_set(encoder, "extra-controls", controls.get(), nullptr);
		return true;
	}
	return false;
}

int encoderBitrate(GstElement *encoder)
{
	std::string name = factoryName(encoder);
	guint value = 0;
	if (name == "x264enc") {
		g_object_get(encoder, "bitrate", &value, nullptr);
		return int(value) * 1000;
	}
	if (name == "openh264enc") {
		g_object_get(encoder, "bitrate", &value, nullptr);
		return int(value);
	}
	if (name == "v4l2h264enc") {
		GstStructure *current = nullptr;
		g_object_get(encoder, "extra-controls", &current, nullptr);
		StructurePtr controls = StructurePtr::adopt(current);
		int bitrate = -1;
		if (controls)
			gst_structure_get_int(controls.get(), "video_bitrate", &bitrate);
		return bitrate;
	}
	return -1;
}

} /* namespace wcam */
