/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <json-glib/json-glib.h>

#include "signaling/Message.h"

using namespace wcam;

namespace {

/* The answer a Chromium viewer sends back (one H264 video m-line). */
const std::string kAnswerSdp =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE video0\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:Hq7b\r\n"
	"a=ice-pwd:8hG3mZk1rVx0pQ5sT2wLyN4e\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 5C:2F:91:0A:7E:D4:38:B6:11:9E:C7:03:6A:F5:2B:84:"
	"D9:40:E2:17:8C:B3:65:0F:AA:5D:C1:79:36:E8:04:9B\r\n"
	"a=setup:active\r\n"
	"a=mid:video0\r\n"
	"a=recvonly\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

const std::string kCandidate =
	"candidate:842163049 1 udp 1677729535 203.0.113.7 54400 typ srflx "
	"raddr 192.168.1.10 rport 46243 generation 0 ufrag Hq7b network-cost 999";

/* JSON-encode a string the way a browser's JSON.stringify would. */
std::string jsonString(const std::string &value)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
	json_node_set_string(node, value.c_str());
	g_autofree gchar *text = json_to_string(node, FALSE);
	return text;
}

std::string answerJson(const std::string &sdp)
{
	return "{\"type\":\"answer\",\"sdp\":" + jsonString(sdp) + "}";
}

std::string candidateJson(const std::string &candidateValue, const std::string &index)
{
	std::string json = "{\"type\":\"candidate\",\"candidate\":" + candidateValue;
	if (!index.empty())
		json += ",\"sdpMLineIndex\":" + index;
	return json + ",\"sdpMid\":\"video0\"}";
}

void checkError(const std::string &text, const std::string &code, const std::string &mention)
{
	ParsedMessage parsed = parseClientMessage(text);
	INFO("message: " << text.substr(0, 200));
	REQUIRE(parsed.error);
	CHECK_FALSE(parsed.message);
	INFO("error: " << parsed.error->code << ": " << parsed.error->message);
	CHECK(parsed.error->code == code);
	CHECK_THAT(parsed.error->message, Catch::Matchers::Contains(mention));
}

ClientMessage checkValid(const std::string &text)
{
	ParsedMessage parsed = parseClientMessage(text);
	INFO("message: " << text.substr(0, 200));
	if (parsed.error)
		INFO("error: " << parsed.error->code << ": " << parsed.error->message);
	REQUIRE(parsed.message);
	CHECK_FALSE(parsed.error);
	return *parsed.message;
}

/* Parse a builder's output back; fails the test when it is not an object. */
struct Parsed {
	JsonParser *parser = json_parser_new();
	JsonObject *object = nullptr;

	explicit Parsed(const std::string &text)
	{
		INFO("json: " << text);
		g_autoptr(GError) error = nullptr;
		REQUIRE(json_parser_load_from_data(parser, text.c_str(), text.size(), &error));
		JsonNode *root = json_parser_get_root(parser);
		REQUIRE(root);
		REQUIRE(JSON_NODE_HOLDS_OBJECT(root));
		object = json_node_get_object(root);
	}
	~Parsed() { g_object_unref(parser); }

	std::string string(const char *name) const
	{
		INFO("member " << name);
		REQUIRE(json_object_has_member(object, name));
		JsonNode *node = json_object_get_member(object, name);
		REQUIRE(json_node_get_value_type(node) == G_TYPE_STRING);
		return json_node_get_string(node);
	}
	unsigned size() const { return json_object_get_size(object); }
};

/* Compact: no pretty-printing whitespace between tokens. */
void checkCompact(const std::string &json)
{
	INFO(json);
	CHECK(json.find('\n') == std::string::npos);
	CHECK(json.find("\": ") == std::string::npos);
	CHECK(json.find(", \"") == std::string::npos);
	CHECK(json.rfind("{\"type\":\"", 0) == 0);
}

} /* namespace */

