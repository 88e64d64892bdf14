/* SPDX-License-Identifier: MIT */
/*
 * Turns the configuration into gst-launch text: which source and encoder
 * to use, and why. Pure: decisions depend only on Config and Platform, so
 * every Pi path is testable here.
 *
 * The assembled description always has the named elements of
 * `ElementName`, which the runtime (StreamPipeline) looks up.
 */
#pragma once

#include <string>

#include "config/Config.h"
#include "pipeline/Platform.h"

namespace wcam {

/* The names the description gives and StreamPipeline looks up: one spelling. */
namespace ElementName {
/* In `producer`: the capsfilter at the end of the source chain; the latency
 * stamp is written on its src pad (raw frames, pre-encode). */
inline constexpr char kSourceCaps[] = "source_caps";
/* In `producer`: the H.264 encoder (absent only with a [pipeline] encoder
 * override that does not name one). */
inline constexpr char kEncoder[] = "encoder";
inline constexpr char kPay[] = "pay";	   /* rtph264pay */
inline constexpr char kFanout[] = "fanout"; /* tee, with a permanent fakesink branch */
} /* namespace ElementName */

struct ChainChoice {
	std::string description; /* gst-launch fragment */
	std::string kind;	 /* "libcamera", "v4l2", "test", "x264", "override", ... */
	std::string reason;	 /* one line: why this was chosen */
	/* Which of our chains it is (a source or an encoder); Auto: an override, or none. */
	SourceKind sourceKind = SourceKind::Auto;
	EncoderKind encoderKind = EncoderKind::Auto;
};

struct PipelineDescription {
	ChainChoice source;
	ChainChoice encoder;
	/*
	 * Camera to parsed H.264, the part that can fail and is rebuilt in
	 * place; and payloader to tee, which viewers hang on and which stays.
	 */
	std::string producer;
	std::string fanout;
	std::string launch; /* the whole pipeline in gst-launch syntax */
	std::string error;  /* set when no working chain exists */
};

ChainChoice chooseSource(const Config &config, const Platform &platform);
ChainChoice chooseEncoder(const Config &config, const Platform &platform);
PipelineDescription describePipeline(const Config &config, const Platform &platform);

} /* namespace wcam */
