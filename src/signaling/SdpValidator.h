/* SPDX-License-Identifier: MIT */
/*
 * Checks remote SDP and ICE candidates before webrtcbin sees them.
 * GStreamer 1.22's webrtcbin g_assert()s (aborting the whole server) on
 * some malformed input, so anything a browser or WHEP client sends goes
 * through here first. Each function returns an empty string when the input
 * is acceptable, otherwise a one-line reason naming what is wrong.
 */
#pragma once

#include <string>
#include <string_view>

#include "core/GlibPtr.h"

namespace wcam {

/*
 * An answer to our offer: parses with GstSdp, has at least one media
 * section, no more than `offeredMedia` sections, each media section has a
 * port, a protocol with "RTP" and "SAVPF" (or "UDP/TLS/RTP/SAVPF"), at
 * least one format, ICE credentials (ice-ufrag, ice-pwd at session or
 * media level), a DTLS fingerprint and a setup attribute (active/passive/
 * actpass), and a mid. `offeredMedia` = 0 skips the count check.
 */
std::string validateAnswer(std::string_view sdp, unsigned offeredMedia = 1);

/*
 * An offer from a WHEP client: same structural checks as an answer, plus
 * a video media section offering H264 (rtpmap ... H264/90000) and a
 * direction that lets it receive (recvonly or sendrecv, or none given).
 */
std::string validateWhepOffer(std::string_view sdp);

/*
 * One trickled candidate line, with or without the "a=" prefix:
 * "candidate:<foundation> <component> <udp|tcp> <priority> <address>
 *  <port> typ <host|srflx|prflx|relay> [...]". The address is an IPv4/IPv6
 * literal or an mDNS name (*.local). `mlineIndex` must be below
 * `mediaCount`.
 */
std::string validateCandidate(std::string_view candidate, unsigned mlineIndex,
			      unsigned mediaCount = 1);

/*
 * GstSdp's reading of `sdp` (up to its first NUL byte, which the checks
 * above refuse), or null when GstSdp refuses it.
 */
SdpMessagePtr parseSdp(const std::string &sdp);

} /* namespace wcam */
