/* SPDX-License-Identifier: MIT */
/*
 * The resolved configuration: every key of config.ini, validated, with
 * environment overrides applied. Plain data; loading lives in ConfigLoader.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/Log.h"

namespace wcam {

enum class SourceKind { Auto, Libcamera, V4l2, Test };
enum class EncoderKind { Auto, V4l2, X264, OpenH264 };
enum class H264Profile { Baseline, Main, High };
/* What a V4L2 camera is asked for: raw frames, or JPEG decoded here. */
enum class CaptureFormat { Raw, Mjpeg };

/*
 * What to do when frames arrive faster than the encoder takes them.
 * Latest: keep only the newest frames (leaky queue, lowest latency).
 * None: queue up to buffer_size frames and never drop (smoother, adds delay).
 */
enum class FrameDropStrategy { Latest, None };

struct IceServer {
	std::vector<std::string> urls;
	std::string username;
	std::string credential;

	bool operator==(const IceServer &) const = default;
};

struct CameraConfig {
	SourceKind source = SourceKind::Auto;
	std::string device; /* empty: first capture device found */
	CaptureFormat format = CaptureFormat::Raw; /* V4L2 only */
	int width = 1280;
	int height = 720;
	int fps = 30;
	int bufferSize = 2; /* frames queued between camera and encoder */
	std::string preset; /* preset applied under the file's keys; empty: none */
};

struct EncodingConfig {
	EncoderKind encoder = EncoderKind::Auto;
	int bitrate = 1500000; /* bits per second */
	H264Profile profile = H264Profile::Baseline;
	int keyframeInterval = 2; /* seconds */
	int threads = 0;	  /* software encoder threads; 0: the encoder decides */
};

struct NetworkConfig {
	std::string bind = "0.0.0.0";
	int port = 8080;
	int maxViewers = 10;
	std::vector<IceServer> iceServers;
	/* Host addresses or interface names ICE may use; empty = all non-loopback. */
	std::vector<std::string> iceAddresses;
	int viewerTimeout = 30; /* seconds a viewer may stay silent or unconnected */
	/* Before anyone is admitted: what one address may hold, and for how long. */
	int maxConnectionsPerAddress = 16; /* open HTTP connections and websockets */
	int maxViewersPerAddress = 4;
	int requestTimeout = 10; /* seconds to send a whole request */
	/* Let libnice ask the router for UPnP port mappings (off: never unasked). */
	bool upnp = false;
};

struct PerformanceConfig {
	bool lowLatencyMode = true;
	FrameDropStrategy frameDropStrategy = FrameDropStrategy::Latest;
};

/* gst-launch fragments that replace the built-in chains; empty = built-in. */
struct PipelineOverrides {
	std::string source;
	std::string encoder;
};

/*
 * Which viewers the one shared encoder follows (see AdaptiveDecision.h).
 * Weakest: the viewer with the lowest estimate, ignoring viewers that
 * cannot take even min_bitrate (they drop frames instead). Median: half
 * the viewers get what they can take. Fixed: the bitrate never follows
 * the network; CPU/temperature steps still apply.
 */
enum class AdaptivePolicy { Weakest, Median, Fixed };

struct AdaptiveConfig {
	bool enabled = true;
	int minBitrate = 250000;  /* bits per second */
	int maxBitrate = 1500000; /* bits per second */
	int interval = 1;	  /* seconds between decisions */
	int cpuHigh = 85;	  /* system CPU percent: step down above */
	int cpuLow = 60;	  /* ... and back up below */
	int tempHigh = 80;	  /* SoC degrees Celsius: step down above */
	int tempLow = 70;	  /* ... and back up below */
	AdaptivePolicy policy = AdaptivePolicy::Weakest;

	bool operator==(const AdaptiveConfig &) const = default;
};

struct SnapshotConfig {
	bool enabled = true;
	int interval = 5; /* seconds: at most one picture decoded per interval */

	bool operator==(const SnapshotConfig &) const = default;
};

struct DebugConfig {
	bool latencyStamp = false;
	LogLevel logLevel = LogLevel::Info;
};

/* One line of users_file: a name and its crypt(3) hash, never a password. */
struct UserEntry {
	std::string name;
	std::string hash;

	bool operator==(const UserEntry &) const = default;
};

