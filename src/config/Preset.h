/* SPDX-License-Identifier: MIT */
/*
 * Presets: INI fragments in pipelines/ with the [camera], [encoding] (and
 * sometimes [pipeline]) keys that suit one board. `[camera] preset` names
 * one, or "auto" to pick it from the board's device-tree model string.
 * The loader applies the preset's keys first, so the user's keys win.
 */
#pragma once

#include <string>
#include <vector>

namespace wcam {

/* What `[camera] preset = value` resolves to. */
struct PresetChoice {
	std::string name;  /* empty: no preset applies */
	std::string path;  /* the preset file, set with name */
	std::string error;   /* the value cannot be used; name is empty */
	std::string allowed; /* with error: what would be accepted */
	std::string note;  /* why "auto" found nothing, for a warning */
};

/* Preset name for a /proc/device-tree/model string, empty when none fits. */
std::string presetForModel(const std::string &model);

/* The board's model string without the trailing NUL, empty if unknown. */
std::string readDeviceModel(const std::string &path = "/proc/device-tree/model");

/* The installed presets when present, else those of the source tree. */
std::string presetDirectory();

/* Preset names (file names without .ini) found in `dir`, sorted. */
std::vector<std::string> availablePresets(const std::string &dir);

/* Resolve "none", "auto" (using `model`) or a preset name against `dir`. */
PresetChoice resolvePreset(const std::string &value, const std::string &model,
			   const std::string &dir);

} /* namespace wcam */
