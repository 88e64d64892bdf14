/* SPDX-License-Identifier: MIT */
/*
 * Pipeline description: decisions for every platform shape (a Pi is
 * simulated with FakePlatform), and real runs of what this machine gets.
 */
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "pipeline/PipelineDescription.h"
#include "pipeline/V4l2EncoderLimits.h"

using namespace wcam;

namespace {

class FakePlatform : public Platform
{
public:
	FakePlatform(std::set<std::string> elements, std::vector<std::string> cameras = {},
		     std::vector<std::string> devices = {})
		: elements_(std::move(elements)), cameras_(std::move(cameras)),
		  devices_(std::move(devices))
	{
	}

	bool hasElement(const std::string &factory) const override
	{
		return elements_.count(factory) > 0;
	}
	std::vector<std::string> libcameraCameras() const override
	{
		/* Like SystemPlatform: nothing without libcamerasrc. */
		return hasElement("libcamerasrc") ? cameras_ : std::vector<std::string>{};
	}
	std::vector<std::string> v4l2CaptureDevices() const override
	{
		return hasElement("v4l2src") ? devices_ : std::vector<std::string>{};
	}

private:
	std::set<std::string> elements_;
	std::vector<std::string> cameras_;
	std::vector<std::string> devices_;
};

const char *const kCamera = "/base/soc/i2c0mux/i2c@1/imx219@10";
const char *const kConvert = "videoconvert ! video/x-raw,format=I420";
const char *const kTail =
	"h264parse config-interval=-1 ! rtph264pay name=pay config-interval=0 "
	"aggregate-mode=zero-latency pt=96 mtu=1200 ! tee name=fanout allow-not-linked=true "
	"fanout. ! queue leaky=downstream max-size-buffers=1 ! "
	"fakesink name=idle_sink sync=false async=false";

const std::set<std::string> kBase = { "videotestsrc", "v4l2src", "videoconvert", "h264parse",
				      "rtph264pay", "tee", "queue", "fakesink", "jpegdec" };

std::set<std::string> with(std::set<std::string> elements, std::initializer_list<const char *> more)
{
	for (const char *name : more)
		elements.insert(name);
	return elements;
}

/* Raspberry Pi 0-4: libcamera camera, unicam capture node, hardware encoder. */
FakePlatform piZero()
{
	return FakePlatform(with(kBase, { "libcamerasrc", "v4l2h264enc", "x264enc" }),
			    { kCamera }, { "/dev/video0" });
}

/* Raspberry Pi 5: camera via libcamera, but no hardware H.264 encoder. */
FakePlatform piFive()
{
	return FakePlatform(with(kBase, { "libcamerasrc", "x264enc", "openh264enc" }),
			    { kCamera }, { "/dev/video0" });
}

/* A PC with every element but no camera at all. */
FakePlatform everything()
{
	return FakePlatform(with(kBase, { "libcamerasrc", "v4l2h264enc", "x264enc", "openh264enc" }),
			    { kCamera }, { "/dev/video0", "/dev/video2" });
}

bool contains(const std::string &haystack, const std::string &needle)
{
	return haystack.find(needle) != std::string::npos;
}

/* The quoted value after "key=\"" in a description. */
std::string quotedValue(const std::string &text, const std::string &key)
{
	std::string start = key + "=\"";
	size_t begin = text.find(start);
	if (begin == std::string::npos)
		return {};
	begin += start.size();
	size_t end = text.find('"', begin);
	return end == std::string::npos ? std::string() : text.substr(begin, end - begin);
}

/* The output caps that follow the encoder element. */
std::string encoderCaps(const std::string &description)
{
	size_t pos = description.find("video/x-h264");
	return pos == std::string::npos ? std::string() : description.substr(pos);
}

} /* namespace */

