/* SPDX-License-Identifier: MIT */
/*
 * One viewer's branch of the fan-out: a bin holding a small leaky queue
 * (so a slow viewer drops its own packets instead of stalling the tee) and
 * a webrtcbin with one sendonly H.264 transceiver.
 *
 * It tells its ViewerObserver (under its name) of local candidates,
 * connected/disconnected, stats, and ended when ICE or DTLS failed.
 *
 * Thread contract: public methods run on the main thread. webrtcbin calls
 * back from its own thread; those handlers copy what they need and post it
 * to the main thread, guarded by this object's Lifetime, so nothing here
 * is touched after destruction.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/KeyframeGate.h"
#include "pipeline/ViewerObserver.h"

namespace wcam {

class ViewerBranch
{
public:
	struct Options {
		std::vector<IceServer> iceServers;
		/* IP literals or interface names; empty = libnice's default. */
		std::vector<std::string> iceAddresses;
		/* Certificate and key (PEM) for DTLS; empty: GStreamer makes one. */
		std::string dtlsPem;
		/* Ask the router for UPnP port mappings ([network] upnp). */
		bool upnp = false;
	};

	/* Result of an SDP step: the SDP text, or an error. */
	using SdpCallback = std::function<void(const std::string &sdp, const std::string &error)>;
	using DoneCallback = std::function<void(const std::string &error)>;

	/* `observer` outlives the branch. */
	ViewerBranch(const std::string &name, const Options &options, ViewerObserver &observer);
	~ViewerBranch();

	ViewerBranch(const ViewerBranch &) = delete;
	ViewerBranch &operator=(const ViewerBranch &) = delete;

	/* Empty when the branch was built; otherwise why not (nothing else works then). */
	const std::string &error() const { return error_; }

	GstElement *bin() const { return bin_.get(); }
	GstElement *webrtc() const { return webrtc_.get(); }

	/*
	 * Fix the codec of the sendonly transceiver to `rtpCaps` (the
	 * payloader's caps). When the peer chose another payload type (WHEP
	 * offers), outgoing packets and caps are rewritten to `payloadType`.
	 */
	void setCodec(GstCaps *rtpCaps, int payloadType = -1);

	/*
	 * Media passes only once the peer is connected: packets queued during
	 * the ICE/DTLS handshake would reach it late and with a gap, which the
	 * receiver counts as loss (and the adaptive controller as congestion).
	 * It starts with the next keyframe: nothing undecodable goes first.
	 */
	void openGate();
	/* When (monotonic µs) the gate let the first keyframe through; 0 not yet. */
	int64_t firstMediaUs() const { return gate_ ? gate_->passedUs() : 0; }

	/* We offer (websocket viewers): create-offer + set-local-description. */
	void createOffer(SdpCallback done);
	/*
	 * We offer without trickle (WHIP): as createOffer, but `done` gets the
	 * offer once gathering completed, with every candidate in it.
	 */
	void createCompleteOffer(SdpCallback done);
	void setRemoteAnswer(SdpMessagePtr answer, DoneCallback done);

	/*
	 * They offer (WHEP): set-remote-description + create-answer + set-local;
	 * `done` gets the answer once gathering completed (WHEP has no trickle:
	 * the answer carries every candidate), or why there is none; `refused`
	 * instead when webrtcbin refuses the offer itself (the client's fault).
	 */
	void answerOffer(SdpMessagePtr offer, SdpCallback done, DoneCallback refused);

	void addRemoteCandidate(unsigned mlineIndex, const std::string &candidate);

	/* The local description with every candidate gathered so far. */
	std::string localDescription() const;

	/* Ask webrtcbin; the figures reach the observer's stats() later. */
	void requestStats();

	/*
	 * When the peer's last RTCP packet arrived (monotonic µs): 0 none yet,
	 * -1 while the RTP session is not watched (before negotiation).
	 */
	int64_t lastRtcpUs() const { return rtcpWatched_ ? lastRtcpUs_ : -1; }

	/* Resolve interface names to their addresses (IP literals pass). */
	static std::vector<std::string> resolveIceAddresses(const std::vector<std::string> &entries);

	/* "stun:host:port" -> "stun://host:port"; TURN with credentials. */
	static std::string toGstIceUrl(const std::string &url, const std::string &username,
				       const std::string &credential);

private:
	void configureIce(const Options &options);
	/* Note the peer's RTCP (and its REMB) from the RTP session, once it exists. */
	void watchRtcp();
	void setLocal(GstWebRTCSessionDescription *description, SdpCallback done);
	void onIceConnectionState(GstWebRTCICEConnectionState state);
	void onConnectionState(GstWebRTCPeerConnectionState state);
	void onGatheringState(GstWebRTCICEGatheringState state);
	void deliverAnswer();
	/* Once the local SDP is set: hand it to `done` when gathering has completed. */
	SdpCallback deliverWhenGathered(SdpCallback done);

	std::string error_;
	GstPtr<GstElement> bin_;
	GstPtr<GstElement> queue_;
	GstPtr<GstElement> webrtc_;
	GstPtr<GstPad> webrtcSink_;
	/* Owned by the gate probe on the queue's sink pad, read by the streaming thread. */
	std::unique_ptr<KeyframeGate> gate_;
	std::string dtlsFingerprint_; /* of options' certificate; empty: webrtcbin's own */
	std::vector<SignalConnection> signals_;
	std::string name_;
	ViewerObserver &observer_;
	bool iceLost_ = false; /* ICE disconnected since the last connected */
	/* answerOffer, createCompleteOffer: the SDP goes once it is set and gathering completed. */
	SdpCallback answerDone_;
	bool localSet_ = false;
	bool gathered_ = false;
	bool rtcpWatched_ = false;
	int64_t lastRtcpUs_ = 0;
	int64_t lastReportUs_ = 0; /* the last RTCP with a receiver report */
	uint64_t remb_ = 0;
	int64_t rembAtUs_ = 0;
	Lifetime lifetime_;
};

} /* namespace wcam */
