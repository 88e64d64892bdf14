/* SPDX-License-Identifier: MIT */
/*
 * Reads config.ini (see IniFile.h for its syntax), applies environment overrides and
 * validates every key. Errors never throw: they come back as a list of
 * "file:section.key: what is wrong and what is allowed" strings.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"

namespace wcam {

struct ConfigResult {
	std::optional<Config> config; /* set only when errors is empty */
	std::vector<std::string> errors;
	std::vector<std::string> warnings; /* e.g. unknown keys, ignored */
	/* The old Python server's keys read as ours: what to write instead, once each. */
	std::vector<std::string> notices;
};

using Environment = std::map<std::string, std::string>;

/* The process environment, limited to the variables we read. */
Environment processEnvironment();

/* Parse INI text; `origin` is the file name used in messages. */
ConfigResult parseConfig(const std::string &text, const std::string &origin,
			 const Environment &env = {});

/* Read and parse a file; a missing or unreadable file is an error. */
ConfigResult loadConfigFile(const std::string &path, const Environment &env = {});

/* Defaults with environment overrides applied (no file given). */
ConfigResult defaultConfig(const Environment &env = {});

} /* namespace wcam */