TEST_CASE("Pi 0-4: libcamera straight into v4l2h264enc", "[pipeline][description]")
{
	Config config;
	FakePlatform platform = piZero();
	PipelineDescription d = describePipeline(config, platform);

	REQUIRE(d.error.empty());
	CHECK(d.source.kind == "libcamera");
	CHECK(d.encoder.kind == "v4l2");
	CHECK(contains(d.source.reason, "auto"));
	CHECK(contains(d.source.reason, kCamera));

	/* Format, rate and colorimetry spelled out (ArduCAM Pivariety#15, libcamera#30/#143). */
	CHECK(d.source.description ==
	      "libcamerasrc ! capsfilter name=source_caps "
	      "caps=\"video/x-raw,width=1280,height=720,framerate=30/1,format=NV12,colorimetry=bt709\"");

	/* Zero-copy: no conversion between the camera and the encoder. */
	CHECK_FALSE(contains(d.launch, "videoconvert"));
	CHECK(contains(d.launch, "source_caps caps=\"video/x-raw,width=1280,height=720,"
				 "framerate=30/1,format=NV12,colorimetry=bt709\" ! queue name=source_queue"));
	CHECK(contains(d.launch, "leaky=downstream ! v4l2h264enc name=encoder"));

	std::string controls = quotedValue(d.encoder.description, "extra-controls");
	CHECK(contains(controls, "video_bitrate=1500000"));
	CHECK(contains(controls, "video_bitrate_mode=1"));
	CHECK(contains(controls, "repeat_sequence_header=1"));
	CHECK(contains(controls, "h264_i_frame_period=60"));
	CHECK(encoderCaps(d.encoder.description) ==
	      "video/x-h264,profile=(string)constrained-baseline,level=(string)3.1");

	/* Controls and caps must be what GStreamer itself can parse. */
	GstStructure *s = gst_structure_from_string(controls.c_str(), nullptr);
	REQUIRE(s);
	int value = 0;
	CHECK(gst_structure_get_int(s, "video_bitrate", &value));
	CHECK(value == 1500000);
	CHECK(gst_structure_get_int(s, "h264_i_frame_period", &value));
	CHECK(value == 60);
	gst_structure_free(s);

	GstCaps *caps = gst_caps_from_string(encoderCaps(d.encoder.description).c_str());
	REQUIRE(caps);
	CHECK(g_strcmp0(gst_structure_get_string(gst_caps_get_structure(caps, 0), "level"), "3.1") == 0);
	gst_caps_unref(caps);

	CHECK(d.launch == d.source.description + " ! queue name=source_queue max-size-buffers=2 "
			  "max-size-bytes=0 max-size-time=0 leaky=downstream ! " +
			  d.encoder.description + " ! " + kTail);
}

TEST_CASE("Pi 0-4: camera name, bitrate and keyframe period follow the config",
	  "[pipeline][description]")
{
	Config config;
	config.camera.device = kCamera;
	config.camera.fps = 25;
	config.encoding.keyframeInterval = 4;
	config.encoding.bitrate = 2500000;
	FakePlatform platform = piZero();

	PipelineDescription d = describePipeline(config, platform);
	REQUIRE(d.error.empty());
	CHECK(contains(d.source.description,
		       std::string("libcamerasrc camera-name=\"") + kCamera + "\" ! "));
	CHECK(contains(d.source.description, "framerate=25/1,format=NV12"));
	std::string controls = quotedValue(d.encoder.description, "extra-controls");
	CHECK(contains(controls, "video_bitrate=2500000,"));
	CHECK(contains(controls, "h264_i_frame_period=100"));
}

TEST_CASE("H.264 level follows the pixel rate", "[pipeline][description]")
{
	struct Case {
		int width, height, fps;
		const char *level;
	};
	/* Macroblocks, not pixels: 800x600@57 is 108300 MB/s, over 3.1's 108000. */
	const Case cases[] = {
		{ 640, 480, 30, "3.1" },   { 1280, 720, 30, "3.1" }, { 1280, 720, 31, "3.2" },
		{ 1280, 720, 60, "3.2" },  { 800, 600, 57, "3.2" },  { 800, 600, 56, "3.1" },
		{ 1920, 1080, 30, "4" },   { 1920, 1080, 31, "4.2" }, { 1920, 1080, 60, "4.2" },
		{ 1280, 736, 30, "3.2" },
	};

	FakePlatform platform = piZero();
	for (const Case &c : cases) {
		Config config;
		config.camera.width = c.width;
		config.camera.height = c.height;
		config.camera.fps = c.fps;
		INFO(c.width << "x" << c.height << "@" << c.fps);
		ChainChoice encoder = chooseEncoder(config, platform);
		CHECK(contains(encoder.description, std::string(",level=(string)") + c.level));
		CHECK_FALSE(contains(encoder.description, std::string(",level=(string)") + c.level + "."));
	}
}

TEST_CASE("H.264 level covers the bitrate the encoder may be set to", "[pipeline][description]")
{
	FakePlatform platform = piZero();
	Config config;
	config.adaptive.enabled = false;

	/* 3.1 allows 14 Mbit/s in Baseline and Main, 17.5 in High (Table A-1, A-2). */
	config.encoding.bitrate = 16000000;
	CHECK(contains(chooseEncoder(config, platform).description, ",level=(string)3.2"));
	config.encoding.profile = H264Profile::High;
	CHECK(contains(chooseEncoder(config, platform).description, ",level=(string)3.1"));

	/* The adaptive controller may climb to max_bitrate: the level must allow it. */
	config.encoding.profile = H264Profile::Baseline;
	config.encoding.bitrate = 1500000;
	config.adaptive.maxBitrate = 16000000;
	CHECK(contains(chooseEncoder(config, platform).description, ",level=(string)3.1"));
	config.adaptive.enabled = true;
	CHECK(contains(chooseEncoder(config, platform).description, ",level=(string)3.2"));

	/* Past the driver's 25 Mbit/s the encoder runs at 25: level 4.1 (50 Mbit/s). */
	config.adaptive.maxBitrate = 50000000;
	CHECK(contains(chooseEncoder(config, platform).description, ",level=(string)4.1"));

	CHECK(std::string(h264Level(1920, 1080, 60, 25000000, H264Profile::High)) == "4.2");
	CHECK(std::string(h264Level(2560, 1440, 30, 1000000, H264Profile::Baseline)).empty());
}

