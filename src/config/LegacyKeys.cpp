/* SPDX-License-Identifier: MIT */
#include "config/LegacyKeys.h"

#include <algorithm>

#include "config/TextUtil.h"
#include "config/ValueParsers.h"

namespace wcam {

namespace {

using Translate = std::optional<LegacyTranslation> (*)(Field &field, const std::string &value);

struct LegacyKey {
	const char *section;
	const char *key;
	Translate translate;
};

LegacyTranslation to(const char *section, const char *key, std::string value, std::string why = {})
{
	/* A value continued over several lines is shown on one: it means the same. */
	std::string shown = value;
	std::replace(shown.begin(), shown.end(), '\n', ' ');
	std::string text = std::string("[") + section + "] " + key + " =" + (shown.empty() ? "" : " " + shown);
	return { section, key, value, "read as " + text + (why.empty() ? "" : " (" + why + ")") + "; write that instead" };
}

/* The old server's documented config.ini keys that differ from ours. */
const LegacyKey kLegacyKeys[] = {
	{ "server", "host", [](Field &, const std::string &v) -> std::optional<LegacyTranslation> {
		  return to("network", "bind", v);
	  } },
	{ "server", "port", [](Field &, const std::string &v) -> std::optional<LegacyTranslation> {
		  return to("network", "port", v);
	  } },
	{ "camera", "device_index", [](Field &f, const std::string &v) -> std::optional<LegacyTranslation> {
		  static const IntRange kIndex{ 0, 63, false, "a V4L2 device number" };
		  std::optional<int> index = parseInt(f, v, kIndex);
		  if (!index)
			  return std::nullopt;
		  /* Index 0 was "the first camera", which is what an empty device means. */
		  if (*index == 0)
			  return to("camera", "device", "", "empty: the first camera found");
		  return to("camera", "device", "/dev/video" + std::to_string(*index));
	  } },
	{ "performance", "use_gpu_acceleration", [](Field &f, const std::string &v) -> std::optional<LegacyTranslation> {
		  std::optional<bool> gpu = parseBool(f, v);
		  if (!gpu)
			  return std::nullopt;
		  if (*gpu)
			  return to("encoding", "encoder", "auto", "the hardware encoder when present, else software");
		  return to("encoding", "encoder", "x264", "software");
	  } },
	{ "performance", "video_threads", [](Field &, const std::string &v) -> std::optional<LegacyTranslation> {
		  return to("encoding", "threads", v);
	  } },
	/* Only the old value is translated; ours pass through. */
	{ "performance", "frame_drop_strategy", [](Field &, const std::string &v) -> std::optional<LegacyTranslation> {
		  if (g_ascii_strcasecmp(v.c_str(), "smart") != 0)
			  return std::nullopt;
		  return to("performance", "frame_drop_strategy", "latest");
	  } },
	{ "webrtc", "ice_servers", [](Field &, const std::string &v) -> std::optional<LegacyTranslation> {
		  return to("network", "ice_servers", v);
	  } },
};

} /* namespace */

std::optional<LegacyTranslation> translateLegacyKey(Field &field, const std::string &section, const std::string &key,
						    const std::string &value)
{
	for (const LegacyKey &legacy : kLegacyKeys)
		if (section == legacy.section && key == legacy.key)
			return legacy.translate(field, value);
	return std::nullopt;
}

bool isLegacySection(const std::string &section)
{
	return section == "server" || section == "webrtc";
}

std::vector<std::string> legacyKeyNames(const std::string &section)
{
	std::vector<std::string> names;
	for (const LegacyKey &legacy : kLegacyKeys)
		if (section == legacy.section)
			names.push_back(legacy.key);
	return names;
}

} /* namespace wcam */
