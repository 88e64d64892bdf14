/* SPDX-License-Identifier: MIT */
#include "server/WhepEndpoint.h"

#include <cstring>

#include "core/Log.h"
#include "server/Authenticator.h"
#include "signaling/Message.h"
#include "signaling/SdpValidator.h"

namespace wcam {

namespace {

void setText(SoupServerMessage *message, guint status, const std::string &text)
{
	soup_server_message_set_status(message, status, nullptr);
	soup_server_message_set_response(message, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
					 text.c_str(), text.size());
}

} /* namespace */

WhepEndpoint::WhepEndpoint(ViewerManager &viewers, const AccessPolicy &access)
	: viewers_(viewers), access_(access)
{
}

WhepEndpoint::~WhepEndpoint()
{
	for (auto &[id, message] : pending_) {
		setText(message.get(), SOUP_STATUS_SERVICE_UNAVAILABLE, "server shutting down\n");
		soup_server_message_unpause(message.get());
		viewers_.remove(id, "server shutting down");
	}
	/* They report to us: none may outlive us. */
	for (auto &[secret, session] : sessions_)
		viewers_.remove(session.viewerId, "server shutting down");
}

void WhepEndpoint::answer(const std::string &id, const std::string &sdp, const std::string &error,
			  bool offerRefused)
{
	/* An offer webrtcbin refuses is the client's to fix (400), like one the validator refuses. */
	respond(id, sdp, error, offerRefused ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_INTERNAL_SERVER_ERROR);
}

void WhepEndpoint::ended(const std::string &id, const std::string &reason)
{
	respond(id, "", reason, SOUP_STATUS_INTERNAL_SERVER_ERROR);
}

void WhepEndpoint::handle(SoupServerMessage *message, const char *path)
{
	/* Browsers' WHEP players on the listed origins (allowed_origins) only. */
	access_.addCors(message, "POST, DELETE, OPTIONS");
	const char *method = soup_server_message_get_method(message);
	std::string rest = path + strlen(kPath);

	if (!strcmp(method, "OPTIONS")) {
		soup_server_message_set_status(message, SOUP_STATUS_NO_CONTENT, nullptr);
		return;
	}
	if (rest.empty() || rest == "/") {
		if (!strcmp(method, "POST")) {
			post(message);
			return;
		}
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Allow", "POST, OPTIONS");
		setText(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "POST an SDP offer here\n");
		return;
	}

	std::string id = rest.substr(1);
	if (!strcmp(method, "DELETE")) {
		remove(message, id);
		return;
	}
	/* PATCH (trickle/ICE restart) is optional in WHEP; we send full answers. */
	soup_message_headers_replace(soup_server_message_get_response_headers(message), "Allow", "DELETE, OPTIONS");
	setText(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "only DELETE is supported on a session\n");
}

void WhepEndpoint::post(SoupServerMessage *message)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(message);
	const char *type = soup_message_headers_get_content_type(headers, nullptr);
	if (g_strcmp0(type, "application/sdp")) {
		setText(message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
			"Content-Type must be application/sdp\n");
		return;
	}
	SoupMessageBody *body = soup_server_message_get_request_body(message);
	g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
	gsize size = 0;
	const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
	if (size > kMaxMessageSize) {
		setText(message, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "the offer is too large\n");
		return;
	}
	RemoteSdp offer = parseWhepOffer(std::string_view(data ? data : "", size));
	/* An offer we cannot serve is the client's to fix (400), not our failure (500). */
	if (!offer) {
		setText(message, SOUP_STATUS_BAD_REQUEST, "bad offer: " + offer.error + "\n");
		return;
	}

	g_autofree char *remote = g_strdup(soup_server_message_get_remote_host(message));
	ProtocolError error;
	Viewer *viewer = viewers_.create(Viewer::Kind::Whep, remote ? remote : "", *this, error);
	if (!viewer) {
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Retry-After", "10");
		/* 429 (libsoup 3.2 has no name for it): this client holds too many. */
		setText(message, error.code == "too-many" ? 429 : SOUP_STATUS_SERVICE_UNAVAILABLE,
			error.message + "\n");
		return;
	}
	forgetEnded();
	pending_[viewer->id()] = GObjectPtr<SoupServerMessage>::retain(message);
	soup_server_message_pause(message);

	std::string why;
	if (!viewer->startWhep(std::move(offer.message), offer.payloadType, why)) {
		respond(viewer->id(), "", why, SOUP_STATUS_INTERNAL_SERVER_ERROR);
		viewers_.remove(viewer->id(), why);
	}
}

void WhepEndpoint::respond(const std::string &id, const std::string &sdp, const std::string &error,
			   unsigned errorStatus)
{
	auto it = pending_.find(id);
	if (it == pending_.end())
		return;
	GObjectPtr<SoupServerMessage> message = std::move(it->second);
	pending_.erase(it);

	if (!error.empty()) {
		setText(message.get(), errorStatus, error + "\n");
		postToMain(lifetime_, [this, id, error]() { viewers_.remove(id, error); });
	} else {
		g_autofree char *secret = g_uuid_string_random();
		sessions_[secret] = Session{ id, Authenticator::identity(message.get()) };
		std::string location = std::string(kPath) + "/" + secret;
		SoupMessageHeaders *headers = soup_server_message_get_response_headers(message.get());
		soup_message_headers_replace(headers, "Location", location.c_str());
		soup_server_message_set_status(message.get(), SOUP_STATUS_CREATED, nullptr);
		soup_server_message_set_response(message.get(), "application/sdp", SOUP_MEMORY_COPY,
						 sdp.c_str(), sdp.size());
	}
	soup_server_message_unpause(message.get());
}

void WhepEndpoint::remove(SoupServerMessage *message, const std::string &secret)
{
	auto it = sessions_.find(secret);
	Viewer *viewer = it == sessions_.end() ? nullptr : viewers_.find(it->second.viewerId);
	if (!viewer || viewer->kind() != Viewer::Kind::Whep) {
		if (it != sessions_.end())
			sessions_.erase(it);
		setText(message, SOUP_STATUS_NOT_FOUND, "no such WHEP session\n");
		return;
	}
	if (Authenticator::identity(message) != it->second.owner) {
		const char *remote = soup_server_message_get_remote_host(message);
		logWarning("WHEP DELETE of viewer " + it->second.viewerId + " refused: other credentials",
			   { { "REMOTE_ADDR", remote ? remote : "" }, { "VIEWER_ID", it->second.viewerId } });
		setText(message, SOUP_STATUS_FORBIDDEN, "this session was started with other credentials\n");
		return;
	}
	std::string id = it->second.viewerId;
	sessions_.erase(it);
	viewers_.remove(id, "WHEP session deleted");
	setText(message, SOUP_STATUS_OK, "session ended\n");
}

/* Sessions whose viewer went away on its own (ICE failed, timed out). */
void WhepEndpoint::forgetEnded()
{
	std::erase_if(sessions_, [this](const auto &entry) { return !viewers_.find(entry.second.viewerId); });
}

} /* namespace wcam */
