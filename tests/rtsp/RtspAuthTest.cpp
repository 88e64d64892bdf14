/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <string>

#include "core/PasswordHash.h"
#include "rtsp/RtspAuth.h"
#include "rtsp/RtspServer.h"
#include "server/LoginThrottle.h"

using namespace wcam;

namespace {

std::string hashOf(const std::string &password)
{
	std::string error;
	std::string hash = hashPassword(password, error);
	INFO(error);
	REQUIRE(!hash.empty());
	return hash;
}

} /* namespace */

TEST_CASE("RTSP logins are the web's users, checked against their hashes", "[rtsp]")
{
	RtspCredentials credentials;

	SECTION("no user: no login asked")
	{
		CHECK(credentials.open());
		CHECK(credentials.check("", "", "192.0.2.1"));
	}

	credentials.setUsers({ { "alice", hashOf("correct horse") } });
	CHECK_FALSE(credentials.open());

	SECTION("the right password, a wrong one, an unknown name")
	{
		CHECK(credentials.check("alice", "correct horse", "192.0.2.1"));
		/* Again: from the cache, still right. */
		CHECK(credentials.check("alice", "correct horse", "192.0.2.1"));
		CHECK_FALSE(credentials.check("alice", "battery staple", "192.0.2.1"));
		CHECK_FALSE(credentials.check("bob", "correct horse", "192.0.2.1"));
		CHECK_FALSE(credentials.check("", "", "192.0.2.1"));
	}

	SECTION("a reload that changes the password lets the old one in no more")
	{
		REQUIRE(credentials.check("alice", "correct horse", "192.0.2.1"));
		credentials.setUsers({ { "alice", hashOf("new secret") } });
		CHECK_FALSE(credentials.check("alice", "correct horse", "192.0.2.1"));
		CHECK(credentials.check("alice", "new secret", "192.0.2.1"));
	}

	SECTION("guessing from one address gets it blocked, not the others")
	{
		for (int i = 0; i <= LoginThrottle::kFreeFailures; i++)
			CHECK_FALSE(credentials.check("alice", "guess " + std::to_string(i), "192.0.2.66"));
		/* Blocked now: even the right password is refused from there. */
		CHECK_FALSE(credentials.check("alice", "correct horse", "192.0.2.66"));
		CHECK(credentials.check("alice", "correct horse", "192.0.2.1"));
	}
}

TEST_CASE("the RTSP media's pipeline parses", "[rtsp]")
{
	/* As gst-rtsp-server takes it: a bin in parentheses, pay0 inside. */
	GError *error = nullptr;
	std::string launch = RtspServer::mediaLaunch();
	GstElement *bin = gst_parse_launch(launch.c_str(), &error);
	INFO(launch << ": " << (error ? error->message : ""));
	REQUIRE(bin);
	GstPtr<GstElement> owned = GstPtr<GstElement>::retain(bin);
	CHECK(GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(bin), "pay0")));
	CHECK(GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(bin), "src")));
	g_clear_error(&error);
}
