/* SPDX-License-Identifier: MIT */
/*
 * The real machine behind Platform: the GStreamer registry for elements,
 * libcamera's device provider for cameras and V4L2 ioctls for /dev/video*.
 */
#include "pipeline/Platform.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include <gst/gst.h>

#include "core/GlibPtr.h"

namespace wcam {

namespace {

/* The camera name libcamerasrc would be given for this device. */
std::string cameraName(GstDevice *device)
{
	std::string name;

	GstPtr<GstElement> element = GstPtr<GstElement>::retain(gst_device_create_element(device, nullptr));
	if (element && g_object_class_find_property(G_OBJECT_GET_CLASS(element.get()), "camera-name")) {
		g_autofree gchar *value = nullptr;
		g_object_get(element.get(), "camera-name", &value, nullptr);
		if (value)
			name = value;
	}

	if (name.empty()) {
		g_autofree gchar *display = gst_device_get_display_name(device);
		if (display)
			name = display;
	}

	return name;
}

bool createsLibcamerasrc(GstDevice *device)
{
	GstPtr<GstElement> element = GstPtr<GstElement>::retain(gst_device_create_element(device, nullptr));
	if (!element)
		return false;
	GstElementFactory *factory = gst_element_get_factory(element.get());
	return factory && g_strcmp0(GST_OBJECT_NAME(factory), "libcamerasrc") == 0;
}

void collectCameras(GList *devices, bool checkFactory, std::vector<std::string> &cameras)
{
	for (GList *item = devices; item; item = item->next) {
		GstDevice *device = GST_DEVICE(item->data);
		if (checkFactory && !createsLibcamerasrc(device))
			continue;

		std::string name = cameraName(device);
		if (!name.empty())
			cameras.push_back(std::move(name));
	}
}

bool isVideoNode(const std::string &name, unsigned long &index)
{
	if (name.rfind("video", 0) != 0 || name.size() == 5)
		return false;

	const char *digits = name.c_str() + 5;
	char *end = nullptr;
	index = std::strtoul(digits, &end, 10);
	return *digits >= '0' && *digits <= '9' && end && *end == '\0';
}

bool isCaptureDevice(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;

	struct v4l2_capability cap;
	std::memset(&cap, 0, sizeof(cap));
	int ret = ::ioctl(fd, VIDIOC_QUERYCAP, &cap);
	::close(fd);
	if (ret < 0)
		return false;

	/* device_caps describes this node; capabilities the whole device. */
	uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps
								  : cap.capabilities;

	/* Memory-to-memory nodes are codecs (the Pi's encoder), not cameras. */
	if (caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE))
		return false;

	return caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE);
}

} /* namespace */

bool SystemPlatform::hasElement(const std::string &factory) const
{
	return bool(GstPtr<GstPluginFeature>::adopt(gst_registry_find_feature(
		gst_registry_get(), factory.c_str(), GST_TYPE_ELEMENT_FACTORY)));
}

std::vector<std::string> SystemPlatform::libcameraCameras() const
{
	std::vector<std::string> cameras;

	if (!hasElement("libcamerasrc"))
		return cameras;

	/*
	 * Probe only libcamera's provider: a monitor over every provider
	 * would also wake up PipeWire, PulseAudio and friends.
	 */
	GstPtr<GstDeviceProvider> provider =
		GstPtr<GstDeviceProvider>::adopt(gst_device_provider_factory_get_by_name("libcameraprovider"));
	if (provider) {
		g_autolist(GstDevice) devices = gst_device_provider_get_devices(provider.get());
		collectCameras(devices, false, cameras);
		return cameras;
	}

	/* No provider: find video sources that turn into libcamerasrc. */
	GstPtr<GstDeviceMonitor> monitor = GstPtr<GstDeviceMonitor>::adopt(gst_device_monitor_new());
	gst_device_monitor_add_filter(monitor.get(), "Video/Source", nullptr);
	g_autolist(GstDevice) devices = gst_device_monitor_get_devices(monitor.get());
	collectCameras(devices, true, cameras);

	return cameras;
}

std::vector<std::string> SystemPlatform::v4l2CaptureDevices() const
{
	std::vector<std::pair<unsigned long, std::string>> nodes;

	std::error_code ec;
	std::filesystem::directory_iterator dir("/dev", ec);
	if (ec)
		return {};

	/* increment(ec) rather than ++, which would throw. */
	for (; !ec && dir != std::filesystem::directory_iterator(); dir.increment(ec)) {
		std::string name = dir->path().filename().string();
		unsigned long index;
		if (!isVideoNode(name, index))
			continue;

		std::string path = "/dev/" + name;
		if (isCaptureDevice(path))
			nodes.emplace_back(index, std::move(path));
	}

	/* Numeric order, so /dev/video2 comes before /dev/video10. */
	std::sort(nodes.begin(), nodes.end());

	std::vector<std::string> devices;
	for (auto &node : nodes)
		devices.push_back(std::move(node.second));
	return devices;
}

} /* namespace wcam */