TEST_CASE("v4l2h264enc's bitrate keeps to the driver's range and step", "[pipeline][description]")
{
	/* bcm2835-codec: video_bitrate 25000..25000000 step 25000 (raspberrypi/linux#4917). */
	CHECK(v4l2Bitrate(1500000) == 1500000);
	CHECK(v4l2Bitrate(1234567) == 1225000);
	CHECK(v4l2Bitrate(1237500) == 1250000);
	CHECK(v4l2Bitrate(50000000) == 25000000);
	CHECK(v4l2Bitrate(24999999) == 25000000);
	CHECK(v4l2Bitrate(1) == 25000);
	CHECK(v4l2Bitrate(50000) == 50000);

	FakePlatform platform = piZero();
	Config config;
	config.encoding.bitrate = 30000000;
	ChainChoice encoder = chooseEncoder(config, platform);
	CHECK(contains(quotedValue(encoder.description, "extra-controls"), "video_bitrate=25000000,"));
	CHECK(contains(encoder.reason, "bitrate 30000000 set to 25000000"));

	config.encoding.bitrate = 1510000;
	encoder = chooseEncoder(config, platform);
	CHECK(contains(quotedValue(encoder.description, "extra-controls"), "video_bitrate=1500000,"));

	/* Only names the driver has (v4l2-ctl --list-ctrls on a Pi 4, raspberrypi/linux#4917). */
	GstStructure *controls = gst_structure_from_string(
		quotedValue(encoder.description, "extra-controls").c_str(), nullptr);
	REQUIRE(controls);
	const std::set<std::string> driver = { "video_bitrate_mode", "video_bitrate", "sequence_header_mode",
					       "repeat_sequence_header", "force_key_frame",
					       "h264_minimum_qp_value", "h264_maximum_qp_value",
					       "h264_i_frame_period", "h264_level", "h264_profile" };
	for (int i = 0; i < gst_structure_n_fields(controls); i++) {
		INFO(gst_structure_nth_field_name(controls, i));
		CHECK(driver.count(gst_structure_nth_field_name(controls, i)) == 1);
	}
	gst_structure_free(controls);
}

TEST_CASE("v4l2h264enc only gets sizes the Pi's encoder takes", "[pipeline][description]")
{
	Config config;
	config.camera.width = 1296;
	config.camera.height = 972;

	/* auto: an error that says why, not a silent fall back to x264 on a Pi Zero. */
	PipelineDescription d = describePipeline(config, piZero());
	CHECK(d.launch.empty());
	CHECK(contains(d.error, "auto: hardware encoder v4l2h264enc found, but the Raspberry Pi "
				"hardware encoder needs a width that is a multiple of 32, not 1296 "
				"(try 1280 or 1312)"));

	config.encoding.encoder = EncoderKind::V4l2;
	d = describePipeline(config, piZero());
	CHECK(contains(d.error, "encoding.encoder = v4l2, but the Raspberry Pi hardware encoder"));

	/* Software encoders and the Pi 5 take it. */
	config.encoding.encoder = EncoderKind::Auto;
	d = describePipeline(config, piFive());
	CHECK(d.error.empty());
	CHECK(d.encoder.kind == "x264");

	struct Case {
		int width, height, fps;
		bool ok;
	};
	const Case cases[] = {
		{ 1280, 720, 30, true },   { 1920, 1080, 30, true },  { 1920, 1080, 60, true },
		{ 640, 480, 90, true },    { 800, 600, 30, true },    { 32, 16, 1, true },
		{ 720, 576, 25, false },   { 1296, 972, 30, false },  { 1920, 1200, 30, false },
		{ 2048, 1088, 30, false }, { 1920, 1080, 65, false }, { 16, 16, 30, false },
	};
	for (const Case &c : cases) {
		INFO(c.width << "x" << c.height << "@" << c.fps);
		CHECK(v4l2EncoderSizeProblem(c.width, c.height, c.fps).empty() == c.ok);
	}
	CHECK(contains(v4l2EncoderSizeProblem(16, 16, 30), "(try 32)"));
}

