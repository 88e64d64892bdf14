/* SPDX-License-Identifier: MIT */
/*
 * The bridge from the shared pipeline to the RTSP server's media: a
 * branch off the tee (a leaky queue and an appsink) that hands the RTP
 * packets, as they are, to the appsrc of every RTSP media that wants them.
 * The branch exists only while at least one media does: nothing runs for
 * RTSP while nobody watches it.
 *
 * Thread contract: the constructor, destructor and reconcile() run on the
 * main thread. attach()/detach() of the Sources may come from any thread
 * (gst-rtsp-server prepares and unprepares media in its own threads); the
 * appsink pushes from the pipeline's streaming thread. Sources is shared
 * with those callers, so it outlives this object when they hold it.
 */
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/StreamPipeline.h"

namespace wcam {

class RtspFeed
{
public:
	/* The appsrcs being fed; any thread. */
	class Sources
	{
	public:
		void attach(GstElement *appsrc);
		void detach(GstElement *appsrc);
		size_t count() const;
		/* streaming thread: one packet from `appsink` to every source, its time moved to theirs. */
		void push(GstSample *sample, GstElement *appsink);

	private:
		friend class RtspFeed;
		mutable std::mutex lock_;
		std::vector<GstPtr<GstElement>> sources_;
		/* Where a change of count goes: the feed on the main thread. */
		Lifetime::Guard owner_;
		RtspFeed *feed_ = nullptr;
	};

	explicit RtspFeed(StreamPipeline &pipeline);
	~RtspFeed();

	RtspFeed(const RtspFeed &) = delete;
	RtspFeed &operator=(const RtspFeed &) = delete;

	const std::shared_ptr<Sources> &sources() const { return sources_; }

	/* The branch is in the pipeline (main thread). */
	bool running() const { return static_cast<bool>(branch_); }
	/* Branches added since start, for tests and logs. */
	unsigned starts() const { return starts_; }

	/* main thread: add or remove the branch so that it runs exactly while a source wants it. */
	void reconcile();

private:
	GstPtr<GstElement> buildBranch();

	StreamPipeline &pipeline_;
	std::shared_ptr<Sources> sources_;
	GstPtr<GstElement> branch_;
	unsigned starts_ = 0;
	Lifetime lifetime_;
};

} /* namespace wcam */
