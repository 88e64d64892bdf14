/* SPDX-License-Identifier: MIT */
/*
 * Rate limit for upstream force-key-unit requests: joins and PLI/FIR from
 * many viewers must not turn into a keyframe storm. A request inside the
 * quiet interval is remembered and granted once the interval has passed
 * (so the last requester still gets its keyframe), never more than one per
 * interval. A join waits for its first picture, so its interval is shorter
 * than a repair's. Pure logic on a caller-given monotonic clock.
 */
#pragma once

#include <cstdint>

namespace wcam {

class KeyframeLimiter
{
public:
	enum class Reason {
		Join, /* a viewer connected and sees nothing until a keyframe */
		Repair, /* a viewer lost something (PLI/FIR) */
	};

	explicit KeyframeLimiter(int64_t minIntervalUs = 500000, int64_t joinIntervalUs = 150000);

	/* A viewer asked; true = send a key unit request now. */
	bool request(int64_t nowUs, Reason reason = Reason::Repair);

	/*
	 * Called periodically; true = a deferred request is now due (and has
	 * been counted as sent).
	 */
	bool poll(int64_t nowUs);

	bool pending() const { return pending_; }
	/* When the deferred request falls due; meaningful while pending(). */
	int64_t dueUs() const { return dueUs_; }
	uint64_t sent() const { return sent_; }
	uint64_t suppressed() const { return suppressed_; }

private:
	int64_t minIntervalUs_;
	int64_t joinIntervalUs_;
	int64_t lastSentUs_ = INT64_MIN / 2;
	int64_t dueUs_ = 0;
	bool pending_ = false;
	uint64_t sent_ = 0;
	uint64_t suppressed_ = 0;
};

} /* namespace wcam */
