/* SPDX-License-Identifier: MIT */
/*
 * Which /dev/video* node `camera.source = auto` opens, decided from the
 * VIDIOC_QUERYCAP answers of real boards (tests/pipeline/data/v4l2).
 */
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <glib.h>

#include "pipeline/V4l2Node.h"

using namespace wcam;

namespace {

std::string trim(const std::string &text)
{
	size_t begin = text.find_first_not_of(" \t");
	size_t end = text.find_last_not_of(" \t");
	return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

/* `path | driver | card | bus_info | capabilities | device_caps`, `#` comments. */
std::vector<V4l2Node> loadBoard(const std::string &name)
{
	const char *dir = g_getenv("WCAM_SOURCE_DIR");
	std::string path = std::string(dir ? dir : WCAM_SOURCE_DIR) + "/tests/pipeline/data/v4l2/" + name;
	std::ifstream file(path);
	REQUIRE(file.good());

	std::vector<V4l2Node> nodes;
	std::string line;
	while (std::getline(file, line)) {
		line = trim(line.substr(0, line.find('#')));
		if (line.empty())
			continue;

		std::vector<std::string> fields;
		std::stringstream stream(line);
		std::string field;
		while (std::getline(stream, field, '|'))
			fields.push_back(trim(field));
		INFO(path << ": " << line);
		REQUIRE(fields.size() == 6);

		V4l2Node node;
		node.path = fields[0];
		node.driver = fields[1];
		node.card = fields[2];
		node.busInfo = fields[3];
		node.capabilities = std::strtoul(fields[4].c_str(), nullptr, 16);
		node.deviceCaps = std::strtoul(fields[5].c_str(), nullptr, 16);
		nodes.push_back(std::move(node));
	}
	REQUIRE(!nodes.empty());
	return nodes;
}

std::vector<std::string> chosenPaths(const std::vector<V4l2Node> &nodes)
{
	std::vector<std::string> paths;
	for (const V4l2Node &node : chooseCaptureNodes(nodes))
		paths.push_back(node.path);
	return paths;
}

const V4l2Node &nodeAt(const std::vector<V4l2Node> &nodes, const std::string &path)
{
	for (const V4l2Node &node : nodes)
		if (node.path == path)
			return node;
	FAIL("no node " << path);
	return nodes.front();
}

} /* namespace */

TEST_CASE("a Pi 4 with a CSI camera and a USB webcam: the webcam, never unicam or the ISP", "[v4l2]")
{
	std::vector<V4l2Node> nodes = loadBoard("pi4-imx219-usb.txt");

	/* Node 0 answers Video Capture + Read/Write: a capability test alone takes it. */
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video0")) ==
	      "the Pi 0-4 CSI receiver: raw Bayer, needs libcamera");
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video14")) == "the Pi 0-4 ISP, driven by libcamera");
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video11")) == "the Pi 0-4 video codec");
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video3")) == "a metadata node");

	CHECK(chosenPaths(nodes) == std::vector<std::string>{ "/dev/video2" });
	CHECK(describe(nodeAt(nodes, "/dev/video2")) ==
	      "/dev/video2 (uvcvideo: PI4 USB Device: UVC Camera)");
}

TEST_CASE("a Pi 4 with only a CSI camera: no V4L2 capture device (libcamera's job)", "[v4l2]")
{
	CHECK(chosenPaths(loadBoard("pi4-imx219.txt")).empty());
}

TEST_CASE("a Pi 5 with a CSI camera and a USB webcam: the webcam after eight rp1-cfe nodes", "[v4l2]")
{
	std::vector<V4l2Node> nodes = loadBoard("pi5-imx708-usb.txt");

	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video0")) ==
	      "the Pi 5 CSI receiver: raw Bayer, needs libcamera");
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video24")) ==
	      "the Pi 5 ISP back end, driven by libcamera");
	CHECK(whyNotCamera(nodeAt(nodes, "/dev/video19")) == "the Pi 4/5 HEVC decoder");

	CHECK(chosenPaths(nodes) == std::vector<std::string>{ "/dev/video8" });
}

TEST_CASE("the legacy camera stack's node is a camera", "[v4l2]")
{
	CHECK(chosenPaths(loadBoard("pi-zero-w-legacy.txt")) == std::vector<std::string>{ "/dev/video0" });
}

TEST_CASE("unknown drivers are judged by their capabilities", "[v4l2]")
{
	V4l2Node capture{ "/dev/video10", "vivid", "vivid", "platform:vivid-000", 0x85200001, 0x05200001 };
	V4l2Node mediaController{ "/dev/video2", "rkisp1", "rkisp1", "platform:rkisp1", 0xa4201000, 0x24201000 };
	V4l2Node m2m{ "/dev/video3", "hantro-vpu", "nxp,imx8mq-vpu-g1", "platform:hantro", 0x84204000, 0x04204000 };
	V4l2Node output{ "/dev/video4", "v4l2 loopback", "Dummy", "platform:v4l2loopback-000", 0x85200002, 0x05200002 };
	/* Without V4L2_CAP_DEVICE_CAPS the device-wide capabilities are all there is. */
	V4l2Node oldDriver{ "/dev/video1", "gspca", "old", "usb-1", 0x05000001, 0 };
	V4l2Node webcam{ "/dev/video12", "uvcvideo", "C270", "usb-2", 0x84a00001, 0x04200001 };

	CHECK(whyNotCamera(capture).empty());
	CHECK(whyNotCamera(mediaController) ==
	      "a media-controller node (its pipeline must be configured first)");
	CHECK(whyNotCamera(m2m) == "a memory-to-memory node (a codec or converter)");
	CHECK(whyNotCamera(output) == "not a video capture node");
	CHECK(whyNotCamera(oldDriver).empty());

	/* A UVC camera first, then numeric order (video2 before video10, not text order). */
	V4l2Node capture2 = capture;
	capture2.path = "/dev/video2";
	CHECK(chosenPaths({ capture, mediaController, m2m, output, capture2, webcam, oldDriver }) ==
	      std::vector<std::string>{ "/dev/video12", "/dev/video1", "/dev/video2", "/dev/video10" });
}
