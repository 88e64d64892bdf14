/* SPDX-License-Identifier: MIT */
/* Enum names: looked up in Config.h's lists, the ones the parser reads. */
#include "config/Config.h"

namespace wcam {

namespace {

template<typename T, size_t N>
const char *nameOf(T value, const Choice<T> (&choices)[N])
{
	for (const Choice<T> &choice : choices)
		if (choice.value == value)
			return choice.name;
	return "unknown";
}

} /* namespace */

const char *toString(SourceKind kind) { return nameOf(kind, kSources); }
const char *toString(EncoderKind kind) { return nameOf(kind, kEncoders); }
const char *toString(H264Profile profile) { return nameOf(profile, kProfiles); }
const char *toString(CaptureFormat format) { return nameOf(format, kCaptureFormats); }
const char *toString(FrameDropStrategy strategy) { return nameOf(strategy, kDropStrategies); }
const char *toString(AdaptivePolicy policy) { return nameOf(policy, kAdaptivePolicies); }
const char *toString(LogLevel level) { return nameOf(level, kLogLevels); }

} /* namespace wcam */
