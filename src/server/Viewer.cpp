/* SPDX-License-Identifier: MIT */
#include "server/Viewer.h"

#include <algorithm>
#include <cstring>

#include <gst/sdp/sdp.h>

#include "core/Log.h"
#include "signaling/Message.h"
#include "signaling/SdpValidator.h"

namespace wcam {

Viewer::Viewer(std::string id, Kind kind, std::string remote, StreamPipeline &pipeline,
	       const ViewerBranch::Options &options, ViewerObserver &owner, Clock clock)
	: id_(std::move(id)), kind_(kind), remote_(std::move(remote)), pipeline_(pipeline), owner_(owner),
	  clock_(std::move(clock))
{
	createdUs_ = lastActivityUs_ = stateSinceUs_ = clock_();
	branch_ = std::make_unique<ViewerBranch>("viewer-" + id_, options, static_cast<ViewerObserver &>(*this));
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
		owner_.signal(id_, offerMessage(sdp));
	});
	return true;
}

int Viewer::chooseH264Payload(const std::string &offerSdp, std::string &why)
{
	SdpMessagePtr message = parseSdp(offerSdp);
	if (!message) {
		why = "the offer is not valid SDP";
		return -1;
	}
	int best = -1;
	int bestScore = -1;
	for (guint m = 0; m < gst_sdp_message_medias_len(message.get()); m++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(message.get(), m);
		if (g_strcmp0(gst_sdp_media_get_media(media), "video"))
			continue;
		for (guint f = 0; f < gst_sdp_media_formats_len(media); f++) {
			int pt = atoi(gst_sdp_media_get_format(media, f));
			g_autoptr(GstCaps) caps = gst_sdp_media_get_caps_from_media(media, pt);
			if (!caps)
				continue;
			const GstStructure *s = gst_caps_get_structure(caps, 0);
			if (g_ascii_strcasecmp(gst_structure_get_string(s, "encoding-name") ?: "", "H264"))
				continue;
			const char *mode = gst_structure_get_string(s, "packetization-mode");
			if (g_strcmp0(mode, "1"))
				continue;
			/* Prefer constrained baseline, which every decoder (and Safari) takes. */
			/* GstSdp gives "profile" (or the raw profile-level-id). */
			const char *profile = gst_structure_get_string(s, "profile");
			const char *levelId = gst_structure_get_string(s, "profile-level-id");
			int score = 1;
			if (!g_strcmp0(profile, "constrained-baseline") ||
			    (levelId && g_str_has_prefix(levelId, "42e0")))
				score = 3;
			else if (!g_strcmp0(profile, "baseline") || (levelId && g_str_has_prefix(levelId, "42")))
				score = 2;
			if (score > bestScore) {
				best = pt;
				bestScore = score;
			}
		}
		break; /* the first video section is the one we feed */
	}
	if (best < 0)
		why = "the offer has no H.264 video with packetization-mode=1";
	return best;
}

bool Viewer::startWhep(const std::string &offerSdp, int payloadType, std::string &error)
{
	if (!attach(payloadType, error))
		return false;
	/* WHEP without trickle: the branch answers once every candidate is in. */
	branch_->answerOffer(offerSdp, [this](const std::string &sdp, const std::string &err) {
		if (!err.empty()) {
			owner_.answer(id_, "", "could not answer the offer: " + err);
			fail("could not answer the offer: " + err);
			return;
		}
		owner_.answer(id_, sdp, "");
	});
	return true;
}

void Viewer::handleAnswer(const std::string &sdp)
{
	touch();
	if (state_ != State::Negotiating) {
		owner_.signal(id_, errorMessage({ "bad-state", "no offer is waiting for an answer" }));
		return;
	}
	setState(State::Connecting);
	branch_->setRemoteAnswer(sdp, [this](const std::string &err) {
		if (!err.empty()) {
			owner_.signal(id_, errorMessage({ "bad-sdp", "the answer was refused: " + err }));
			fail("answer refused: " + err);
		}
	});
}

void Viewer::handleCandidate(unsigned mlineIndex, const std::string &candidate)
{
	touch();
	if (state_ == State::New) {
		owner_.signal(id_, errorMessage({ "bad-state", "send start before candidates" }));
		return;
	}
	branch_->addRemoteCandidate(mlineIndex, candidate);
}

void Viewer::candidate(const std::string &, unsigned mlineIndex, const std::string &candidate)
{
	if (kind_ == Kind::WebSocket)
		owner_.signal(id_, candidateMessage(candidate, mlineIndex));
}

void Viewer::connected(const std::string &)
{
	/* A failed viewer waits for its removal; it does not come back. */
	if (state_ == State::Connected || state_ == State::Failed)
		return;
	/* ICE found the peer again: media never stopped flowing to it. */
	if (state_ == State::Disconnected) {
		setState(State::Connected);
		return;
	}
	setState(State::Connected);
	branch_->openGate();
	logInfo("viewer " + id_ + " connected", { { "VIEWER_ID", id_ }, { "REMOTE_ADDR", remote_ } });
	/* Its first picture must not wait for the next scheduled keyframe. */
	pipeline_.requestKeyframe("viewer joined", StreamPipeline::KeyframeReason::Join);
	owner_.connected(id_);
}

void Viewer::disconnected(const std::string &)
{
	if (state_ == State::Connected)
		setState(State::Disconnected);
}

void Viewer::stats(const std::string &, const ViewerRtcStats &stats)
{
	stats_ = stats;
	owner_.stats(id_, stats_);
}

void Viewer::ended(const std::string &, const std::string &reason)
{
	fail(reason);
}

void Viewer::setState(State state)
{
	if (state_ == state)
		return;
	state_ = state;
	stateSinceUs_ = clock_();
}

void Viewer::fail(const std::string &reason)
{
	if (state_ == State::Failed)
		return;
	setState(State::Failed);
	owner_.ended(id_, reason);
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
	branch_->requestStats();
}

} /* namespace wcam */
