/* SPDX-License-Identifier: MIT */
/*
 * Which web pages may talk to the camera. A request's Host must be one of
 * the camera's own names (an IP address, localhost, the host name and
 * its .local mDNS name) or the host of an allowed origin: a page on
 * another site that has its DNS name point at the camera (DNS
 * rebinding) is refused. A request's Origin, when a browser sends one,
 * must be the camera's own or one of [security] allowed_origins; CORS
 * headers are sent to those listed origins only. Main thread only.
 */
#pragma once

#include <string>
#include <vector>

#include <libsoup/soup.h>

#include "config/Config.h"

namespace wcam {

class AccessPolicy
{
public:
	enum class Origin {
		None,	 /* no Origin header: curl, native players; credentials decide */
		Own,	 /* the page came from this server */
		Listed,	 /* allowed_origins */
		Foreign, /* anything else, "null" included */
	};

	AccessPolicy(const SecurityConfig &security, bool tls);

	void applyConfig(const SecurityConfig &security) { allowed_ = security.allowedOrigins; }

	/* Empty when the Host header names this camera, else why not (for the 403). */
	std::string checkHost(SoupServerMessage *message) const;

	Origin judgeOrigin(SoupServerMessage *message) const;

	/*
	 * Access-Control-* for a listed origin (never "*"); nothing otherwise.
	 * `methods`: what a preflight may ask for, null for a simple read.
	 */
	void addCors(SoupServerMessage *message, const char *methods) const;

	/* "scheme://host[:port]" as browsers serialise it (lower case, no default port). */
	static std::string normalise(const std::string &scheme, const std::string &hostPort);

private:
	std::string ownOrigin(SoupServerMessage *message) const;

	std::vector<std::string> allowed_;
	std::string scheme_;
	std::vector<std::string> names_; /* our own host names, lower case */
};

} /* namespace wcam */
