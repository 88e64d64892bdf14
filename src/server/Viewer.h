/* SPDX-License-Identifier: MIT */
/*
 * One person watching: a viewer branch in the shared pipeline plus the
 * negotiation around it, for either signaling transport (the /ws
 * websocket, where we offer, or WHEP, where they offer). Main thread only.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pipeline/StreamPipeline.h"
#include "pipeline/ViewerBranch.h"

namespace wcam {

class Viewer : public ViewerBranch::Listener
{
public:
	enum class Kind { WebSocket, Whep };
	enum class State { New, Negotiating, Connecting, Connected, Disconnected, Failed };

	struct Events {
		/* WebSocket viewers: a signaling message (JSON) for the peer. */
		std::function<void(const std::string &json)> send;
		/* WHEP viewers: the answer with all candidates, or an error. */
		std::function<void(const std::string &sdp, const std::string &error)> answerReady;
		/* The viewer cannot go on (ICE/DTLS failed...): remove it. */
		std::function<void(const std::string &reason)> ended;
	};

	Viewer(std::string id, Kind kind, std::string remote, StreamPipeline &pipeline,
	       const ViewerBranch::Options &options, Events events);
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
	void touch() { lastActivityUs_ = g_get_monotonic_time(); }

	const std::string &id() const { return id_; }
	Kind kind() const { return kind_; }
	const std::string &remote() const { return remote_; }
	State state() const { return state_; }
	int64_t createdUs() const { return createdUs_; }
	int64_t lastActivityUs() const { return lastActivityUs_; }
	int64_t stateSinceUs() const { return stateSinceUs_; }
	const ViewerRtcStats &rtcStats() const { return stats_; }
	/* How long a connected peer has sent no RTCP (µs); 0 when we cannot tell. */
	int64_t rtcpSilenceUs(int64_t now) const;

	static const char *toString(Kind kind);
	static const char *toString(State state);

private:
	void onLocalCandidate(unsigned mlineIndex, const std::string &candidate) override;
	void onIceConnectionState(GstWebRTCICEConnectionState state) override;
	void onConnectionState(GstWebRTCPeerConnectionState state) override;
	void onGatheringComplete() override;

	bool attach(int payloadType, std::string &error);
	void setState(State state);
	void fail(const std::string &reason);
	void deliverWhepAnswer();

	std::string id_;
	Kind kind_;
	std::string remote_;
	StreamPipeline &pipeline_;
	Events events_;
	std::unique_ptr<ViewerBranch> branch_;
	bool attached_ = false;

	State state_ = State::New;
	int64_t createdUs_;
	int64_t lastActivityUs_;
	int64_t stateSinceUs_;
	ViewerRtcStats stats_;

	/* WHEP: the answer goes out once it is set and gathering completed. */
	bool localSet_ = false;
	bool gathered_ = false;
	bool answered_ = false;
};

} /* namespace wcam */
