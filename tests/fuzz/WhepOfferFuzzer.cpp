/* SPDX-License-Identifier: MIT */
/*
 * A WHEP POST body, through everything the server does with it before
 * webrtcbin: the offer check, the H.264 payload choice (GstSdp caps) and
 * the session description the offer becomes.
 */
#include <cstddef>
#include <cstdint>
#include <string>

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "FuzzSupport.h"
#include "core/GlibPtr.h"
#include "server/Viewer.h"
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
	/* As WhepEndpoint::post() takes the body. */
	if (size > kMaxMessageSize)
		return 0;
	std::string offer(reinterpret_cast<const char *>(data), size);
	if (!validateWhepOffer(offer).empty())
		return 0;

	std::string why;
	int pt = Viewer::chooseH264Payload(offer, why);
	FUZZ_CHECK(pt >= 0 || !why.empty(), "no payload type and no reason");
	if (pt < 0)
		return 0;
	FUZZ_CHECK(pt <= 127, std::to_string(pt));

	/* As ViewerBranch::answerOffer() does before handing it to webrtcbin. */
	SdpMessagePtr message = parseSdp(offer);
	FUZZ_CHECK(message, "accepted offer does not parse");
	bool listed = false;
	for (guint m = 0; m < gst_sdp_message_medias_len(message.get()) && !listed; m++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(message.get(), m);
		for (guint f = 0; f < gst_sdp_media_formats_len(media); f++)
			listed |= std::to_string(pt) == gst_sdp_media_get_format(media, f);
	}
	FUZZ_CHECK(listed, "chosen payload type " + std::to_string(pt) + " is not offered");
	SessionDescriptionPtr description = SessionDescriptionPtr::adopt(
		gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, message.release()));
	FUZZ_CHECK(description->sdp, "no SDP in the description");
	return 0;
}
