/* SPDX-License-Identifier: MIT */
/*
 * The key table. A row binds a key to its Config member through
 * bind<&Config::group, &Group::member>(parser): the parser turns text into
 * the member's type and reports its own errors; printing and comparing
 * follow from the member's type.
 */
#include "config/ConfigSchema.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "config/IceServers.h"
#include "config/PipelineFragment.h"
#include "config/TextUtil.h"
#include "config/ValueParsers.h"

namespace wcam {

namespace {

constexpr IntRange kWidth{ 16, 4096, true, nullptr };
constexpr IntRange kHeight{ 16, 2304, true, nullptr };
constexpr IntRange kFps{ 1, 120, false, "frames per second" };
constexpr IntRange kBufferSize{ 1, 64, false, "frames" };
constexpr IntRange kKeyframeInterval{ 1, 60, false, "seconds" };
constexpr IntRange kThreads{ 0, 16, false, "threads, 0: the encoder decides" };
constexpr IntRange kPort{ 1, 65535, false, nullptr };
constexpr IntRange kOptionalPort{ 0, 65535, false, "0: none" };
constexpr IntRange kMaxViewers{ 1, 64, false, nullptr };
/*
 * The viewer page pings every kPagePingSeconds (data/web/app.js); a
 * timeout under two pings would drop a browser whose ping is a little late.
 */
constexpr int kPagePingSeconds = 10;
constexpr IntRange kViewerTimeout{ 2 * kPagePingSeconds, 3600, false,
				   "seconds, at least two of the page's 10 s pings" };
constexpr IntRange kConnectionsPerAddress{ 2, 1024, false, nullptr };
constexpr IntRange kRequestTimeout{ 1, 300, false, "seconds" };
constexpr IntRange kAdaptiveInterval{ 1, 60, false, "seconds" };
constexpr IntRange kCpuPercent{ 1, 100, false, "percent" };
constexpr IntRange kTemperature{ 30, 110, false, "degrees Celsius" };
constexpr IntRange kSnapshotInterval{ 1, 3600, false, "seconds" };

/* --- Printing a member as config.ini spells it. --- */

std::string format(int value) { return std::to_string(value); }
std::string format(bool value) { return value ? "true" : "false"; }
std::string format(const std::string &value) { return value; }
std::string format(const std::vector<std::string> &value) { return join(value, ", "); }
std::string format(const std::vector<IceServer> &value) { return formatIceServers(value); }
template<typename T>
	requires std::is_enum_v<T>
std::string format(T value)
{
	return toString(value);
}

/* --- Parsers as callables of (Field &, text) -> optional<T>. --- */

auto intIn(const IntRange &range)
{
	return [&range](Field &f, const std::string &v) { return parseInt(f, v, range); };
}

template<typename T, size_t N>
auto oneOf(const char *what, const Choice<T> (&choices)[N])
{
	return [what, &choices](Field &f, const std::string &v) { return parseChoice(f, v, what, choices); };
}

auto fragment(const char *example)
{
	return [example](Field &f, const std::string &v) { return parseFragment(f, v, example); };
}

auto pathOf(const char *what, bool mustExist)
{
	return [what, mustExist](Field &f, const std::string &v) {
		return mustExist ? parseReadableFile(f, v, what) : parseAbsolutePath(f, v, what);
	};
}

std::optional<std::string> anyText(Field &, const std::string &value) { return value; }

struct Binding {
	std::function<void(Field &, const std::string &, Config &)> parse;
	std::function<std::string(const Config &)> format;
	std::function<bool(const Config &, const Config &)> same;
	std::function<void(const Config &, Config &)> copy;
};

/* `Group` is a member of Config, `Member` one of that group. */
template<auto Group, auto Member, typename Parser>
Binding bind(Parser parser)
{
	auto get = [](const Config &config) -> const auto & { return (config.*Group).*Member; };
	return {
		[parser](Field &field, const std::string &value, Config &config) {
			if (auto parsed = parser(field, value))
				(config.*Group).*Member = std::move(*parsed);
		},
		[get](const Config &config) { return format(get(config)); },
		[get](const Config &a, const Config &b) { return get(a) == get(b); },
		[](const Config &from, Config &to) { (to.*Group).*Member = (from.*Group).*Member; },
	};
}

ConfigKey key(const char *section, const char *name, Reload reload, const char *allowed, const char *doc,
	      Binding binding, std::vector<const char *> examples = {})
{
	return { section, name, reload, allowed, doc, std::move(examples), std::move(binding.parse),
		 std::move(binding.format), std::move(binding.same), std::move(binding.copy) };
}

/* Resolved before every other key, by the loader (see applyPreset). */
Binding presetBinding()
{
	return {
		[](Field &, const std::string &, Config &) {},
		[](const Config &config) { return config.camera.preset.empty() ? std::string("none") : config.camera.preset; },
		[](const Config &a, const Config &b) { return a.camera.preset == b.camera.preset; },
		[](const Config &from, Config &to) { to.camera.preset = from.camera.preset; },
	};
}

/* The file's users are part of the value: a reload re-reads them. */
Binding usersFileBinding()
{
	Binding binding = bind<&Config::security, &SecurityConfig::usersFile>(pathOf("a file of name:hash lines", false));
	binding.same = [](const Config &a, const Config &b) {
		return a.security.usersFile == b.security.usersFile && a.security.users == b.security.users;
	};
	binding.copy = [](const Config &from, Config &to) {
		to.security.usersFile = from.security.usersFile;
		to.security.users = from.security.users;
	};
	return binding;
}

std::vector<ConfigKey> buildKeys()
{
	using R = Reload;
	std::vector<ConfigKey> keys;
	auto add = [&](ConfigKey k) { keys.push_back(std::move(k)); };

	add(key("camera", "source", R::Restart, "auto, libcamera, v4l2 or test",
		"Where frames come from: auto, libcamera, v4l2 or test.\n"
		"auto tries a libcamera camera, then the first V4L2 capture device, then\n"
		"the test pattern.",
		bind<&Config::camera, &CameraConfig::source>(oneOf("source", kSources))));
	/* Checked against camera.source once every key is known. */
	add(key("camera", "device", R::Restart, "a camera name or a /dev path",
		"Which camera. Empty picks the first one found. For v4l2 an absolute device\n"
		"path such as /dev/video0; for libcamera a camera name as listed by\n"
		"\"cam --list\". With auto, a /dev/ path selects V4L2, anything else libcamera.",
		bind<&Config::camera, &CameraConfig::device>(anyText)));
	add(key("camera", "format", R::Restart, "raw or mjpeg",
		"What a V4L2 camera sends: raw or mjpeg. Most USB webcams give 720p30 and\n"
		"more only as MJPEG (raw YUYV is held to a few frames per second by USB 2.0);\n"
		"mjpeg decodes it here (jpegdec). Ignored by libcamera and the test pattern.",
		bind<&Config::camera, &CameraConfig::format>(oneOf("format", kCaptureFormats))));
	add(key("camera", "width", R::Restart, "even, 16..4096 pixels",
		"Capture size in pixels: even integers, width 16..4096, height 16..2304.",
		bind<&Config::camera, &CameraConfig::width>(intIn(kWidth))));
	add(key("camera", "height", R::Restart, "even, 16..2304 pixels", nullptr,
		bind<&Config::camera, &CameraConfig::height>(intIn(kHeight))));
	add(key("camera", "fps", R::Restart, "1..120",
		"Frames per second, 1..120.",
		bind<&Config::camera, &CameraConfig::fps>(intIn(kFps))));
	add(key("camera", "buffer_size", R::Restart, "1..64 frames",
		"Frames queued between camera and encoder, 1..64. Small is low latency.",
		bind<&Config::camera, &CameraConfig::bufferSize>(intIn(kBufferSize))));
	add(key("camera", "preset", R::Restart, "none, auto or a preset name",
		"A preset for your board from /usr/share/webrtc-camera/pipelines: none,\n"
		"auto (pick one from /proc/device-tree/model) or a name: pi-zero-w,\n"
		"pi-zero-2w, pi-3, pi-4, pi-5, usb-webcam. The preset sets size, rate,\n"
		"encoder and bitrate; every key set in this file overrides the preset's.", presetBinding()));

	add(key("encoding", "encoder", R::Restart, "auto, v4l2, x264 or openh264",
		"H.264 encoder: auto, v4l2 (Raspberry Pi hardware), x264 or openh264.\n"
		"auto uses the hardware encoder when present, otherwise a software one.",
		bind<&Config::encoding, &EncodingConfig::encoder>(oneOf("encoder", kEncoders))));
	add(key("encoding", "bitrate", R::Live, "50000..50000000 bit/s, k and M suffixes",
		"Target bitrate in bits per second, 50000..50000000. Suffixes k and M are\n"
		"accepted: 1500k, 2M, 2.5M.",
		bind<&Config::encoding, &EncodingConfig::bitrate>(parseBitrate)));
	add(key("encoding", "h264_profile", R::Restart, "baseline, main or high",
		"H.264 profile: baseline, main or high. baseline plays in every browser.",
		bind<&Config::encoding, &EncodingConfig::profile>(oneOf("profile", kProfiles))));
	add(key("encoding", "keyframe_interval", R::Restart, "1..60 seconds",
		"Seconds between keyframes, 1..60. New viewers and lost packets recover at\n"
		"the next keyframe, so shorter means faster start and recovery.",
		bind<&Config::encoding, &EncodingConfig::keyframeInterval>(intIn(kKeyframeInterval))));
	add(key("encoding", "threads", R::Restart, "0..16, 0: the encoder decides",
		"Encoder threads for x264 and openh264, 0..16; 0 lets the encoder decide\n"
		"(the hardware encoder ignores it).",
		bind<&Config::encoding, &EncodingConfig::threads>(intIn(kThreads))));

	add(key("network", "bind", R::Restart, "an IPv4 or IPv6 literal",
		"Address the HTTP server listens on: an IPv4 or IPv6 literal.\n"
		"0.0.0.0 = all IPv4 interfaces, :: = all interfaces, 127.0.0.1 = local only.",
		bind<&Config::network, &NetworkConfig::bind>(parseBind)));
	add(key("network", "port", R::Restart, "1..65535",
		"TCP port of the web page and signaling, 1..65535.",
		bind<&Config::network, &NetworkConfig::port>(intIn(kPort))));
	add(key("network", "max_viewers", R::Live, "1..64",
		"Viewers allowed at the same time, 1..64; RTSP sessions are counted apart,\n"
		"up to the same number.",
		bind<&Config::network, &NetworkConfig::maxViewers>(intIn(kMaxViewers))));
	add(key("network", "ice_servers", R::Live, "a JSON array of RTCIceServer",
		"STUN/TURN servers as a JSON array, in the format of the browsers'\n"
		"RTCConfiguration.iceServers (must be on one line). Each url starts with\n"
		"stun:, stuns:, turn: or turns:; turn urls need username and credential.\n"
		"Empty: none, enough on a local network.",
		bind<&Config::network, &NetworkConfig::iceServers>(parseIceServers), { "[{\"urls\": \"stun:stun.l.google.com:19302\"}, {\"urls\": [\"turn:turn.example.org:3478\"], \"username\": \"user\", \"credential\": \"secret\"}]" }));
	add(key("network", "ice_addresses", R::Live, "addresses or interface names",
		"Host addresses or interface names (e.g. eth0, wlan0) ICE may offer,\n"
		"separated by commas or spaces. Empty: every non-loopback address.",
		bind<&Config::network, &NetworkConfig::iceAddresses>(parseIceAddresses), { "eth0, 192.168.1.20" }));
	add(key("network", "viewer_timeout", R::Live, "20..3600 seconds",
		"Seconds a viewer may stay silent or unconnected before it is dropped,\n"
		"20..3600: at least two of the viewer page's pings, sent every 10 s.",
		bind<&Config::network, &NetworkConfig::viewerTimeout>(intIn(kViewerTimeout))));
	add(key("network", "max_connections_per_address", R::Live, "2..1024",
		"Open HTTP connections and websockets one client address may hold, 2..1024.\n"
		"Behind a reverse proxy every client has the proxy's address.",
		bind<&Config::network, &NetworkConfig::maxConnectionsPerAddress>(intIn(kConnectionsPerAddress))));
	add(key("network", "max_viewers_per_address", R::Live, "1..64",
		"Viewers one client address may have at the same time, 1..64.",
		bind<&Config::network, &NetworkConfig::maxViewersPerAddress>(intIn(kMaxViewers))));
	add(key("network", "request_timeout", R::Live, "1..300 seconds",
		"Seconds a client has to send a whole request (headers and body) before\n"
		"its connection is closed, 1..300.",
		bind<&Config::network, &NetworkConfig::requestTimeout>(intIn(kRequestTimeout))));
	add(key("network", "web_root", R::Restart, "a directory",
		"Directory served at /. Empty: the installed viewer page. If set it must\n"
		"exist and be a directory.",
		bind<&Config::paths, &ServerPaths::webRoot>(parseWebRoot)));
	add(key("network", "upnp", R::Restart, "true or false",
		"Let libnice ask the router for UPnP port mappings: true or false. Off, the\n"
		"camera never opens ports on your router unasked.",
		bind<&Config::network, &NetworkConfig::upnp>(parseBool)));

	add(key("security", "users_file", R::Live, "an absolute path, or empty",
		"Who may watch. A file of name:hash lines (crypt(3) hashes, yescrypt $y$ or\n"
		"$6$), written by \"sudo webrtc-camera-configure --add-user NAME\". With a\n"
		"user in it, every path but /health asks for a login (HTTP Basic). While it\n"
		"has no user (or does not exist, as after installing the package) the\n"
		"server listens on 127.0.0.1 only, whatever bind says. Empty: no\n"
		"authentication at all, the camera is open to anyone who reaches bind (for\n"
		"a reverse proxy that authenticates).",
		usersFileBinding()));
	add(key("security", "whep_tokens", R::Live, "tokens of 16..256 characters",
		"Bearer tokens for WHEP players (Authorization: Bearer TOKEN), so that a\n"
		"Home Assistant card needs no password: 16 to 256 characters of\n"
		"A-Z a-z 0-9 - . _ ~ + /, separated by commas. Used only with users.",
		bind<&Config::security, &SecurityConfig::whepTokens>(parseTokens), { "7hVb2yQk-0sLx9Pz3nWc5RdT" }));
	add(key("security", "allowed_origins", R::Live, "scheme://host[:port] origins",
		"Web pages on other sites that may use the websocket and WHEP, and read\n"
		"/stats: origins (scheme://host[:port]) separated by commas; never *. Pages\n"
		"of any other site get 403. Also the DNS names you reach the camera by,\n"
		"other than its host name, hostname.local or an IP address.",
		bind<&Config::security, &SecurityConfig::allowedOrigins>(parseOrigins), { "https://ha.example.org, http://camera.home.lan:8080" }));
	add(key("security", "tls_certificate", R::Restart, "a PEM file",
		"HTTPS: a PEM certificate (chain) and its PEM private key, both or neither.\n"
		"With them the port speaks only https:// and wss://.\n"
		"\"sudo webrtc-camera-configure --self-signed\" makes a pair for this host,\n"
		"/etc/webrtc-camera/tls.crt and tls.key, and sets both keys.",
		bind<&Config::security, &SecurityConfig::tlsCertificate>(pathOf("a PEM certificate", true))));
	add(key("security", "tls_key", R::Restart, "a PEM file", nullptr,
		bind<&Config::security, &SecurityConfig::tlsKey>(pathOf("a PEM private key", true))));

	add(key("rtsp", "enabled", R::Restart, "true or false",
		"An RTSP server for NVRs and players (VLC, ffmpeg, Frigate, Home Assistant):\n"
		"rtsp://HOST:port/path, RTP over UDP or TCP (interleaved), fed from the same\n"
		"encoded stream as the web viewers; nothing is encoded twice. It listens on\n"
		"the same address as the web server and asks for the same users' login\n"
		"(Basic) when users_file has users. true or false.",
		bind<&Config::rtsp, &RtspConfig::enabled>(parseBool)));
	add(key("rtsp", "port", R::Restart, "1..65535",
		"TCP port of the RTSP server, 1..65535; not the web port.",
		bind<&Config::rtsp, &RtspConfig::port>(intIn(kPort))));
	add(key("rtsp", "path", R::Restart, "a path such as /camera",
		"Path of the stream: \"/\" then segments of A-Z a-z 0-9 - . _ ~.",
		bind<&Config::rtsp, &RtspConfig::path>(parseRtspPath)));

	add(key("performance", "low_latency_mode", R::Restart, "true or false",
		"Favour low latency over picture quality, e.g. the software encoder uses\n"
		"its fastest preset: true or false (also yes/no, on/off, 1/0).",
		bind<&Config::performance, &PerformanceConfig::lowLatencyMode>(parseBool)));
	add(key("performance", "frame_drop_strategy", R::Restart, "latest or none",
		"When the encoder falls behind: latest drops old frames and keeps the\n"
		"newest (lowest latency); none queues up to buffer_size frames and never\n"
		"drops (smoother, adds delay).",
		bind<&Config::performance, &PerformanceConfig::frameDropStrategy>(oneOf("strategy", kDropStrategies))));

	add(key("pipeline", "source", R::Restart, "a gst-launch fragment",
		"gst-launch fragments replacing the built-in chains; empty = built-in.\n"
		"source must output raw video; encoder must take raw video and output\n"
		"H.264. They are checked at start-up: a missing element is an error.\n"
		"Caps must sit between two elements (\"a ! caps ! b\"), so a fragment cannot\n"
		"end with caps: add \"! queue\" or use \"capsfilter caps=...\".\n"
		"\n"
		"Example: a USB webcam that only gives 720p30 as MJPEG.",
		bind<&Config::pipeline, &PipelineOverrides::source>(fragment("videotestsrc is-live=true ! videoconvert")),
		{ "v4l2src device=/dev/video0 ! image/jpeg,width=1280,height=720,framerate=30/1 ! jpegdec" }));
	add(key("pipeline", "encoder", R::Restart, "a gst-launch fragment", nullptr,
		bind<&Config::pipeline, &PipelineOverrides::encoder>(fragment("x264enc tune=zerolatency"))));

	add(key("adaptive", "enabled", R::Restart, "true or false",
		"The controller that adapts the stream to the viewers' network and to the\n"
		"host: every interval it reads each viewer's RTCP reports (loss, jitter,\n"
		"round-trip time, and the browser's REMB bandwidth estimate) and the CPU\n"
		"and SoC temperature, then sets the encoder bitrate within\n"
		"[min_bitrate, max_bitrate] and, under sustained CPU or heat pressure,\n"
		"lowers the frame rate and then the resolution. encoding.bitrate is the\n"
		"starting point. true or false.",
		bind<&Config::adaptive, &AdaptiveConfig::enabled>(parseBool)));
	add(key("adaptive", "min_bitrate", R::Live, "50000..50000000 bit/s",
		"Bitrate bounds in bits per second, 50000..50000000 (k and M suffixes as\n"
		"for encoding.bitrate). On a Raspberry Pi hardware encoder the controller\n"
		"never goes below 250k, where the encoder stalls.",
		bind<&Config::adaptive, &AdaptiveConfig::minBitrate>(parseBitrate)));
	add(key("adaptive", "max_bitrate", R::Live, "50000..50000000 bit/s", nullptr,
		bind<&Config::adaptive, &AdaptiveConfig::maxBitrate>(parseBitrate)));
	add(key("adaptive", "interval", R::Restart, "1..60 seconds",
		"Seconds between decisions, 1..60.",
		bind<&Config::adaptive, &AdaptiveConfig::interval>(intIn(kAdaptiveInterval))));
	add(key("adaptive", "cpu_high", R::Live, "1..100 percent",
		"System CPU use in percent, 1..100: above cpu_high for a few seconds the\n"
		"frame rate and then the resolution step down; below cpu_low for longer\n"
		"they step back up. cpu_low must be below cpu_high.",
		bind<&Config::adaptive, &AdaptiveConfig::cpuHigh>(intIn(kCpuPercent))));
	add(key("adaptive", "cpu_low", R::Live, "1..100 percent", nullptr,
		bind<&Config::adaptive, &AdaptiveConfig::cpuLow>(intIn(kCpuPercent))));
	add(key("adaptive", "temp_high", R::Live, "30..110 degrees Celsius",
		"SoC temperature in degrees Celsius, 30..110, with the same steps (the Pi\n"
		"firmware throttles from 80). temp_low must be below temp_high.",
		bind<&Config::adaptive, &AdaptiveConfig::tempHigh>(intIn(kTemperature))));
	add(key("adaptive", "temp_low", R::Live, "30..110 degrees Celsius", nullptr,
		bind<&Config::adaptive, &AdaptiveConfig::tempLow>(intIn(kTemperature))));
	add(key("adaptive", "policy", R::Live, "weakest, median or fixed",
		"Which viewers the one encoder follows: weakest, median or fixed.\n"
		"weakest: the viewer with the least bandwidth sets the bitrate, except a\n"
		"  viewer that cannot take even min_bitrate: it drops frames instead of\n"
		"  dragging everyone down.\n"
		"median: half the viewers get all they can take, the others drop frames.\n"
		"fixed: the bitrate stays at encoding.bitrate; CPU and heat steps apply.",
		bind<&Config::adaptive, &AdaptiveConfig::policy>(oneOf("policy", kAdaptivePolicies))));

	add(key("snapshot", "enabled", R::Live, "true or false",
		"GET /snapshot.jpg[?width=N]: a JPEG of the current picture (Home\n"
		"Assistant's generic camera, dashboards), decoded from the one encoded\n"
		"stream only while a request waits. true or false.",
		bind<&Config::snapshot, &SnapshotConfig::enabled>(parseBool)));
	add(key("snapshot", "interval", R::Live, "1..3600 seconds",
		"Seconds, 1..3600: at most one picture is decoded per interval (each one\n"
		"asks the encoder for a keyframe); requests within it get the same\n"
		"picture, and Cache-Control lets caches keep it as long.",
		bind<&Config::snapshot, &SnapshotConfig::interval>(intIn(kSnapshotInterval))));
	add(key("relay", "whip_url", R::Restart, "an http:// or https:// URL, or empty",
		"Relay into a media server (an SFU) that fans the stream out to more\n"
		"viewers than this machine can serve: the one encoded stream, no second\n"
		"encode. Two ways, each off while empty; both may run at once.\n"
		"\n"
		"WHIP: publish to this endpoint (MediaMTX, LiveKit ingress, Cloudflare\n"
		"Stream, Janus with a WHIP front). The session is made again, with\n"
		"back-off, when the server goes away.",
		bind<&Config::relay, &RelayConfig::whipUrl>(parseHttpUrl), { "https://sfu.example.org/whip/camera" }));
	add(key("relay", "bearer_token", R::Restart, "a token, or empty",
		"Sent as Authorization: Bearer TOKEN with the WHIP requests; empty: none.",
		bind<&Config::relay, &RelayConfig::bearerToken>(parseBearerToken)));
	add(key("relay", "rtp_host", R::Restart, "an IP address or host name, or empty",
		"Plain RTP (H.264, payload type 96) to this host and UDP port, e.g. a Janus\n"
		"streaming mountpoint (type rtp, videopt = 96, videobufferkf = true).\n"
		"Unencrypted: for the local network or a tunnel. Empty: off.",
		bind<&Config::relay, &RelayConfig::rtpHost>(parseHost), { "192.168.1.50" }));
	add(key("relay", "rtp_port", R::Restart, "1..65535", nullptr,
		bind<&Config::relay, &RelayConfig::rtpPort>(intIn(kPort))));
	add(key("relay", "rtcp_port", R::Restart, "0..65535, 0: none",
		"The server's RTCP port for this stream (Janus: videortcpport), 0..65535.\n"
		"We send it a receiver report every second, so it knows where we are, and\n"
		"take its keyframe requests (PLI, FIR): a viewer joining the server gets a\n"
		"fresh keyframe instead of waiting for the next one. 0: none.",
		bind<&Config::relay, &RelayConfig::rtcpPort>(intIn(kOptionalPort)), { "5005" }));

	add(key("debug", "latency_stamp", R::Restart, "true or false",
		"Draw a machine-readable timestamp into each frame to measure\n"
		"glass-to-glass latency in the viewer. The stamp is 608 px wide, so it\n"
		"needs camera width >= 608. true or false.",
		bind<&Config::debug, &DebugConfig::latencyStamp>(parseBool)));
	add(key("debug", "log_level", R::Live, "debug, info, warning or error",
		"Messages below this level are not logged: debug, info, warning or error.\n"
		"--verbose forces debug.",
		bind<&Config::debug, &DebugConfig::logLevel>(oneOf("log level", kLogLevels))));
	return keys;
}

const char *const kConfigIniHeader =
		"# webrtc-camera configuration\n"
		"#\n"
		"# Every key is optional: the commented-out lines show the built-in default.\n"
		"# Uncomment a line and change its value to override it.\n"
		"#\n"
		"# Comments start with # or ;, on a line of their own or after a space\n"
		"# (\"width = 1280  # note\"). A line indented deeper than its key continues\n"
		"# the value, so a JSON list may span lines. Unknown sections and keys are\n"
		"# errors, so a typo stops the service with a message instead of being\n"
		"# silently ignored; the old Python server's keys are read and a notice\n"
		"# says what to write instead.\n"
		"#\n"
		"# These environment variables override the file (empty means unset):\n"
		"#   CAMERA_WIDTH, CAMERA_HEIGHT, CAMERA_FPS, SERVER_PORT, BITRATE\n";

/* The packaged path: WCAM_SYSCONFDIR is /etc/webrtc-camera there, whatever this build's prefix. */
std::string packagedDefault(const ConfigKey &key)
{
	std::string value = key.format(Config());
	const std::string local = WCAM_SYSCONFDIR;
	if (value.rfind(local, 0) == 0)
		value = "/etc/webrtc-camera" + value.substr(local.size());
	return value;
}

std::vector<std::string> lines(const char *text)
{
	std::vector<std::string> out;
	std::string_view rest = text;
	while (true) {
		size_t end = rest.find('\n');
		out.emplace_back(rest.substr(0, end));
		if (end == std::string_view::npos)
			break;
		rest.remove_prefix(end + 1);
	}
	return out;
}

std::string commented(const std::string &line) { return line.empty() ? "#" : "# " + line; }

std::string assignment(const char *name, const std::string &value)
{
	return std::string(name) + " =" + (value.empty() ? "" : " " + value);
}

/* roff text: no control character at a line start, backslashes escaped. */
std::string roff(const std::string &text)
{
	std::string out;
	for (char c : text) {
		if (c == '\\')
			out += "\\e";
		else if (c == '-')
			out += "\\-";
		else
			out += c;
	}
	if (!out.empty() && (out.front() == '.' || out.front() == '\''))
		out.insert(0, "\\&");
	return out;
}

} /* namespace */

const std::vector<ConfigKey> &configKeys()
{
	static const std::vector<ConfigKey> keys = buildKeys();
	return keys;
}

std::vector<std::string> configSections()
{
	std::vector<std::string> sections;
	for (const ConfigKey &key : configKeys())
		if (sections.empty() || sections.back() != key.section)
			sections.push_back(key.section);
	return sections;
}

std::vector<std::string> configKeyNames(const std::string &section)
{
	std::vector<std::string> names;
	for (const ConfigKey &key : configKeys())
		if (section == key.section)
			names.push_back(key.name);
	return names;
}

const ConfigKey *findConfigKey(const std::string &section, const std::string &name)
{
	for (const ConfigKey &key : configKeys())
		if (section == key.section && name == key.name)
			return &key;
	return nullptr;
}

std::vector<const ConfigKey *> changedKeys(const Config &a, const Config &b)
{
	std::vector<const ConfigKey *> changed;
	for (const ConfigKey &key : configKeys())
		if (!key.same(a, b))
			changed.push_back(&key);
	return changed;
}

std::string renderConfigIni()
{
	std::string out = kConfigIniHeader;
	const char *section = "";
	for (const ConfigKey &key : configKeys()) {
		if (strcmp(section, key.section) != 0) {
			section = key.section;
			out += std::string("\n[") + section + "]\n";
		} else if (key.doc) {
			out += "\n";
		}
		if (key.doc)
			for (const std::string &line : lines(key.doc))
				out += commented(line) + "\n";
		for (const char *example : key.examples)
			out += "# " + assignment(key.name, example) + "\n";
		out += "# " + assignment(key.name, packagedDefault(key)) + "\n";
	}
	return out;
}

std::string renderManKeys()
{
	std::string out;
	for (const ConfigKey &key : configKeys()) {
		out += ".TP\n.BR \"[" + std::string(key.section) + "] " + key.name + "\" \" = " +
		       roff(packagedDefault(key)) + "\"\n";
		out += roff(key.allowed) + "; " +
		       (key.reload == Reload::Live ? "a reload applies it" : "takes effect at the next start") + ".\n";
	}
	return out;
}

} /* namespace wcam */
