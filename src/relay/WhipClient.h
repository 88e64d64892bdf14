/* SPDX-License-Identifier: MIT */
/*
 * [relay] whip_url: publish the one encoded stream to a WHIP server
 * (draft-ietf-wish-whip). A sendonly webrtcbin branch off the fan-out
 * (a ViewerBranch: the shared DTLS certificate, H.264 as the viewers get
 * it, payload type 96) offers with every candidate in the SDP (no
 * trickle), POSTs it as application/sdp with Authorization: Bearer,
 * takes the answer of a "201 Created" and keeps its Location, which it
 * DELETEs when it stops.
 *
 * A session that cannot be made, whose ICE/DTLS fails, that does not
 * connect in time or whose server falls silent (no RTCP) is dropped and
 * made again after a back-off that doubles up to a limit, and starts
 * again from its floor once a session connected.
 *
 * Thread contract: main thread only. libsoup calls back on the main
 * context; the branch posts what webrtcbin says there too (ViewerObserver).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <libsoup/soup.h>

#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/StreamPipeline.h"
#include "pipeline/ViewerBranch.h"

namespace wcam {

class WhipClient : private ViewerObserver
{
public:
	struct Options {
		std::string url;
		std::string bearerToken; /* empty: no Authorization header */
		ViewerBranch::Options branch;
		int64_t connectTimeoutUs = 15 * G_USEC_PER_SEC; /* POST to connected */
		int64_t rtcpSilenceUs = 15 * G_USEC_PER_SEC;	/* connected, but the server is gone */
		int64_t minBackoffUs = 1 * G_USEC_PER_SEC;
		int64_t maxBackoffUs = 30 * G_USEC_PER_SEC;
	};

	enum class State { Idle, Publishing, Connected, Waiting };

	WhipClient(StreamPipeline &pipeline, Options options);
	/* DELETEs the session it holds (a bounded, blocking request: shutdown only). */
	~WhipClient() override;

	WhipClient(const WhipClient &) = delete;
	WhipClient &operator=(const WhipClient &) = delete;

	/* Make the first session; later ones follow by themselves. */
	void start();

	State state() const { return state_; }
	/* Sessions that reached "connected", since start. */
	uint64_t sessions() const { return sessions_; }
	/* Why the last session ended (empty before any did). */
	const std::string &lastError() const { return lastError_; }
	/* The session's URL (the Location of the 201), empty while none. */
	const std::string &location() const { return location_; }

	/* Every branch's name starts with this (StreamPipeline::Callbacks::branchError). */
	static constexpr const char *kBranchPrefix = "relay-whip-";
	/* A branch of ours failed: the session goes, another follows. */
	void branchFailed(const std::string &message);

	static const char *toString(State state);

private:
	void connect();
	void post(const std::string &offer);
	void onPosted(SoupMessage *message, GBytes *body, const std::string &error);
	/* Drop the session and schedule the next one (deferred: may run inside the branch's callbacks). */
	void fail(const std::string &reason);
	void teardown();
	void check();
	void sendDelete(bool wait);
	SoupMessage *newRequest(const char *method, const std::string &url);

	/* What the branch tells. */
	void connected(const std::string &) override;
	void ended(const std::string &, const std::string &reason) override;

	StreamPipeline &pipeline_;
	Options options_;
	GObjectPtr<SoupSession> session_;
	GObjectPtr<GCancellable> cancellable_; /* the POST in flight */
	std::unique_ptr<ViewerBranch> branch_;
	bool attached_ = false;
	unsigned serial_ = 0;
	State state_ = State::Idle;
	std::string location_;
	std::string lastError_;
	uint64_t sessions_ = 0;
	int64_t backoffUs_;
	int64_t postedUs_ = 0;
	int64_t connectedUs_ = 0;
	SourceGuard retryTimer_;
	SourceGuard checkTimer_;
	Lifetime lifetime_;
};

} /* namespace wcam */
