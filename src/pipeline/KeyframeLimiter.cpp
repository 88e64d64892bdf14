/* SPDX-License-Identifier: MIT */
#include "pipeline/KeyframeLimiter.h"

namespace wcam {

KeyframeLimiter::KeyframeLimiter(int64_t minIntervalUs)
	: minIntervalUs_(minIntervalUs < 0 ? 0 : minIntervalUs)
{
}

bool KeyframeLimiter::request(int64_t nowUs)
{
	if (nowUs - lastSentUs_ >= minIntervalUs_) {
		/* Sending now also satisfies any earlier deferred request. */
		lastSentUs_ = nowUs;
		pending_ = false;
		sent_++;
		return true;
	}

	pending_ = true;
	suppressed_++;
	return false;
}

bool KeyframeLimiter::poll(int64_t nowUs)
{
	if (!pending_ || nowUs - lastSentUs_ < minIntervalUs_)
		return false;

	lastSentUs_ = nowUs;
	pending_ = false;
	sent_++;
	return true;
}

} /* namespace wcam */
