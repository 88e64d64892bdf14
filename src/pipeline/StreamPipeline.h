/* SPDX-License-Identifier: MIT */
/*
 * The one shared pipeline: source -> encoder -> rtph264pay -> tee. It is
 * built from a PipelineDescription, encodes once and fans out to viewer
 * branches. All public methods run on the main thread.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <gst/gst.h>

#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/PipelineDescription.h"

namespace wcam {

struct StreamStats {
	int width = 0;
	int height = 0;
	double fps = 0;	     /* frames out of the encoder, last second */
	double bitrate = 0;  /* bits per second out of the encoder, last second */
	uint64_t frames = 0; /* since start */
	uint64_t keyframes = 0;
	uint64_t keyframeRequests = 0; /* granted: keyframes the encoder forced */
	uint64_t keyframeRequestsSuppressed = 0; /* asked for but merged into a granted one */
};

class StreamPipeline
{
public:
	struct Callbacks {
		/* An element inside a viewer branch (bin named `branch`) failed. */
		std::function<void(const std::string &branch, const std::string &message)> branchError;
		/* The camera/encoder part was rebuilt; settings made on it are gone. */
		std::function<void()> rebuilt;
		/* The first encoded frame reached the fan-out (once per pipeline). */
		std::function<void()> firstFrame;
	};

	StreamPipeline(PipelineDescription description, bool latencyStamp, Callbacks callbacks);
	~StreamPipeline();

	StreamPipeline(const StreamPipeline &) = delete;
	StreamPipeline &operator=(const StreamPipeline &) = delete;

	/* Parse and set PLAYING; false with `error` set when it cannot. */
	bool start(std::string &error);

	/*
	 * Add a viewer branch (a bin with a "sink" ghost pad) and link it to a
	 * new tee pad. The branch's upstream key unit requests (PLI/FIR) go
	 * to the encoder, which rate-limits them.
	 */
	bool addBranch(GstElement *branch);

	/*
	 * Unlink the branch in an IDLE probe on its tee pad, then, on the main
	 * loop, set it to NULL, remove it and release the tee pad. Removals the
	 * main loop has not finished when this object dies finish then.
	 */
	void removeBranch(GstElement *branch, std::function<void()> done = {});

	enum class KeyframeReason {
		Join,	/* a viewer connected and sees nothing until a keyframe */
		Repair, /* a viewer lost something */
	};
	/*
	 * Ask the encoder for a key unit. GstVideoEncoder grants at most one
	 * per min-force-key-unit-interval and holds the rest until then, so
	 * many viewers cannot cause a keyframe storm: 500 ms apart for
	 * repairs, 150 ms for the 500 ms after a join (its picture waits).
	 */
	void requestKeyframe(const char *why, KeyframeReason reason = KeyframeReason::Repair);

	/*
	 * The camera/encoder part failed or stalled: replace it with a fresh
	 * one built from the same description. The payloader, the tee and
	 * every viewer stay; their picture resumes with the new part's first
	 * keyframe. Repeated failures back off, up to kMaxBackoffUs apart.
	 */
	void recover(const std::string &why);

	/* Caps on rtph264pay's src pad, once negotiated (else null). */
	CapsPtr rtpCaps() const;

	StreamStats stats() const { return stats_; }
	const PipelineDescription &description() const { return description_; }
	GstElement *pipeline() const { return pipeline_.get(); }
	GstElement *encoder() const { return encoder_.get(); }
	/* The capsfilter ending the source chain (in the current producer). */
	GstElement *sourceCaps() const { return sourceCaps_.get(); }
	std::string stateName() const;

	/* Frames left the encoder within the last two seconds. */
	bool flowing() const;

	/* Why frames are not flowing (empty while they are). */
	std::string problem() const;
	/* Since when frames have not flowed (monotonic us; 0 while they do). */
	int64_t outageSinceUs() const;
	uint64_t recoveries() const { return recoveries_; }

private:
	static gboolean onBusMessage(GstBus *bus, GstMessage *message, gpointer data);
	void handleBusMessage(GstMessage *message);
	bool buildProducer(std::string &error);
	void dropProducer();
	void rebuild();
	void installProbes();
	void finishRemoval(unsigned id);
	void tick();
	void sendKeyUnit();
	void setKeyUnitInterval(guint64 intervalNs);

	PipelineDescription description_;
	bool latencyStamp_;
	Callbacks callbacks_;

	GstPtr<GstElement> pipeline_;
	GstPtr<GstElement> producer_; /* bin: source ... h264parse */
	GstPtr<GstElement> encoder_;
	GstPtr<GstElement> tee_;
	GstPtr<GstElement> pay_;
	GstPtr<GstElement> sourceCaps_;
	SourceGuard busWatch_;
	SourceGuard ticker_;
	SourceGuard rebuildTimer_;
	SourceGuard joinWindow_; /* while set, the encoder takes the join interval */

	StreamStats stats_;

	/* Written by the streaming thread, read by tick(). */
	std::atomic<uint64_t> frameCount_{ 0 };
	std::atomic<uint64_t> byteCount_{ 0 };
	std::atomic<uint64_t> keyframeCount_{ 0 };
	std::atomic<uint64_t> keyUnitsAsked_{ 0 };
	std::atomic<uint64_t> keyUnitsGranted_{ 0 };
	std::atomic<int64_t> lastFrameUs_{ 0 };
	std::atomic<bool> firstFramePosted_{ false };

	/* Branches on their way out (main thread), by removal id. */
	struct Removal {
		GstPtr<GstElement> branch;
		GstPtr<GstPad> teePad;
		std::function<void()> done;
	};
	std::map<unsigned, Removal> removals_;
	unsigned nextRemoval_ = 0;

	uint64_t lastFrames_ = 0;
	uint64_t lastBytes_ = 0;
	int64_t lastTickUs_ = 0;

	/* Recovery, main thread. */
	unsigned producerSerial_ = 0;
	int64_t producerStartUs_ = 0; /* when the current producer was built */
	std::string problem_;	      /* set from a failure until frames flow again */
	int64_t outageSinceUs_ = 0;
	unsigned failedAttempts_ = 0;  /* rebuilds since frames last flowed */
	uint64_t recoveries_ = 0;

	Lifetime lifetime_;
};

} /* namespace wcam */
