/* SPDX-License-Identifier: MIT */
#include "server/SnapshotEndpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <gst/video/video.h>

#include "core/Log.h"

namespace wcam {

namespace {

/* A JPEG encode of one picture takes milliseconds; this only bounds a stuck one. */
constexpr GstClockTime kEncodeTimeout = 5 * GST_SECOND;

void setText(SoupServerMessage *message, guint status, const std::string &text)
{
	soup_server_message_set_status(message, status, nullptr);
	soup_server_message_set_response(message, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text.c_str(),
					 text.size());
}

} /* namespace */

struct SnapshotEndpoint::Waiter {
	GObjectPtr<SoupServerMessage> message;
	int width = 0; /* asked for; 0: full size */
	bool paused = false;
	bool answered = false;
	bool gone = false; /* the client left: nothing to answer */
	SignalConnection finished;
};

SnapshotEndpoint::SnapshotEndpoint(FrameGrabber &grabber, const SnapshotConfig &config)
	: grabber_(grabber), config_(config)
{
}

SnapshotEndpoint::~SnapshotEndpoint()
{
	std::vector<WaiterPtr> all = std::move(grabWaiters_);
	for (auto &[width, waiters] : encodeWaiters_)
		all.insert(all.end(), waiters.begin(), waiters.end());
	encodeWaiters_.clear();
	for (const WaiterPtr &waiter : all)
		answerError(waiter, "server shutting down");
}

std::optional<int> SnapshotEndpoint::parseWidth(const char *text, std::string &error)
{
	const std::string range = std::to_string(kMinWidth) + ".." + std::to_string(kMaxWidth);
	char *end = nullptr;
	errno = 0;
	long value = text && *text && g_ascii_isdigit(*text) ? strtol(text, &end, 10) : -1;
	if (!end || *end || errno || value < kMinWidth || value > kMaxWidth) {
		error = "width must be a whole number of pixels, " + range + ", not \"" +
			std::string(text ? text : "").substr(0, 32) + "\"";
		return std::nullopt;
	}
	return int(value);
}

int SnapshotEndpoint::scaledHeight(int width, int fromWidth, int fromHeight)
{
	if (fromWidth <= 0)
		return 1;
	return std::max(1, int((int64_t(width) * fromHeight + fromWidth / 2) / fromWidth));
}

void SnapshotEndpoint::handle(SoupServerMessage *message, GHashTable *query)
{
	const char *method = soup_server_message_get_method(message);
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Allow", "GET, HEAD");
		counters_.requests++;
		setText(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
		return;
	}
	if (!config_.enabled) {
		counters_.requests++;
		setText(message, SOUP_STATUS_NOT_FOUND, "snapshots are off ([snapshot] enabled = false)\n");
		return;
	}
	int width = 0;
	if (const char *text = query ? static_cast<const char *>(g_hash_table_lookup(query, "width")) : nullptr) {
		std::string error;
		std::optional<int> parsed = parseWidth(text, error);
		if (!parsed) {
			counters_.requests++;
			setText(message, SOUP_STATUS_BAD_REQUEST, error + "\n");
			return;
		}
		width = *parsed;
	}

	WaiterPtr waiter = wait(message, width);
	int64_t now = g_get_monotonic_time();
	if (frame_ && now - frameUs_ < int64_t(config_.interval) * G_USEC_PER_SEC) {
		serve(waiter);
	} else {
		/* A picture is on its way or must be fetched: everybody waits for the same one. */
		grabWaiters_.push_back(waiter);
		if (grabWaiters_.size() == 1)
			grabber_.grab([alive = lifetime_.guard(), this](MiniObjectPtr<GstSample> frame,
									const std::string &error) {
				if (!alive.expired())
					frameGrabbed(std::move(frame), error);
			});
	}
	/* Not answered from what is kept: it waits without holding up the main loop. */
	if (!waiter->answered) {
		soup_server_message_pause(message);
		waiter->paused = true;
	}
}

SnapshotEndpoint::WaiterPtr SnapshotEndpoint::wait(SoupServerMessage *message, int width)
{
	auto waiter = std::make_shared<Waiter>();
	waiter->message = GObjectPtr<SoupServerMessage>::retain(message);
	waiter->width = width;
	waiter->finished = SignalConnection(message, "finished", G_CALLBACK(+[](SoupServerMessage *, gpointer data) {
		static_cast<Waiter *>(data)->gone = true;
	}), waiter.get());
	return waiter;
}

/* main thread: FrameGrabber's answer */
void SnapshotEndpoint::frameGrabbed(MiniObjectPtr<GstSample> frame, const std::string &error)
{
	std::vector<WaiterPtr> waiters = std::move(grabWaiters_);
	grabWaiters_.clear();
	GstVideoInfo info;
	if (!frame || !gst_video_info_from_caps(&info, gst_sample_get_caps(frame.get()))) {
		for (const WaiterPtr &waiter : waiters)
			answerError(waiter, error.empty() ? "the decoder gave no picture" : error);
		return;
	}
	frame_ = std::move(frame);
	frameWidth_ = GST_VIDEO_INFO_WIDTH(&info);
	frameHeight_ = GST_VIDEO_INFO_HEIGHT(&info);
	frameUs_ = g_get_monotonic_time();
	frameSerial_++;
	jpegs_.clear();
	for (const WaiterPtr &waiter : waiters)
		serve(waiter);
}

/* A JPEG of the current picture at the waiter's width: kept, on its way, or made now. */
void SnapshotEndpoint::serve(const WaiterPtr &waiter)
{
	int width = waiter->width && waiter->width < frameWidth_ ? waiter->width : 0;
	if (auto it = jpegs_.find(width); it != jpegs_.end()) {
		answerJpeg(waiter, it->second);
		return;
	}
	std::vector<WaiterPtr> &waiters = encodeWaiters_[width];
	waiters.push_back(waiter);
	if (waiters.size() == 1)
		encode(width);
}

void SnapshotEndpoint::encode(int width)
{
	int outWidth = width ? width : frameWidth_;
	CapsPtr caps = CapsPtr::adopt(gst_caps_new_simple("image/jpeg", "width", G_TYPE_INT, outWidth, "height",
							  G_TYPE_INT, scaledHeight(outWidth, frameWidth_, frameHeight_),
							  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr));
	struct Job {
		Lifetime::Guard alive;
		SnapshotEndpoint *self;
		unsigned frameSerial;
		int width;
	};
	counters_.encodes++;
	/* Runs on its own streaming threads; the callback comes on this (the default) main context. */
	gst_video_convert_sample_async(frame_.get(), caps.get(), kEncodeTimeout,
		[](GstSample *jpeg, GError *error, gpointer data) {
			auto *job = static_cast<Job *>(data);
			/* Both are ours (transfer full). */
			MiniObjectPtr<GstSample> owned = MiniObjectPtr<GstSample>::adopt(jpeg);
			g_autoptr(GError) failure = error;
			std::string why = failure ? std::string("JPEG encoding failed: ") + failure->message : "";
			if (!job->alive.expired())
				job->self->encoded(job->frameSerial, job->width, std::move(owned), why);
		},
		new Job{ lifetime_.guard(), this, frameSerial_, width },
		[](gpointer data) { delete static_cast<Job *>(data); });
}

void SnapshotEndpoint::encoded(unsigned frameSerial, int width, MiniObjectPtr<GstSample> jpeg,
			       const std::string &error)
{
	std::vector<WaiterPtr> waiters = std::move(encodeWaiters_[width]);
	encodeWaiters_.erase(width);
	GstBuffer *buffer = jpeg ? gst_sample_get_buffer(jpeg.get()) : nullptr;
	GstMapInfo map;
	if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) {
		for (const WaiterPtr &waiter : waiters)
			answerError(waiter, error.empty() ? "JPEG encoding gave nothing" : error);
		return;
	}
	std::string bytes(reinterpret_cast<const char *>(map.data), map.size);
	gst_buffer_unmap(buffer, &map);
	/* A newer picture replaced this one meanwhile: answer, but do not keep. */
	if (frameSerial == frameSerial_ && jpegs_.size() < kMaxCachedWidths)
		jpegs_[width] = bytes;
	for (const WaiterPtr &waiter : waiters)
		answerJpeg(waiter, bytes);
}

