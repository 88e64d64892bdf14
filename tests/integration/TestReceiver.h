/* SPDX-License-Identifier: MIT */
/*
 * A viewer for tests: a websocket to /ws speaking our protocol, or a WHEP
 * client, and a receiving webrtcbin that decodes what it gets and counts
 * the frames. Everything runs on the default main context.
 */
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "support/TestSupport.h"

namespace wcam::test {

class TestReceiver
{
public:
	explicit TestReceiver(std::string name);
	~TestReceiver();

	/* Connect to ws://127.0.0.1:port/ws and send start. */
	void connectWebSocket(int port);
	/* Offer to http://127.0.0.1:port/whep. */
	void connectWhep(int port);

	void send(const std::string &json);
	void sendStop();
	/* Stop pinging and drop all media, leaving the socket open. */
	void vanish();
	/* Close the websocket without a word. */
	void closeSocket();
	/* Drop the TCP connection under the websocket (no close frame), as a killed browser does. */
	void dropSocket();
	/*
	 * Never complete ICE: keep our candidates to ourselves and ignore the
	 * server's (WHEP: offer without candidates, answer ignored). Call
	 * before connecting.
	 */
	void setStall(bool stall) { stall_ = stall; }
	/* DELETE the WHEP session; the HTTP status. */
	guint deleteWhep();
	/* An Authorization header value sent with every request from now on. */
	void setAuthorization(std::string value) { authorization_ = std::move(value); }

	uint64_t frames() const { return frames_.load(); }
	/*
	 * Y, U and V of the centre pixel of the last decoded frame, as
	 * 0xYYUUVV; -1 before any frame. Tells pictures apart (two cameras).
	 */
	int32_t centreYuv() const { return centreYuv_.load(); }
	/*
	 * The longest time between two decoded frames since the last call,
	 * counting the time since the last frame (µs; 0 before any frame).
	 */
	int64_t takeMaxFrameGapUs();
	const std::vector<std::string> &errors() const { return errors_; }
	const std::vector<std::string> &byes() const { return byes_; }
	const std::string &whepLocation() const { return whepLocation_; }
	guint whepStatus() const { return whepStatus_; }
	std::string viewerId() const { return viewerId_; }
	bool socketOpen() const;

private:
	void buildPipeline();
	void onMessage(const std::string &text);
	void onOffer(const std::string &sdp);
	void sendWhepOffer();
	void authorize(SoupMessage *message);

	std::string name_;
	int port_ = 0;
	GstElement *pipeline_ = nullptr;
	GstElement *webrtc_ = nullptr;
	SoupSession *session_ = nullptr;
	SoupWebsocketConnection *ws_ = nullptr;
	guint pingTimer_ = 0;
	std::atomic<uint64_t> frames_{ 0 };
	/* Written by the decoder's streaming thread. */
	std::atomic<int64_t> lastFrameUs_{ 0 };
	std::atomic<int64_t> maxGapUs_{ 0 };
	std::atomic<int32_t> centreYuv_{ -1 };
	std::vector<std::string> errors_;
	std::vector<std::string> byes_;
	std::string viewerId_;
	std::string whepLocation_;
	guint whepStatus_ = 0;
	bool vanished_ = false;
	bool stall_ = false;
	std::string authorization_;
};

} /* namespace wcam::test */
