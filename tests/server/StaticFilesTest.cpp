/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "server/StaticFiles.h"

#include "support/TestSupport.h"

using namespace wcam;

namespace {

using test::removeTree;

/* A web root next to a "secret" directory that must stay unreachable. */
class WebTree
{
public:
	WebTree()
	{
		g_autoptr(GError) error = nullptr;
		char *dir = g_dir_make_tmp("wcam-static-XXXXXX", &error);
		REQUIRE(dir != nullptr);
		base_ = dir;
		g_free(dir);

		root_ = base_ + "/www";
		makeDir("/www");
		makeDir("/www/js");
		makeDir("/www/sub");
		makeDir("/www/sub/deeper");
		makeDir("/www/noindex");
		makeDir("/www/.git");
		makeDir("/secret");

		writeFile("/www/index.html", "<h1>top</h1>");
		writeFile("/www/app.js", "1");
		writeFile("/www/js/viewer.mjs", "2");
		writeFile("/www/style.css", "3");
		writeFile("/www/sub/index.html", "sub");
		writeFile("/www/sub/deeper/index.html", "deeper");
		writeFile("/www/.env", "SECRET=1");
		writeFile("/www/.git/config", "[core]");
		writeFile("/www/sub/.hidden.js", "4");
		writeFile("/secret/passwd", "root:x:0:0");
		writeFile("/secret/index.html", "outside");

		/* Symlinks: one out of the root, one staying inside. */
		makeLink("/www/escape.txt", base_ + "/secret/passwd");
		makeLink("/www/outdir", base_ + "/secret");
		makeLink("/www/alias.html", base_ + "/www/index.html");
	}

	~WebTree() { removeTree(base_); }

	const std::string &root() const { return root_; }
	const std::string &base() const { return base_; }

private:
	void makeDir(const std::string &rel)
	{
		REQUIRE(g_mkdir((base_ + rel).c_str(), 0755) == 0);
	}

	void writeFile(const std::string &rel, const char *text)
	{
		REQUIRE(g_file_set_contents((base_ + rel).c_str(), text, -1, nullptr));
	}

	void makeLink(const std::string &rel, const std::string &target)
	{
		REQUIRE(::symlink(target.c_str(), (base_ + rel).c_str()) == 0);
	}

	std::string base_;
	std::string root_;
};

std::string canonical(const std::string &path)
{
	char *r = realpath(path.c_str(), nullptr);
	REQUIRE(r != nullptr);
	std::string s(r);
	free(r);
	return s;
}

} /* namespace */

TEST_CASE("root is canonicalised", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root() + "/sub/../");
	CHECK(files.root() == canonical(tree.root()));
}

TEST_CASE("regular files and index.html resolve", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root());
	const std::string root = canonical(tree.root());

	auto top = files.resolve("/");
	REQUIRE(top);
	CHECK(top->path == root + "/index.html");
	CHECK(top->contentType == "text/html; charset=utf-8");

	auto js = files.resolve("/app.js");
	REQUIRE(js);
	CHECK(js->path == root + "/app.js");
	CHECK(js->contentType == "text/javascript; charset=utf-8");

	auto mjs = files.resolve("/js/viewer.mjs");
	REQUIRE(mjs);
	CHECK(mjs->path == root + "/js/viewer.mjs");

	auto sub = files.resolve("/sub/");
	REQUIRE(sub);
	CHECK(sub->path == root + "/sub/index.html");

	auto deeper = files.resolve("/sub/deeper/");
	REQUIRE(deeper);
	CHECK(deeper->path == root + "/sub/deeper/index.html");

	/* Double slashes are folded, not an error. */
	auto doubled = files.resolve("//sub//index.html");
	REQUIRE(doubled);
	CHECK(doubled->path == root + "/sub/index.html");

	CHECK_FALSE(files.resolve("/missing.html"));
}

TEST_CASE("directories are never listed", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root());

	CHECK_FALSE(files.resolve("/sub"));
	CHECK_FALSE(files.resolve("/js"));
	CHECK_FALSE(files.resolve("/js/"));	 /* no index.html there */
	CHECK_FALSE(files.resolve("/noindex/"));
}

TEST_CASE("traversal and malformed paths are refused", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root());

	/* Sanity: the target really exists one level up. */
	REQUIRE(g_file_test((tree.base() + "/secret/passwd").c_str(), G_FILE_TEST_IS_REGULAR));

	CHECK_FALSE(files.resolve(""));
	CHECK_FALSE(files.resolve("index.html"));
	CHECK_FALSE(files.resolve("/../etc/passwd"));
	CHECK_FALSE(files.resolve("/../secret/passwd"));
	CHECK_FALSE(files.resolve("/a/../../x"));
	CHECK_FALSE(files.resolve("/sub/../../secret/passwd"));
	CHECK_FALSE(files.resolve("/sub/../index.html"));	/* even when it stays inside */
	CHECK_FALSE(files.resolve("/../"));			/* "%2e%2e/" once decoded */
	CHECK_FALSE(files.resolve("/.."));
	CHECK_FALSE(files.resolve("/./index.html"));
	CHECK_FALSE(files.resolve("/sub/."));
	CHECK_FALSE(files.resolve("/..\\secret\\passwd"));
	CHECK_FALSE(files.resolve("/sub\\index.html"));

	std::string withNul("/index.html");
	withNul += '\0';
	withNul += ".png";
	CHECK_FALSE(files.resolve(withNul));
}