void SnapshotEndpoint::answerJpeg(const WaiterPtr &waiter, const std::string &jpeg)
{
	SoupServerMessage *message = waiter->message.get();
	/* Caches may keep it for what is left of the interval: a request sooner gets the same picture. */
	int64_t age = (g_get_monotonic_time() - frameUs_) / G_USEC_PER_SEC;
	int64_t maxAge = std::max<int64_t>(0, config_.interval - age);
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
	soup_message_headers_replace(headers, "Cache-Control",
				     maxAge ? ("private, max-age=" + std::to_string(maxAge)).c_str() : "no-cache");
	soup_server_message_set_status(message, SOUP_STATUS_OK, nullptr);
	soup_server_message_set_response(message, "image/jpeg", SOUP_MEMORY_COPY, jpeg.data(), jpeg.size());
	finish(waiter);
}

void SnapshotEndpoint::answerError(const WaiterPtr &waiter, const std::string &why)
{
	counters_.failures++;
	soup_message_headers_replace(soup_server_message_get_response_headers(waiter->message.get()), "Retry-After",
				     "1");
	setText(waiter->message.get(), SOUP_STATUS_SERVICE_UNAVAILABLE, "no snapshot: " + why + "\n");
	finish(waiter);
}

void SnapshotEndpoint::finish(const WaiterPtr &waiter)
{
	counters_.requests++;
	waiter->answered = true;
	waiter->finished.disconnect();
	if (waiter->paused && !waiter->gone)
		soup_server_message_unpause(waiter->message.get());
	waiter->paused = false;
}

} /* namespace wcam */