TEST_CASE("simple client messages parse", "[message]")
{
	CHECK(checkValid(R"({"type":"start"})").type == ClientMessageType::Start);
	CHECK(checkValid(R"({"type":"stop"})").type == ClientMessageType::Stop);
	CHECK(checkValid(R"({"type":"ping"})").type == ClientMessageType::Ping);
	/* Whitespace and unknown extra fields are fine. */
	CHECK(checkValid(" {\n \"type\" : \"ping\", \"t\": 12345, \"x\": [1, {}] }\n").type ==
	      ClientMessageType::Ping);
}

TEST_CASE("an answer parses and keeps its SDP intact", "[message]")
{
	ClientMessage message = checkValid(answerJson(kAnswerSdp));
	CHECK(message.type == ClientMessageType::Answer);
	REQUIRE(message.answer);
	g_autofree char *text = gst_sdp_message_as_text(message.answer.get());
	CHECK(text == kAnswerSdp);
}

TEST_CASE("candidates and end-of-candidates parse", "[message]")
{
	ClientMessage message = checkValid(candidateJson(jsonString(kCandidate), "0"));
	CHECK(message.type == ClientMessageType::Candidate);
	CHECK(message.candidate == kCandidate);
	CHECK(message.mlineIndex == 0);

	message = checkValid(candidateJson(jsonString("a=" + kCandidate), "0"));
	CHECK(message.candidate == "a=" + kCandidate);

	/* End of candidates: "" or null, with or without an index. */
	for (const char *end : { "\"\"", "null" }) {
		for (const char *index : { "0", "", "null" }) {
			message = checkValid(candidateJson(end, index));
			CHECK(message.type == ClientMessageType::Candidate);
			CHECK(message.candidate.empty());
			CHECK(message.mlineIndex == 0);
		}
	}
}

TEST_CASE("bad-json: not JSON, or not an object", "[message]")
{
	checkError("", "bad-json", "empty");
	checkError("{", "bad-json", "not valid JSON");
	checkError("{\"type\":\"ping\"", "bad-json", "not valid JSON");
	checkError("type=ping", "bad-json", "not valid JSON");
	checkError("{\"type\":ping}", "bad-json", "not valid JSON");
	checkError("{\"type\":\"ping\",}", "bad-json", "not valid JSON");
	checkError("{\"type\":\"ping\"} trailing", "bad-json", "not valid JSON");
	checkError("[\"type\",\"ping\"]", "bad-json", "not a JSON object");
	checkError("\"ping\"", "bad-json", "not a JSON object");
	checkError("42", "bad-json", "not a JSON object");
	checkError("null", "bad-json", "not a JSON object");
	checkError(std::string("{\"type\":\"ping\"}\0", 16), "bad-json", "NUL");
	checkError("\xff\xfe{}", "bad-json", "");
}

TEST_CASE("too-large: over kMaxMessageSize bytes", "[message]")
{
	/* A padded ping exactly at the limit is fine, one byte more is not. */
	std::string head = "{\"type\":\"ping\",\"pad\":\"";
	std::string tail = "\"}";
	std::string atLimit = head + std::string(kMaxMessageSize - head.size() - tail.size(), 'x') + tail;
	REQUIRE(atLimit.size() == kMaxMessageSize);
	CHECK(checkValid(atLimit).type == ClientMessageType::Ping);

	std::string over = head + std::string(kMaxMessageSize, 'x') + tail;
	checkError(over, "too-large", std::to_string(over.size()));
	/* Size wins over syntax: a huge non-JSON blob is too-large too. */
	checkError(std::string(kMaxMessageSize + 1, '{'), "too-large", "limit");
}

TEST_CASE("bad-message: missing or non-string type", "[message]")
{
	checkError("{}", "bad-message", "\"type\"");
	checkError(R"({"sdp":"v=0"})", "bad-message", "\"type\"");
	checkError(R"({"type":1})", "bad-message", "\"type\" is not a string");
	checkError(R"({"type":null})", "bad-message", "\"type\" is not a string");
	checkError(R"({"type":["start"]})", "bad-message", "\"type\" is not a string");
	checkError(R"({"type":{"name":"start"}})", "bad-message", "\"type\" is not a string");
	checkError(R"({"type":true})", "bad-message", "\"type\" is not a string");
}

