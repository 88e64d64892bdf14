/* SPDX-License-Identifier: MIT */
/*
 * A viewer's life, told to whoever watches it. One interface at every
 * level: a ViewerBranch tells its Viewer, a Viewer tells the
 * ViewerManager, the manager tells the viewer's owner (the websocket
 * client or the WHEP endpoint). Every call names the viewer, so one
 * observer can watch many.
 *
 * Thread contract: called on the main thread only, possibly from inside
 * a call into what is watched (a refused answer signals its error at
 * once). An observer outlives what it watches, or removes it first.
 */
#pragma once

#include <cstdint>
#include <string>

namespace wcam {

/* What one viewer's RTCP and webrtcbin say about its path. */
struct ViewerRtcStats {
	uint64_t bytesSent = 0;
	uint64_t packetsSent = 0;
	double roundTripTime = -1; /* seconds, -1 until RTCP arrived */
	double fractionLost = 0;   /* 0..1 */
	int64_t packetsLost = 0;
	double jitter = 0; /* seconds */
	uint64_t pliCount = 0;
	uint64_t firCount = 0;
	uint64_t nackCount = 0;
	double remb = -1; /* bit/s the receiver estimates (REMB), -1 none lately */
	/*
	 * When the peer's last RTCP receiver report arrived (monotonic µs, 0
	 * none yet): a sample whose report time did not move says nothing new.
	 */
	int64_t reportUs = 0;
};

class ViewerObserver
{
public:
	virtual ~ViewerObserver() = default;

	/* Admitted under `id` (the manager, before anything else). */
	virtual void joined(const std::string &id) { (void)id; }
	/* A signaling message (JSON) for the peer: websocket viewers. */
	virtual void signal(const std::string &id, const std::string &json) { (void)id, (void)json; }
	/* A local ICE candidate (the branch; the Viewer turns it into a signal). */
	virtual void candidate(const std::string &id, unsigned mlineIndex, const std::string &candidate)
	{
		(void)id, (void)mlineIndex, (void)candidate;
	}
	/*
	 * WHEP: the answer with every candidate, or why there is none;
	 * `offerRefused`: webrtcbin refused the offer (the client's to fix).
	 */
	virtual void answer(const std::string &id, const std::string &sdp, const std::string &error,
			    bool offerRefused)
	{
		(void)id, (void)sdp, (void)error, (void)offerRefused;
	}
	/* The peer is connected (again): media flows. */
	virtual void connected(const std::string &id) { (void)id; }
	/* ICE lost the peer; it may come back (connected) or time out (ended). */
	virtual void disconnected(const std::string &id) { (void)id; }
	/* Fresh figures from the stats clock. */
	virtual void stats(const std::string &id, const ViewerRtcStats &stats) { (void)id, (void)stats; }
	/*
	 * The viewer cannot go on (ICE/DTLS failed, timed out...). From the
	 * manager: it is removed already. Not called for a removal its owner
	 * asked for.
	 */
	virtual void ended(const std::string &id, const std::string &reason) { (void)id, (void)reason; }
};

} /* namespace wcam */
