/* SPDX-License-Identifier: MIT */
/*
 * The real machine behind Platform: the GStreamer registry for elements,
 * libcamera's device provider for cameras and V4L2 ioctls for /dev/video*.
 */
#include "pipeline/Platform.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "pipeline/V4l2Node.h"

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

bool isVideoNode(const std::string &name)
{
	return name.size() > 5 && name.rfind("video", 0) == 0 &&
	       name.find_first_not_of("0123456789", 5) == std::string::npos;
}

/* The node's VIDIOC_QUERYCAP answer; false when it has none. */
bool queryNode(const std::string &path, V4l2Node &node)
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

	/* The kernel NUL-terminates these; strnlen guards against one that does not. */
	auto text = [](const __u8 *field, size_t size) {
		const char *chars = reinterpret_cast<const char *>(field);
		return std::string(chars, strnlen(chars, size));
	};
	node.path = path;
	node.driver = text(cap.driver, sizeof(cap.driver));
	node.card = text(cap.card, sizeof(cap.card));
	node.busInfo = text(cap.bus_info, sizeof(cap.bus_info));
	node.capabilities = cap.capabilities;
	node.deviceCaps = cap.device_caps;
	return true;
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
	std::vector<std::string> devices;
	for (const V4l2Node &node : chooseCaptureNodes(queryV4l2Nodes()))
		devices.push_back(node.path);
	return devices;
}

std::vector<V4l2Node> queryV4l2Nodes()
{
	std::vector<V4l2Node> nodes;

	std::error_code ec;
	std::filesystem::directory_iterator dir("/dev", ec);
	if (ec)
		return {};

	/* increment(ec) rather than ++, which would throw. */
	for (; !ec && dir != std::filesystem::directory_iterator(); dir.increment(ec)) {
		std::string name = dir->path().filename().string();
		if (!isVideoNode(name))
			continue;

		V4l2Node node;
		if (queryNode("/dev/" + name, node))
			nodes.push_back(std::move(node));
	}

	std::sort(nodes.begin(), nodes.end(), [](const V4l2Node &a, const V4l2Node &b) {
		return nodeNumber(a.path) < nodeNumber(b.path);
	});
	return nodes;
}

std::string v4l2EncoderDevice()
{
	GstPtr<GstElement> encoder = GstPtr<GstElement>::retain(gst_element_factory_make("v4l2h264enc", nullptr));
	if (!encoder)
		return {};
	g_autofree gchar *device = nullptr;
	g_object_get(encoder.get(), "device", &device, nullptr);
	return device ? device : "";
}

} /* namespace wcam */
