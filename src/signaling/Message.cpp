/* SPDX-License-Identifier: MIT */
/*
 * The /ws protocol messages: parsing with json-glib, building with
 * JsonBuilder/JsonGenerator so every string is escaped properly.
 */

#include "signaling/Message.h"

#include <charconv>
#include <cstring>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "signaling/SdpValidator.h"

namespace wcam {

namespace {

/* We offer exactly one video m-line. */
constexpr unsigned kOfferedMedia = 1;

ParsedMessage fail(const char *code, std::string message)
{
	return ParsedMessage{ std::nullopt, ProtocolError{ code, std::move(message) } };
}

ParsedMessage ok(ClientMessage message)
{
	return ParsedMessage{ std::move(message), std::nullopt };
}

bool holdsString(JsonNode *node)
{
	return node && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_STRING;
}

bool holdsInteger(JsonNode *node)
{
	return node && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_INT64;
}

/*
 * json-glib wraps integers beyond 64 bits without a word (2^64 reads as
 * -1): the first integer literal out of range, found in the text itself.
 * The text is valid JSON already, so a token scan suffices.
 */
std::string overflowingInteger(std::string_view text)
{
	bool inString = false;
	for (size_t i = 0; i < text.size(); i++) {
		char c = text[i];
		if (inString) {
			if (c == '\\')
				i++;
			else if (c == '"')
				inString = false;
			continue;
		}
		if (c == '"') {
			inString = true;
			continue;
		}
		if (c != '-' && !g_ascii_isdigit(c))
			continue;
		size_t end = i + (c == '-');
		while (end < text.size() && g_ascii_isdigit(text[end]))
			end++;
		bool integer = end >= text.size() || (text[end] != '.' && text[end] != 'e' && text[end] != 'E');
		std::string token(text.substr(i, end - i));
		if (integer && end - i > 18) {
			gint64 value = 0;
			auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
			if (ec != std::errc())
				return token;
		}
		/* Skip the rest of a fraction or exponent. */
		while (end < text.size() && (g_ascii_isalnum(text[end]) || strchr(".+-", text[end])))
			end++;
		i = end - 1;
	}
	return {};
}

/* Replies are websocket text frames: a browser drops the connection on bad UTF-8. */
std::string validUtf8(const char *text)
{
	g_autofree gchar *valid = g_utf8_make_valid(text, -1);
	return valid;
}

/* Echo client-chosen text only in short, valid-UTF-8 form. */
std::string excerpt(const char *text)
{
	constexpr glong kMaxChars = 64;
	g_autofree gchar *valid = g_utf8_make_valid(text, -1);
	if (g_utf8_strlen(valid, -1) <= kMaxChars)
		return valid;
	/* g_utf8_substring() reads past the end of a string shorter than that. */
	g_autofree gchar *cut = g_utf8_substring(valid, 0, kMaxChars);
	return std::string(cut) + "...";
}

ParsedMessage parseAnswer(JsonObject *object)
{
	JsonNode *sdp = json_object_get_member(object, "sdp");
	if (!sdp)
		return fail("bad-sdp", "answer has no \"sdp\" field");
	if (!holdsString(sdp))
		return fail("bad-sdp", "answer field \"sdp\" is not a string");

	RemoteSdp answer = wcam::parseAnswer(json_node_get_string(sdp));
	if (!answer)
		return fail("bad-sdp", "answer field \"sdp\" is invalid: " + answer.error);
	return ok(ClientMessage{ ClientMessageType::Answer, std::move(answer.message), {}, 0 });
}

ParsedMessage parseCandidate(JsonObject *object)
{
	ClientMessage message{ ClientMessageType::Candidate, {}, {}, 0 };

	JsonNode *candidate = json_object_get_member(object, "candidate");
	if (!candidate)
		return fail("bad-candidate", "candidate message has no \"candidate\" field");
	bool end = JSON_NODE_HOLDS_NULL(candidate);
	if (!end) {
		if (!holdsString(candidate))
			return fail("bad-candidate", "field \"candidate\" is not a string or null");
		message.candidate = json_node_get_string(candidate);
		end = message.candidate.empty();
	}

	/* End of candidates may come without an index (an RTCIceCandidate of null). */
	JsonNode *index = json_object_get_member(object, "sdpMLineIndex");
	if (!index || JSON_NODE_HOLDS_NULL(index)) {
		if (end)
			return ok(std::move(message));
		return fail("bad-candidate", "candidate message has no \"sdpMLineIndex\" field");
	}
	if (!holdsInteger(index))
		return fail("bad-candidate", "field \"sdpMLineIndex\" is not an integer");
	gint64 value = json_node_get_int(index);
	if (value < 0)
		return fail("bad-candidate", "field \"sdpMLineIndex\" is negative");
	if (value >= kOfferedMedia)
		return fail("bad-candidate", "field \"sdpMLineIndex\" is " + std::to_string(value) +
						     ", but the offer has " +
						     std::to_string(kOfferedMedia) + " media section");
	message.mlineIndex = static_cast<unsigned>(value);

	if (end)
		return ok(std::move(message));

	std::string reason = validateCandidate(message.candidate, message.mlineIndex, kOfferedMedia);
	if (!reason.empty())
		return fail("bad-candidate", "field \"candidate\" is invalid: " + reason);
	return ok(std::move(message));
}

/* Start an object with its "type" member. */
JsonBuilder *beginMessage(const char *type)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "type");
	json_builder_add_string_value(builder, type);
	return builder;
}

