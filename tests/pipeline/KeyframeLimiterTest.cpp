/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "pipeline/KeyframeLimiter.h"

using namespace wcam;

namespace {

constexpr int64_t kMs = 1000;

void checkSpacing(const std::vector<int64_t> &sends, int64_t interval)
{
	for (size_t i = 1; i < sends.size(); i++) {
		INFO("send " << i << " at " << sends[i] << " us, previous at " << sends[i - 1]);
		CHECK(sends[i] - sends[i - 1] >= interval);
	}
}

} /* namespace */

TEST_CASE("the first request is sent at once", "[keyframe]")
{
	KeyframeLimiter limiter(500 * kMs);
	CHECK_FALSE(limiter.pending());
	CHECK(limiter.request(0));
	CHECK(limiter.sent() == 1);
	CHECK(limiter.suppressed() == 0);
	CHECK_FALSE(limiter.pending());

	/* Even at an arbitrary (large or negative) clock origin. */
	KeyframeLimiter late(500 * kMs);
	CHECK(late.request(123456789 * kMs));
	KeyframeLimiter early(500 * kMs);
	CHECK(early.request(-5 * kMs));
}

TEST_CASE("requests inside the interval are deferred, then granted by poll", "[keyframe]")
{
	KeyframeLimiter limiter(500 * kMs);
	REQUIRE(limiter.request(1000 * kMs));

	CHECK_FALSE(limiter.request(1100 * kMs));
	CHECK(limiter.pending());
	CHECK_FALSE(limiter.request(1200 * kMs));
	CHECK(limiter.suppressed() == 2);
	CHECK(limiter.sent() == 1);

	/* Not yet due. */
	CHECK_FALSE(limiter.poll(1499 * kMs));
	CHECK(limiter.pending());

	/* Due: one grant covers both deferred requests. */
	CHECK(limiter.poll(1500 * kMs));
	CHECK_FALSE(limiter.pending());
	CHECK(limiter.sent() == 2);
	CHECK_FALSE(limiter.poll(5000 * kMs));
	CHECK(limiter.sent() == 2);

	/* The granted send starts a new quiet interval. */
	CHECK_FALSE(limiter.request(1999 * kMs));
	CHECK_FALSE(limiter.poll(1999 * kMs));
	CHECK(limiter.poll(2000 * kMs)); /* 1500 + 500 */
	CHECK(limiter.sent() == 3);
	CHECK(limiter.suppressed() == 3);
}

TEST_CASE("poll without a pending request does nothing", "[keyframe]")
{
	KeyframeLimiter limiter(500 * kMs);
	CHECK_FALSE(limiter.poll(0));
	CHECK_FALSE(limiter.poll(10000 * kMs));
	CHECK(limiter.sent() == 0);
	CHECK(limiter.suppressed() == 0);
}

TEST_CASE("a request after the interval goes straight through", "[keyframe]")
{
	KeyframeLimiter limiter(500 * kMs);
	REQUIRE(limiter.request(0));
	REQUIRE_FALSE(limiter.request(100 * kMs));
	/* Nobody polled; the next request past the interval sends and clears pending. */
	CHECK(limiter.request(600 * kMs));
	CHECK_FALSE(limiter.pending());
	CHECK_FALSE(limiter.poll(2000 * kMs));
	CHECK(limiter.sent() == 2);
	CHECK(limiter.suppressed() == 1);
}

