/* SPDX-License-Identifier: MIT */
/*
 * Failed logins per client address. A few mistakes are free; after that
 * the address is refused outright (429) for a while, doubling with every
 * further failure, so that guessing passwords or tokens from one address
 * gets nowhere. Main thread only; the clock is passed in for the tests.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace wcam {

class LoginThrottle
{
public:
	/* Failures allowed before the first block. */
	static constexpr int kFreeFailures = 5;
	static constexpr int64_t kFirstBlockUs = 30 * 1000000LL;
	static constexpr int64_t kLongestBlockUs = 15 * 60 * 1000000LL;
	/* An address with no failure for this long starts afresh. */
	static constexpr int64_t kForgetUs = 30 * 60 * 1000000LL;

	/* Microseconds until `address` may try again (0: it may now). */
	int64_t blockedFor(const std::string &address, int64_t nowUs) const;

	/* A failed attempt; returns the failures counted for the address. */
	int failed(const std::string &address, int64_t nowUs);

	/* A successful login clears the address's record. */
	void succeeded(const std::string &address) { entries_.erase(address); }

	size_t tracked() const { return entries_.size(); }

private:
	struct Entry {
		int failures = 0;
		int64_t lastFailureUs = 0;
		int64_t blockedUntilUs = 0;
	};
	void forgetOld(int64_t nowUs);

	std::map<std::string, Entry> entries_;
};

} /* namespace wcam */