TEST_CASE("Profiles map to caps names", "[pipeline][description]")
{
	struct Case {
		H264Profile profile;
		const char *name;
	};
	const Case cases[] = {
		{ H264Profile::Baseline, "constrained-baseline" },
		{ H264Profile::Main, "main" },
		{ H264Profile::High, "high" },
	};

	FakePlatform platform = everything();
	for (const Case &c : cases) {
		Config config;
		config.encoding.profile = c.profile;
		INFO(c.name);

		config.encoding.encoder = EncoderKind::V4l2;
		CHECK(encoderCaps(chooseEncoder(config, platform).description) ==
		      std::string("video/x-h264,profile=(string)") + c.name + ",level=(string)3.1");

		config.encoding.encoder = EncoderKind::X264;
		CHECK(encoderCaps(chooseEncoder(config, platform).description) ==
		      std::string("video/x-h264,profile=(string)") + c.name);

		/* openh264enc only does baseline, and says so. */
		config.encoding.encoder = EncoderKind::OpenH264;
		ChainChoice openh264 = chooseEncoder(config, platform);
		CHECK(encoderCaps(openh264.description) ==
		      "video/x-h264,profile=(string)constrained-baseline");
		CHECK(contains(openh264.reason, "lowered") == (c.profile != H264Profile::Baseline));
	}
}

TEST_CASE("Pi 5: libcamera with x264enc, through videoconvert", "[pipeline][description]")
{
	Config config;
	FakePlatform platform = piFive();
	PipelineDescription d = describePipeline(config, platform);

	REQUIRE(d.error.empty());
	CHECK(d.source.kind == "libcamera");
	CHECK(d.encoder.kind == "x264");
	CHECK(contains(d.encoder.reason, "no v4l2h264enc"));
	CHECK(contains(d.launch, std::string("leaky=downstream ! ") + kConvert +
					 " ! x264enc name=encoder"));
}

TEST_CASE("Bare machine: test pattern and x264enc", "[pipeline][description]")
{
	Config config;
	FakePlatform platform(with(kBase, { "x264enc" }));
	PipelineDescription d = describePipeline(config, platform);

	REQUIRE(d.error.empty());
	CHECK(d.source.kind == "test");
	CHECK(d.encoder.kind == "x264");
	CHECK(d.source.reason == "auto: no libcamerasrc element, no V4L2 capture device; "
				 "using the test pattern");
	CHECK(d.source.description ==
	      "videotestsrc is-live=true pattern=smpte horizontal-speed=2 ! capsfilter "
	      "name=source_caps caps=\"video/x-raw,width=1280,height=720,framerate=30/1,format=I420\"");
	CHECK(d.encoder.description ==
	      "x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate=1500 "
	      "key-int-max=60 bframes=0 b-adapt=false byte-stream=true ! "
	      "video/x-h264,profile=(string)constrained-baseline");
	CHECK(d.launch == d.source.description + " ! queue name=source_queue max-size-buffers=2 "
			  "max-size-bytes=0 max-size-time=0 leaky=downstream ! " + kConvert +
			  " ! " + d.encoder.description + " ! " + kTail);

	/* libcamerasrc installed, but no camera: like this machine. */
	FakePlatform noCamera(with(kBase, { "libcamerasrc", "x264enc" }));
	ChainChoice source = chooseSource(config, noCamera);
	CHECK(source.kind == "test");
	CHECK(source.reason == "auto: no libcamera camera found, no V4L2 capture device; "
			       "using the test pattern");
}

TEST_CASE("Auto source prefers libcamera, then V4L2, then the test pattern",
	  "[pipeline][description]")
{
	Config config;

	FakePlatform usbCamera(with(kBase, { "libcamerasrc", "x264enc" }), {},
			       { "/dev/video0", "/dev/video2" });
	ChainChoice source = chooseSource(config, usbCamera);
	CHECK(source.kind == "v4l2");
	CHECK(contains(source.reason, "no libcamera camera found"));
	CHECK(source.description ==
	      "v4l2src device=/dev/video0 ! capsfilter name=source_caps "
	      "caps=\"video/x-raw,width=1280,height=720,framerate=30/1\"");

	/* A device node in camera.device picks V4L2 even next to a libcamera camera. */
	config.camera.device = "/dev/video2";
	source = chooseSource(config, piZero());
	CHECK(source.kind == "v4l2");
	CHECK(contains(source.description, "v4l2src device=/dev/video2 ! "));

	/* Without v4l2src the capture devices do not count. */
	config.camera.device.clear();
	FakePlatform noV4l2src({ "videotestsrc", "x264enc" }, {}, { "/dev/video0" });
	CHECK(chooseSource(config, noV4l2src).kind == "test");

	/* Nothing at all. */
	FakePlatform nothing({});
	source = chooseSource(config, nothing);
	CHECK(source.description.empty());
	CHECK_FALSE(source.reason.empty());
}