TEST_CASE("unknown-type names the type", "[message]")
{
	checkError(R"({"type":"offer","sdp":"v=0"})", "unknown-type", "\"offer\"");
	checkError(R"({"type":"START"})", "unknown-type", "\"START\"");
	checkError(R"({"type":""})", "unknown-type", "\"\"");

	/* A long type is echoed shortened, still as valid UTF-8. */
	std::string longType(300, 'q');
	ParsedMessage parsed = parseClientMessage("{\"type\":\"" + longType + "\"}");
	REQUIRE(parsed.error);
	CHECK(parsed.error->code == "unknown-type");
	CHECK(parsed.error->message.size() < 120);
	std::string accented;
	for (int i = 0; i < 100; i++)
		accented += "\xc3\xa9";
	parsed = parseClientMessage("{\"type\":\"" + accented + "\"}");
	REQUIRE(parsed.error);
	CHECK(g_utf8_validate(parsed.error->message.c_str(), -1, nullptr));
}

/* Found by fuzzing: json-glib's error quotes a token cut inside a character. */
TEST_CASE("bad-json replies are valid UTF-8", "[message]")
{
	const std::string text = "{\"type\": \"candidate\", \"candida:3028415214 8b-4d3e-9f3b-"
				 "\xcf\x9c\xcd\x9b\xdc\x9a\xcb\x9e"
				 "5a6b.local 51000 tyst 999\", "
				 "\"sdpMLineIndex\": 0}";
	ParsedMessage parsed = parseClientMessage(text);
	REQUIRE(parsed.error);
	CHECK(parsed.error->code == "bad-json");
	CHECK(g_utf8_validate(parsed.error->message.c_str(), -1, nullptr));
	std::string reply = errorMessage(*parsed.error);
	CHECK(g_utf8_validate(reply.c_str(), -1, nullptr));
}

/*
 * Every length up to the cut and past it: a type shorter than the cut was
 * read past its end (the sanitizer build caught it).
 */
TEST_CASE("unknown-type echoes a short type whole, a long one cut", "[message]")
{
	for (size_t length = 0; length <= 70; length++) {
		std::string type(length, 'x');
		INFO(length);
		ParsedMessage parsed = parseClientMessage("{\"type\":\"" + type + "\"}");
		REQUIRE(parsed.error);
		std::string expected = "\"" + type.substr(0, 64) + (length > 64 ? "...\"" : "\"");
		CHECK(parsed.error->message.find(expected) != std::string::npos);
	}
}

TEST_CASE("bad-sdp: answer without a valid string sdp", "[message]")
{
	checkError(R"({"type":"answer"})", "bad-sdp", "\"sdp\"");
	checkError(R"({"type":"answer","sdp":42})", "bad-sdp", "\"sdp\" is not a string");
	checkError(R"({"type":"answer","sdp":null})", "bad-sdp", "\"sdp\" is not a string");
	checkError(R"({"type":"answer","sdp":{"sdp":"v=0"}})", "bad-sdp", "not a string");
	checkError(R"({"type":"answer","sdp":""})", "bad-sdp", "SDP is empty");

	/* The parser's reason comes through (JSON's \u escapes make any text). */
	checkError(R"({"type":"answer","sdp":"v=0\r\ns=\udc00\r\n"})", "bad-sdp", "UTF-8");
}

