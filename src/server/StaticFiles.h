/* SPDX-License-Identifier: MIT */
/*
 * Maps a request path to a file below the web root, refusing anything
 * outside it (.., symlinks out of the root, hidden files) and directories
 * (no listing; "/" and "dir/" map to index.html).
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wcam {

struct StaticFile {
	std::string path;	 /* absolute file path */
	std::string contentType; /* e.g. "text/html; charset=utf-8" */
};

class StaticFiles
{
public:
	explicit StaticFiles(std::string root);

	/* `urlPath` is the decoded request path, starting with '/'. */
	std::optional<StaticFile> resolve(std::string_view urlPath) const;

	const std::string &root() const { return root_; }

	static std::string contentTypeFor(std::string_view fileName);

private:
	std::string root_; /* canonical (realpath) */
};

} /* namespace wcam */
