/* SPDX-License-Identifier: MIT */
/*
 * bench-source: the server's camera/encoder part, sent as plain RTP to a
 * UDP port, for tools/webrtc-camera-bench --compare janus. It builds the
 * very producer webrtc-camera would build from the same config file
 * (describePipeline(...).producer and .fanout, the payloader and tee of
 * the server) and, when [debug] latency_stamp = true, attaches the
 * latency stamp to the same pad as StreamPipeline does (the src pad of
 * `source_caps`). The tee's only viewer is a udpsink.
 *
 *   bench-source --config FILE --host ADDRESS --port PORT
 *
 * Prints "playing" on stdout once the pipeline plays; runs until SIGINT or
 * SIGTERM (exit 0) or a pipeline error (exit 1).
 */
#include <cstdio>
#include <cstdlib>
#include <string>

#include <glib-unix.h>
#include <gst/gst.h>

#include "config/ConfigLoader.h"
#include "pipeline/LatencyStamp.h"
#include "pipeline/PipelineDescription.h"
#include "pipeline/Platform.h"

namespace {

int fail(const std::string &message)
{
	std::fprintf(stderr, "bench-source: %s\n", message.c_str());
	return 1;
}

gboolean onSignal(gpointer loop)
{
	g_main_loop_quit(static_cast<GMainLoop *>(loop));
	return G_SOURCE_CONTINUE;
}

struct State {
	GMainLoop *loop;
	int status = 0;
};

gboolean onBus(GstBus *, GstMessage *message, gpointer data)
{
	auto *state = static_cast<State *>(data);
	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		GError *error = nullptr;
		gst_message_parse_error(message, &error, nullptr);
		std::fprintf(stderr, "bench-source: %s\n", error ? error->message : "pipeline error");
		g_clear_error(&error);
		state->status = 1;
		g_main_loop_quit(state->loop);
	} else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
		std::fprintf(stderr, "bench-source: end of stream\n");
		state->status = 1;
		g_main_loop_quit(state->loop);
	}
	return G_SOURCE_CONTINUE;
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	std::string configPath, host;
	int port = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string key = argv[i];
		if (key == "--config")
			configPath = argv[i + 1];
		else if (key == "--host")
			host = argv[i + 1];
		else if (key == "--port")
			port = std::atoi(argv[i + 1]);
		else
			return fail("unknown option " + key);
	}
	if (configPath.empty() || host.empty() || port <= 0 || port > 65535)
		return fail("usage: bench-source --config FILE --host ADDRESS --port PORT");

	wcam::ConfigResult loaded = wcam::loadConfigFile(configPath);
	if (!loaded.config) {
		for (const auto &error : loaded.errors)
			std::fprintf(stderr, "%s\n", error.c_str());
		return 1;
	}
	const wcam::Config &config = *loaded.config;
	wcam::SystemPlatform platform;
	wcam::PipelineDescription description = wcam::describePipeline(config, platform);
	if (!description.error.empty())
		return fail(description.error);

	std::string launch = description.producer + " ! " + description.fanout +
			     " fanout. ! udpsink name=rtp_out host=" + host + " port=" +
			     std::to_string(port) + " sync=false async=false";
	GError *error = nullptr;
	GstElement *pipeline = gst_parse_launch(launch.c_str(), &error);
	if (!pipeline || error) {
		std::string message = error ? error->message : "cannot build the pipeline";
		g_clear_error(&error);
		return fail(message + ": " + launch);
	}

	if (config.debug.latencyStamp) {
		GstElement *caps = gst_bin_get_by_name(GST_BIN(pipeline), "source_caps");
		if (!caps)
			return fail("no source_caps element for the latency stamp");
		GstPad *pad = gst_element_get_static_pad(caps, "src");
		wcam::attachLatencyStamper(pad);
		gst_object_unref(pad);
		gst_object_unref(caps);
	}

	State state{ g_main_loop_new(nullptr, FALSE) };
	GstBus *bus = gst_element_get_bus(pipeline);
	gst_bus_add_watch(bus, onBus, &state);
	g_unix_signal_add(SIGINT, onSignal, state.loop);
	g_unix_signal_add(SIGTERM, onSignal, state.loop);

	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		return fail("cannot start the pipeline: " + launch);
	std::printf("playing\n");
	std::fflush(stdout);
	g_main_loop_run(state.loop);

	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_bus_remove_watch(bus);
	gst_object_unref(bus);
	gst_object_unref(pipeline);
	g_main_loop_unref(state.loop);
	return state.status;
}
