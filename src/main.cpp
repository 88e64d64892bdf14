/* SPDX-License-Identifier: MIT */
/*
 * webrtc-camera: stream a camera to browsers over WebRTC, encoding once.
 */
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/resource.h>

#include <gst/gst.h>

#include "app/Application.h"
#include "config/ConfigLoader.h"
#include "core/Log.h"
#include "core/MemoryTuning.h"
#include "core/PasswordHash.h"
#include "pipeline/PipelineDescription.h"
#include "pipeline/Platform.h"

using namespace wcam;

namespace {

bool isDirectory(const std::string &path)
{
	return !path.empty() && g_file_test(path.c_str(), G_FILE_TEST_IS_DIR);
}

/* Installed assets first, then the source tree (running from a build dir). */
std::string defaultWebRoot()
{
	for (const std::string &dir : { std::string(WCAM_DATADIR) + "/web",
					std::string(WCAM_SOURCE_DIR) + "/data/web" }) {
		if (isDirectory(dir))
			return dir;
	}
	return {};
}

/*
 * --hash-password: one line from stdin (the password, never an argument
 * that ps would show), its yescrypt hash on stdout. For
 * webrtc-camera-configure --add-user, so that the tool and the server
 * agree on the hash.
 */
int printPasswordHash()
{
	std::string password;
	int c;
	while ((c = getchar()) != EOF && c != '\n')
		password += char(c);
	if (!password.empty() && password.back() == '\r')
		password.pop_back();
	std::string error;
	std::string hash = hashPassword(password, error);
	explicit_bzero(password.data(), password.size());
	if (hash.empty()) {
		fprintf(stderr, "webrtc-camera: cannot hash the password: %s\n", error.c_str());
		return 1;
	}
	printf("%s\n", hash.c_str());
	return 0;
}

/* Who may watch with this configuration, for --check-config. */
std::string securitySummary(const SecurityConfig &security)
{
	std::string scheme = security.tls() ? "HTTPS" : "plain HTTP";
	if (security.usersFile.empty())
		return "open: users_file is empty, anyone who reaches the port can watch (" + scheme + ")";
	if (security.loopbackOnly())
		return "no user in " + security.usersFile + ": listening on loopback only (" + scheme + ")";
	return std::to_string(security.users.size()) + " user(s), " + std::to_string(security.whepTokens.size()) +
	       " WHEP token(s), " + std::to_string(security.allowedOrigins.size()) + " allowed origin(s), " + scheme;
}

/*
 * What --check-config shows of the hardware, for webrtc-camera-status: the
 * cameras libcamera sees, every V4L2 node and whether it can be a camera
 * (with why not), and the node the hardware encoder opens.
 */
void printDevices(const Platform &platform)
{
	if (!platform.hasElement("libcamerasrc")) {
		printf("libcamera: libcamerasrc not installed (apt install gstreamer1.0-libcamera)\n");
	} else {
		std::vector<std::string> cameras = platform.libcameraCameras();
		if (cameras.empty())
			printf("libcamera: no camera found\n");
		for (const std::string &camera : cameras)
			printf("libcamera: %s\n", camera.c_str());
	}

	std::vector<V4l2Node> nodes = queryV4l2Nodes();
	if (nodes.empty())
		printf("v4l2: no /dev/video* node\n");
	for (const V4l2Node &node : nodes) {
		std::string why = whyNotCamera(node);
		printf("v4l2: %s: %s\n", describe(node).c_str(),
		       why.empty() ? "capture device" : ("not a camera, " + why).c_str());
	}

	std::string encoder = v4l2EncoderDevice();
	printf("encoder-device: %s\n",
	       encoder.empty() ? "none (no v4l2h264enc: a Pi 5, or not a Pi; x264 encodes in software)"
			       : encoder.c_str());
}

/* Connections and viewers are bounded by descriptors: take what we may. */
void raiseDescriptorLimit()
{
	struct rlimit limit = {};
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
		return;
	limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
	setrlimit(RLIMIT_NOFILE, &limit);
}

} /* namespace */

