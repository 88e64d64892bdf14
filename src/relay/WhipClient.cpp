/* SPDX-License-Identifier: MIT */
#include "relay/WhipClient.h"

#include <algorithm>

#include "core/Log.h"
#include "signaling/SdpValidator.h"

namespace wcam {

namespace {

/* How often the session's progress and the server's RTCP are looked at. */
constexpr guint kCheckPeriodMs = 1000;
/* The DELETE at shutdown waits at most this long (seconds). */
constexpr guint kShutdownTimeoutS = 3;

/* A request in flight: dropped unheard once its client is gone. */
struct Pending {
	Lifetime::Guard guard;
	std::function<void(SoupMessage *, GBytes *, const std::string &)> done;
	GObjectPtr<SoupMessage> message;
};

} /* namespace */

WhipClient::WhipClient(StreamPipeline &pipeline, Options options)
	: pipeline_(pipeline), options_(std::move(options)), backoffUs_(options_.minBackoffUs)
{
	session_ = GObjectPtr<SoupSession>::adopt(soup_session_new_with_options("timeout", 10u, nullptr));
}

WhipClient::~WhipClient()
{
	retryTimer_.reset();
	checkTimer_.reset();
	if (cancellable_)
		g_cancellable_cancel(cancellable_.get());
	/* The server frees the session now rather than when it times out. */
	sendDelete(true);
	if (attached_)
		pipeline_.removeBranch(branch_->bin());
}

const char *WhipClient::toString(State state)
{
	switch (state) {
	case State::Idle:
		return "idle";
	case State::Publishing:
		return "publishing";
	case State::Connected:
		return "connected";
	case State::Waiting:
		break;
	}
	return "waiting";
}

void WhipClient::start()
{
	checkTimer_.reset(g_timeout_add(kCheckPeriodMs, [](gpointer data) -> gboolean {
		static_cast<WhipClient *>(data)->check();
		return G_SOURCE_CONTINUE;
	}, this));
	connect();
}

SoupMessage *WhipClient::newRequest(const char *method, const std::string &url)
{
	SoupMessage *message = soup_message_new(method, url.c_str());
	if (message && !options_.bearerToken.empty())
		soup_message_headers_replace(soup_message_get_request_headers(message), "Authorization",
					     ("Bearer " + options_.bearerToken).c_str());
	return message;
}

void WhipClient::connect()
{
	retryTimer_.reset();
	/* The last session's teardown is normally done already; never two branches. */
	if (branch_)
		teardown();
	state_ = State::Publishing;
	postedUs_ = g_get_monotonic_time();
	branch_ = std::make_unique<ViewerBranch>(kBranchPrefix + std::to_string(++serial_), options_.branch,
						 static_cast<ViewerObserver &>(*this));
	if (!branch_->error().empty()) {
		fail(branch_->error());
		return;
	}
	CapsPtr caps = pipeline_.rtpCaps();
	if (!caps) {
		fail("the stream is not running yet");
		return;
	}
	/* We offer: our payload type (96) stands, as on the websocket. */
	branch_->setCodec(caps.get());
	if (!pipeline_.addBranch(branch_->bin())) {
		fail("could not add the WHIP branch to the pipeline");
		return;
	}
	attached_ = true;
	unsigned serial = serial_;
	branch_->createCompleteOffer([this, serial](const std::string &sdp, const std::string &error) {
		if (serial != serial_)
			return;
		if (!error.empty())
			fail("could not create an offer: " + error);
		else
			post(sdp);
	});
}

void WhipClient::post(const std::string &offer)
{
	SoupMessage *message = newRequest("POST", options_.url);
	if (!message) {
		fail("cannot make a request to " + options_.url);
		return;
	}
	g_autoptr(GBytes) body = g_bytes_new(offer.data(), offer.size());
	soup_message_set_request_body_from_bytes(message, "application/sdp", body);
	cancellable_ = GObjectPtr<GCancellable>::adopt(g_cancellable_new());
	unsigned serial = serial_;
	auto *pending = new Pending{ lifetime_.guard(),
				     [this, serial](SoupMessage *m, GBytes *b, const std::string &e) {
					     if (serial == serial_)
						     onPosted(m, b, e);
				     },
				     GObjectPtr<SoupMessage>::adopt(message) };
	soup_session_send_and_read_async(session_.get(), message, G_PRIORITY_DEFAULT, cancellable_.get(),
		[](GObject *source, GAsyncResult *result, gpointer data) {
			std::unique_ptr<Pending> p(static_cast<Pending *>(data));
			g_autoptr(GError) error = nullptr;
			g_autoptr(GBytes) bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
			std::string why = error ? error->message : "";
			bool cancelled = error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
			if (cancelled || p->guard.expired())
				return;
			p->done(p->message.get(), bytes, why);
		}, pending);
}

void WhipClient::onPosted(SoupMessage *message, GBytes *body, const std::string &error)
{
	cancellable_ = nullptr;
	if (!error.empty()) {
		fail("POST " + options_.url + ": " + error);
		return;
	}
	guint status = soup_message_get_status(message);
	gsize size = 0;
	const char *data = body ? static_cast<const char *>(g_bytes_get_data(body, &size)) : nullptr;
	std::string text = data ? std::string(data, size) : std::string();
	if (status != SOUP_STATUS_CREATED) {
		fail("POST " + options_.url + ": " + std::to_string(status) + " " +
		     (soup_message_get_reason_phrase(message) ? soup_message_get_reason_phrase(message) : "") +
		     (text.empty() ? "" : ": " + text.substr(0, 200)));
		return;
	}
	/* The session's URL, relative to the endpoint's. */
	const char *location = soup_message_headers_get_one(soup_message_get_response_headers(message), "Location");
	if (location) {
		g_autofree char *resolved = g_uri_resolve_relative(options_.url.c_str(), location, G_URI_FLAGS_NONE, nullptr);
		location_ = resolved ? resolved : "";
	}
	if (location_.empty())
		logWarning("relay: the WHIP server gave no usable Location; the session cannot be ended by DELETE");

	/* Checked as a browser's answer is, before webrtcbin sees it. */
	RemoteSdp answer = parseAnswer(text);
	if (!answer) {
		fail("the WHIP server's answer was refused: " + answer.error);
		return;
	}
	unsigned serial = serial_;
	branch_->setRemoteAnswer(std::move(answer.message), [this, serial](const std::string &err) {
		if (serial == serial_ && !err.empty())
			fail("the WHIP server's answer was refused: " + err);
	});
}

void WhipClient::connected(const std::string &)
{
	if (state_ != State::Publishing)
		return;
	state_ = State::Connected;
	connectedUs_ = g_get_monotonic_time();
	sessions_++;
	backoffUs_ = options_.minBackoffUs;
	branch_->openGate();
	/* The server's viewers see nothing until a keyframe. */
	pipeline_.requestKeyframe("WHIP relay connected", StreamPipeline::KeyframeReason::Join);
	logInfo("relay: publishing to " + options_.url + " (session " + location_ + ")", { { "RELAY", "whip" } });
}

void WhipClient::ended(const std::string &, const std::string &reason)
{
	fail(reason);
}

void WhipClient::branchFailed(const std::string &message)
{
	fail("error: " + message);
}

void WhipClient::fail(const std::string &reason)
{
	if (state_ == State::Waiting || state_ == State::Idle)
		return;
	state_ = State::Waiting;
	lastError_ = reason;
	logWarning("relay: WHIP session ended (" + reason + "); next attempt in " +
			   std::to_string(backoffUs_ / 1000) + " ms",
		   { { "RELAY", "whip" } });
	/* Not from inside the branch's own callback: it goes on the next turn of the loop. */
	postToMain(lifetime_, [this, serial = serial_]() {
		if (serial == serial_)
			teardown();
	});
	retryTimer_.reset(g_timeout_add(guint(backoffUs_ / 1000), [](gpointer data) -> gboolean {
		auto *self = static_cast<WhipClient *>(data);
		self->retryTimer_.release();
		self->connect();
		return G_SOURCE_REMOVE;
	}, this));
	backoffUs_ = std::min(backoffUs_ * 2, options_.maxBackoffUs);
}

void WhipClient::teardown()
{
	if (cancellable_) {
		g_cancellable_cancel(cancellable_.get());
		cancellable_ = nullptr;
	}
	sendDelete(false);
	if (attached_)
		pipeline_.removeBranch(branch_->bin());
	attached_ = false;
	branch_.reset();
}

void WhipClient::sendDelete(bool wait)
{
	if (location_.empty())
		return;
	std::string url = std::move(location_);
	location_.clear();
	GObjectPtr<SoupMessage> message = GObjectPtr<SoupMessage>::adopt(newRequest("DELETE", url));
	if (!message)
		return;
	if (wait) {
		g_object_set(session_.get(), "timeout", kShutdownTimeoutS, nullptr);
		g_autoptr(GError) error = nullptr;
		g_autoptr(GBytes) reply = soup_session_send_and_read(session_.get(), message.get(), nullptr, &error);
		if (!reply)
			logWarning("relay: DELETE " + url + ": " + (error ? error->message : "failed"));
		return;
	}
	/* Nobody waits for the reply: a server that went away has forgotten the session anyway. */
	soup_session_send_and_read_async(session_.get(), message.get(), G_PRIORITY_DEFAULT, nullptr,
		[](GObject *source, GAsyncResult *result, gpointer) {
			g_autoptr(GBytes) bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, nullptr);
			(void)bytes; /* only freed */
		}, nullptr);
}

void WhipClient::check()
{
	int64_t now = g_get_monotonic_time();
	if (state_ == State::Publishing && now - postedUs_ > options_.connectTimeoutUs) {
		fail("not connected within " + std::to_string(options_.connectTimeoutUs / G_USEC_PER_SEC) + " s");
		return;
	}
	if (state_ != State::Connected)
		return;
	/* Sets up the RTCP watch too; the figures themselves are not used. */
	branch_->requestStats();
	int64_t last = branch_->lastRtcpUs();
	if (last >= 0 && now - std::max(last, connectedUs_) > options_.rtcpSilenceUs)
		fail("no RTCP from the server for " + std::to_string((now - std::max(last, connectedUs_)) / G_USEC_PER_SEC) +
		     " s");
}

} /* namespace wcam */