TEST_CASE("USB webcams: MJPEG decoded by jpegdec, raw converted after the queue",
	  "[pipeline][description]")
{
	/* A Pi 4 with a CSI camera and a UVC webcam: V4l2Node lists only the webcam. */
	FakePlatform platform(with(kBase, { "libcamerasrc", "v4l2h264enc" }), { kCamera }, { "/dev/video8" });
	Config config;
	config.camera.source = SourceKind::V4l2;
	config.camera.format = CaptureFormat::Mjpeg;
	config.camera.width = 640;
	config.camera.height = 480;
	config.camera.fps = 15;

	PipelineDescription d = describePipeline(config, platform);
	REQUIRE(d.error.empty());
	CHECK(d.source.description ==
	      "v4l2src device=/dev/video8 ! image/jpeg,width=640,height=480,framerate=15/1 ! jpegdec ! "
	      "capsfilter name=source_caps caps=\"video/x-raw,width=640,height=480,framerate=15/1\"");
	CHECK(contains(d.source.reason, "MJPEG decoded by jpegdec"));
	/* Decoded frames are I420 or Y42B: converted for the encoder. */
	CHECK(contains(d.launch, std::string("max-size-time=0 leaky=downstream ! ") + kConvert +
					 " ! v4l2h264enc name=encoder"));

	/* Raw: the camera's own format (YUYV), no decoder. */
	config.camera.format = CaptureFormat::Raw;
	d = describePipeline(config, platform);
	REQUIRE(d.error.empty());
	CHECK(d.source.description == "v4l2src device=/dev/video8 ! capsfilter name=source_caps "
				      "caps=\"video/x-raw,width=640,height=480,framerate=15/1\"");
	CHECK(contains(d.launch, kConvert));

	/* The format is a V4L2 matter: libcamera and the test pattern ignore it. */
	config.camera.format = CaptureFormat::Mjpeg;
	config.camera.source = SourceKind::Libcamera;
	CHECK_FALSE(contains(describePipeline(config, platform).launch, "jpegdec"));
	config.camera.source = SourceKind::Test;
	CHECK_FALSE(contains(describePipeline(config, platform).launch, "jpegdec"));

	/* Without jpegdec: say which package. */
	config.camera.source = SourceKind::V4l2;
	FakePlatform noJpegdec({ "v4l2src", "videoconvert", "x264enc" }, {}, { "/dev/video0" });
	d = describePipeline(config, noJpegdec);
	CHECK(contains(d.error, "camera.format = mjpeg, but the jpegdec element is not installed"));
}

TEST_CASE("Auto encoder order", "[pipeline][description]")
{
	Config config;

	CHECK(chooseEncoder(config, piZero()).kind == "v4l2");
	CHECK(chooseEncoder(config, piFive()).kind == "x264");

	FakePlatform onlyOpenh264(with(kBase, { "openh264enc" }));
	ChainChoice encoder = chooseEncoder(config, onlyOpenh264);
	CHECK(encoder.kind == "openh264");
	CHECK(encoder.description ==
	      "openh264enc name=encoder bitrate=1500000 rate-control=bitrate complexity=low "
	      "usage-type=camera gop-size=60 ! video/x-h264,profile=(string)constrained-baseline");
	PipelineDescription d = describePipeline(config, onlyOpenh264);
	CHECK(d.error.empty());
	CHECK(contains(d.launch, std::string(kConvert) + " ! openh264enc name=encoder"));

	FakePlatform noEncoder(kBase);
	d = describePipeline(config, noEncoder);
	CHECK(d.encoder.description.empty());
	CHECK(contains(d.error, "no H.264 encoder"));
	CHECK(d.launch.empty());
}

TEST_CASE("Every explicit source and encoder combination", "[pipeline][description]")
{
	struct SourceCase {
		SourceKind kind;
		const char *name;
		const char *start;
	};
	struct EncoderCase {
		EncoderKind kind;
		const char *name;
		const char *start;
	};
	const SourceCase sources[] = {
		{ SourceKind::Libcamera, "libcamera", "libcamerasrc ! " },
		{ SourceKind::V4l2, "v4l2", "v4l2src device=/dev/video0 ! " },
		{ SourceKind::Test, "test", "videotestsrc is-live=true " },
	};
	const EncoderCase encoders[] = {
		{ EncoderKind::V4l2, "v4l2", "v4l2h264enc name=encoder " },
		{ EncoderKind::X264, "x264", "x264enc name=encoder " },
		{ EncoderKind::OpenH264, "openh264", "openh264enc name=encoder " },
	};

	FakePlatform platform = everything();
	for (const SourceCase &s : sources) {
		for (const EncoderCase &e : encoders) {
			Config config;
			config.camera.source = s.kind;
			config.encoding.encoder = e.kind;
			INFO(s.name << " + " << e.name);

			PipelineDescription d = describePipeline(config, platform);
			REQUIRE(d.error.empty());
			CHECK(d.source.kind == s.name);
			CHECK(d.encoder.kind == e.name);
			CHECK(d.launch.rfind(s.start, 0) == 0);
			CHECK(contains(d.launch, " ! capsfilter name=source_caps caps=\"video/x-raw,"
						 "width=1280,height=720,framerate=30/1"));
			CHECK(contains(d.launch, " ! queue name=source_queue "));
			CHECK(contains(d.launch, std::string(" ! ") + e.start));
			CHECK(d.launch.size() > std::string(kTail).size());
			CHECK(d.launch.substr(d.launch.size() - std::string(kTail).size()) == kTail);

			bool direct = s.kind == SourceKind::Libcamera && e.kind == EncoderKind::V4l2;
			CHECK(contains(d.launch, kConvert) == !direct);
			CHECK(contains(d.launch, "format=NV12") == (s.kind == SourceKind::Libcamera));
		}
	}
}

