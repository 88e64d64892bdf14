/* SPDX-License-Identifier: MIT */
/*
 * The INI syntax of config.ini, read the way Python's configparser reads
 * it (the old Python server's files must load): "#" and ";" start a
 * comment line, and an inline comment after whitespace; a line indented
 * deeper than its key continues the value (joined with "\n"), so a JSON
 * list may span lines. Values stay raw: no escapes, no quotes removed.
 */
#pragma once

#include <string>
#include <vector>

namespace wcam {

struct IniEntry {
	std::string section;
	std::string key;
	std::string value;
	int line; /* 1-based, of the key */
};

struct IniFile {
	std::vector<std::string> sections; /* in order of first appearance */
	std::vector<IniEntry> entries;	   /* in file order; a later duplicate wins */
	std::vector<std::string> errors;   /* "line N: what is wrong" */

	/* The last value of section.key, or null. */
	const IniEntry *find(const std::string &section, const std::string &key) const;
};

IniFile parseIni(const std::string &text);

} /* namespace wcam */
