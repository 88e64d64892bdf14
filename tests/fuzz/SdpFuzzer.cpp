/* SPDX-License-Identifier: MIT */
/*
 * The remote answer parse and trickled candidate checks, and what an
 * accepted answer goes through before webrtcbin: the parsed message into a
 * session description (webrtcbin itself is not involved).
 */
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "FuzzSupport.h"
#include "core/GlibPtr.h"
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

	/* The same bytes as a candidate, at each index we could be told. */
	for (unsigned index = 0; index < 2; index++) {
		std::string reason = validateCandidate(text, index, 1);
		if (reason.empty())
			FUZZ_CHECK(index == 0, "candidate accepted for a missing m-line");
	}

	RemoteSdp answer = parseAnswer(text);
	FUZZ_CHECK(answer || !answer.message, "refused answer keeps a message");
	if (!answer)
		return 0;
	FUZZ_CHECK(answer.message, "accepted answer has no message");
	/* As ViewerBranch::setRemoteAnswer does. */
	SessionDescriptionPtr description = SessionDescriptionPtr::adopt(
		gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, answer.message.release()));
	g_autofree char *again = gst_sdp_message_as_text(description->sdp);
	FUZZ_CHECK(again, "accepted answer does not print");
	return 0;
}
