/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include "server/AccessPolicy.h"

using namespace wcam;

TEST_CASE("origins compare in the form browsers send", "[access]")
{
	CHECK(AccessPolicy::normalise("http", "127.0.0.1:8080") == "http://127.0.0.1:8080");
	CHECK(AccessPolicy::normalise("http", "Camera.Local:80") == "http://camera.local");
	CHECK(AccessPolicy::normalise("https", "camera.example.org:443") == "https://camera.example.org");
	CHECK(AccessPolicy::normalise("https", "camera.example.org:8443") == "https://camera.example.org:8443");
	CHECK(AccessPolicy::normalise("http", "[FD00::1]:8080") == "http://[fd00::1]:8080");
	CHECK(AccessPolicy::normalise("http", "[fd00::1]") == "http://[fd00::1]");
	/* The port of one scheme is not the default of the other. */
	CHECK(AccessPolicy::normalise("http", "example.org:443") == "http://example.org:443");
}
