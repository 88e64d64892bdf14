/* SPDX-License-Identifier: MIT */
#include "server/Viewer.h"

#include <algorithm>
#include <cstring>

#include "core/Log.h"
#include "signaling/Message.h"

namespace wcam {

Viewer::Viewer(std::string id, Kind kind, std::string remote, StreamPipeline &pipeline,
	       const ViewerBranch::Options &options, Events events)
	: id_(std::move(id)), kind_(kind), remote_(std::move(remote)), pipeline_(pipeline),
	  events_(std::move(events))
{
	createdUs_ = lastActivityUs_ = stateSinceUs_ = g_get_monotonic_time();
	branch_ = std::make_unique<ViewerBranch>("viewer-" + id_, options, this);
}

Viewer::~Viewer()
{
	detach();
}

const char *Viewer::toString(Kind kind)
{
	return kind == Kind::WebSocket ? "ws" : "whep";
}

const char *Viewer::toString(State state)
{
	switch (state) {
	case State::New:
		return "new";
	case State::Negotiating:
		return "negotiating";
	case State::Connecting:
		return "connecting";
	case State::Connected:
		return "connected";
	case State::Disconnected:
		return "disconnected";
	case State::Failed:
		break;
	}
	return "failed";
}

bool Viewer::attach(int payloadType, std::string &error)
{
	if (!branch_->error().empty()) {
		error = branch_->error();
		return false;
	}
	CapsPtr caps = pipeline_.rtpCaps();
	if (!caps) {
		error = "the stream is not running yet; try again in a moment";
		return false;
	}
	branch_->setCodec(caps.get(), payloadType);
	if (!pipeline_.addBranch(branch_->bin())) {
		error = "could not add the viewer to the pipeline";
		return false;
	}
	attached_ = true;
	setState(State::Negotiating);
	return true;
}

void Viewer::detach()
{
	if (!attached_)
		return;
	attached_ = false;
	pipeline_.removeBranch(branch_->bin());
}

bool Viewer::startOffer(std::string &error)
{
	if (!attach(-1, error))
		return false;
	branch_->createOffer([this](const std::string &sdp, const std::string &err) {
		if (!err.empty()) {
			fail("could not create an offer: " + err);
			return;
		}
		events_.send(offerMessage(sdp));
	});
	return true;
}

bool Viewer::startWhep(SdpMessagePtr offer, int payloadType, std::string &error)
{
	if (!attach(payloadType, error))
		return false;
	branch_->answerOffer(std::move(offer), [this](const std::string &, const std::string &err) {
		if (!err.empty()) {
			if (!answered_) {
				answered_ = true;
				events_.answerReady("", "could not answer the offer: " + err);
			}
			fail("could not answer the offer: " + err);
			return;
		}
		localSet_ = true;
		deliverWhepAnswer();
	});
	return true;
}

void Viewer::deliverWhepAnswer()
{
	/* WHEP without trickle: the answer must carry every candidate. */
	if (answered_ || !localSet_ || !gathered_)
		return;
	answered_ = true;
	events_.answerReady(branch_->localDescription(), "");
}

void Viewer::handleAnswer(SdpMessagePtr answer)
{
	touch();
	if (state_ != State::Negotiating) {
		events_.send(errorMessage({ "bad-state", "no offer is waiting for an answer" }));
		return;
	}
	setState(State::Connecting);
	branch_->setRemoteAnswer(std::move(answer), [this](const std::string &err) {
		if (!err.empty()) {
			events_.send(errorMessage({ "bad-sdp", "the answer was refused: " + err }));
			fail("answer refused: " + err);
		}
	});
}

void Viewer::handleCandidate(unsigned mlineIndex, const std::string &candidate)
{
	touch();
	if (state_ == State::New) {
		events_.send(errorMessage({ "bad-state", "send start before candidates" }));
		return;
	}
	branch_->addRemoteCandidate(mlineIndex, candidate);
}

void Viewer::onLocalCandidate(unsigned mlineIndex, const std::string &candidate)
{
	if (kind_ == Kind::WebSocket && events_.send)
		events_.send(candidateMessage(candidate, mlineIndex));
}

void Viewer::onGatheringComplete()
{
	gathered_ = true;
	if (kind_ == Kind::Whep)
		deliverWhepAnswer();
}

void Viewer::onIceConnectionState(GstWebRTCICEConnectionState state)
{
	switch (state) {
	case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
		fail("ICE failed");
		break;
	case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
		if (state_ == State::Connected)
			setState(State::Disconnected);
		break;
	case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
	case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
		if (state_ == State::Disconnected)
			setState(State::Connected);
		break;
	default:
		break;
	}
}

void Viewer::onConnectionState(GstWebRTCPeerConnectionState state)
{
	if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && state_ != State::Connected) {
		setState(State::Connected);
		branch_->openGate();
		logInfo("viewer " + id_ + " connected", { { "VIEWER_ID", id_ }, { "REMOTE_ADDR", remote_ } });
		/* Its first picture must not wait for the next scheduled keyframe. */
		pipeline_.requestKeyframe("viewer joined", KeyframeLimiter::Reason::Join);
	} else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
		fail("DTLS/ICE connection failed");
	}
}

void Viewer::setState(State state)
{
	if (state_ == state)
		return;
	state_ = state;
	stateSinceUs_ = g_get_monotonic_time();
}

void Viewer::fail(const std::string &reason)
{
	if (state_ == State::Failed)
		return;
	setState(State::Failed);
	if (events_.ended)
		events_.ended(reason);
}

int64_t Viewer::rtcpSilenceUs(int64_t now) const
{
	int64_t last = branch_->lastRtcpUs();
	if (state_ != State::Connected || last < 0)
		return 0;
	return now - std::max(last, stateSinceUs_);
}

void Viewer::refreshStats()
{
	if (!attached_ || state_ == State::New)
		return;
	branch_->requestStats([this](const ViewerRtcStats &stats) { stats_ = stats; });
}

} /* namespace wcam */
