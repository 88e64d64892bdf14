/* SPDX-License-Identifier: MIT */
#include "server/WhepEndpoint.h"

#include <cstring>

#include "core/Log.h"
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

/* Browsers' WHEP players live on other origins. */
void allowCors(SoupServerMessage *message)
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
	soup_message_headers_replace(headers, "Access-Control-Allow-Origin", "*");
	soup_message_headers_replace(headers, "Access-Control-Allow-Methods", "POST, DELETE, OPTIONS");
	soup_message_headers_replace(headers, "Access-Control-Allow-Headers", "Content-Type, Authorization");
	soup_message_headers_replace(headers, "Access-Control-Expose-Headers", "Location");
}

} /* namespace */

WhepEndpoint::WhepEndpoint(ViewerManager &viewers) : viewers_(viewers) {}

WhepEndpoint::~WhepEndpoint()
{
	for (auto &[id, message] : pending_) {
		setText(message.get(), SOUP_STATUS_SERVICE_UNAVAILABLE, "server shutting down\n");
		soup_server_message_unpause(message.get());
	}
}

void WhepEndpoint::handle(SoupServerMessage *message, const char *path)
{
	allowCors(message);
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
	std::string offer(data ? data : "", size);
	std::string invalid = validateWhepOffer(offer);
	/* An offer we cannot serve is the client's to fix (400), not our failure (500). */
	int payloadType = invalid.empty() ? Viewer::chooseH264Payload(offer, invalid) : -1;
	if (payloadType < 0) {
		setText(message, SOUP_STATUS_BAD_REQUEST, "bad offer: " + invalid + "\n");
		return;
	}

	g_autofree char *remote = g_strdup(soup_server_message_get_remote_host(message));
	Viewer::Events events;
	/* The id is known only after create(); both callbacks share it. */
	auto idSlot = std::make_shared<std::string>();
	events.answerReady = [this, idSlot](const std::string &sdp, const std::string &error) {
		respond(*idSlot, sdp, error);
	};
	auto onRemoved = [this, idSlot](const std::string &reason) {
		respond(*idSlot, "", reason);
	};

	ProtocolError error;
	Viewer *viewer = viewers_.create(Viewer::Kind::Whep, remote ? remote : "", std::move(events),
					 onRemoved, error);
	if (!viewer) {
		soup_message_headers_replace(soup_server_message_get_response_headers(message), "Retry-After", "10");
		/* 429 (libsoup 3.2 has no name for it): this client holds too many. */
		setText(message, error.code == "too-many" ? 429 : SOUP_STATUS_SERVICE_UNAVAILABLE,
			error.message + "\n");
		return;
	}
	*idSlot = viewer->id();
	pending_[viewer->id()] = GObjectPtr<SoupServerMessage>::retain(message);
	soup_server_message_pause(message);

	std::string why;
	if (!viewer->startWhep(offer, payloadType, why)) {
		respond(viewer->id(), "", why);
		viewers_.remove(viewer->id(), why);
	}
}

void WhepEndpoint::respond(const std::string &id, const std::string &sdp, const std::string &error)
{
	auto it = pending_.find(id);
	if (it == pending_.end())
		return;
	GObjectPtr<SoupServerMessage> message = std::move(it->second);
	pending_.erase(it);

	if (!error.empty()) {
		setText(message.get(), SOUP_STATUS_INTERNAL_SERVER_ERROR, error + "\n");
		postToMain(lifetime_, [this, id, error]() { viewers_.remove(id, error); });
	} else {
		std::string location = std::string(kPath) + "/" + id;
		SoupMessageHeaders *headers = soup_server_message_get_response_headers(message.get());
		soup_message_headers_replace(headers, "Location", location.c_str());
		soup_server_message_set_status(message.get(), SOUP_STATUS_CREATED, nullptr);
		soup_server_message_set_response(message.get(), "application/sdp", SOUP_MEMORY_COPY,
						 sdp.c_str(), sdp.size());
	}
	soup_server_message_unpause(message.get());
}

void WhepEndpoint::remove(SoupServerMessage *message, const std::string &id)
{
	Viewer *viewer = viewers_.find(id);
	if (!viewer || viewer->kind() != Viewer::Kind::Whep) {
		setText(message, SOUP_STATUS_NOT_FOUND, "no such WHEP session\n");
		return;
	}
	viewers_.remove(id, "WHEP session deleted");
	setText(message, SOUP_STATUS_OK, "session ended\n");
}

} /* namespace wcam */
