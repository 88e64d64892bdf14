/* SPDX-License-Identifier: MIT */
#include "server/Authenticator.h"

#include <algorithm>
#include <cstring>

#include "core/Log.h"
#include "core/PasswordHash.h"

namespace wcam {

namespace {

constexpr int64_t kVerifiedForUs = 5 * 60 * G_USEC_PER_SEC;
constexpr size_t kMaxVerified = 64;
/* Passwords waiting for the worker; beyond this a login gets 503 at once. */
constexpr size_t kMaxJobs = 16;

/* Tags on a message for checkRefusal(), which runs after libsoup's checks. */
constexpr const char *kIdentityKey = "wcam-identity";
constexpr const char *kBlockedKey = "wcam-blocked";
constexpr const char *kFailedKey = "wcam-failed";
constexpr const char *kPendingKey = "wcam-pending-login";

/* Credentials waiting for verifyPending(); the password is wiped with it. */
struct PendingLogin {
	std::string user;
	std::string password;
	~PendingLogin() { explicit_bzero(password.data(), password.size()); }
};

/* Hashed with the same cost as a real user's, so a wrong name takes as long. */
const std::string &dummyHash()
{
	static const std::string hash = [] {
		std::string error;
		return hashPassword("not a password of anyone", error);
	}();
	return hash;
}

std::string remoteOf(SoupServerMessage *message)
{
	const char *remote = soup_server_message_get_remote_host(message);
	return remote ? remote : "";
}

bool isWhepPath(const char *path)
{
	return !g_strcmp0(path, "/whep") || g_str_has_prefix(path, "/whep/");
}

/* The token of "Authorization: Bearer <token>", or null. */
const char *bearerToken(SoupServerMessage *message)
{
	const char *value = soup_message_headers_get_one(soup_server_message_get_request_headers(message),
							 "Authorization");
	if (!value || g_ascii_strncasecmp(value, "Bearer ", 7))
		return nullptr;
	value += 7;
	while (*value == ' ')
		value++;
	return value;
}

void setText(SoupServerMessage *message, guint status, const std::string &text)
{
	soup_server_message_set_status(message, status, nullptr);
	soup_server_message_set_response(message, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
					 text.c_str(), text.size());
}

} /* namespace */

/* A password for the worker; everything it needs is copied in. */
struct Authenticator::Job {
	GObjectPtr<SoupServerMessage> message;
	std::string user;
	std::string password;
	std::string hash;
	std::string cacheKey;
	bool known = false; /* the user exists (else `hash` is the dummy) */
	bool ok = false;
	/* The message ended meanwhile (server going down): nothing to resume. */
	bool finished = false;
	SignalConnection finishedSignal;
	Lifetime::Guard owner;
	Authenticator *self = nullptr;

