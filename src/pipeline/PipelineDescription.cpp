/* SPDX-License-Identifier: MIT */
/*
 * Source and encoder selection, and the gst-launch text around them.
 */
#include "pipeline/PipelineDescription.h"

#include <algorithm>
#include <cstdint>

#include <glib.h>

#include "pipeline/V4l2EncoderLimits.h"

namespace wcam {

namespace {

const char *const kParse = "h264parse config-interval=-1";

/*
 * SPS/PPS before every IDR come from h264parse (config-interval=-1), once
 * per access unit. rtph264pay 1.22 with config-interval=-1 put them before
 * each IDR *slice* as well (x264 makes several): ffmpeg, and RTSP recorders
 * with it, took the slices for separate pictures and one was corrupt at
 * every keyframe. So the payloader adds none.
 */
std::string fanoutDescription()
{
	return std::string("rtph264pay name=") + ElementName::kPay +
	       " config-interval=0 aggregate-mode=zero-latency pt=96 mtu=1200 ! tee name=" + ElementName::kFanout +
	       " allow-not-linked=true " + ElementName::kFanout +
	       ". ! queue leaky=downstream max-size-buffers=1 ! fakesink name=idle_sink sync=false async=false";
}

const char *const kConvert = "videoconvert ! video/x-raw,format=I420";

/* A gst-launch double-quoted string. */
std::string quoted(const std::string &value)
{
	std::string out = "\"";
	for (char c : value) {
		if (c == '"' || c == '\\')
			out += '\\';
		out += c;
	}
	out += '"';
	return out;
}

/* Bare when gst-launch reads it as one word, quoted otherwise. */
std::string launchValue(const std::string &value)
{
	bool plain = !value.empty() &&
		     std::all_of(value.begin(), value.end(), [](char c) {
			     return g_ascii_isalnum(c) || c == '/' || c == '_' || c == '-' || c == '.';
		     });
	return plain ? value : quoted(value);
}

std::string rawCaps(const Config &config, const char *format)
{
	std::string caps = "video/x-raw,width=" + std::to_string(config.camera.width) +
			   ",height=" + std::to_string(config.camera.height) +
			   ",framerate=" + std::to_string(config.camera.fps) + "/1";
	if (format)
		caps += std::string(",format=") + format;
	return caps;
}

std::string sourceCaps(const std::string &caps)
{
	return std::string("capsfilter name=") + ElementName::kSourceCaps + " caps=" + quoted(caps);
}

ChainChoice libcameraChain(const Config &config, const std::string &camera,
			   std::string reason)
{
	std::string description = "libcamerasrc";
	if (!camera.empty())
		description += " camera-name=" + quoted(camera);
	/*
	 * NV12 is what the ISP produces and what v4l2h264enc takes directly.
	 * Format, framerate and colorimetry are spelled out: libcamerasrc
	 * left to negotiate them has failed against v4l2h264enc and x264enc
	 * (kbingham in ArduCAM/Arducam-Pivariety-V4L2-Driver#15; the working
	 * caps of raspberrypi/libcamera#30, and #143 on a Pi 5). bt709 is the
	 * Pi pipeline handler's colour space for video recording; asked for
	 * none, it falls back to full-range sYCC (rpi/common/pipeline_base.cpp).
	 *
	 * No v4l2convert before the encoder, unlike Raspberry Pi's own example
	 * (raspberrypi/libcamera#62): it costs a second ISP pass per frame, and
	 * what it fixed there, caps left to negotiation and lines padded past
	 * the width, is covered by these caps and by v4l2EncoderSizeProblem()
	 * (widths a multiple of 32, where the ISP's stride is the width).
	 * On a Pi 5 the PiSP pads lines to 64 bytes; libcamera 0.5.1 and
	 * later tell videoconvert through GstVideoMeta, so the presets keep
	 * to widths that are multiples of 64 for older ones.
	 */
	description += " ! " + sourceCaps(rawCaps(config, "NV12") + ",colorimetry=bt709");
	return { description, "libcamera", std::move(reason), SourceKind::Libcamera };
}

ChainChoice failure(const char *kind, std::string reason);

/*
 * Raw: whatever raw format the camera offers at that size and rate (UVC
 * cameras: YUYV), converted for the encoder after the queue. MJPEG: what
 * most UVC webcams send at 720p30 and above, decoded with jpegdec, as the
 * pipelines known to work do (`v4l2src ! image/jpeg,width=1280,height=720,
 * framerate=30/1 ! jpegdec ! videoconvert ! x264enc`, e.g.
 * v4l2loopback/v4l2loopback#375). Either way the device is the one chosen
 * by driver (V4l2Node), never a fixed /dev/video0, which on a Pi with a CSI
 * camera is the unicam Bayer node.
 */
ChainChoice v4l2Chain(const Config &config, const Platform &platform, const std::string &device,
		      std::string reason)
{
	std::string description = "v4l2src device=" + launchValue(device) + " ! ";
	if (config.camera.format == CaptureFormat::Mjpeg) {
		if (!platform.hasElement("jpegdec"))
			return failure("v4l2", "camera.format = mjpeg, but the jpegdec element is not "
					       "installed (apt install gstreamer1.0-plugins-good)");
		description += "image/jpeg,width=" + std::to_string(config.camera.width) +
			       ",height=" + std::to_string(config.camera.height) +
			       ",framerate=" + std::to_string(config.camera.fps) + "/1 ! jpegdec ! ";
		reason += ", MJPEG decoded by jpegdec";
	}
	description += sourceCaps(rawCaps(config, nullptr));
	return { description, "v4l2", std::move(reason), SourceKind::V4l2 };
}

ChainChoice testChain(const Config &config, std::string reason)
{
	/* A moving pattern, so a viewer can tell the stream is live. */
	std::string description = "videotestsrc is-live=true pattern=smpte horizontal-speed=2 ! " +
				  sourceCaps(rawCaps(config, "I420"));
	return { description, "test", std::move(reason), SourceKind::Test };
}

ChainChoice failure(const char *kind, std::string reason)
{
	return { std::string(), kind, std::move(reason) };
}

bool isDevicePath(const std::string &device)
{
	return device.rfind("/dev/", 0) == 0;
}

ChainChoice explicitLibcamera(const Config &config, const Platform &platform)
{
	if (!platform.hasElement("libcamerasrc"))
		return failure("libcamera",
			       "camera.source = libcamera, but the libcamerasrc element is not "
			       "installed (apt install gstreamer1.0-libcamera)");

	std::vector<std::string> cameras = platform.libcameraCameras();
	const std::string &device = config.camera.device;
	std::string reason = "camera.source = libcamera";
	if (cameras.empty())
		reason += " (no camera detected yet; libcamerasrc will fail to start without one)";
	else if (!device.empty() &&
		 std::find(cameras.begin(), cameras.end(), device) == cameras.end())
		reason += " (camera \"" + device + "\" not among the " +
			  std::to_string(cameras.size()) + " detected)";
	return libcameraChain(config, device, std::move(reason));
}

ChainChoice explicitV4l2(const Config &config, const Platform &platform)
{
	if (!platform.hasElement("v4l2src"))
		return failure("v4l2",
			       "camera.source = v4l2, but the v4l2src element is not installed "
			       "(apt install gstreamer1.0-plugins-good)");

	if (!config.camera.device.empty())
		return v4l2Chain(config, platform, config.camera.device,
				 "camera.source = v4l2, camera.device = " + config.camera.device);

	std::vector<std::string> devices = platform.v4l2CaptureDevices();
	if (devices.empty())
		return failure("v4l2",
			       "camera.source = v4l2, but no V4L2 capture device was found "
			       "(set camera.device)");

	return v4l2Chain(config, platform, devices.front(),
			 "camera.source = v4l2, first capture device " + devices.front());
}

ChainChoice explicitTest(const Config &config, const Platform &platform)
{
	if (!platform.hasElement("videotestsrc"))
		return failure("test",
			       "camera.source = test, but the videotestsrc element is not "
			       "installed (apt install gstreamer1.0-plugins-base)");
	return testChain(config, "camera.source = test");
}

ChainChoice autoSource(const Config &config, const Platform &platform)
{
	const std::string &device = config.camera.device;
	bool haveLibcamerasrc = platform.hasElement("libcamerasrc");
	bool haveV4l2src = platform.hasElement("v4l2src");

	/* A device node names a V4L2 camera; anything else a libcamera one. */
	if (isDevicePath(device) && haveV4l2src)
		return v4l2Chain(config, platform, device, "auto: camera.device " + device + " is a V4L2 node");

	std::string why = "auto: ";
	std::vector<std::string> cameras;
	if (haveLibcamerasrc)
		cameras = platform.libcameraCameras();

	if (!cameras.empty()) {
		std::string camera = isDevicePath(device) ? std::string() : device;
		return libcameraChain(config, camera,
				      "auto: libcamera camera found (" +
				      (camera.empty() ? cameras.front() : camera) + ")");
	}
	why += haveLibcamerasrc ? "no libcamera camera found, "
				: "no libcamerasrc element, ";

	std::vector<std::string> devices;
	if (haveV4l2src)
		devices = platform.v4l2CaptureDevices();

	if (!devices.empty())
		return v4l2Chain(config, platform, devices.front(),
				 why + "using V4L2 capture device " + devices.front());
	why += haveV4l2src ? "no V4L2 capture device; " : "no v4l2src element; ";

	if (!platform.hasElement("videotestsrc"))
		return failure("test", why + "and no videotestsrc element for the test pattern");

	return testChain(config, why + "using the test pattern");
}

/* H.264 profile as caps spell it; baseline means constrained for WebRTC. */
const char *profileName(H264Profile profile)
{
	switch (profile) {
	case H264Profile::Main:
		return "main";
	case H264Profile::High:
		return "high";
	case H264Profile::Baseline:
	default:
		return "constrained-baseline";
	}
}

/* The most the encoder can be asked for: the adaptive ceiling may be above the start. */
int maxBitrate(const Config &config)
{
	int bitrate = config.encoding.bitrate;
	if (config.adaptive.enabled)
		bitrate = std::max(bitrate, config.adaptive.maxBitrate);
	return bitrate;
}

int keyframeFrames(const Config &config)
{
	return std::max(1, config.camera.fps * config.encoding.keyframeInterval);
}

ChainChoice v4l2Encoder(const Config &config, std::string reason)
{
	/*
	 * The Pi's encoder takes profile and level only through its output
	 * caps; bitrate, GOP and inline SPS/PPS through extra-controls.
	 */
	/*
	 * Control names as bcm2835-codec has them (raspberrypi/linux#4917):
	 * video_bitrate_mode 1 is CBR; the bitrate is put in the driver's
	 * range and step, which the kernel would do silently.
	 *
	 * The level must cover the stream: since GStreamer 1.18 v4l2h264enc
	 * takes it from the caps and, without one, sets level 1.0, which the
	 * encoder cannot keep to at any useful size (6by9 in
	 * raspberrypi/documentation#3545).
	 */
	int bitrate = v4l2Bitrate(config.encoding.bitrate);
	const CameraConfig &camera = config.camera;
	std::string controls = "controls,video_bitrate=" + std::to_string(bitrate) +
			       ",video_bitrate_mode=1,repeat_sequence_header=1,h264_i_frame_period=" +
			       std::to_string(keyframeFrames(config));
	std::string description = std::string("v4l2h264enc name=") + ElementName::kEncoder +
				  " extra-controls=" + quoted(controls) + " ! video/x-h264,profile=(string)" +
				  profileName(config.encoding.profile) + ",level=(string)" +
				  h264Level(camera.width, camera.height, camera.fps,
					    v4l2Bitrate(maxBitrate(config)), config.encoding.profile);
	if (bitrate != config.encoding.bitrate)
		reason += " (bitrate " + std::to_string(config.encoding.bitrate) + " set to " +
			  std::to_string(bitrate) + ", the encoder's nearest: 25000..25000000 in steps of 25000)";
	return { description, "v4l2", std::move(reason), SourceKind::Auto, EncoderKind::V4l2 };
}

ChainChoice x264Encoder(const Config &config, std::string reason)
{
	int kbps = std::max(1, config.encoding.bitrate / 1000);
	std::string description =
		std::string("x264enc name=") + ElementName::kEncoder + " tune=zerolatency speed-preset=" +
		(config.performance.lowLatencyMode ? "ultrafast" : "veryfast") +
		" bitrate=" + std::to_string(kbps) +
		" key-int-max=" + std::to_string(keyframeFrames(config)) +
		(config.encoding.threads ? " threads=" + std::to_string(config.encoding.threads) : "") +
		" bframes=0 b-adapt=false byte-stream=true ! video/x-h264,profile=(string)" +
		profileName(config.encoding.profile);
	return { description, "x264", std::move(reason), SourceKind::Auto, EncoderKind::X264 };
}

ChainChoice openh264Encoder(const Config &config, std::string reason)
{
	std::string description =
		std::string("openh264enc name=") + ElementName::kEncoder +
		" bitrate=" + std::to_string(config.encoding.bitrate) + " rate-control=bitrate complexity=low usage-type=camera gop-size=" +
		std::to_string(keyframeFrames(config)) +
		(config.encoding.threads ? " multi-thread=" + std::to_string(config.encoding.threads) : "") +
		" ! video/x-h264,profile=(string)constrained-baseline";
	if (config.encoding.profile != H264Profile::Baseline)
		reason += std::string(" (profile lowered from ") +
			  profileName(config.encoding.profile) +
			  " to constrained-baseline: openh264enc encodes baseline only)";
	return { description, "openh264", std::move(reason), SourceKind::Auto, EncoderKind::OpenH264 };
}

} /* namespace */

ChainChoice chooseSource(const Config &config, const Platform &platform)
{
	if (!config.pipeline.source.empty())
		return { config.pipeline.source + " ! capsfilter name=" + ElementName::kSourceCaps, "override",
			 "[pipeline] source override" };

	switch (config.camera.source) {
	case SourceKind::Libcamera:
		return explicitLibcamera(config, platform);
	case SourceKind::V4l2:
		return explicitV4l2(config, platform);
	case SourceKind::Test:
		return explicitTest(config, platform);
	case SourceKind::Auto:
	default:
		return autoSource(config, platform);
	}
}

ChainChoice chooseEncoder(const Config &config, const Platform &platform)
{
	if (!config.pipeline.encoder.empty())
		return { config.pipeline.encoder, "override", "[pipeline] encoder override" };

	bool haveV4l2 = platform.hasElement("v4l2h264enc");
	bool haveX264 = platform.hasElement("x264enc");
	bool haveOpenh264 = platform.hasElement("openh264enc");
	std::string sizeProblem = v4l2EncoderSizeProblem(config.camera.width, config.camera.height,
							 config.camera.fps);

	switch (config.encoding.encoder) {
	case EncoderKind::V4l2:
		if (!haveV4l2)
			return failure("v4l2",
				       "encoding.encoder = v4l2, but the v4l2h264enc element is not "
				       "available (it needs a V4L2 H.264 encoder device, e.g. a "
				       "Raspberry Pi 0-4)");
		if (!sizeProblem.empty())
			return failure("v4l2", "encoding.encoder = v4l2, but " + sizeProblem);
		return v4l2Encoder(config, "encoding.encoder = v4l2");
	case EncoderKind::X264:
		if (!haveX264)
			return failure("x264",
				       "encoding.encoder = x264, but the x264enc element is not "
				       "installed (apt install gstreamer1.0-plugins-ugly)");
		return x264Encoder(config, "encoding.encoder = x264");
	case EncoderKind::OpenH264:
		if (!haveOpenh264)
			return failure("openh264",
				       "encoding.encoder = openh264, but the openh264enc element is "
				       "not installed (apt install gstreamer1.0-plugins-bad)");
		return openh264Encoder(config, "encoding.encoder = openh264");
	case EncoderKind::Auto:
	default:
		break;
	}

	/* v4l2h264enc registers only when an encoder device exists. */
	/* Not a silent fall back to x264: on a Pi 0-3 it cannot keep up. */
	if (haveV4l2 && !sizeProblem.empty())
		return failure("auto", "auto: hardware encoder v4l2h264enc found, but " + sizeProblem +
					       "; change camera.width/height/fps or set encoding.encoder");
	if (haveV4l2)
		return v4l2Encoder(config, "auto: hardware encoder v4l2h264enc found");
	if (haveX264)
		return x264Encoder(config, "auto: no v4l2h264enc hardware encoder; using x264enc");
	if (haveOpenh264)
		return openh264Encoder(config,
				       "auto: no v4l2h264enc or x264enc; using openh264enc");

	return failure("auto",
		       "auto: no H.264 encoder found (v4l2h264enc, x264enc, openh264enc); "
		       "apt install gstreamer1.0-plugins-ugly");
}

PipelineDescription describePipeline(const Config &config, const Platform &platform)
{
	PipelineDescription result;
	result.source = chooseSource(config, platform);
	result.encoder = chooseEncoder(config, platform);

	if (result.source.description.empty())
		result.error = result.source.reason;
	if (result.encoder.description.empty()) {
		if (!result.error.empty())
			result.error += "; ";
		result.error += result.encoder.reason;
	}
	if (!result.error.empty())
		return result;

	/* 0 would make the queue unbounded, the opposite of what was asked. */
	int buffers = std::max(1, config.camera.bufferSize);
	std::string queue = "queue name=source_queue max-size-buffers=" + std::to_string(buffers) +
			    " max-size-bytes=0 max-size-time=0";
	if (config.performance.frameDropStrategy == FrameDropStrategy::Latest)
		queue += " leaky=downstream";

	result.producer = result.source.description + " ! " + queue;

	/*
	 * libcamera's NV12 goes into the Pi's encoder as is. Everything else
	 * is converted to I420 first, a USB camera's YUYV too, though
	 * bcm2835-codec takes YUYV: its YUYV stride was wrong until
	 * raspberrypi/linux#5646 (2023), and one format into the encoder is
	 * one path to trust.
	 */
	bool direct = result.source.sourceKind == SourceKind::Libcamera &&
		      result.encoder.encoderKind == EncoderKind::V4l2;
	if (!direct)
		result.producer += std::string(" ! ") + kConvert;

	result.producer += " ! " + result.encoder.description + " ! " + kParse;
	result.fanout = fanoutDescription();
	result.launch = result.producer + " ! " + result.fanout;
	return result;
}

} /* namespace wcam */
