/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include "server/LoginThrottle.h"

using namespace wcam;

namespace {
constexpr int64_t kSecond = 1000000;
}

TEST_CASE("a few failures are free, then the address waits longer each time", "[throttle]")
{
	LoginThrottle throttle;
	int64_t now = 1000 * kSecond;
	for (int i = 1; i <= LoginThrottle::kFreeFailures; i++) {
		CHECK(throttle.failed("192.0.2.1", now) == i);
		CHECK(throttle.blockedFor("192.0.2.1", now) == 0);
	}
	CHECK(throttle.failed("192.0.2.1", now) == 6);
	CHECK(throttle.blockedFor("192.0.2.1", now) == LoginThrottle::kFirstBlockUs);
	/* Another address is not affected. */
	CHECK(throttle.blockedFor("192.0.2.2", now) == 0);

	now += LoginThrottle::kFirstBlockUs;
	CHECK(throttle.blockedFor("192.0.2.1", now) == 0);
	throttle.failed("192.0.2.1", now);
	CHECK(throttle.blockedFor("192.0.2.1", now) == 2 * LoginThrottle::kFirstBlockUs);

	/* Doubling stops at the longest block. */
	for (int i = 0; i < 20; i++)
		throttle.failed("192.0.2.1", now);
	CHECK(throttle.blockedFor("192.0.2.1", now) == LoginThrottle::kLongestBlockUs);
}

TEST_CASE("success and time forgive", "[throttle]")
{
	LoginThrottle throttle;
	int64_t now = 1000 * kSecond;
	for (int i = 0; i < LoginThrottle::kFreeFailures; i++)
		throttle.failed("198.51.100.7", now);
	throttle.succeeded("198.51.100.7");
	CHECK(throttle.failed("198.51.100.7", now) == 1);

	for (int i = 0; i < LoginThrottle::kFreeFailures; i++)
		throttle.failed("198.51.100.8", now);
	now += LoginThrottle::kForgetUs + kSecond;
	CHECK(throttle.failed("198.51.100.8", now) == 1);
	CHECK(throttle.blockedFor("198.51.100.8", now) == 0);
}

TEST_CASE("a scan from many addresses does not grow the table for ever", "[throttle]")
{
	LoginThrottle throttle;
	int64_t now = 1000 * kSecond;
	for (int i = 0; i < 2000; i++)
		throttle.failed("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), now);
	now += LoginThrottle::kForgetUs + kSecond;
	throttle.failed("10.9.9.9", now);
	CHECK(throttle.tracked() <= 2);
}
