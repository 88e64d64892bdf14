/* SPDX-License-Identifier: MIT */
/*
 * Web root lookups. The request path is checked segment by segment first
 * (cheap, and it refuses hidden files even when they exist), then the
 * resulting file is canonicalised so that symlinks cannot lead out of the
 * root.
 */
#include "server/StaticFiles.h"

#include <array>
#include <cstdlib>
#include <utility>

#include <sys/stat.h>

namespace wcam {

namespace {

std::optional<std::string> canonicalPath(const std::string &path)
{
	char *resolved = realpath(path.c_str(), nullptr);
	if (!resolved)
		return std::nullopt;
	std::string result(resolved);
	free(resolved);
	return result;
}

bool isInside(const std::string &path, const std::string &root)
{
	if (root == "/")
		return path.size() > 1 && path[0] == '/';
	return path.size() > root.size() + 1 &&
	       path.compare(0, root.size(), root) == 0 &&
	       path[root.size()] == '/';
}

char asciiLower(char c)
{
	return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); i++) {
		if (asciiLower(a[i]) != asciiLower(b[i]))
			return false;
	}
	return true;
}

} /* namespace */

StaticFiles::StaticFiles(std::string root)
{
	/*
	 * A root that does not exist stays as given: nothing can resolve
	 * below it, so every lookup fails rather than serving from elsewhere.
	 */
	auto canonical = canonicalPath(root);
	root_ = canonical ? std::move(*canonical) : std::move(root);
}

std::optional<StaticFile> StaticFiles::resolve(std::string_view urlPath) const
{
	if (urlPath.empty() || urlPath[0] != '/')
		return std::nullopt;
	if (urlPath.find('\0') != std::string_view::npos ||
	    urlPath.find('\\') != std::string_view::npos)
		return std::nullopt;

	std::string relative;
	size_t pos = 1;
	while (pos <= urlPath.size()) {
		size_t end = urlPath.find('/', pos);
		if (end == std::string_view::npos)
			end = urlPath.size();
		std::string_view segment = urlPath.substr(pos, end - pos);
		pos = end + 1;

		/* Empty segments ("//") add nothing; realpath would fold them. */
		if (segment.empty())
			continue;
		/* Covers ".", ".." and every dotfile (.git, .env...). */
		if (segment[0] == '.')
			return std::nullopt;

		relative += '/';
		relative += segment;
	}

	if (urlPath.back() == '/')
		relative += "/index.html";

	auto canonical = canonicalPath(root_ + relative);
	if (!canonical || !isInside(*canonical, root_))
		return std::nullopt;

	struct stat st;
	if (stat(canonical->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
		return std::nullopt;

	/* The type follows the requested name, not a symlink's target. */
	return StaticFile{ *canonical, contentTypeFor(relative) };
}

std::string StaticFiles::contentTypeFor(std::string_view fileName)
{
	static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> types{ {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "json", "application/json; charset=utf-8" },
		{ "svg", "image/svg+xml; charset=utf-8" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "ico", "image/x-icon" },
		{ "webmanifest", "application/manifest+json; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "wasm", "application/wasm" },
	} };

	size_t slash = fileName.find_last_of('/');
	std::string_view base = slash == std::string_view::npos
					? fileName
					: fileName.substr(slash + 1);
	size_t dot = base.find_last_of('.');
	if (dot != std::string_view::npos) {
		std::string_view ext = base.substr(dot + 1);
		for (const auto &[known, type] : types) {
			if (equalsIgnoreCase(ext, known))
				return std::string(type);
		}
	}

	return "application/octet-stream";
}

} /* namespace wcam */
