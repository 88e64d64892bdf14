/* SPDX-License-Identifier: MIT */
/*
 * [pipeline] source and encoder: gst-launch fragments, parsed by
 * GStreamer itself at load time so a typo stops --check-config.
 */
#include "config/PipelineFragment.h"

#include <gst/gst.h>

#include "config/TextUtil.h"
#include "core/GlibPtr.h"

namespace wcam {

/* Builds the fragment the way the pipeline will, so any error shows up now. */
std::optional<std::string> parseFragment(Field &field, const std::string &value,
					 const char *example)
{
	const std::string allowed = std::string("expected a gst-launch fragment such as \"") +
				    example + "\", or empty for the built-in chain";

	if (value.empty())
		return value;
	/*
	 * The rest of the pipeline is linked on with " ! ", so a link at either
	 * end is a typo; GStreamer 1.22's parser also raises criticals on it
	 * when caps are involved. Said plainly here instead.
	 */
	if (value.front() == '!' || value.back() == '!') {
		field.error(quote(value) + " starts or ends with '!'", allowed);
		return std::nullopt;
	}

	if (!gst_is_initialized()) {
		g_autoptr(GError) error = nullptr;
		if (!gst_init_check(nullptr, nullptr, &error)) {
			field.error(std::string("cannot initialise GStreamer to check it: ") +
					    error->message,
				    allowed);
			return std::nullopt;
		}
	}

	/*
	 * GStreamer 1.22's parser raises criticals on some malformed text (an
	 * unknown element followed by "= value" links a missing element), and
	 * GObject warns of a property value out of range ("x264enc bitrate=0")
	 * and leaves the default: they are part of its answer here, not a
	 * fault of ours to log.
	 */
	std::string critical;
	GLogFunc keepFirst = [](const gchar *, GLogLevelFlags, const gchar *message, gpointer data) {
		auto *text = static_cast<std::string *>(data);
		if (text->empty())
			*text = message;
	};
	const GLogLevelFlags levels = GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	guint gstHandler = g_log_set_handler("GStreamer", levels, keepFirst, &critical);
	guint gobjectHandler = g_log_set_handler("GLib-GObject", levels, keepFirst, &critical);
	g_autoptr(GError) error = nullptr;
	GstPtr<GstElement> bin = GstPtr<GstElement>::retain(gst_parse_bin_from_description_full(
		value.c_str(), FALSE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error));
	g_log_remove_handler("GLib-GObject", gobjectHandler);
	g_log_remove_handler("GStreamer", gstHandler);
	if (error || !bin || !critical.empty()) {
		field.error(error ? error->message : "cannot be parsed (" + critical + ")", allowed);
		return std::nullopt;
	}
	return value;
}

} /* namespace wcam */