int main(int argc, char *argv[])
{
	/* Plugin loading (gst_init) counts in the time to ready. */
	const int64_t processStartUs = g_get_monotonic_time();
	tuneMalloc();
	g_autofree char *configPath = nullptr;
	g_autofree char *webRoot = nullptr;
	gboolean checkConfig = FALSE;
	gboolean printPipeline = FALSE;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	gboolean hashPasswordOption = FALSE;

	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &configPath,
		  "Configuration file (default: " WCAM_SYSCONFDIR "/config.ini if it exists)", "PATH" },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &checkConfig,
		  "Validate the configuration, print the resolved pipeline and exit", nullptr },
		{ "print-pipeline", 0, 0, G_OPTION_ARG_NONE, &printPipeline,
		  "Print the pipeline in gst-launch syntax and exit", nullptr },
		{ "web-root", 0, 0, G_OPTION_ARG_FILENAME, &webRoot,
		  "Serve the viewer page from this directory", "DIR" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", nullptr },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr },
		{ "hash-password", 0, 0, G_OPTION_ARG_NONE, &hashPasswordOption,
		  "Read a password from stdin, print its yescrypt hash for users_file and exit", nullptr },
		{},
	};

	g_autoptr(GOptionContext) context = g_option_context_new("- stream a camera to browsers over WebRTC");
	g_option_context_add_main_entries(context, entries, nullptr);
	/*
	 * GStreamer's option group initialises it while parsing: every plugin
	 * loaded and, run as root by webrtc-camera-configure, a registry left
	 * in /root/.cache. Hashing a password needs none of that.
	 */
	bool hashOnly = argc == 2 && g_str_equal(argv[1], "--hash-password");
	if (!hashOnly)
		g_option_context_add_group(context, gst_init_get_option_group());
	g_autoptr(GError) error = nullptr;
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "webrtc-camera: %s (try --help)\n", error->message);
		return 2;
	}
	if (version) {
		printf("webrtc-camera %s\n", WCAM_VERSION);
		return 0;
	}
	if (hashPasswordOption && !hashOnly) {
		fprintf(stderr, "webrtc-camera: --hash-password takes no other option\n");
		return 2;
	}
	if (hashOnly)
		return printPasswordHash();
	gst_init(&argc, &argv);
	setupLogging(LogLevel::Info, verbose);

	std::string path = configPath ? configPath : "";
	if (path.empty() && g_file_test(WCAM_SYSCONFDIR "/config.ini", G_FILE_TEST_EXISTS))
		path = WCAM_SYSCONFDIR "/config.ini";

	Environment env = processEnvironment();
	ConfigResult result = path.empty() ? defaultConfig(env) : loadConfigFile(path, env);
	for (const std::string &notice : result.notices)
		fprintf(stderr, "notice: %s\n", notice.c_str());
	for (const std::string &warning : result.warnings)
		fprintf(stderr, "warning: %s\n", warning.c_str());
	if (!result.config) {
		for (const std::string &message : result.errors)
			fprintf(stderr, "%s\n", message.c_str());
		fprintf(stderr, "webrtc-camera: the configuration has %zu error(s); not starting\n",
			result.errors.size());
		return 1;
	}
	Config config = *result.config;
	/* --verbose wins over the configured level, on reloads too. */
	setupLogging(config.debug.logLevel, verbose);
	if (webRoot)
		config.paths.webRoot = webRoot;
	if (config.paths.webRoot.empty())
		config.paths.webRoot = defaultWebRoot();
	if (!isDirectory(config.paths.webRoot)) {
		fprintf(stderr, "webrtc-camera: web root \"%s\" is not a directory\n",
			config.paths.webRoot.c_str());
		return 1;
	}

	SystemPlatform platform;
	if (checkConfig || printPipeline) {
		PipelineDescription description = describePipeline(config, platform);
		if (checkConfig) {
			printf("config: %s: ok\n", path.empty() ? "(built-in defaults)" : path.c_str());
			printf("source: %s (%s)\n", description.source.kind.c_str(), description.source.reason.c_str());
			printf("encoder: %s (%s)\n", description.encoder.kind.c_str(), description.encoder.reason.c_str());
			printf("security: %s\n", securitySummary(config.security).c_str());
			printDevices(platform);
		}
		if (!description.error.empty()) {
			fprintf(stderr, "webrtc-camera: %s\n", description.error.c_str());
			return 1;
		}
		printf("%s%s\n", checkConfig ? "pipeline: " : "", description.launch.c_str());
		return 0;
	}

	raiseDescriptorLimit();
	Application app(config, platform, processStartUs);
	app.setConfigPath(path);
	std::string startError;
	if (!app.start(startError)) {
		logError("cannot start: " + startError);
		return 1;
	}
	return app.run();
}