TEST_CASE("bad-candidate: candidate or index malformed", "[message]")
{
	checkError(R"({"type":"candidate","sdpMLineIndex":0})", "bad-candidate", "\"candidate\"");
	checkError(candidateJson("42", "0"), "bad-candidate", "\"candidate\" is not a string");
	checkError(candidateJson("{}", "0"), "bad-candidate", "\"candidate\" is not a string");
	checkError(candidateJson("[\"candidate:1\"]", "0"), "bad-candidate", "not a string");

	const std::string good = jsonString(kCandidate);
	checkError(candidateJson(good, ""), "bad-candidate", "\"sdpMLineIndex\"");
	checkError(candidateJson(good, "null"), "bad-candidate", "\"sdpMLineIndex\"");
	checkError(candidateJson(good, "-1"), "bad-candidate", "negative");
	checkError(candidateJson(good, "0.5"), "bad-candidate", "not an integer");
	checkError(candidateJson(good, "0.0"), "bad-candidate", "not an integer");
	checkError(candidateJson(good, "\"0\""), "bad-candidate", "not an integer");
	checkError(candidateJson(good, "true"), "bad-candidate", "not an integer");
	checkError(candidateJson(good, "1"), "bad-candidate", "\"sdpMLineIndex\" is 1");
	checkError(candidateJson(good, "4294967296"), "bad-candidate", "sdpMLineIndex");
	/* json-glib wraps these (2^64 reads as -1): out of range, never "negative". */
	checkError(candidateJson(good, "18446744073709551616"), "bad-json",
		   "the number 18446744073709551616 does not fit in 64 bits");
	checkError(candidateJson(good, "9223372036854775808"), "bad-json", "does not fit in 64 bits");
	checkError(candidateJson(good, "-9223372036854775809"), "bad-json", "does not fit in 64 bits");
	/* The largest 64-bit values are only too big for the offer; digits in strings are text. */
	checkError(candidateJson(good, "9223372036854775807"), "bad-candidate", "\"sdpMLineIndex\" is 9223372036854775807");
	checkError(candidateJson(good, "-9223372036854775808"), "bad-candidate", "negative");
	checkError(R"({"type":"candidate","candidate":"candidate:1 1 UDP 18446744073709551616 1.2.3.4 5 typ host",)"
		   R"("sdpMLineIndex":-1})", "bad-candidate", "negative");
	checkError(candidateJson("\"\"", "-3"), "bad-candidate", "negative");
	checkError(candidateJson("null", "1.5"), "bad-candidate", "not an integer");

	/* The candidate text itself goes through the validator. */
	checkError(candidateJson("\"hello\"", "0"), "bad-candidate", "candidate:");
	checkError(candidateJson(jsonString("candidate:1 1 udp 1 999.0.0.1 9 typ host"), "0"),
		   "bad-candidate", "address");
	checkError(candidateJson(jsonString("candidate:1 1 udp 1 10.0.0.1 9 typ banana"), "0"),
		   "bad-candidate", "type");
}

TEST_CASE("welcome carries the id and RTCConfiguration-style ICE servers", "[message][builder]")
{
	std::vector<IceServer> servers = {
		{ { "stun:stun.example.org:3478" }, "", "" },
		{ { "turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349" },
		  "user \"quoted\"",
		  "pa\\ss\nword" },
	};
	std::string json = welcomeMessage("viewer-7\"x", servers);
	checkCompact(json);
	Parsed parsed(json);
	CHECK(parsed.string("type") == "welcome");
	CHECK(parsed.string("id") == "viewer-7\"x");

	JsonArray *array = json_object_get_array_member(parsed.object, "iceServers");
	REQUIRE(array);
	REQUIRE(json_array_get_length(array) == 2);

	JsonObject *stun = json_array_get_object_element(array, 0);
	REQUIRE(stun);
	JsonArray *urls = json_object_get_array_member(stun, "urls");
	REQUIRE(json_array_get_length(urls) == 1);
	CHECK(std::string(json_array_get_string_element(urls, 0)) == "stun:stun.example.org:3478");
	/* Empty username and credential are left out, not sent as "". */
	CHECK_FALSE(json_object_has_member(stun, "username"));
	CHECK_FALSE(json_object_has_member(stun, "credential"));

	JsonObject *turn = json_array_get_object_element(array, 1);
	urls = json_object_get_array_member(turn, "urls");
	REQUIRE(json_array_get_length(urls) == 2);
	CHECK(std::string(json_array_get_string_element(urls, 0)) ==
	      "turn:turn.example.org:3478?transport=udp");
	CHECK(std::string(json_array_get_string_element(urls, 1)) == "turns:turn.example.org:5349");
	CHECK(std::string(json_object_get_string_member(turn, "username")) == "user \"quoted\"");
	CHECK(std::string(json_object_get_string_member(turn, "credential")) == "pa\\ss\nword");

	/* No servers: still an (empty) array, so the page can pass it on as is. */
	Parsed none(welcomeMessage("v1", {}));
	JsonArray *empty = json_object_get_array_member(none.object, "iceServers");
	REQUIRE(empty);
	CHECK(json_array_get_length(empty) == 0);
}

