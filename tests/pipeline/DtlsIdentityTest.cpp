/* SPDX-License-Identifier: MIT */
/*
 * The process's DTLS identity: made once, kept across restarts, replaced
 * when the kept one is unusable, and never lost for want of a place.
 */
#include <catch2/catch.hpp>

#include <string>

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "pipeline/DtlsIdentity.h"
#include "support/TestSupport.h"

using namespace wcam;

namespace {

struct TempDir {
	std::string path;
	TempDir()
	{
		g_autofree char *made = g_dir_make_tmp("wcam-dtls-XXXXXX", nullptr);
		REQUIRE(made);
		path = made;
	}
	~TempDir() { test::removeTree(path); }
};

std::string readFile(const std::string &path)
{
	g_autofree char *contents = nullptr;
	gsize length = 0;
	if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr))
		return {};
	return std::string(contents, length);
}

} /* namespace */

TEST_CASE("a new identity is an ECDSA P-256 certificate and its key", "[dtls]")
{
	std::string pem = DtlsIdentity::generate();
	CHECK(pem.find("-----BEGIN CERTIFICATE-----") == 0);
	CHECK(pem.find("-----BEGIN PRIVATE KEY-----") != std::string::npos);
	CHECK(DtlsIdentity::usable(pem));
	/* 32 bytes of SHA-256 as SDP spells them. */
	std::string fingerprint = DtlsIdentity::fingerprint(pem);
	CHECK(fingerprint.size() == 32 * 3 - 1);
	CHECK(fingerprint[2] == ':');
	CHECK(DtlsIdentity::fingerprint(DtlsIdentity::generate()) != fingerprint);
}

TEST_CASE("the identity is kept and read back", "[dtls]")
{
	TempDir dir;
	std::string path = dir.path + "/state/dtls-identity.pem";
	std::string note;
	std::string first = DtlsIdentity::loadOrCreate(path, note);
	CHECK(note.empty());
	REQUIRE(DtlsIdentity::usable(first));
	CHECK(readFile(path) == first);
	struct stat info = {};
	REQUIRE(g_stat(path.c_str(), &info) == 0);
	CHECK((info.st_mode & 0777) == 0600);

	std::string again = DtlsIdentity::loadOrCreate(path, note);
	CHECK(note.empty());
	CHECK(again == first);
}

TEST_CASE("an unusable kept identity is replaced, with a note naming the file", "[dtls]")
{
	TempDir dir;
	std::string path = dir.path + "/dtls-identity.pem";
	std::string note;

	SECTION("garbage") {
		REQUIRE(g_file_set_contents(path.c_str(), "not a certificate", -1, nullptr));
	}
	SECTION("one that expires within 30 days") {
		std::string old = DtlsIdentity::generate(time(nullptr) - 340L * 24 * 3600);
		CHECK_FALSE(DtlsIdentity::usable(old));
		REQUIRE(g_file_set_contents(path.c_str(), old.c_str(), -1, nullptr));
	}
	SECTION("a certificate with another certificate's key") {
		std::string a = DtlsIdentity::generate();
		std::string b = DtlsIdentity::generate();
		std::string mixed = a.substr(0, a.find("-----BEGIN PRIVATE KEY-----")) +
				    b.substr(b.find("-----BEGIN PRIVATE KEY-----"));
		CHECK_FALSE(DtlsIdentity::usable(mixed));
		REQUIRE(g_file_set_contents(path.c_str(), mixed.c_str(), -1, nullptr));
	}
	std::string pem = DtlsIdentity::loadOrCreate(path, note);
	CHECK(note.find(path) == 0);
	CHECK(DtlsIdentity::usable(pem));
	CHECK(readFile(path) == pem);
}

TEST_CASE("an identity made with a later clock is kept: a Pi boots behind until NTP", "[dtls]")
{
	TempDir dir;
	std::string path = dir.path + "/dtls-identity.pem";
	/* Made last run after NTP; this boot's clock is ten days behind that. */
	std::string made = DtlsIdentity::generate(time(nullptr) + 10L * 24 * 3600);
	REQUIRE(g_file_set_contents(path.c_str(), made.c_str(), -1, nullptr));
	std::string note;
	CHECK(DtlsIdentity::loadOrCreate(path, note) == made);
	CHECK(note.empty());
}

TEST_CASE("with nowhere to keep it, the identity lasts for the run", "[dtls]")
{
	TempDir dir;
	/* A regular file where the directory should be. */
	std::string blocker = dir.path + "/file";
	REQUIRE(g_file_set_contents(blocker.c_str(), "x", -1, nullptr));
	std::string note;
	std::string pem = DtlsIdentity::loadOrCreate(blocker + "/dtls-identity.pem", note);
	CHECK(DtlsIdentity::usable(pem));
	CHECK(note.find("cannot keep") != std::string::npos);

	pem = DtlsIdentity::loadOrCreate("", note);
	CHECK(DtlsIdentity::usable(pem));
	CHECK(!note.empty());
}

TEST_CASE("the service's state directory is where it is kept", "[dtls]")
{
	g_setenv("STATE_DIRECTORY", "/var/lib/webrtc-camera:/var/lib/other", TRUE);
	CHECK(DtlsIdentity::defaultPath() == "/var/lib/webrtc-camera/dtls-identity.pem");
	g_unsetenv("STATE_DIRECTORY");
	g_setenv("XDG_STATE_HOME", "/home/pi/.state", TRUE);
	CHECK(DtlsIdentity::defaultPath() == "/home/pi/.state/webrtc-camera/dtls-identity.pem");
	g_unsetenv("XDG_STATE_HOME");
}
