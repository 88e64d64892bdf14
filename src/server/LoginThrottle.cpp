/* SPDX-License-Identifier: MIT */
#include "server/LoginThrottle.h"

#include <algorithm>

namespace wcam {

namespace {

/* Addresses tracked before old ones are swept (a scan of many addresses). */
constexpr size_t kSweepAbove = 1024;

} /* namespace */

int64_t LoginThrottle::blockedFor(const std::string &address, int64_t nowUs) const
{
	auto it = entries_.find(address);
	if (it == entries_.end())
		return 0;
	return std::max<int64_t>(0, it->second.blockedUntilUs - nowUs);
}

int LoginThrottle::failed(const std::string &address, int64_t nowUs)
{
	if (entries_.size() > kSweepAbove)
		forgetOld(nowUs);
	Entry &entry = entries_[address];
	if (entry.failures && nowUs - entry.lastFailureUs > kForgetUs)
		entry = Entry();
	entry.failures++;
	entry.lastFailureUs = nowUs;
	int over = entry.failures - kFreeFailures;
	if (over > 0) {
		int64_t block = kFirstBlockUs << std::min(over - 1, 10);
		entry.blockedUntilUs = nowUs + std::min(block, kLongestBlockUs);
	}
	return entry.failures;
}

void LoginThrottle::forgetOld(int64_t nowUs)
{
	for (auto it = entries_.begin(); it != entries_.end();) {
		if (nowUs - it->second.lastFailureUs > kForgetUs && it->second.blockedUntilUs <= nowUs)
			it = entries_.erase(it);
		else
			++it;
	}
}

} /* namespace wcam */
