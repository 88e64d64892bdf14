/* SPDX-License-Identifier: MIT */
/*
 * The smallest pipeline with the shape StreamPipeline expects: a live
 * test pattern through x264enc, the payloader and the fan-out tee.
 */
#pragma once

#include "pipeline/PipelineDescription.h"

namespace wcam::test {

inline PipelineDescription smallPipeline()
{
	PipelineDescription description;
	description.producer =
		"videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! "
		"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse";
	description.fanout = "rtph264pay name=pay config-interval=-1 ! tee name=fanout allow-not-linked=true "
			     "fanout. ! queue ! fakesink sync=false async=false";
	description.launch = description.producer + " ! " + description.fanout;
	return description;
}

} /* namespace wcam::test */
