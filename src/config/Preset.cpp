/* SPDX-License-Identifier: MIT */
/*
 * Preset lookup. The model mapping follows the encoder the board has:
 * every Pi up to the 4 has the VideoCore H.264 block (v4l2h264enc), the 5
 * has none and needs software encoding.
 */
#include "config/Preset.h"

#include <algorithm>
#include <string_view>

#include <glib.h>

namespace wcam {

namespace {

constexpr std::string_view kPi = "Raspberry Pi ";
constexpr std::string_view kComputeModule = "Compute Module ";

std::string_view stripTrailing(std::string_view text)
{
	while (!text.empty() && (text.back() == '\0' || g_ascii_isspace(text.back())))
		text.remove_suffix(1);
	return text;
}

bool validName(const std::string &name)
{
	return !name.empty() && name.front() != '.' &&
	       std::all_of(name.begin(), name.end(), [](char c) {
		       return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
	       });
}

std::string joinNames(const std::vector<std::string> &names)
{
	std::string out;
	for (const std::string &name : names)
		out += (out.empty() ? "" : ", ") + name;
	return out;
}

} /* namespace */

std::string presetForModel(const std::string &model)
{
	std::string_view text = stripTrailing(model);
	if (text.substr(0, kPi.size()) != kPi)
		return {};
	text.remove_prefix(kPi.size());

	/* "Raspberry Pi Zero W", "Raspberry Pi Zero 2 W", "Raspberry Pi Zero Rev 1.3" */
	if (text.substr(0, 5) == "Zero ") {
		text.remove_prefix(5);
		return text.substr(0, 2) == "2 " || text == "2" ? "pi-zero-2w" : "pi-zero-w";
	}

	if (text.substr(0, kComputeModule.size()) == kComputeModule)
		text.remove_prefix(kComputeModule.size());

	/* The first digit is the generation: "4 Model B", "400", "Compute Module 4S". */
	switch (text.empty() ? '\0' : text.front()) {
	case '5':
		return "pi-5";
	case '4':
		return "pi-4";
	case '3':
	case '2':
		return "pi-3";
	default:
		break;
	}

	/* The first generation ("Model B Rev 2", "Compute Module Rev 1.0") is a Zero W. */
	if (text.substr(0, 6) == "Model " || text.substr(0, 4) == "Rev ")
		return "pi-zero-w";
	return {};
}

std::string readDeviceModel(const std::string &path)
{
	g_autofree char *contents = nullptr;
	gsize length = 0;
	if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr))
		return {};
	return std::string(stripTrailing(std::string_view(contents, length)));
}

std::string presetDirectory()
{
	std::string installed = std::string(WCAM_DATADIR) + "/pipelines";
	if (g_file_test(installed.c_str(), G_FILE_TEST_IS_DIR))
		return installed;
	return std::string(WCAM_SOURCE_DIR) + "/pipelines";
}

std::vector<std::string> availablePresets(const std::string &dir)
{
	std::vector<std::string> names;
	g_autoptr(GDir) handle = g_dir_open(dir.c_str(), 0, nullptr);
	if (!handle)
		return names;
	while (const char *entry = g_dir_read_name(handle)) {
		std::string file = entry;
		if (file.size() > 4 && g_str_has_suffix(entry, ".ini"))
			names.push_back(file.substr(0, file.size() - 4));
	}
	std::sort(names.begin(), names.end());
	return names;
}

PresetChoice resolvePreset(const std::string &value, const std::string &model,
			   const std::string &dir)
{
	PresetChoice choice;
	if (value.empty() || g_ascii_strcasecmp(value.c_str(), "none") == 0)
		return choice;

	std::string name = value;
	if (g_ascii_strcasecmp(value.c_str(), "auto") == 0) {
		name = presetForModel(model);
		if (name.empty()) {
			choice.note = model.empty()
				? "auto: no device-tree model (not a Raspberry Pi?); no preset applied"
				: "auto: no preset for model \"" + model + "\"; no preset applied";
			return choice;
		}
	}

	std::vector<std::string> known = availablePresets(dir);
	if (!validName(name) || std::find(known.begin(), known.end(), name) == known.end()) {
		choice.error = "\"" + name + "\" is not a preset in " + dir;
		choice.allowed = "expected none, auto or one of " +
				 (known.empty() ? std::string("(no presets installed)")
						: joinNames(known));
		return choice;
	}

	choice.name = name;
	choice.path = dir + "/" + name + ".ini";
	return choice;
}

} /* namespace wcam */
