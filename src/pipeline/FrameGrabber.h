/* SPDX-License-Identifier: MIT */
/*
 * One decoded picture of the shared stream, on demand: while somebody
 * waits, a branch off the tee (depay, parse, decode, appsink) takes the
 * RTP H.264 the viewers get, a key unit is asked for, and the first
 * decoded frame answers everybody waiting; then the branch leaves. No
 * second encode, and nothing runs while nobody asks. Main thread only.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/StreamPipeline.h"

namespace wcam {

class FrameGrabber
{
public:
	/* Raw RGB video, or null with why not. */
	using Done = std::function<void(MiniObjectPtr<GstSample> frame, const std::string &error)>;

	/* Names of the branch bins: StreamPipeline reports their errors as a branch's. */
	static constexpr const char *kBranchPrefix = "snapshot-";

	/* `timeoutUs`: a grab without a frame by then fails. */
	FrameGrabber(StreamPipeline &pipeline, int64_t timeoutUs);
	~FrameGrabber();

	FrameGrabber(const FrameGrabber &) = delete;
	FrameGrabber &operator=(const FrameGrabber &) = delete;

	/* `done` runs later, on the main loop, once; a grab under way is shared. */
	void grab(Done done);

	/* The branch `branch` (a kBranchPrefix name) failed. */
	void branchFailed(const std::string &branch, const std::string &message);

	/* A branch is in the pipeline (grabbing, or on its way out). */
	bool branchPresent() const { return branch_ || removing_ > 0; }
	/* Branches added since start: each is one decode. */
	uint64_t grabs() const { return grabs_; }

	/* The first decoder of these the registry has (avdec_h264 first). */
	static const char *decoder();

private:
	void frameArrived(unsigned serial, MiniObjectPtr<GstSample> frame);
	void fail(const std::string &error);
	void finish(MiniObjectPtr<GstSample> frame, const std::string &error);

	StreamPipeline &pipeline_;
	int64_t timeoutUs_;
	GstPtr<GstElement> branch_;
	unsigned serial_ = 0; /* of branch_: frames of an older branch are late */
	unsigned removing_ = 0;
	std::vector<Done> waiting_;
	SourceGuard timeout_;
	uint64_t grabs_ = 0;
	Lifetime lifetime_;
};

} /* namespace wcam */