TEST_CASE("Explicit choices with missing elements give an error", "[pipeline][description]")
{
	FakePlatform bare(with(kBase, { "x264enc" }));
	Config config;

	config.camera.source = SourceKind::Libcamera;
	PipelineDescription d = describePipeline(config, bare);
	CHECK(d.source.description.empty());
	CHECK(d.error == "camera.source = libcamera, but the libcamerasrc element is not "
			 "installed (apt install gstreamer1.0-libcamera)");
	CHECK(d.launch.empty());

	/* v4l2src is there, but no capture device. */
	config.camera.source = SourceKind::V4l2;
	d = describePipeline(config, bare);
	CHECK(contains(d.error, "no V4L2 capture device"));

	/* An explicit device needs no scan. */
	config.camera.device = "/dev/video4";
	d = describePipeline(config, bare);
	CHECK(d.error.empty());
	CHECK(contains(d.launch, "v4l2src device=/dev/video4 ! "));

	FakePlatform noV4l2src({ "videotestsrc", "x264enc" }, {}, { "/dev/video0" });
	d = describePipeline(config, noV4l2src);
	CHECK(contains(d.error, "v4l2src element is not installed"));

	config = Config();
	config.camera.source = SourceKind::Test;
	config.encoding.encoder = EncoderKind::V4l2;
	d = describePipeline(config, bare);
	CHECK(d.encoder.description.empty());
	CHECK(contains(d.error, "v4l2h264enc"));
	CHECK(contains(d.error, "Pi 0-4"));

	config.encoding.encoder = EncoderKind::OpenH264;
	d = describePipeline(config, bare);
	CHECK(contains(d.error, "openh264enc"));
	CHECK(contains(d.error, "gstreamer1.0-plugins-bad"));

	FakePlatform noX264(with(kBase, { "openh264enc" }));
	config.encoding.encoder = EncoderKind::X264;
	d = describePipeline(config, noX264);
	CHECK(contains(d.error, "x264enc"));
	CHECK(contains(d.error, "gstreamer1.0-plugins-ugly"));

	/* Both missing: both reasons. */
	config.camera.source = SourceKind::Libcamera;
	d = describePipeline(config, noX264);
	CHECK(contains(d.error, "libcamerasrc"));
	CHECK(contains(d.error, "x264enc"));
}

TEST_CASE("[pipeline] overrides replace the built-in chains", "[pipeline][description]")
{
	Config config;
	config.pipeline.source = "videotestsrc pattern=ball ! video/x-raw,width=320,height=240";
	config.pipeline.encoder = "x264enc name=encoder bitrate=300";

	/* Overrides win even where nothing would be found. */
	FakePlatform nothing({});
	PipelineDescription d = describePipeline(config, nothing);
	REQUIRE(d.error.empty());
	CHECK(d.source.kind == "override");
	CHECK(d.encoder.kind == "override");
	CHECK(d.source.description == config.pipeline.source + " ! capsfilter name=source_caps");
	CHECK(d.encoder.description == config.pipeline.encoder);
	CHECK(d.launch == config.pipeline.source + " ! capsfilter name=source_caps ! queue "
			  "name=source_queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 "
			  "leaky=downstream ! " + kConvert + " ! " + config.pipeline.encoder +
			  " ! " + kTail);

	/* Only one overridden: the other is still chosen. */
	config.pipeline.source.clear();
	d = describePipeline(config, piZero());
	CHECK(d.source.kind == "libcamera");
	CHECK(d.encoder.kind == "override");
	CHECK(contains(d.launch, kConvert));
}

TEST_CASE("Frame drop strategy and buffer size shape the source queue", "[pipeline][description]")
{
	Config config;
	FakePlatform platform(with(kBase, { "x264enc" }));

	config.camera.bufferSize = 5;
	config.performance.frameDropStrategy = FrameDropStrategy::Latest;
	PipelineDescription d = describePipeline(config, platform);
	CHECK(contains(d.launch, " ! queue name=source_queue max-size-buffers=5 max-size-bytes=0 "
				 "max-size-time=0 leaky=downstream ! videoconvert"));

	config.performance.frameDropStrategy = FrameDropStrategy::None;
	d = describePipeline(config, platform);
	CHECK(contains(d.launch, " ! queue name=source_queue max-size-buffers=5 max-size-bytes=0 "
				 "max-size-time=0 ! videoconvert"));
	/* Only the idle branch queue leaks. */
	size_t first = d.launch.find("leaky=downstream");
	CHECK(first == d.launch.find("fanout. ! queue leaky=downstream") + 16);
}

