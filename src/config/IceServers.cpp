/* SPDX-License-Identifier: MIT */
/*
 * [network] ice_servers: the browsers' RTCConfiguration.iceServers as
 * JSON, checked entry by entry so each mistake is named.
 */
#include "config/IceServers.h"

#include <cstring>

#include <json-glib/json-glib.h>

#include "config/TextUtil.h"

namespace wcam {

namespace {

bool hasIceScheme(const std::string &url, bool &isTurn)
{
	static const char *const stunSchemes[] = { "stun:", "stuns:" };
	static const char *const turnSchemes[] = { "turn:", "turns:" };

	for (const char *scheme : stunSchemes) {
		if (g_str_has_prefix(url.c_str(), scheme) && url.size() > strlen(scheme)) {
			isTurn = false;
			return true;
		}
	}
	for (const char *scheme : turnSchemes) {
		if (g_str_has_prefix(url.c_str(), scheme) && url.size() > strlen(scheme)) {
			isTurn = true;
			return true;
		}
	}
	return false;
}

/* Parses one array entry; returns false (after reporting) when invalid. */
bool parseIceServer(Field &field, JsonNode *node, unsigned int index, IceServer &server)
{
	const std::string entry = "entry " + std::to_string(index);
	static const char *shape =
		"expected objects like {\"urls\": \"turn:host:3478\", \"username\": \"u\", "
		"\"credential\": \"p\"}";

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		field.error(entry + " is not an object", shape);
		return false;
	}

	JsonObject *object = json_node_get_object(node);
	bool ok = true;

	g_autoptr(GList) members = json_object_get_members(object);
	for (GList *item = members; item; item = item->next) {
		std::string name = static_cast<const char *>(item->data);
		if (name != "urls" && name != "username" && name != "credential") {
			field.error(entry + " has unknown member " + quote(name) +
					    suggestion(name, { "urls", "username", "credential" }),
				    "allowed members are urls, username and credential");
			ok = false;
		}
	}

	auto stringMember = [&](const char *name, std::string &out) {
		JsonNode *member = json_object_get_member(object, name);
		if (!member)
			return true;
		if (JSON_NODE_HOLDS_VALUE(member) &&
		    json_node_get_value_type(member) == G_TYPE_STRING) {
			out = json_node_get_string(member);
			return true;
		}
		field.error(entry + " " + name + " is not a string", "expected a JSON string");
		ok = false;
		return false;
	};
	/* Both run: each reports its own error. */
	bool credentialsValid = stringMember("username", server.username);
	credentialsValid = stringMember("credential", server.credential) && credentialsValid;

	static const char *urlsAllowed =
		"expected \"urls\" as a string or a non-empty array of strings";
	JsonNode *urls = json_object_get_member(object, "urls");
	if (!urls) {
		/* With "url" reported as unknown (did you mean...), this is just noise. */
		if (ok)
			field.error(entry + " has no urls", urlsAllowed);
		return false;
	}

	std::vector<JsonNode *> urlNodes;
	if (JSON_NODE_HOLDS_ARRAY(urls)) {
		JsonArray *array = json_node_get_array(urls);
		for (guint i = 0; i < json_array_get_length(array); i++)
			urlNodes.push_back(json_array_get_element(array, i));
		if (urlNodes.empty()) {
			field.error(entry + " urls is empty", urlsAllowed);
			return false;
		}
	} else {
		urlNodes.push_back(urls);
	}

	bool needsCredentials = false;
	for (JsonNode *urlNode : urlNodes) {
		if (!JSON_NODE_HOLDS_VALUE(urlNode) ||
		    json_node_get_value_type(urlNode) != G_TYPE_STRING) {
			field.error(entry + " has a url that is not a string", urlsAllowed);
			ok = false;
			continue;
		}
		std::string url = json_node_get_string(urlNode);
		bool isTurn = false;
		if (!hasIceScheme(url, isTurn)) {
			field.error(entry + " url " + quote(url) + " is not a STUN or TURN url",
				    "each url must start with stun:, stuns:, turn: or turns:");
			ok = false;
			continue;
		}
		needsCredentials |= isTurn;
		server.urls.push_back(url);
	}

	/* A wrongly typed credential was reported already; do not say it is missing. */
	if (needsCredentials && credentialsValid &&
	    (server.username.empty() || server.credential.empty())) {
		field.error(entry + " has a turn: url but no username or credential",
			    "turn: and turns: urls require non-empty \"username\" and \"credential\"");
		ok = false;
	}
	return ok;
}

} /* namespace */

std::optional<std::vector<IceServer>> parseIceServers(Field &field, const std::string &value)
{
	static const char *allowed =
		"expected a JSON array like [{\"urls\": \"stun:stun.example.org:3478\"}] "
		"or empty for none";

	if (value.empty())
		return std::vector<IceServer>();

	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = nullptr;
	if (!json_parser_load_from_data(parser, value.c_str(), value.size(), &error)) {
		field.error(std::string("invalid JSON: ") + error->message, allowed);
		return std::nullopt;
	}

	JsonNode *root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_ARRAY(root)) {
		field.error("is not a JSON array", allowed);
		return std::nullopt;
	}

	std::vector<IceServer> servers;
	bool ok = true;
	JsonArray *array = json_node_get_array(root);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		IceServer server;
		if (parseIceServer(field, json_array_get_element(array, i), i + 1, server))
			servers.push_back(std::move(server));
		else
			ok = false;
	}
	if (!ok)
		return std::nullopt;
	return servers;
}

std::string formatIceServers(const std::vector<IceServer> &servers)
{
	if (servers.empty())
		return {};
	JsonArray *array = json_array_new();
	for (const IceServer &server : servers) {
		JsonObject *object = json_object_new();
		JsonArray *urls = json_array_new();
		for (const std::string &url : server.urls)
			json_array_add_string_element(urls, url.c_str());
		json_object_set_array_member(object, "urls", urls);
		if (!server.username.empty())
			json_object_set_string_member(object, "username", server.username.c_str());
		if (!server.credential.empty())
			json_object_set_string_member(object, "credential", server.credential.c_str());
		json_array_add_object_element(array, object);
	}
	g_autoptr(JsonNode) root = json_node_alloc();
	json_node_take_array(json_node_init(root, JSON_NODE_ARRAY), array);
	g_autofree char *text = json_to_string(root, FALSE);
	return text;
}

} /* namespace wcam */