TEST_CASE("offer, candidate, pong, bye and error build and escape correctly",
	  "[message][builder]")
{
	/* SDP is full of CRLFs; they must survive as escapes. */
	std::string offer = offerMessage(kAnswerSdp);
	checkCompact(offer);
	CHECK(offer.find("\\r\\n") != std::string::npos);
	Parsed parsedOffer(offer);
	CHECK(parsedOffer.size() == 2);
	CHECK(parsedOffer.string("type") == "offer");
	CHECK(parsedOffer.string("sdp") == kAnswerSdp);

	std::string candidate = candidateMessage(kCandidate, 3);
	checkCompact(candidate);
	Parsed parsedCandidate(candidate);
	CHECK(parsedCandidate.size() == 3);
	CHECK(parsedCandidate.string("type") == "candidate");
	CHECK(parsedCandidate.string("candidate") == kCandidate);
	JsonNode *index = json_object_get_member(parsedCandidate.object, "sdpMLineIndex");
	REQUIRE(index);
	CHECK(json_node_get_value_type(index) == G_TYPE_INT64);
	CHECK(json_node_get_int(index) == 3);

	std::string pong = pongMessage();
	CHECK(pong == "{\"type\":\"pong\"}");

	std::string bye = byeMessage("camera \"front\" stopped\n\ttry again");
	checkCompact(bye);
	Parsed parsedBye(bye);
	CHECK(parsedBye.size() == 2);
	CHECK(parsedBye.string("type") == "bye");
	CHECK(parsedBye.string("reason") == "camera \"front\" stopped\n\ttry again");

	std::string error = errorMessage({ "bad-sdp", "field \"sdp\" is invalid: line 3\r\nx \\ y \xc3\xa9" });
	checkCompact(error);
	Parsed parsedError(error);
	CHECK(parsedError.size() == 3);
	CHECK(parsedError.string("type") == "error");
	CHECK(parsedError.string("code") == "bad-sdp");
	CHECK(parsedError.string("message") ==
	      "field \"sdp\" is invalid: line 3\r\nx \\ y \xc3\xa9");
}

TEST_CASE("every parse error turns into an error message that parses back", "[message][builder]")
{
	const std::vector<std::string> inputs = {
		"nope", "{}", R"({"type":"x\"y"})", R"({"type":"answer","sdp":""})",
		R"({"type":"candidate","candidate":"x","sdpMLineIndex":0})",
		std::string(kMaxMessageSize + 1, ' '),
	};
	const std::vector<std::string> codes = {
		"bad-json", "bad-message", "unknown-type", "bad-sdp", "bad-candidate", "too-large",
	};
	for (size_t i = 0; i < inputs.size(); i++) {
		ParsedMessage parsed = parseClientMessage(inputs[i]);
		REQUIRE(parsed.error);
		CHECK(parsed.error->code == codes[i]);
		Parsed back(errorMessage(*parsed.error));
		CHECK(back.string("code") == codes[i]);
		CHECK(back.string("message") == parsed.error->message);
	}
}