TEST_CASE("x264enc follows low latency mode, bitrate and keyframe interval",
	  "[pipeline][description]")
{
	Config config;
	FakePlatform platform(with(kBase, { "x264enc" }));

	config.encoding.bitrate = 800000;
	config.camera.fps = 15;
	config.encoding.keyframeInterval = 3;
	ChainChoice encoder = chooseEncoder(config, platform);
	CHECK(contains(encoder.description, " speed-preset=ultrafast "));
	CHECK(contains(encoder.description, " bitrate=800 "));
	CHECK(contains(encoder.description, " key-int-max=45 "));

	config.performance.lowLatencyMode = false;
	encoder = chooseEncoder(config, platform);
	CHECK(contains(encoder.description, " speed-preset=veryfast "));
}

namespace {

struct RunResult {
	bool parsed = false;
	bool named = false;
	bool playing = false;
	std::string error;
	int buffers = 0;
	std::string caps;
};

GstPadProbeReturn countBuffer(GstPad *, GstPadProbeInfo *, gpointer data)
{
	static_cast<std::atomic<int> *>(data)->fetch_add(1);
	return GST_PAD_PROBE_OK;
}

/* Parse the description, play it for about a second, watch the tee. */
RunResult runPipeline(const std::string &launch)
{
	RunResult result;
	GError *error = nullptr;
	GstElement *pipeline = gst_parse_launch_full(launch.c_str(), nullptr,
						     GST_PARSE_FLAG_FATAL_ERRORS, &error);
	if (!pipeline || error) {
		result.error = error ? error->message : "no pipeline";
		g_clear_error(&error);
		if (pipeline)
			gst_object_unref(pipeline);
		return result;
	}
	result.parsed = true;
	gst_object_ref_sink(pipeline);

	result.named = true;
	for (const char *name : { "source_caps", "source_queue", "encoder", "pay", "fanout", "idle_sink" }) {
		GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline), name);
		if (!element)
			result.named = false;
		else
			gst_object_unref(element);
	}

	std::atomic<int> buffers{ 0 };
	GstElement *fanout = gst_bin_get_by_name(GST_BIN(pipeline), "fanout");
	GstPad *sink = fanout ? gst_element_get_static_pad(fanout, "sink") : nullptr;
	if (sink)
		gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, countBuffer, &buffers, nullptr);

	GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_PLAYING);
	if (ret != GST_STATE_CHANGE_FAILURE) {
		GstBus *bus = gst_element_get_bus(pipeline);
		gint64 end = g_get_monotonic_time() + G_TIME_SPAN_SECOND;
		while (g_get_monotonic_time() < end) {
			GstMessage *msg = gst_bus_timed_pop_filtered(
				bus, 50 * GST_MSECOND,
				GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_STATE_CHANGED));
			if (!msg)
				continue;
			if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
				GError *err = nullptr;
				gst_message_parse_error(msg, &err, nullptr);
				result.error = err ? err->message : "error";
				g_clear_error(&err);
				gst_message_unref(msg);
				break;
			}
			if (GST_MESSAGE_SRC(msg) == GST_OBJECT(pipeline)) {
				GstState state;
				gst_message_parse_state_changed(msg, nullptr, &state, nullptr);
				if (state == GST_STATE_PLAYING)
					result.playing = true;
			}
			gst_message_unref(msg);
		}
		gst_object_unref(bus);
	} else {
		result.error = "state change to PLAYING failed";
	}

	if (sink) {
		GstCaps *caps = gst_pad_get_current_caps(sink);
		if (caps) {
			gchar *text = gst_caps_to_string(caps);
			result.caps = text;
			g_free(text);
			gst_caps_unref(caps);
		}
	}

	gst_element_set_state(pipeline, GST_STATE_NULL);
	result.buffers = buffers.load();

	if (sink)
		gst_object_unref(sink);
	if (fanout)
		gst_object_unref(fanout);
	gst_object_unref(pipeline);
	return result;
}

void checkRun(const PipelineDescription &d)
{
	INFO(d.launch);
	REQUIRE(d.error.empty());
	RunResult run = runPipeline(d.launch);
	INFO("error: " << run.error);
	CHECK(run.parsed);
	CHECK(run.named);
	CHECK(run.error.empty());
	CHECK(run.playing);
	CHECK(run.buffers > 0);
	CHECK(contains(run.caps, "application/x-rtp"));
	CHECK(contains(run.caps, "H264"));
}

} /* namespace */

