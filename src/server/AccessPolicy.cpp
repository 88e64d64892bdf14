/* SPDX-License-Identifier: MIT */
#include "server/AccessPolicy.h"

#include <algorithm>

#include <gio/gio.h>

namespace wcam {

namespace {

std::string lower(const std::string &text)
{
	g_autofree char *down = g_ascii_strdown(text.c_str(), text.size());
	return down;
}

/* "host", "host:port", "[v6]" or "[v6]:port" -> host (brackets kept off). */
std::string hostOf(const std::string &hostPort)
{
	if (!hostPort.empty() && hostPort.front() == '[') {
		size_t close = hostPort.find(']');
		return close == std::string::npos ? hostPort : hostPort.substr(1, close - 1);
	}
	size_t colon = hostPort.find(':');
	return colon == std::string::npos ? hostPort : hostPort.substr(0, colon);
}

const char *header(SoupServerMessage *message, const char *name)
{
	return soup_message_headers_get_one(soup_server_message_get_request_headers(message), name);
}

} /* namespace */

AccessPolicy::AccessPolicy(const SecurityConfig &security, bool tls)
	: allowed_(security.allowedOrigins), scheme_(tls ? "https" : "http")
{
	std::string host = lower(g_get_host_name());
	names_ = { "localhost", host, host + ".local" };
	/* The host name may be a full name already: its first label is a name too. */
	size_t dot = host.find('.');
	if (dot != std::string::npos && dot > 0)
		names_.push_back(host.substr(0, dot) + ".local");
}

std::string AccessPolicy::normalise(const std::string &scheme, const std::string &hostPort)
{
	std::string text = lower(hostPort);
	std::string port;
	size_t close = text.rfind(']');
	size_t colon = text.rfind(':');
	if (colon != std::string::npos && (close == std::string::npos || colon > close)) {
		port = text.substr(colon + 1);
		text = text.substr(0, colon);
	}
	if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443"))
		port.clear();
	return scheme + "://" + text + (port.empty() ? "" : ":" + port);
}

std::string AccessPolicy::checkHost(SoupServerMessage *message) const
{
	const char *hostHeader = header(message, "Host");
	/* HTTP/1.0 without Host: no browser sends that, so no rebinding either. */
	if (!hostHeader)
		return {};
	std::string host = lower(hostOf(hostHeader));
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host.c_str());
	if (address)
		return {};
	if (std::find(names_.begin(), names_.end(), host) != names_.end())
		return {};
	for (const std::string &origin : allowed_) {
		std::string hostPort = origin.substr(origin.find("://") + 3);
		if (hostOf(hostPort) == host)
			return {};
	}
	return "Host \"" + std::string(hostHeader).substr(0, 100) +
	       "\" is not a name of this camera; reach it by its IP address or host name, "
	       "or add the origin you use (e.g. " + normalise(scheme_, hostHeader).substr(0, 120) +
	       ") to [security] allowed_origins";
}

std::string AccessPolicy::ownOrigin(SoupServerMessage *message) const
{
	const char *hostHeader = header(message, "Host");
	return hostHeader ? normalise(scheme_, hostHeader) : std::string();
}

AccessPolicy::Origin AccessPolicy::judgeOrigin(SoupServerMessage *message) const
{
	const char *originHeader = header(message, "Origin");
	if (!originHeader)
		return Origin::None;
	std::string origin = lower(originHeader);
	if (origin == "null")
		return Origin::Foreign;
	if (std::find(allowed_.begin(), allowed_.end(), origin) != allowed_.end())
		return Origin::Listed;
	std::string own = ownOrigin(message);
	/* Our own origin as the browser spells it: the same normal form. */
	size_t scheme = origin.find("://");
	if (!own.empty() && scheme != std::string::npos &&
	    normalise(origin.substr(0, scheme), origin.substr(scheme + 3)) == own)
		return Origin::Own;
	return Origin::Foreign;
}

void AccessPolicy::addCors(SoupServerMessage *message, const char *methods) const
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(message);
	/* Whether the answer has CORS headers depends on Origin: caches must know. */
	soup_message_headers_append(headers, "Vary", "Origin");
	if (judgeOrigin(message) != Origin::Listed)
		return;
	soup_message_headers_replace(headers, "Access-Control-Allow-Origin", header(message, "Origin"));
	soup_message_headers_replace(headers, "Access-Control-Allow-Credentials", "true");
	if (!methods)
		return;
	soup_message_headers_replace(headers, "Access-Control-Allow-Methods", methods);
	soup_message_headers_replace(headers, "Access-Control-Allow-Headers", "Content-Type, Authorization");
	soup_message_headers_replace(headers, "Access-Control-Expose-Headers", "Location");
}

} /* namespace wcam */
