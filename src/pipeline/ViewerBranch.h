/* SPDX-License-Identifier: MIT */
/*
 * One viewer's branch of the fan-out: a bin holding a small leaky queue
 * (so a slow viewer drops its own packets instead of stalling the tee) and
 * a webrtcbin with one sendonly H.264 transceiver.
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

namespace wcam {

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
};

class ViewerBranch
{
public:
	class Listener
	{
	public:
		virtual ~Listener() = default;
		virtual void onLocalCandidate(unsigned mlineIndex, const std::string &candidate) = 0;
		virtual void onIceConnectionState(GstWebRTCICEConnectionState state) = 0;
		virtual void onConnectionState(GstWebRTCPeerConnectionState state) = 0;
		virtual void onGatheringComplete() = 0;
	};

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

	ViewerBranch(const std::string &name, const Options &options, Listener *listener);
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

	/* We offer (websocket viewers): create-offer + set-local-description. */
	void createOffer(SdpCallback done);
	void setRemoteAnswer(SdpMessagePtr answer, DoneCallback done);

	/* They offer (WHEP): set-remote-description + create-answer + set-local. */
	void answerOffer(SdpMessagePtr offer, SdpCallback done);

	void addRemoteCandidate(unsigned mlineIndex, const std::string &candidate);

	/* The local description with every candidate gathered so far. */
	std::string localDescription() const;

	void requestStats(std::function<void(const ViewerRtcStats &)> done);

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

	std::string error_;
	GstPtr<GstElement> bin_;
	GstPtr<GstElement> queue_;
	GstPtr<GstElement> webrtc_;
	GstPtr<GstPad> webrtcSink_;
	/* Owned by the gate probe on the queue's sink pad, read by the streaming thread. */
	std::unique_ptr<KeyframeGate> gate_;
	std::string dtlsFingerprint_; /* of options' certificate; empty: webrtcbin's own */
	std::vector<SignalConnection> signals_;
	Listener *listener_;
	bool rtcpWatched_ = false;
	int64_t lastRtcpUs_ = 0;
	uint64_t remb_ = 0;
	int64_t rembAtUs_ = 0;
	Lifetime lifetime_;
};

} /* namespace wcam */
