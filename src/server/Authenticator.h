/* SPDX-License-Identifier: MIT */
/*
 * Credentials, when [security] users_file has users: HTTP Basic through
 * libsoup's SoupAuthDomainBasic for every path but /health, and on /whep
 * also "Authorization: Bearer <token>" with a token from whep_tokens.
 * Failed attempts are logged with the client address and, past a few,
 * refused per address for a growing time (LoginThrottle).
 *
 * A password not seen lately is checked off the main loop (yescrypt takes
 * ~100 ms, more on a Pi Zero): its request is paused after its headers
 * and goes on, or gets its 401, once a worker thread has the answer.
 * Main thread, but for that worker.
 */
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libsoup/soup.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "core/PasswordHash.h"
#include "server/LoginThrottle.h"

namespace wcam {

class Authenticator
{
public:
	static constexpr const char *kRealm = "webrtc-camera";

	explicit Authenticator(const SecurityConfig &security);
	~Authenticator();

	Authenticator(const Authenticator &) = delete;
	Authenticator &operator=(const Authenticator &) = delete;

	/* Guard `server`'s paths (a no-op while there is no user). */
	void attach(SoupServer *server);
	/* Before the server goes: it must not call us any more. */
	void detach();

	/* Users or tokens changed (reload): applies from the next request. */
	void applyConfig(const SecurityConfig &security);

	bool enabled() const { return !users_.empty(); }

	/*
	 * After libsoup's own header handling: a refused request gets its
	 * 401 text, or 429 when its address is blocked; failures are counted.
	 */
	void checkRefusal(SoupServerMessage *message);

	/*
	 * Then, for a request that passed every other check: a password that
	 * still needs crypt is checked on the worker while the request waits.
	 */
	void verifyPending(SoupServerMessage *message);

	/* Who the request authenticated as ("user alice", "token #1"); empty: nobody. */
	static std::string identity(SoupServerMessage *message);

private:
	static gboolean needsAuth(SoupAuthDomain *domain, SoupServerMessage *message, gpointer data);
	static gboolean checkBasic(SoupAuthDomain *domain, SoupServerMessage *message, const char *user,
				   const char *password, gpointer data);
	struct Job;
	static void runJob(gpointer job, gpointer);
	void finishJob(Job *job);
	void syncDomain();

	std::vector<UserEntry> users_;
	std::vector<std::string> tokens_;
	LoginThrottle throttle_;
	/* Logins that passed crypt lately: yescrypt costs tens of ms per request. */
	std::map<std::string, int64_t> verified_;
	LoginCacheKeys cacheKey_;
	SoupServer *server_ = nullptr;
	GObjectPtr<SoupAuthDomain> domain_;
	bool domainAdded_ = false;
	/* One thread: a burst of guesses costs one core, never all of them. */
	GThreadPool *pool_ = nullptr;
	std::map<Job *, std::unique_ptr<Job>> jobs_;
	/* Work posted back by the worker is dropped once we are gone. */
	Lifetime lifetime_;
};

} /* namespace wcam */
