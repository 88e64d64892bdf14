/* SPDX-License-Identifier: MIT */
#include "pipeline/V4l2Node.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>

#include <linux/videodev2.h>

/* Linux 5.12; Debian 12's headers have it, older ones may not. */
#ifndef V4L2_CAP_IO_MC
#define V4L2_CAP_IO_MC 0x20000000
#endif

namespace wcam {

namespace {

struct PipelineDriver {
	std::string_view driver;
	std::string_view why;
};

/*
 * Drivers whose capture nodes are one stage of the Pi's camera or codec
 * pipeline. Their QUERYCAP answers look like a camera's (unicam's node 0
 * even says Video Capture + Read/Write), so only the driver tells.
 */
constexpr std::array kPipelineDrivers = {
	PipelineDriver{ "unicam", "the Pi 0-4 CSI receiver: raw Bayer, needs libcamera" },
	PipelineDriver{ "rp1-cfe", "the Pi 5 CSI receiver: raw Bayer, needs libcamera" },
	PipelineDriver{ "bcm2835-isp", "the Pi 0-4 ISP, driven by libcamera" },
	PipelineDriver{ "pispbe", "the Pi 5 ISP back end, driven by libcamera" },
	PipelineDriver{ "bcm2835-codec", "the Pi 0-4 video codec" },
	PipelineDriver{ "rpivid", "the Pi 4/5 HEVC decoder" },
};

uint32_t nodeCaps(const V4l2Node &node)
{
	/* device_caps describes this node; capabilities the whole device. */
	return (node.capabilities & V4L2_CAP_DEVICE_CAPS) ? node.deviceCaps : node.capabilities;
}

int rank(const V4l2Node &node)
{
	if (node.driver == "uvcvideo")
		return 0;
	/* The legacy camera stack (bcm2835-v4l2) gives YUV straight from the firmware. */
	if (node.driver == "bm2835 mmal") /* sic: the driver spells it so */
		return 1;
	return 2;
}

} /* namespace */

unsigned long nodeNumber(const std::string &path)
{
	size_t digits = path.find_last_not_of("0123456789");
	return std::strtoul(path.c_str() + digits + 1, nullptr, 10);
}

std::string whyNotCamera(const V4l2Node &node)
{
	for (const PipelineDriver &known : kPipelineDrivers)
		if (node.driver == known.driver)
			return std::string(known.why);

	uint32_t caps = nodeCaps(node);
	if (caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE))
		return "a memory-to-memory node (a codec or converter)";
	/* Such a node streams only once its media graph is configured. */
	if (caps & V4L2_CAP_IO_MC)
		return "a media-controller node (its pipeline must be configured first)";
	if (!(caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE))) {
		if (caps & V4L2_CAP_META_CAPTURE)
			return "a metadata node";
		return "not a video capture node";
	}
	return {};
}

std::vector<V4l2Node> chooseCaptureNodes(const std::vector<V4l2Node> &nodes)
{
	std::vector<V4l2Node> usable;
	for (const V4l2Node &node : nodes)
		if (whyNotCamera(node).empty())
			usable.push_back(node);

	std::stable_sort(usable.begin(), usable.end(), [](const V4l2Node &a, const V4l2Node &b) {
		int rankA = rank(a), rankB = rank(b);
		if (rankA != rankB)
			return rankA < rankB;
		return nodeNumber(a.path) < nodeNumber(b.path);
	});
	return usable;
}

std::string describe(const V4l2Node &node)
{
	std::string text = node.path + " (" + node.driver;
	if (!node.card.empty() && node.card != node.driver)
		text += ": " + node.card;
	return text + ")";
}

} /* namespace wcam */