/*
 * Who may watch. With no user in users_file, the server listens on
 * loopback only, whatever [network] bind says; an empty users_file (the
 * key set to nothing) turns authentication off and opens the camera.
 */
struct SecurityConfig {
	std::string usersFile = WCAM_SYSCONFDIR "/users";
	std::vector<UserEntry> users; /* read from usersFile */
	std::vector<std::string> whepTokens;     /* Authorization: Bearer on /whep */
	std::vector<std::string> allowedOrigins; /* "scheme://host[:port]", besides our own */
	std::string tlsCertificate;		 /* PEM files; both set or neither */
	std::string tlsKey;

	/* Credentials are asked for only when someone can give them. */
	bool authentication() const { return !users.empty(); }
	/* No user yet and not explicitly open: stay on loopback. */
	bool loopbackOnly() const { return !usersFile.empty() && users.empty(); }
	bool tls() const { return !tlsCertificate.empty(); }
};

/*
 * Relay into a media server that fans the stream out (an SFU): the one
 * encoded stream, never a second encode. Each way is off while empty.
 */
struct RelayConfig {
	std::string whipUrl;	 /* WHIP endpoint: http:// or https:// */
	std::string bearerToken; /* Authorization: Bearer on the WHIP requests */
	std::string rtpHost;	 /* plain RTP to e.g. a Janus streaming mountpoint */
	int rtpPort = 5004;
	int rtcpPort = 0; /* where the server takes RTCP and sends keyframe requests; 0: none */
};

/* The RTSP server for NVRs and players, fed from the one encoded stream. */
struct RtspConfig {
	bool enabled = true;
	int port = 8554;
	std::string path = "/camera"; /* the mount point: rtsp://host:port/camera */
};

struct ServerPaths {
	std::string webRoot; /* directory served at / */
};

struct Config {
	std::string path; /* file it was read from, empty for defaults */
	CameraConfig camera;
	EncodingConfig encoding;
	NetworkConfig network;
	PerformanceConfig performance;
	PipelineOverrides pipeline;
	DebugConfig debug;
	AdaptiveConfig adaptive;
	SnapshotConfig snapshot;
	SecurityConfig security;
	RelayConfig relay;
	RtspConfig rtsp;
	ServerPaths paths;
};

/* An enum value's name as config.ini spells it: the one list of them. */
template<typename T>
struct Choice {
	const char *name;
	T value;
};

inline constexpr Choice<SourceKind> kSources[] = {
	{ "auto", SourceKind::Auto },
	{ "libcamera", SourceKind::Libcamera },
	{ "v4l2", SourceKind::V4l2 },
	{ "test", SourceKind::Test },
};

inline constexpr Choice<EncoderKind> kEncoders[] = {
	{ "auto", EncoderKind::Auto },
	{ "v4l2", EncoderKind::V4l2 },
	{ "x264", EncoderKind::X264 },
	{ "openh264", EncoderKind::OpenH264 },
};

inline constexpr Choice<CaptureFormat> kCaptureFormats[] = {
	{ "raw", CaptureFormat::Raw },
	{ "mjpeg", CaptureFormat::Mjpeg },
};

inline constexpr Choice<H264Profile> kProfiles[] = {
	{ "baseline", H264Profile::Baseline },
	{ "main", H264Profile::Main },
	{ "high", H264Profile::High },
};

inline constexpr Choice<LogLevel> kLogLevels[] = {
	{ "debug", LogLevel::Debug },
	{ "info", LogLevel::Info },
	{ "warning", LogLevel::Warning },
	{ "error", LogLevel::Error },
};

inline constexpr Choice<AdaptivePolicy> kAdaptivePolicies[] = {
	{ "weakest", AdaptivePolicy::Weakest },
	{ "median", AdaptivePolicy::Median },
	{ "fixed", AdaptivePolicy::Fixed },
};

inline constexpr Choice<FrameDropStrategy> kDropStrategies[] = {
	{ "latest", FrameDropStrategy::Latest },
	{ "none", FrameDropStrategy::None },
};

/* The name in config.ini, so messages and logs use the words the user typed. */
const char *toString(SourceKind kind);
const char *toString(EncoderKind kind);
const char *toString(H264Profile profile);
const char *toString(CaptureFormat format);
const char *toString(FrameDropStrategy strategy);
const char *toString(AdaptivePolicy policy);
const char *toString(LogLevel level);

} /* namespace wcam */
