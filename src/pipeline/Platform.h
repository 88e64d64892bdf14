/* SPDX-License-Identifier: MIT */
/*
 * What this machine offers the pipeline: which GStreamer elements exist
 * and which cameras are attached. An interface so that the pipeline
 * description can be unit-tested for a Pi on any machine.
 */
#pragma once

#include <string>
#include <vector>

#include "pipeline/V4l2Node.h"

namespace wcam {

class Platform
{
public:
	virtual ~Platform() = default;

	/* True when an element factory of that name is registered. */
	virtual bool hasElement(const std::string &factory) const = 0;

	/* libcamera camera names (empty when none, or libcamerasrc missing). */
	virtual std::vector<std::string> libcameraCameras() const = 0;

	/* V4L2 video capture device nodes, e.g. /dev/video0 (not encoders). */
	virtual std::vector<std::string> v4l2CaptureDevices() const = 0;
};

/* The real machine: GStreamer registry, GstDeviceMonitor, /dev/video*. */
class SystemPlatform : public Platform
{
public:
	bool hasElement(const std::string &factory) const override;
	std::vector<std::string> libcameraCameras() const override;
	std::vector<std::string> v4l2CaptureDevices() const override;
};

/* Every /dev/video* node with its VIDIOC_QUERYCAP answer, numeric order. */
std::vector<V4l2Node> queryV4l2Nodes();

/* The device v4l2h264enc opens ("" without that element). */
std::string v4l2EncoderDevice();

} /* namespace wcam */
