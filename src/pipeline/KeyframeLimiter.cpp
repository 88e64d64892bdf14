/* SPDX-License-Identifier: MIT */
#include "pipeline/KeyframeLimiter.h"

#include <algorithm>

namespace wcam {

KeyframeLimiter::KeyframeLimiter(int64_t minIntervalUs, int64_t joinIntervalUs)
	: minIntervalUs_(std::max<int64_t>(0, minIntervalUs)),
	  joinIntervalUs_(std::clamp<int64_t>(joinIntervalUs, 0, minIntervalUs_))
{
}

bool KeyframeLimiter::request(int64_t nowUs, Reason reason)
{
	int64_t interval = reason == Reason::Join ? joinIntervalUs_ : minIntervalUs_;
	if (nowUs - lastSentUs_ >= interval) {
		/* Sending now also satisfies any earlier deferred request. */
		lastSentUs_ = nowUs;
		pending_ = false;
		sent_++;
		return true;
	}

	int64_t due = lastSentUs_ + interval;
	dueUs_ = pending_ ? std::min(dueUs_, due) : due;
	pending_ = true;
	suppressed_++;
	return false;
}

bool KeyframeLimiter::poll(int64_t nowUs)
{
	if (!pending_ || nowUs < dueUs_)
		return false;

	lastSentUs_ = nowUs;
	pending_ = false;
	sent_++;
	return true;
}

} /* namespace wcam */
