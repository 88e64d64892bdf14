/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include "server/SnapshotEndpoint.h"

using namespace wcam;

TEST_CASE("snapshot: ?width= takes whole numbers within bounds only", "[server]")
{
	std::string error;
	CHECK(SnapshotEndpoint::parseWidth("320", error) == 320);
	CHECK(SnapshotEndpoint::parseWidth("16", error) == 16);
	CHECK(SnapshotEndpoint::parseWidth("4096", error) == 4096);
	for (const char *bad : { "", "15", "4097", "0", "-320", "+320", " 320", "320 ", "320px", "3e2", "0x140",
				 "99999999999999999999" }) {
		INFO("width=" << bad);
		error.clear();
		CHECK_FALSE(SnapshotEndpoint::parseWidth(bad, error));
		CHECK(error.find("16..4096") != std::string::npos);
	}
	CHECK_FALSE(SnapshotEndpoint::parseWidth(nullptr, error));
}

TEST_CASE("snapshot: the height keeps the picture's aspect", "[server]")
{
	CHECK(SnapshotEndpoint::scaledHeight(320, 640, 480) == 240);
	CHECK(SnapshotEndpoint::scaledHeight(640, 1920, 1080) == 360);
	/* Rounded, not truncated: 100 * 1080 / 1920 = 56.25. */
	CHECK(SnapshotEndpoint::scaledHeight(100, 1920, 1080) == 56);
	CHECK(SnapshotEndpoint::scaledHeight(16, 4000, 10) == 1);
	CHECK(SnapshotEndpoint::scaledHeight(16, 0, 0) == 1);
}
