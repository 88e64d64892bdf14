/* SPDX-License-Identifier: MIT */
/*
 * Enum names as config.ini spells them, so messages and logs use the
 * same words the user typed.
 */
#include "config/Config.h"

namespace wcam {

const char *toString(SourceKind kind)
{
	switch (kind) {
	case SourceKind::Auto:
		return "auto";
	case SourceKind::Libcamera:
		return "libcamera";
	case SourceKind::V4l2:
		return "v4l2";
	case SourceKind::Test:
		return "test";
	}
	return "unknown";
}

const char *toString(EncoderKind kind)
{
	switch (kind) {
	case EncoderKind::Auto:
		return "auto";
	case EncoderKind::V4l2:
		return "v4l2";
	case EncoderKind::X264:
		return "x264";
	case EncoderKind::OpenH264:
		return "openh264";
	}
	return "unknown";
}

const char *toString(H264Profile profile)
{
	switch (profile) {
	case H264Profile::Baseline:
		return "baseline";
	case H264Profile::Main:
		return "main";
	case H264Profile::High:
		return "high";
	}
	return "unknown";
}

const char *toString(FrameDropStrategy strategy)
{
	switch (strategy) {
	case FrameDropStrategy::Latest:
		return "latest";
	case FrameDropStrategy::None:
		return "none";
	}
	return "unknown";
}

const char *toString(AdaptivePolicy policy)
{
	switch (policy) {
	case AdaptivePolicy::Weakest:
		return "weakest";
	case AdaptivePolicy::Median:
		return "median";
	case AdaptivePolicy::Fixed:
		return "fixed";
	}
	return "unknown";
}

} /* namespace wcam */
