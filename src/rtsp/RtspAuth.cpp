/* SPDX-License-Identifier: MIT */
#include "rtsp/RtspAuth.h"

#include <algorithm>
#include <cstring>

#include "core/Log.h"
#include "core/PasswordHash.h"
#include "server/Authenticator.h"

namespace wcam {

namespace {

constexpr int64_t kVerifiedForUs = 5 * 60 * G_USEC_PER_SEC;
constexpr size_t kMaxVerified = 64;

} /* namespace */

RtspCredentials::RtspCredentials() = default;

void RtspCredentials::setUsers(const std::vector<UserEntry> &users)
{
	std::string dummy;
	/* Made here, on the main thread at start or reload, not at the first unknown name. */
	if (!users.empty()) {
		std::lock_guard<std::mutex> locked(lock_);
		dummy = dummyHash_;
	}
	if (!users.empty() && dummy.empty()) {
		std::string error;
		dummy = hashPassword("not a password of anyone", error);
	}
	std::lock_guard<std::mutex> locked(lock_);
	users_ = users;
	if (!dummy.empty())
		dummyHash_ = dummy;
	/* A removed user or a changed password must not live on in the cache. */
	verified_.clear();
}

bool RtspCredentials::open() const
{
	std::lock_guard<std::mutex> locked(lock_);
	return users_.empty();
}

/* RTSP client thread */
bool RtspCredentials::check(const std::string &user, const std::string &password, const std::string &remote)
{
	std::string key = cacheKey_(user, password);
	std::string hash;
	bool known = false;
	{
		std::lock_guard<std::mutex> locked(lock_);
		int64_t now = g_get_monotonic_time();
		if (users_.empty())
			return true;
		if (throttle_.blockedFor(remote, now))
			return false;
		auto cached = verified_.find(key);
		if (cached != verified_.end() && cached->second > now)
			return true;
		auto it = std::find_if(users_.begin(), users_.end(), [&](const UserEntry &u) { return u.name == user; });
		known = it != users_.end();
		hash = known ? it->hash : dummyHash_;
	}
	/* Outside the lock: it takes a crypt's time. */
	bool ok = verifyPassword(password, hash) && known;

	std::lock_guard<std::mutex> locked(lock_);
	int64_t now = g_get_monotonic_time();
	/* Users may have changed meanwhile (reload): only a current one gets in. */
	ok = ok && std::any_of(users_.begin(), users_.end(),
			       [&](const UserEntry &u) { return u.name == user && u.hash == hash; });
	if (ok) {
		if (verified_.size() >= kMaxVerified)
			verified_.clear();
		verified_[key] = now + kVerifiedForUs;
		throttle_.succeeded(remote);
		return true;
	}
	int failures = throttle_.failed(remote, now);
	int64_t blocked = throttle_.blockedFor(remote, now);
	std::string text = "rtsp: login failed from " + remote + ": a wrong password for user \"" +
			   user.substr(0, 64) + "\" (" + std::to_string(failures) + " in a row)";
	if (blocked)
		text += "; address blocked for " + std::to_string(blocked / G_USEC_PER_SEC) + " s";
	logWarning(text, { { "REMOTE_ADDR", remote }, { "FAILED_LOGINS", std::to_string(failures) } });
	return false;
}

} /* namespace wcam */

/* --- The GstRTSPAuth subclass. --- */

namespace {

struct AuthState {
	std::shared_ptr<wcam::RtspCredentials> credentials;
	wcam::MiniObjectPtr<GstRTSPToken> token;
};

struct WcamRtspAuth {
	GstRTSPAuth parent;
	AuthState *state;
};

struct WcamRtspAuthClass {
	GstRTSPAuthClass parent_class;
};

G_DEFINE_TYPE(WcamRtspAuth, wcam_rtsp_auth, GST_TYPE_RTSP_AUTH)

/* "user:password" of a Basic credential, or false. */
bool decodeBasic(const char *base64, std::string &user, std::string &password)
{
	gsize size = 0;
	g_autofree guchar *decoded = g_base64_decode(base64, &size);
	if (!decoded)
		return false;
	std::string text(reinterpret_cast<const char *>(decoded), size);
	explicit_bzero(decoded, size);
	size_t colon = text.find(':');
	if (colon == std::string::npos) {
		explicit_bzero(text.data(), text.size());
		return false;
	}
	user = text.substr(0, colon);
	password = text.substr(colon + 1);
	explicit_bzero(text.data(), text.size());
	return true;
}

/*
 * RTSP client thread: the token when the request carries a good login
 * (or none is needed); without one, GstRTSPAuth answers 401 with its
 * WWW-Authenticate: Basic challenge.
 */
gboolean authenticate(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
	AuthState *state = reinterpret_cast<WcamRtspAuth *>(auth)->state;
	ctx->token = nullptr;
	if (!state)
		return TRUE;
	if (state->credentials->open()) {
		/* Borrowed: GstRTSPAuth never unrefs a context's token; ours lives as long as we do. */
		ctx->token = state->token.get();
		return TRUE;
	}
	GstRTSPAuthCredential **credentials =
		gst_rtsp_message_parse_auth_credentials(ctx->request, GST_RTSP_HDR_AUTHORIZATION);
	if (!credentials)
		return TRUE;
	const char *ip = ctx->conn ? gst_rtsp_connection_get_ip(ctx->conn) : nullptr;
	std::string remote = ip ? ip : "";
	for (GstRTSPAuthCredential **c = credentials; *c; c++) {
		if ((*c)->scheme != GST_RTSP_AUTH_BASIC || !(*c)->authorization)
			continue;
		std::string user, password;
		if (!decodeBasic((*c)->authorization, user, password))
			continue;
		bool ok = state->credentials->check(user, password, remote);
		explicit_bzero(password.data(), password.size());
		if (ok) {
			ctx->token = state->token.get();
			break;
		}
	}
	gst_rtsp_auth_credentials_free(credentials);
	return TRUE;
}

void wcamRtspAuthFinalize(GObject *object)
{
	delete reinterpret_cast<WcamRtspAuth *>(object)->state;
	G_OBJECT_CLASS(wcam_rtsp_auth_parent_class)->finalize(object);
}

void wcam_rtsp_auth_class_init(WcamRtspAuthClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = wcamRtspAuthFinalize;
	GST_RTSP_AUTH_CLASS(klass)->authenticate = authenticate;
}

void wcam_rtsp_auth_init(WcamRtspAuth *self)
{
	self->state = nullptr;
}

} /* namespace */

namespace wcam {

GObjectPtr<GstRTSPAuth> makeRtspAuth(std::shared_ptr<RtspCredentials> credentials)
{
	auto *auth = static_cast<WcamRtspAuth *>(g_object_new(wcam_rtsp_auth_get_type(), nullptr));
	auth->state = new AuthState{
		std::move(credentials),
		MiniObjectPtr<GstRTSPToken>::adopt(gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING,
								      kRtspViewerRole, nullptr)),
	};
	GstRTSPAuth *base = &auth->parent;
	gst_rtsp_auth_set_supported_methods(base, GST_RTSP_AUTH_BASIC);
	gst_rtsp_auth_set_realm(base, Authenticator::kRealm);
	return GObjectPtr<GstRTSPAuth>::adopt(base);
}

} /* namespace wcam */
