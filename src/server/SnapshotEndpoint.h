/* SPDX-License-Identifier: MIT */
/*
 * GET /snapshot.jpg[?width=N]: a JPEG of the current picture, for Home
 * Assistant's generic camera and dashboards. A picture is decoded from
 * the shared stream (FrameGrabber) at most once per [snapshot] interval;
 * requests within it get that picture, and each width is JPEG-encoded
 * once per picture, off the main loop (gst_video_convert_sample_async).
 * Requests wait paused, so the main loop never blocks. Main thread only.
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/FrameGrabber.h"

namespace wcam {

class SnapshotEndpoint
{
public:
	static constexpr const char *kPath = "/snapshot.jpg";
	/* ?width= bounds, in pixels; the picture is never scaled up. */
	static constexpr int kMinWidth = 16;
	static constexpr int kMaxWidth = 4096;
	/* Widths kept per picture: more are encoded but not kept. */
	static constexpr size_t kMaxCachedWidths = 8;

	struct Counters {
		uint64_t requests = 0; /* answered, any status */
		uint64_t encodes = 0;  /* JPEGs made */
		uint64_t failures = 0; /* answered 503 */
	};

	SnapshotEndpoint(FrameGrabber &grabber, const SnapshotConfig &config);
	~SnapshotEndpoint();

	SnapshotEndpoint(const SnapshotEndpoint &) = delete;
	SnapshotEndpoint &operator=(const SnapshotEndpoint &) = delete;

	void applyConfig(const SnapshotConfig &config) { config_ = config; }

	void handle(SoupServerMessage *message, GHashTable *query);

	Counters counters() const { return counters_; }
	/* Pictures decoded (each one a branch off the tee for one frame). */
	uint64_t grabs() const { return grabber_.grabs(); }

	/* ?width=: a number kMinWidth..kMaxWidth, or nullopt with `error` for the 400. */
	static std::optional<int> parseWidth(const char *text, std::string &error);
	/* The height that keeps `width`'s aspect (`fromWidth` x `fromHeight`), at least 1. */
	static int scaledHeight(int width, int fromWidth, int fromHeight);

private:
	struct Waiter;
	using WaiterPtr = std::shared_ptr<Waiter>;

	void frameGrabbed(MiniObjectPtr<GstSample> frame, const std::string &error);
	void serve(const WaiterPtr &waiter);
	void encode(int width);
	void encoded(unsigned frameSerial, int width, MiniObjectPtr<GstSample> jpeg, const std::string &error);
	void answerJpeg(const WaiterPtr &waiter, const std::string &jpeg);
	void answerError(const WaiterPtr &waiter, const std::string &why);
	void finish(const WaiterPtr &waiter);
	WaiterPtr wait(SoupServerMessage *message, int width);

	FrameGrabber &grabber_;
	SnapshotConfig config_;
	Counters counters_;

	/* The latest picture and its JPEGs by width (0: full size). */
	MiniObjectPtr<GstSample> frame_;
	int frameWidth_ = 0;
	int frameHeight_ = 0;
	int64_t frameUs_ = 0;
	unsigned frameSerial_ = 0;
	std::map<int, std::string> jpegs_;

	std::vector<WaiterPtr> grabWaiters_;		 /* for a picture */
	std::map<int, std::vector<WaiterPtr>> encodeWaiters_; /* for a JPEG of the current picture */
	Lifetime lifetime_;
};

} /* namespace wcam */
