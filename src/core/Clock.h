/* SPDX-License-Identifier: MIT */
/*
 * Monotonic time in microseconds, as g_get_monotonic_time() gives it.
 * Classes that judge time (timeouts, rates, hold periods) take one, so
 * their tests run on simulated time instead of sleeping.
 */
#pragma once

#include <cstdint>
#include <functional>

#include <glib.h>

namespace wcam {

using Clock = std::function<int64_t()>;

inline Clock monotonicClock()
{
	return []() { return int64_t(g_get_monotonic_time()); };
}

} /* namespace wcam */