	~Job() { explicit_bzero(password.data(), password.size()); }
};

Authenticator::Authenticator(const SecurityConfig &security)
{
	pool_ = g_thread_pool_new(&Authenticator::runJob, nullptr, 1, FALSE, nullptr);
	domain_ = GObjectPtr<SoupAuthDomain>::adopt(soup_auth_domain_basic_new("realm", kRealm, nullptr));
	soup_auth_domain_basic_set_auth_callback(domain_.get(), &Authenticator::checkBasic, this, nullptr);
	soup_auth_domain_set_filter(domain_.get(), &Authenticator::needsAuth, this, nullptr);
	/* Monitoring probes /health without credentials; it tells nothing private. */
	soup_auth_domain_add_path(domain_.get(), "/");
	soup_auth_domain_remove_path(domain_.get(), "/health");
	applyConfig(security);
}

Authenticator::~Authenticator()
{
	detach();
	/* The running check finishes; queued ones never start. Their requests go with the server. */
	g_thread_pool_free(pool_, TRUE, TRUE);
	jobs_.clear();
}

void Authenticator::detach()
{
	if (server_ && domainAdded_)
		soup_server_remove_auth_domain(server_, domain_.get());
	server_ = nullptr;
	domainAdded_ = false;
}

void Authenticator::attach(SoupServer *server)
{
	server_ = server;
	syncDomain();
}

void Authenticator::applyConfig(const SecurityConfig &security)
{
	users_ = security.users;
	tokens_ = security.whepTokens;
	/* A removed user or a changed password must not live on in the cache. */
	verified_.clear();
	syncDomain();
	if (users_.empty())
		return;
	/* Made now, not at the first unknown name: it costs one crypt. */
	dummyHash();
}

void Authenticator::syncDomain()
{
	if (!server_)
		return;
	if (!users_.empty() && !domainAdded_)
		soup_server_add_auth_domain(server_, domain_.get());
	else if (users_.empty() && domainAdded_)
		soup_server_remove_auth_domain(server_, domain_.get());
	domainAdded_ = !users_.empty();
}

/* libsoup asks for every covered path: false lets the request through. */
gboolean Authenticator::needsAuth(SoupAuthDomain *, SoupServerMessage *message, gpointer data)
{
	auto *self = static_cast<Authenticator *>(data);
	/* CORS preflights never carry credentials; they get no data either. */
	if (!strcmp(soup_server_message_get_method(message), "OPTIONS"))
		return FALSE;
	const char *token = bearerToken(message);
	if (!token || !isWhepPath(g_uri_get_path(soup_server_message_get_uri(message))))
		return TRUE;
	/* The filter runs twice on a refusal: decide once per message. */
	if (g_object_get_data(G_OBJECT(message), kFailedKey) || g_object_get_data(G_OBJECT(message), kBlockedKey))
		return TRUE;
	if (g_object_get_data(G_OBJECT(message), kIdentityKey))
		return FALSE;
	std::string remote = remoteOf(message);
	if (self->throttle_.blockedFor(remote, g_get_monotonic_time())) {
		g_object_set_data(G_OBJECT(message), kBlockedKey, GINT_TO_POINTER(1));
		return TRUE;
	}
	for (size_t i = 0; i < self->tokens_.size(); i++) {
		if (constantTimeEqual(token, self->tokens_[i])) {
			std::string identity = "token #" + std::to_string(i + 1);
			g_object_set_data_full(G_OBJECT(message), kIdentityKey, g_strdup(identity.c_str()), g_free);
			self->throttle_.succeeded(remote);
			return FALSE;
		}
	}
	g_object_set_data_full(G_OBJECT(message), kFailedKey, g_strdup("a wrong bearer token"), g_free);
	return TRUE;
}

gboolean Authenticator::checkBasic(SoupAuthDomain *, SoupServerMessage *message, const char *user,
				   const char *password, gpointer data)
{
	auto *self = static_cast<Authenticator *>(data);
	std::string remote = remoteOf(message);
	if (self->throttle_.blockedFor(remote, g_get_monotonic_time())) {
		g_object_set_data(G_OBJECT(message), kBlockedKey, GINT_TO_POINTER(1));
		return FALSE;
	}
	std::string name = user ? user : "";
	std::string secret = password ? password : "";
	int64_t now = g_get_monotonic_time();
	auto cached = self->verified_.find(self->cacheKey_(name, secret));
	if (cached != self->verified_.end() && cached->second > now) {
		std::string identity = "user " + name;
		g_object_set_data_full(G_OBJECT(message), kIdentityKey, g_strdup(identity.c_str()), g_free);
		self->throttle_.succeeded(remote);
		explicit_bzero(secret.data(), secret.size());
		return TRUE;
	}
	/*
	 * Let it through libsoup for now; verifyPending() holds the request
	 * until the worker has checked the password.
	 */
	g_object_set_data_full(G_OBJECT(message), kPendingKey, new PendingLogin{ name, secret },
			       [](gpointer data) { delete static_cast<PendingLogin *>(data); });
	explicit_bzero(secret.data(), secret.size());
	return TRUE;
}

void Authenticator::verifyPending(SoupServerMessage *message)
{
	std::unique_ptr<PendingLogin> login(
		static_cast<PendingLogin *>(g_object_steal_data(G_OBJECT(message), kPendingKey)));
	/* Refused on other grounds already (Host, Origin): no password to check. */
	if (!login || soup_server_message_get_status(message) != 0)
		return;
	if (jobs_.size() >= kMaxJobs) {
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Retry-After", "5");
		setText(message, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many logins being checked; try again shortly\n");
		return;
	}
	auto job = std::make_unique<Job>();
	job->message = GObjectPtr<SoupServerMessage>::retain(message);
	job->user = login->user;
	job->password = login->password;
	job->cacheKey = cacheKey_(login->user, login->password);
	job->owner = lifetime_.guard();
	job->self = this;
	auto it = std::find_if(users_.begin(), users_.end(), [&](const UserEntry &u) { return u.name == login->user; });
	/* An unknown name costs the same as a known one: no hint which exist. */
	job->known = it != users_.end();
	job->hash = job->known ? it->hash : dummyHash();

	job->finishedSignal = SignalConnection(message, "finished", G_CALLBACK(+[](SoupServerMessage *, gpointer data) {
		static_cast<Job *>(data)->finished = true;
	}), job.get());
	soup_server_message_pause(message);
	Job *raw = job.get();
	jobs_[raw] = std::move(job);
	g_thread_pool_push(pool_, raw, nullptr);
}

/* worker thread: nothing but the job's own copies */
void Authenticator::runJob(gpointer data, gpointer)
{
	auto *job = static_cast<Job *>(data);
	job->ok = verifyPassword(job->password, job->hash) && job->known;
	explicit_bzero(job->password.data(), job->password.size());
	postToMain(job->owner, [job]() { job->self->finishJob(job); });
}

void Authenticator::finishJob(Job *job)
{
	auto it = jobs_.find(job);
	if (it == jobs_.end())
		return;
	std::unique_ptr<Job> done = std::move(it->second);
	jobs_.erase(it);
	done->finishedSignal.disconnect();
	if (done->finished)
		return;
	SoupServerMessage *message = done->message.get();
	/* Users may have changed meanwhile (reload): a removed one is no longer let in. */
	bool stillUser = std::any_of(users_.begin(), users_.end(), [&](const UserEntry &u) {
		return u.name == done->user && u.hash == done->hash;
	});
	if (done->ok && stillUser) {
		if (verified_.size() >= kMaxVerified)
			verified_.clear();
		verified_[done->cacheKey] = g_get_monotonic_time() + kVerifiedForUs;
		std::string identity = "user " + done->user;
		g_object_set_data_full(G_OBJECT(message), kIdentityKey, g_strdup(identity.c_str()), g_free);
		throttle_.succeeded(remoteOf(message));
	} else {
		std::string why = "a wrong password for user \"" + done->user.substr(0, 64) + "\"";
		g_object_set_data_full(G_OBJECT(message), kFailedKey, g_strdup(why.c_str()), g_free);
		soup_auth_domain_challenge(domain_.get(), message);
		checkRefusal(message);
	}
	soup_server_message_unpause(message);
}

void Authenticator::checkRefusal(SoupServerMessage *message)
{
	if (soup_server_message_get_status(message) != SOUP_STATUS_UNAUTHORIZED)
		return;
	std::string remote = remoteOf(message);
	const char *path = g_uri_get_path(soup_server_message_get_uri(message));
	if (g_object_get_data(G_OBJECT(message), kBlockedKey)) {
		int64_t seconds = (throttle_.blockedFor(remote, g_get_monotonic_time()) + G_USEC_PER_SEC - 1) /
				  G_USEC_PER_SEC;
		SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
		soup_message_headers_remove(headers, "WWW-Authenticate");
		soup_message_headers_replace(headers, "Retry-After", std::to_string(seconds).c_str());
		/* 429 (libsoup 3.2 has no name for it). */
		setText(message, 429, "too many failed logins from this address; try again in " +
					      std::to_string(seconds) + " s\n");
		return;
	}
	if (isWhepPath(path))
		soup_message_headers_append(soup_server_message_get_response_headers(message), "WWW-Authenticate",
					    "Bearer realm=\"webrtc-camera\"");
	setText(message, SOUP_STATUS_UNAUTHORIZED,
		"authentication required: log in with a user of the camera's users_file"
		+ std::string(isWhepPath(path) ? ", or send Authorization: Bearer with a token from whep_tokens" : "")
		+ "\n");

	const char *why = static_cast<const char *>(g_object_get_data(G_OBJECT(message), kFailedKey));
	if (!why)
		return; /* no credentials at all: a first visit, not a failure */
	int failures = throttle_.failed(remote, g_get_monotonic_time());
	int64_t blocked = throttle_.blockedFor(remote, g_get_monotonic_time());
	std::string text = "login failed from " + remote + ": " + why + " on " +
			   soup_server_message_get_method(message) + " " + path + " (" +
			   std::to_string(failures) + " in a row)";
	if (blocked)
		text += "; address blocked for " + std::to_string(blocked / G_USEC_PER_SEC) + " s";
	logWarning(text, { { "REMOTE_ADDR", remote }, { "FAILED_LOGINS", std::to_string(failures) } });
}

std::string Authenticator::identity(SoupServerMessage *message)
{
	const char *identity = static_cast<const char *>(g_object_get_data(G_OBJECT(message), kIdentityKey));
	return identity ? identity : "";
}

} /* namespace wcam */