TEST_CASE("SystemPlatform answers quickly and sanely", "[pipeline][platform]")
{
	SystemPlatform platform;
	CHECK(platform.hasElement("videotestsrc"));
	CHECK(platform.hasElement("queue"));
	CHECK_FALSE(platform.hasElement("no-such-element-wcam"));

	gint64 start = g_get_monotonic_time();
	std::vector<std::string> cameras = platform.libcameraCameras();
	std::vector<std::string> devices = platform.v4l2CaptureDevices();
	CHECK(g_get_monotonic_time() - start < 10 * G_TIME_SPAN_SECOND);

	if (!platform.hasElement("libcamerasrc"))
		CHECK(cameras.empty());
	for (const std::string &device : devices) {
		CHECK(device.rfind("/dev/video", 0) == 0);
		CHECK(g_file_test(device.c_str(), G_FILE_TEST_EXISTS));
	}
	CHECK(std::is_sorted(devices.begin(), devices.end(), [](const std::string &a, const std::string &b) {
		return a.size() != b.size() ? a.size() < b.size() : a < b;
	}));
}

TEST_CASE("The default pipeline on this machine parses and plays", "[pipeline][run]")
{
	SystemPlatform platform;
	Config config;
	PipelineDescription d = describePipeline(config, platform);

	/* Without camera or hardware encoder the defaults are test + x264. */
	if (platform.libcameraCameras().empty() && platform.v4l2CaptureDevices().empty() &&
	    !platform.hasElement("v4l2h264enc") && platform.hasElement("x264enc")) {
		CHECK(d.source.kind == "test");
		CHECK(d.encoder.kind == "x264");
	}

	/* Run the test source whatever is attached, so the run is repeatable. */
	config.camera.source = SourceKind::Test;
	d = describePipeline(config, platform);
	checkRun(d);
}

TEST_CASE("Locally available encoders parse and play", "[pipeline][run]")
{
	SystemPlatform platform;
	Config config;
	config.camera.source = SourceKind::Test;
	config.camera.width = 640;
	config.camera.height = 480;

	SECTION("x264enc, not low latency, main profile, no frame dropping")
	{
		REQUIRE(platform.hasElement("x264enc"));
		config.encoding.encoder = EncoderKind::X264;
		config.encoding.profile = H264Profile::Main;
		config.performance.lowLatencyMode = false;
		config.performance.frameDropStrategy = FrameDropStrategy::None;
		checkRun(describePipeline(config, platform));
	}

	SECTION("x264enc, high profile")
	{
		REQUIRE(platform.hasElement("x264enc"));
		config.encoding.encoder = EncoderKind::X264;
		config.encoding.profile = H264Profile::High;
		checkRun(describePipeline(config, platform));
	}

	SECTION("openh264enc")
	{
		REQUIRE(platform.hasElement("openh264enc"));
		config.encoding.encoder = EncoderKind::OpenH264;
		checkRun(describePipeline(config, platform));
	}
}

TEST_CASE("encoding.threads reaches the software encoders", "[pipeline][description]")
{
	FakePlatform platform = everything();
	Config config;
	config.camera.source = SourceKind::Test;
	for (EncoderKind kind : { EncoderKind::X264, EncoderKind::OpenH264, EncoderKind::V4l2 }) {
		config.encoding.encoder = kind;
		INFO(toString(kind));
		config.encoding.threads = 0;
		PipelineDescription automatic = describePipeline(config, platform);
		CHECK_FALSE(contains(automatic.encoder.description, "thread"));
		config.encoding.threads = 3;
		PipelineDescription three = describePipeline(config, platform);
		REQUIRE(three.error.empty());
		if (kind == EncoderKind::X264)
			CHECK(contains(three.encoder.description, " threads=3 "));
		else if (kind == EncoderKind::OpenH264)
			CHECK(contains(three.encoder.description, " multi-thread=3 "));
		else
			CHECK_FALSE(contains(three.encoder.description, "thread"));
	}
}

TEST_CASE("The MJPEG webcam chain decodes and plays", "[pipeline][run]")
{
	/* As on a machine with a webcam, a JPEG test source standing in for v4l2src. */
	Config config;
	config.camera.source = SourceKind::V4l2;
	config.camera.format = CaptureFormat::Mjpeg;
	config.camera.width = 320;
	config.camera.height = 240;
	FakePlatform platform(with(kBase, { "x264enc" }), {}, { "/dev/video0" });
	PipelineDescription d = describePipeline(config, platform);
	REQUIRE(d.error.empty());
	std::string camera = "v4l2src device=/dev/video0 ! ";
	REQUIRE(d.launch.rfind(camera, 0) == 0);
	d.launch = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
		   "jpegenc ! " + d.launch.substr(camera.size());
	checkRun(d);
}