TEST_CASE("hidden files are refused", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root());

	REQUIRE(g_file_test((tree.root() + "/.env").c_str(), G_FILE_TEST_IS_REGULAR));
	CHECK_FALSE(files.resolve("/.env"));
	CHECK_FALSE(files.resolve("/.git/config"));
	CHECK_FALSE(files.resolve("/sub/.hidden.js"));
}

TEST_CASE("symlinks may not escape the root", "[static]")
{
	WebTree tree;
	StaticFiles files(tree.root());
	const std::string root = canonical(tree.root());

	CHECK_FALSE(files.resolve("/escape.txt"));
	CHECK_FALSE(files.resolve("/outdir/passwd"));
	CHECK_FALSE(files.resolve("/outdir/"));

	/* A link that stays inside is fine; the type follows the link name. */
	auto alias = files.resolve("/alias.html");
	REQUIRE(alias);
	CHECK(alias->path == root + "/index.html");
}

TEST_CASE("a missing root resolves nothing", "[static]")
{
	StaticFiles files("/nonexistent/wcam-root-for-tests");
	CHECK_FALSE(files.resolve("/"));
	CHECK_FALSE(files.resolve("/etc/passwd"));
}

TEST_CASE("content types by extension", "[static]")
{
	CHECK(StaticFiles::contentTypeFor("index.html") == "text/html; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("/a/b/app.js") == "text/javascript; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("viewer.mjs") == "text/javascript; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("style.css") == "text/css; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("config.json") == "application/json; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("logo.svg") == "image/svg+xml; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("logo.png") == "image/png");
	CHECK(StaticFiles::contentTypeFor("photo.jpg") == "image/jpeg");
	CHECK(StaticFiles::contentTypeFor("photo.JPEG") == "image/jpeg");
	CHECK(StaticFiles::contentTypeFor("favicon.ico") == "image/x-icon");
	CHECK(StaticFiles::contentTypeFor("site.webmanifest") == "application/manifest+json; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("robots.txt") == "text/plain; charset=utf-8");
	CHECK(StaticFiles::contentTypeFor("decoder.wasm") == "application/wasm");
	CHECK(StaticFiles::contentTypeFor("archive.tar.gz") == "application/octet-stream");
	CHECK(StaticFiles::contentTypeFor("README") == "application/octet-stream");
	CHECK(StaticFiles::contentTypeFor("dir.js/file") == "application/octet-stream");
	CHECK(StaticFiles::contentTypeFor("") == "application/octet-stream");
}

TEST_CASE("the shipped viewer page: every module it loads is served as JavaScript", "[static]")
{
	/* Browsers refuse a module served with any other type. */
	const std::string webRoot = std::string(WCAM_SOURCE_DIR) + "/data/web";
	StaticFiles files(webRoot);

	auto read = [&](const std::string &urlPath) {
		auto file = files.resolve(urlPath);
		INFO(urlPath);
		REQUIRE(file);
		g_autofree char *text = nullptr;
		REQUIRE(g_file_get_contents(file->path.c_str(), &text, nullptr, nullptr));
		return std::make_pair(*file, std::string(text));
	};

	auto [index, html] = read("/");
	std::smatch match;
	REQUIRE(std::regex_search(html, match, std::regex(R"(<script type="module" src="([^"]+)\")")));

	/* Follow static imports from the entry point; fetch()ed data too. */
	const std::regex importRe(R"((?:from|import)\s+'\./([^']+)')");
	const std::regex urlRe(R"(new URL\('([^']+)', import\.meta\.url\))");
	std::vector<std::string> pending{ "/" + match[1].str() };
	std::set<std::string> seen;
	while (!pending.empty()) {
		std::string path = pending.back();
		pending.pop_back();
		if (!seen.insert(path).second)
			continue;
		auto [file, text] = read(path);
		INFO(path);
		CHECK(file.contentType == "text/javascript; charset=utf-8");
		const std::string dir = path.substr(0, path.rfind('/') + 1);
		for (auto it = std::sregex_iterator(text.begin(), text.end(), importRe); it != std::sregex_iterator(); ++it)
			pending.push_back(dir + (*it)[1].str());
		for (auto it = std::sregex_iterator(text.begin(), text.end(), urlRe); it != std::sregex_iterator(); ++it) {
			auto [data, json] = read(dir + (*it)[1].str());
			CHECK(data.contentType == "application/json; charset=utf-8");
		}
	}
	/* main.js and the modules it wires together. */
	CHECK(seen.size() >= 6);
}
