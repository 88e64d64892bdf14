/* SPDX-License-Identifier: MIT */
#include "server/Viewer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/Log.h"
#include "signaling/Message.h"

namespace wcam {

namespace {

/*
 * A keyframe asked for at connect is through the gate within the encoder's
 * join spacing (150 ms) and a frame or two. Past this, it was lost on the
 * way (its first packet dropped by a full queue on a starved host, or the
 * encoder folded the request into a keyframe the gate saw too early): ask
 * again rather than wait up to a keyframe interval.
 */
constexpr guint kKeyframeRetryMs = 400;
constexpr unsigned kKeyframeRetries = 5;

} /* namespace */

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
		sdpOutUs_ = clock_();
		owner_.signal(id_, offerMessage(sdp));
	});
	return true;
}

bool Viewer::startWhep(SdpMessagePtr offer, int payloadType, std::string &error)
{
	if (!attach(payloadType, error))
		return false;
	sdpInUs_ = createdUs_;
	/* WHEP without trickle: the branch answers once every candidate is in. */
	branch_->answerOffer(
		std::move(offer),
		[this](const std::string &sdp, const std::string &err) {
			if (!err.empty()) {
				owner_.answer(id_, "", "could not answer the offer: " + err, false);
				fail("could not answer the offer: " + err);
				return;
			}
			sdpOutUs_ = clock_();
			owner_.answer(id_, sdp, "", false);
		},
		[this](const std::string &err) {
			owner_.answer(id_, "", "the offer was refused: " + err, true);
			fail("offer refused: " + err);
		});
	return true;
}

void Viewer::handleAnswer(SdpMessagePtr answer)
{
	touch();
	if (state_ != State::Negotiating) {
		owner_.signal(id_, errorMessage({ "bad-state", "no offer is waiting for an answer" }));
		return;
	}
	setState(State::Connecting);
	sdpInUs_ = clock_();
	branch_->setRemoteAnswer(std::move(answer), [this](const std::string &err) {
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
	connectedUs_ = clock_();
	branch_->openGate();
	logInfo("viewer " + id_ + " connected", { { "VIEWER_ID", id_ }, { "REMOTE_ADDR", remote_ } });
	/* Its first picture must not wait for the next scheduled keyframe. */
	pipeline_.requestKeyframe("viewer joined", StreamPipeline::KeyframeReason::Join);
	watchFirstKeyframe();
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
	logFirstPicture();
	branch_->requestStats();
}

std::optional<double> Viewer::sinceCreatedMs(int64_t us) const
{
	if (us <= 0)
		return std::nullopt;
	return (us - createdUs_) / 1000.0;
}

Viewer::JoinTimes Viewer::joinTimes() const
{
	return { sinceCreatedMs(sdpOutUs_), sinceCreatedMs(sdpInUs_), sinceCreatedMs(connectedUs_),
		 sinceCreatedMs(branch_->firstMediaUs()) };
}

std::optional<double> Viewer::JoinTimes::serverShare() const
{
	if (!media || !sdp || !remoteSdp)
		return std::nullopt;
	/* We offered (websocket): the peer's answering is its own time. */
	return *media - std::max(0.0, *remoteSdp - *sdp);
}

/* main thread */
void Viewer::watchFirstKeyframe()
{
	keyframeRetry_.reset(g_timeout_add(kKeyframeRetryMs, [](gpointer data) -> gboolean {
		auto *self = static_cast<Viewer *>(data);
		if (self->branch_->firstMediaUs() || self->state_ != State::Connected ||
		    ++self->keyframeRetries_ > kKeyframeRetries) {
			self->keyframeRetry_.release();
			return G_SOURCE_REMOVE;
		}
		logDebug("viewer " + self->id_ + ": no keyframe reached it yet, asking again",
			 { { "VIEWER_ID", self->id_ } });
		self->pipeline_.requestKeyframe("viewer still without a keyframe",
						StreamPipeline::KeyframeReason::Join);
		return G_SOURCE_CONTINUE;
	}, this));
}

/* main thread, at a stats tick: where a slow first picture went. */
void Viewer::logFirstPicture()
{
	JoinTimes join = joinTimes();
	if (firstPictureLogged_ || !join.media)
		return;
	firstPictureLogged_ = true;
	auto ms = [](std::optional<double> v) { return v ? std::to_string(std::lround(*v)) : std::string("-"); };
	logInfo("viewer " + id_ + ": first picture sent " + ms(join.media) + " ms after its request (our SDP at " +
			ms(join.sdp) + " ms, its SDP at " + ms(join.remoteSdp) + " ms, connected at " +
			ms(join.connected) + " ms)",
		{ { "VIEWER_ID", id_ }, { "FIRST_PICTURE_MS", ms(join.media) }, { "SERVER_SHARE_MS", ms(join.serverShare()) } });
}

} /* namespace wcam */
