/* SPDX-License-Identifier: MIT */
/*
 * Remote SDP and ICE candidates, read once before webrtcbin sees them.
 * A description is parsed here, into the GstSDPMessage that later goes
 * to webrtcbin as it is; nobody parses the text again. What is refused
 * here is only what GStreamer 1.22.0 would mishandle (each rule names the
 * code path in SdpValidator.cpp and has its test); everything webrtcbin
 * checks itself (mid, ICE credentials, DTLS setup and fingerprint, m-line
 * count, BUNDLE) it reports itself, as the error of set-remote-description.
 */
#pragma once

#include <string>
#include <string_view>

#include "core/GlibPtr.h"

namespace wcam {

struct RemoteSdp {
	/* Empty when accepted, else a one-line reason naming what is wrong. */
	std::string error;
	/* GstSdp's reading of the text; set when accepted. */
	SdpMessagePtr message;

	/* WHEP offers: the H.264 format we send, in the first video section. */
	int payloadType = -1;
	std::string mid;
	std::string profile; /* GstSdp's name, e.g. "constrained-baseline"; may be empty */

	explicit operator bool() const { return error.empty(); }
};

/* A browser's answer to our offer. */
RemoteSdp parseAnswer(std::string_view sdp);

/*
 * A WHEP client's offer. Its first video section must receive (recvonly,
 * sendrecv or no direction) H.264 with packetization-mode=1; of those
 * formats, constrained baseline is preferred, then baseline, then the
 * first offered.
 */
RemoteSdp parseWhepOffer(std::string_view sdp);

/*
 * One trickled candidate line, with or without the "a=" prefix, for
 * m-line `mlineIndex` of `mediaCount`: "" when acceptable, else why not.
 */
std::string validateCandidate(std::string_view candidate, unsigned mlineIndex,
			      unsigned mediaCount = 1);

} /* namespace wcam */
