/* SPDX-License-Identifier: MIT */
/*
 * The /ws signaling parser: any bytes a browser (or anyone) can send as a
 * text frame, and the error reply we would build from them.
 */
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "FuzzSupport.h"
#include "signaling/Message.h"
#include "signaling/SdpValidator.h"

using namespace wcam;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	fuzz::setUp();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	ParsedMessage parsed = parseClientMessage(text);

	FUZZ_CHECK(parsed.message.has_value() != parsed.error.has_value(), "exactly one of message and error");

	if (parsed.error) {
		static const std::set<std::string> codes = {
			"bad-json", "bad-message", "unknown-type", "bad-sdp", "bad-candidate", "too-large",
		};
		FUZZ_CHECK(codes.count(parsed.error->code), parsed.error->code);
		/* The reply goes back as a text frame: it must be valid UTF-8. */
		std::string reply = errorMessage(*parsed.error);
		FUZZ_CHECK(g_utf8_validate(reply.data(), reply.size(), nullptr), reply);
		return 0;
	}

	const ClientMessage &message = *parsed.message;
	switch (message.type) {
	case ClientMessageType::Answer:
		FUZZ_CHECK(message.answer, "accepted answer has no parsed SDP");
		break;
	case ClientMessageType::Candidate:
		FUZZ_CHECK(message.mlineIndex == 0, std::to_string(message.mlineIndex));
		if (!message.candidate.empty())
			FUZZ_CHECK(validateCandidate(message.candidate, message.mlineIndex).empty(),
				   message.candidate);
		break;
	default:
		break;
	}
	return 0;
}
