/* SPDX-License-Identifier: MIT */
/*
 * One person watching: a viewer branch in the shared pipeline plus the
 * negotiation around it, for either signaling transport (the /ws
 * websocket, where we offer, or WHEP, where they offer). It watches its
 * branch and tells its owner (a ViewerObserver) what the peer needs to
 * hear and how the viewer fares. Main thread only.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/Clock.h"
#include "core/GlibPtr.h"
#include "pipeline/StreamPipeline.h"
#include "pipeline/ViewerBranch.h"

namespace wcam {

class Viewer : private ViewerObserver
{
public:
	enum class Kind { WebSocket, Whep };
	/* Every kind, in the order /metrics lists them: a new kind goes here too. */
	static constexpr Kind kKinds[] = { Kind::WebSocket, Kind::Whep };
	enum class State { New, Negotiating, Connecting, Connected, Disconnected, Failed };

	/*
	 * Where a join spent its time: milliseconds from the viewer's request
	 * (websocket start, WHEP POST) to our SDP sent, the peer's SDP in (the
	 * request itself for WHEP), connected (ICE + DTLS) and its first
	 * picture sent. Unset until it happened.
	 */
	struct JoinTimes {
		std::optional<double> sdp;
		std::optional<double> remoteSdp;
		std::optional<double> connected;
		std::optional<double> media;
		/* From the request to the first picture, less the peer's answering. */
		std::optional<double> serverShare() const;
	};

	/*
	 * `owner` hears signal (websocket), answer (WHEP), connected, stats
	 * and ended (the viewer cannot go on: remove it); it outlives the viewer.
	 */
	Viewer(std::string id, Kind kind, std::string remote, StreamPipeline &pipeline,
	       const ViewerBranch::Options &options, ViewerObserver &owner, Clock clock = monotonicClock());
	~Viewer() override;

	/* WebSocket: join the fan-out and send our offer. */
	bool startOffer(std::string &error);
	/*
	 * WHEP: join the fan-out and answer `offer` (from parseWhepOffer),
	 * sending H.264 as `payloadType` (its choice).
	 */
	bool startWhep(SdpMessagePtr offer, int payloadType, std::string &error);

	/* `answer` from parseAnswer. */
	void handleAnswer(SdpMessagePtr answer);
	void handleCandidate(unsigned mlineIndex, const std::string &candidate);

	/* Leave the fan-out (IDLE probe + NULL on the main loop). */
	void detach();

	void refreshStats();
	void touch() { lastActivityUs_ = clock_(); }

	const std::string &id() const { return id_; }
	Kind kind() const { return kind_; }
	const std::string &remote() const { return remote_; }
	State state() const { return state_; }
	int64_t createdUs() const { return createdUs_; }
	int64_t lastActivityUs() const { return lastActivityUs_; }
	int64_t stateSinceUs() const { return stateSinceUs_; }
	const ViewerRtcStats &rtcStats() const { return stats_; }
	JoinTimes joinTimes() const;
	/* How long a connected peer has sent no RTCP (µs); 0 when we cannot tell. */
	int64_t rtcpSilenceUs(int64_t now) const;

	static const char *toString(Kind kind);
	static const char *toString(State state);

private:
	/* What the branch tells (its id is the branch name: ignored). */
	void candidate(const std::string &, unsigned mlineIndex, const std::string &candidate) override;
	void connected(const std::string &) override;
	void disconnected(const std::string &) override;
	void stats(const std::string &, const ViewerRtcStats &stats) override;
	void ended(const std::string &, const std::string &reason) override;

	bool attach(int payloadType, std::string &error);
	void setState(State state);
	std::optional<double> sinceCreatedMs(int64_t us) const;
	void logFirstPicture();
	void watchFirstKeyframe();
	void fail(const std::string &reason);

	std::string id_;
	Kind kind_;
	std::string remote_;
	StreamPipeline &pipeline_;
	ViewerObserver &owner_;
	Clock clock_;
	std::unique_ptr<ViewerBranch> branch_;
	bool attached_ = false;

	State state_ = State::New;
	int64_t createdUs_;
	int64_t lastActivityUs_;
	int64_t stateSinceUs_;
	/* The join's moments (monotonic µs, 0: not yet); see JoinTimes. */
	int64_t sdpOutUs_ = 0;
	int64_t sdpInUs_ = 0;
	int64_t connectedUs_ = 0;
	bool firstPictureLogged_ = false;
	/* Asks again while no keyframe reached a connected viewer (see watchFirstKeyframe). */
	SourceGuard keyframeRetry_;
	unsigned keyframeRetries_ = 0;
	ViewerRtcStats stats_;
};

} /* namespace wcam */
