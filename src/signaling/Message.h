/* SPDX-License-Identifier: MIT */
/*
 * The /ws signaling protocol (documented in README.md): JSON text messages.
 *
 * Browser -> server
 *   {"type":"start"}                         ask for a stream
 *   {"type":"answer","sdp":"v=0..."}         answer to the server's offer
 *   {"type":"candidate","candidate":"candidate:...","sdpMLineIndex":0}
 *       a trickled ICE candidate; "candidate":"" (or null) ends trickling
 *   {"type":"stop"}                          stop the stream, keep the socket
 *   {"type":"ping"}                          keep-alive, answered by pong
 *
 * Server -> browser
 *   {"type":"welcome","id":"...","iceServers":[{urls,username,credential}]}
 *       first, as soon as the socket opens
 *   {"type":"offer","sdp":"v=0..."}
 *   {"type":"candidate","candidate":"candidate:...","sdpMLineIndex":0}
 *   {"type":"pong"}
 *   {"type":"bye","reason":"..."}            server ended the stream
 *   {"type":"error","code":"...","message":"..."}
 *       code: bad-json | bad-message | unknown-type | bad-sdp |
 *             bad-candidate | busy | bad-state | too-large | internal
 *
 * Parsing is pure (json-glib, GstSdp): an answer's SDP is parsed here,
 * once (parseAnswer), and the message goes to webrtcbin as it is.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/GlibPtr.h"

namespace wcam {

enum class ClientMessageType { Start, Answer, Candidate, Stop, Ping };

struct ClientMessage {
	ClientMessageType type;
	SdpMessagePtr answer;  /* Answer: parseAnswer()'s reading */
	std::string candidate; /* Candidate; empty = end of candidates */
	unsigned mlineIndex = 0;
};

struct ProtocolError {
	std::string code;    /* see the list above */
	std::string message; /* human readable, names the field at fault */
};

struct ParsedMessage {
	std::optional<ClientMessage> message;
	std::optional<ProtocolError> error; /* exactly one of the two is set */
};

/* Largest message we accept, in bytes (an SDP answer is a few KiB). */
constexpr size_t kMaxMessageSize = 64 * 1024;

/*
 * Parse one text message. Checks JSON syntax, the type, the fields each
 * type needs, and that an answer's SDP and a candidate are well formed
 * (see SdpValidator). Never throws.
 */
ParsedMessage parseClientMessage(std::string_view text);

std::string welcomeMessage(const std::string &viewerId,
			   const std::vector<IceServer> &iceServers);
std::string offerMessage(const std::string &sdp);
std::string candidateMessage(const std::string &candidate, unsigned mlineIndex);
std::string pongMessage();
std::string byeMessage(const std::string &reason);
std::string errorMessage(const ProtocolError &error);

} /* namespace wcam */
