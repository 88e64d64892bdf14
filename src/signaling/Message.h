/* SPDX-License-Identifier: MIT */
/*
 * The /ws signaling protocol (documented in README.md): JSON text messages.
 *
 * Browser -> server
 *   {"type":"offer","sdp":"v=0..."}          ask for a stream with our own
 *       offer (recvonly H.264, as a WHEP offer): the server answers
 *   {"type":"start"}                         ask for a stream, the server offers
 *   {"type":"answer","sdp":"v=0..."}         answer to the server's offer
 *   {"type":"candidate","candidate":"candidate:...","sdpMLineIndex":0}
 *       a trickled ICE candidate; "candidate":"" (or null) ends trickling
 *   {"type":"stop"}                          stop the stream, keep the socket
 *   {"type":"ping"}                          keep-alive, answered by pong
 *
 * Server -> browser
 *   {"type":"welcome","id":"...","iceServers":[{urls,username,credential}]}
 *       first, as soon as the socket opens
 *   {"type":"offer","sdp":"v=0..."}          after start
 *   {"type":"answer","sdp":"v=0..."}         to the browser's offer, with
 *       every candidate of ours (none trickle after it)
 *   {"type":"candidate","candidate":"candidate:...","sdpMLineIndex":0}
 *   {"type":"pong"}
 *   {"type":"bye","reason":"..."}            server ended the stream
 *   {"type":"error","code":"...","message":"..."}
 *       code: bad-json | bad-message | unknown-type | bad-sdp |
 *             bad-candidate | busy | bad-state | too-large | internal
 *
 * Parsing is pure (json-glib, GstSdp): an answer's or offer's SDP is
 * parsed here, once (parseAnswer, parseWhepOffer), and the message goes
 * to webrtcbin as it is.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"
#include "core/GlibPtr.h"

namespace wcam {

enum class ClientMessageType { Start, Offer, Answer, Candidate, Stop, Ping };

struct ClientMessage {
	ClientMessageType type;
	SdpMessagePtr sdp;     /* Answer, Offer: parseAnswer()'s or parseWhepOffer()'s reading */
	std::string candidate; /* Candidate; empty = end of candidates */
	unsigned mlineIndex = 0;
	int payloadType = -1; /* Offer: the H.264 format we send */
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
std::string answerMessage(const std::string &sdp);
std::string candidateMessage(const std::string &candidate, unsigned mlineIndex);
std::string pongMessage();
std::string byeMessage(const std::string &reason);
std::string errorMessage(const ProtocolError &error);

} /* namespace wcam */