void addString(JsonBuilder *builder, const char *name, const std::string &value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_string_value(builder, value.c_str());
}

/* Close the object and serialise it compactly; takes `builder`. */
std::string finishMessage(JsonBuilder *builder)
{
	g_autoptr(JsonBuilder) owned = builder;
	json_builder_end_object(owned);
	g_autoptr(JsonNode) root = json_builder_get_root(owned);
	g_autoptr(JsonGenerator) generator = json_generator_new();
	json_generator_set_pretty(generator, FALSE);
	json_generator_set_root(generator, root);
	g_autofree gchar *text = json_generator_to_data(generator, nullptr);
	return text;
}

} /* namespace */

ParsedMessage parseClientMessage(std::string_view text)
{
	if (text.size() > kMaxMessageSize)
		return fail("too-large", "message is " + std::to_string(text.size()) +
						 " bytes, the limit is " +
						 std::to_string(kMaxMessageSize));
	if (text.empty())
		return fail("bad-json", "message is empty");
	if (text.find('\0') != std::string_view::npos)
		return fail("bad-json", "message contains a NUL byte");

	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error = nullptr;
	if (!json_parser_load_from_data(parser, text.data(), text.size(), &error))
		/* json-glib quotes the offending token, possibly cut inside a character. */
		return fail("bad-json", "message is not valid JSON: " + validUtf8(error->message));

	std::string huge = overflowingInteger(text);
	if (!huge.empty())
		return fail("bad-json", "the number " + excerpt(huge.c_str()) + " does not fit in 64 bits");

	JsonNode *root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return fail("bad-json", "message is not a JSON object");
	JsonObject *object = json_node_get_object(root);

	JsonNode *typeNode = json_object_get_member(object, "type");
	if (!typeNode)
		return fail("bad-message", "message has no \"type\" field");
	if (!holdsString(typeNode))
		return fail("bad-message", "field \"type\" is not a string");
	std::string type = json_node_get_string(typeNode);

	if (type == "start")
		return ok({ ClientMessageType::Start, {}, {}, 0 });
	if (type == "stop")
		return ok({ ClientMessageType::Stop, {}, {}, 0 });
	if (type == "ping")
		return ok({ ClientMessageType::Ping, {}, {}, 0 });
	if (type == "answer")
		return parseAnswer(object);
	if (type == "candidate")
		return parseCandidate(object);

	return fail("unknown-type", "unknown message type \"" + excerpt(type.c_str()) + "\"");
}

std::string welcomeMessage(const std::string &viewerId, const std::vector<IceServer> &iceServers)
{
	JsonBuilder *builder = beginMessage("welcome");
	addString(builder, "id", viewerId);

	/* RTCConfiguration.iceServers, ready for new RTCPeerConnection(). */
	json_builder_set_member_name(builder, "iceServers");
	json_builder_begin_array(builder);
	for (const IceServer &server : iceServers) {
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "urls");
		json_builder_begin_array(builder);
		for (const std::string &url : server.urls)
			json_builder_add_string_value(builder, url.c_str());
		json_builder_end_array(builder);
		if (!server.username.empty())
			addString(builder, "username", server.username);
		if (!server.credential.empty())
			addString(builder, "credential", server.credential);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);

	return finishMessage(builder);
}

std::string offerMessage(const std::string &sdp)
{
	JsonBuilder *builder = beginMessage("offer");
	addString(builder, "sdp", sdp);
	return finishMessage(builder);
}

std::string candidateMessage(const std::string &candidate, unsigned mlineIndex)
{
	JsonBuilder *builder = beginMessage("candidate");
	addString(builder, "candidate", candidate);
	json_builder_set_member_name(builder, "sdpMLineIndex");
	json_builder_add_int_value(builder, mlineIndex);
	return finishMessage(builder);
}

std::string pongMessage()
{
	return finishMessage(beginMessage("pong"));
}

std::string byeMessage(const std::string &reason)
{
	JsonBuilder *builder = beginMessage("bye");
	addString(builder, "reason", reason);
	return finishMessage(builder);
}

std::string errorMessage(const ProtocolError &error)
{
	JsonBuilder *builder = beginMessage("error");
	addString(builder, "code", error.code);
	addString(builder, "message", error.message);
	return finishMessage(builder);
}

} /* namespace wcam */
