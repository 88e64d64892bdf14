/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the config tests: reading a ConfigResult, and a scratch
 * directory for files the loader reads.
 */
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <glib.h>

#include "config/ConfigLoader.h"
#include "support/TestSupport.h"

namespace wcam::test {

/* The path errors are reported against. */
inline const std::string kConfigOrigin = "/etc/webrtc-camera/config.ini";

inline std::string allErrors(const ConfigResult &result)
{
	std::string text;
	for (const std::string &error : result.errors)
		text += "\n  " + error;
	return text;
}

/* The source tree, for the shipped files the tests compare with. */
inline std::string sourceDir()
{
	if (const char *dir = g_getenv("WCAM_SOURCE_DIR"))
		return dir;
	return WCAM_SOURCE_DIR;
}

inline std::string readText(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream text;
	text << in.rdbuf();
	return text.str();
}

/* By value: callers often pass a temporary result. */
inline Config requireConfig(const ConfigResult &result)
{
	INFO("errors:" << allErrors(result));
	REQUIRE(result.errors.empty());
	REQUIRE(result.config.has_value());
	return *result.config;
}

/* A scratch directory removed, with what was written into it, at the end of the test. */
class TempDir
{
public:
	TempDir()
	{
		g_autofree char *dir = g_dir_make_tmp("wcam-config-XXXXXX", nullptr);
		REQUIRE(dir);
		path_ = dir;
	}
	~TempDir() { removeTree(path_); }
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	std::string write(const std::string &name, const std::string &contents)
	{
		std::string file = path_ + "/" + name;
		REQUIRE(g_file_set_contents(file.c_str(), contents.data(), contents.size(), nullptr));
		return file;
	}

	const std::string &path() const { return path_; }

private:
	std::string path_;
};

} /* namespace wcam::test */
