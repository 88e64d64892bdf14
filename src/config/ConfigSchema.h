/* SPDX-License-Identifier: MIT */
/*
 * Every key of config.ini, once: its section and name, where it lands in
 * Config, how it is parsed and printed, whether a reload applies it live
 * or needs a restart, and its documentation. The loader, reload(), the
 * shipped config.ini and the man page all read this one table. A key's
 * default is its member's initializer in Config.h, printed by format():
 * there is no second copy of it to keep in step.
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/Config.h"
#include "config/Field.h"

namespace wcam {

enum class Reload {
	Live,	 /* reload() applies a new value in the running process */
	Restart, /* a new value waits for the next start */
};

struct ConfigKey {
	const char *section;
	const char *name;
	Reload reload;
	/* Short form of what is allowed, for the man page ("1..60 seconds"). */
	const char *allowed;
	/* config.ini's comment above the key, lines without "# "; null: shares the previous key's. */
	const char *doc;
	/* Example values, shown commented out above the default. */
	std::vector<const char *> examples;

	/* Parses and stores `value`, or reports through `field` and leaves config alone. */
	std::function<void(Field &field, const std::string &value, Config &config)> parse;
	/* The value as config.ini spells it. */
	std::function<std::string(const Config &config)> format;
	std::function<bool(const Config &a, const Config &b)> same;
	/* Copies this key's value from `from` into `to` (a live reload). */
	std::function<void(const Config &from, Config &to)> copy;

	std::string path() const { return std::string(section) + "." + name; }
};

/* In config.ini order: sections, and keys within each. */
const std::vector<ConfigKey> &configKeys();

/* The section names, in order. */
std::vector<std::string> configSections();
/* The key names of `section`, in order. */
std::vector<std::string> configKeyNames(const std::string &section);

const ConfigKey *findConfigKey(const std::string &section, const std::string &name);

/* The keys whose values differ between `a` and `b`, in table order. */
std::vector<const ConfigKey *> changedKeys(const Config &a, const Config &b);

/* The shipped data/config/config.ini, every key commented out at its default. */
std::string renderConfigIni();

/* The key list of the man page's CONFIGURATION section (roff). */
std::string renderManKeys();

} /* namespace wcam */
