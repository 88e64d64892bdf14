/* SPDX-License-Identifier: MIT */
/*
 * Which /dev/video* nodes are cameras v4l2src can open on its own. On a Pi
 * with a CSI camera most nodes are not: unicam and rp1-cfe hand out raw
 * Bayer frames that only libcamera can turn into a picture, the ISP
 * (bcm2835-isp, pispbe) and codec (bcm2835-codec, rpivid) nodes are stages
 * of someone else's pipeline. Decided from VIDIOC_QUERYCAP alone, so the
 * choice is a pure function tested against the answers of real boards.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wcam {

/* One node's VIDIOC_QUERYCAP answer. */
struct V4l2Node {
	std::string path; /* /dev/videoN */
	std::string driver;
	std::string card;
	std::string busInfo;
	uint32_t capabilities = 0; /* the whole device */
	uint32_t deviceCaps = 0;   /* this node, when V4L2_CAP_DEVICE_CAPS is set */
};

/* Empty when v4l2src can capture from the node; otherwise why not. */
std::string whyNotCamera(const V4l2Node &node);

/*
 * The usable nodes, best first: USB (UVC) cameras, then the legacy Pi
 * camera driver, then anything else that captures; in numeric order
 * within each group, so /dev/video2 comes before /dev/video10.
 */
std::vector<V4l2Node> chooseCaptureNodes(const std::vector<V4l2Node> &nodes);

/* N of /dev/videoN, for numeric order (video2 before video10). */
unsigned long nodeNumber(const std::string &path);

/* "/dev/video8 (uvcvideo: HD Webcam C270)", for logs and the status tool. */
std::string describe(const V4l2Node &node);

} /* namespace wcam */
