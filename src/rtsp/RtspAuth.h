/* SPDX-License-Identifier: MIT */
/*
 * Logins for the RTSP server: the web's users ([security] users_file),
 * HTTP Basic in RTSP, checked against their crypt(3) hashes. GstRTSPAuth
 * only knows plain "user:password" strings, so a subclass replaces its
 * authenticate step; the role checks stay GstRTSPAuth's own.
 *
 * Thread contract: gst-rtsp-server asks from its client thread, where a
 * password not seen lately costs one crypt (~100 ms, more on a Pi Zero):
 * it holds up other RTSP requests for that long, never the main loop.
 * setUsers() comes from the main thread; a mutex guards what both share.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gst/rtsp-server/rtsp-server.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/PasswordHash.h"
#include "server/LoginThrottle.h"

namespace wcam {

class RtspCredentials
{
public:
	RtspCredentials();

	/* main thread: users_file was (re)read. No user: no login asked. */
	void setUsers(const std::vector<UserEntry> &users);

	bool open() const;

	/* RTSP client thread: `user` may watch. Failures are logged and throttled per address. */
	bool check(const std::string &user, const std::string &password, const std::string &remote);

private:
	mutable std::mutex lock_;
	std::vector<UserEntry> users_;
	std::string dummyHash_; /* a wrong name costs a crypt too: no hint which exist */
	LoginCacheKeys cacheKey_;
	/* Logins that passed crypt lately: RTSP clients log in on every request. */
	std::map<std::string, int64_t> verified_;
	LoginThrottle throttle_;
};

/* The role the factory lets in. */
inline constexpr const char *kRtspViewerRole = "viewer";

/* A GstRTSPAuth asking for Basic logins (realm as the web's) checked by `credentials`. */
GObjectPtr<GstRTSPAuth> makeRtspAuth(std::shared_ptr<RtspCredentials> credentials);

} /* namespace wcam */
