/* SPDX-License-Identifier: MIT */
/*
 * WHEP (draft-ietf-wish-whep): POST an SDP offer to /whep and get
 * "201 Created" with the answer and a Location; DELETE that location to
 * leave. No trickle: the answer carries all our candidates. Main thread.
 */
#pragma once

#include <map>
#include <string>

#include <libsoup/soup.h>

#include "core/GlibPtr.h"
#include "server/ViewerManager.h"

namespace wcam {

class WhepEndpoint
{
public:
	explicit WhepEndpoint(ViewerManager &viewers);
	~WhepEndpoint();

	/* `path` is /whep or /whep/<id>. */
	void handle(SoupServerMessage *message, const char *path);

	static constexpr const char *kPath = "/whep";

private:
	void post(SoupServerMessage *message);
	void remove(SoupServerMessage *message, const std::string &id);
	void respond(const std::string &id, const std::string &sdp, const std::string &error);

	ViewerManager &viewers_;
	/* POSTs paused until their answer is ready, by viewer id. */
	std::map<std::string, GObjectPtr<SoupServerMessage>> pending_;
	/* Work posted to the main loop is dropped once we are gone. */
	Lifetime lifetime_;
};

} /* namespace wcam */