TEST_CASE("a burst of 100 requests over one second", "[keyframe]")
{
	const int64_t interval = 500 * kMs;
	KeyframeLimiter limiter(interval);
	std::vector<int64_t> sends;
	uint64_t sentByRequest = 0;

	/* Requests every 10 ms from t=0 to t=990 ms, with or without polls between. */
	const bool pollDuringBurst = GENERATE(true, false);
	INFO("polling during the burst: " << pollDuringBurst);
	for (int i = 0; i < 100; i++) {
		int64_t now = i * 10 * kMs;
		if (pollDuringBurst && limiter.poll(now))
			sends.push_back(now);
		if (limiter.request(now)) {
			sends.push_back(now);
			sentByRequest++;
		}
	}

	INFO("sends during the burst: " << sends.size());
	CHECK(sends.size() >= 2);
	CHECK(sends.size() <= 3);
	CHECK(sends.front() == 0);
	CHECK(limiter.sent() == sends.size());
	CHECK(limiter.suppressed() == 100 - sentByRequest);

	/* The last requests came after the last send: one is still owed. */
	REQUIRE(limiter.pending());
	int64_t t = 1000 * kMs;
	while (!limiter.poll(t)) {
		REQUIRE(t < sends.back() + interval); /* granted as soon as due */
		t += 10 * kMs;
	}
	sends.push_back(t);
	CHECK(t == sends[sends.size() - 2] + interval);
	CHECK_FALSE(limiter.pending());
	CHECK(limiter.sent() == sends.size());

	checkSpacing(sends, interval);

	/* Quiet afterwards. */
	for (int64_t later = t; later < t + 3000 * kMs; later += 10 * kMs)
		CHECK_FALSE(limiter.poll(later));
}

TEST_CASE("random request patterns never beat the interval", "[keyframe]")
{
	const int64_t interval = GENERATE(int64_t(100 * kMs), int64_t(500 * kMs), int64_t(2000 * kMs));
	std::mt19937 rng(static_cast<uint32_t>(interval));
	std::uniform_int_distribution<int64_t> gap(0, interval);
	std::bernoulli_distribution ask(0.3);

	KeyframeLimiter limiter(interval);
	std::vector<int64_t> sends;
	int64_t lastRequest = -1;
	uint64_t requests = 0;

	int64_t now = 0;
	for (int step = 0; step < 5000; step++) {
		now += gap(rng) / 10 + 1;
		if (limiter.poll(now))
			sends.push_back(now);
		if (ask(rng)) {
			requests++;
			lastRequest = now;
			if (limiter.request(now))
				sends.push_back(now);
		}
		/* Liveness: nothing stays owed longer than one interval plus a poll step. */
		if (limiter.pending())
			CHECK(now - sends.back() < interval);
	}

	checkSpacing(sends, interval);
	CHECK(limiter.sent() == sends.size());
	CHECK(limiter.sent() <= requests);
	CHECK(limiter.sent() + limiter.suppressed() >= requests);

	/* The last requester is served once the interval allows. */
	if (limiter.pending()) {
		CHECK(limiter.poll(sends.back() + interval));
		sends.push_back(sends.back() + interval);
	}
	CHECK(sends.back() >= lastRequest);
}

TEST_CASE("a join waits less than a repair", "[keyframe]")
{
	using Reason = KeyframeLimiter::Reason;
	KeyframeLimiter limiter(500 * kMs, 150 * kMs);
	REQUIRE(limiter.request(0, Reason::Repair));

	/* A repair right after is deferred to the full interval... */
	CHECK_FALSE(limiter.request(10 * kMs, Reason::Repair));
	CHECK(limiter.dueUs() == 500 * kMs);
	/* ...a join that comes along brings it forward to its own. */
	CHECK_FALSE(limiter.request(20 * kMs, Reason::Join));
	CHECK(limiter.dueUs() == 150 * kMs);
	CHECK_FALSE(limiter.poll(149 * kMs));
	CHECK(limiter.poll(150 * kMs));

	/* A join after the join interval goes straight through. */
	CHECK(limiter.request(300 * kMs, Reason::Join));
	CHECK_FALSE(limiter.request(400 * kMs, Reason::Join));
	CHECK(limiter.dueUs() == 450 * kMs);
	CHECK(limiter.sent() == 3);
}

TEST_CASE("joins alone never come closer than their interval", "[keyframe]")
{
	KeyframeLimiter limiter(500 * kMs, 150 * kMs);
	std::mt19937 random(7);
	std::uniform_int_distribution<int64_t> step(0, 120 * kMs);
	std::vector<int64_t> sends;
	int64_t now = 0;
	for (int i = 0; i < 500; i++) {
		now += step(random);
		if (limiter.request(now, KeyframeLimiter::Reason::Join) || limiter.poll(now))
			sends.push_back(now);
	}
	checkSpacing(sends, 150 * kMs);
	/* And no join went unanswered for longer than the interval. */
	CHECK(sends.size() >= size_t(now / (150 * kMs + 120 * kMs)));
}
