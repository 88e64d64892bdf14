/* SPDX-License-Identifier: MIT */
/*
 * A WHEP POST body, through everything the server does with it before
 * webrtcbin: the offer parse with its H.264 payload choice (GstSdp caps)
 * and the session description the offer becomes.
 */
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "FuzzSupport.h"
#include "core/GlibPtr.h"
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
	RemoteSdp offer = parseWhepOffer(std::string_view(reinterpret_cast<const char *>(data), size));
	if (!offer) {
		FUZZ_CHECK(!offer.message && offer.payloadType < 0, "refused offer keeps a result");
		return 0;
	}
	FUZZ_CHECK(offer.message, "accepted offer has no message");
	FUZZ_CHECK(offer.payloadType >= 0 && offer.payloadType <= 127,
		   std::to_string(offer.payloadType));

	/* The chosen payload type is one the offer lists. */
	bool listed = false;
	for (guint m = 0; m < gst_sdp_message_medias_len(offer.message.get()) && !listed; m++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(offer.message.get(), m);
		for (guint f = 0; f < gst_sdp_media_formats_len(media); f++)
			listed |= std::to_string(offer.payloadType) == gst_sdp_media_get_format(media, f);
	}
	FUZZ_CHECK(listed, "chosen payload type " + std::to_string(offer.payloadType) + " is not offered");
	/* As ViewerBranch::answerOffer() does before handing it to webrtcbin. */
	SessionDescriptionPtr description = SessionDescriptionPtr::adopt(
		gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, offer.message.release()));
	FUZZ_CHECK(description->sdp, "no SDP in the description");
	return 0;
}
