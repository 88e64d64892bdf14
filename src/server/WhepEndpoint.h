/* SPDX-License-Identifier: MIT */
/*
 * WHEP (draft-ietf-wish-whep): POST an SDP offer to /whep and get
 * "201 Created" with the answer and a Location; DELETE that location to
 * leave. No trickle: the answer carries all our candidates. The Location
 * holds a secret of its own (not the viewer id /stats shows), and only
 * the credentials that created a session may end it. Main thread.
 */
#pragma once

#include <map>
#include <string>

#include <libsoup/soup.h>

#include "core/GlibPtr.h"
#include "server/AccessPolicy.h"
#include "server/ViewerManager.h"

namespace wcam {

class WhepEndpoint : private ViewerObserver
{
public:
	WhepEndpoint(ViewerManager &viewers, const AccessPolicy &access);
	~WhepEndpoint() override;

	/* `path` is /whep or /whep/<id>. */
	void handle(SoupServerMessage *message, const char *path);

	static constexpr const char *kPath = "/whep";

private:
	void post(SoupServerMessage *message);
	void remove(SoupServerMessage *message, const std::string &secret);
	/* `errorStatus` goes with a non-empty `error`. */
	void respond(const std::string &id, const std::string &sdp, const std::string &error, unsigned errorStatus);

	/* Our viewers' lives (ViewerObserver): answer, or ended before it. */
	void answer(const std::string &id, const std::string &sdp, const std::string &error,
		    bool offerRefused) override;
	void ended(const std::string &id, const std::string &reason) override;
	void forgetEnded();

	ViewerManager &viewers_;
	const AccessPolicy &access_;
	struct Session {
		std::string viewerId;
		std::string owner; /* Authenticator::identity() of its POST */
	};
	/* By the secret in the session's URL. */
	std::map<std::string, Session> sessions_;
	/* POSTs paused until their answer is ready, by viewer id. */
	std::map<std::string, GObjectPtr<SoupServerMessage>> pending_;
	/* Work posted to the main loop is dropped once we are gone. */
	Lifetime lifetime_;
};

} /* namespace wcam */
