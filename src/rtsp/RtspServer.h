/* SPDX-License-Identifier: MIT */
/*
 * rtsp://HOST:[rtsp] port/[rtsp] path for NVRs and players: gst-rtsp-server
 * on the main context, one shared media for all its clients, fed by an
 * RtspFeed from the one encoded stream (the payloader's RTP, depayloaded
 * and payloaded again per media: no second encode). RTP goes over UDP or
 * interleaved in the RTSP connection (TCP), as the client asks. Logins are
 * the web's users when users_file has any.
 *
 * Thread contract: public methods run on the main thread. gst-rtsp-server
 * handles clients in its own thread and prepares media in others; those
 * callbacks touch only atomics, the RtspFeed's Sources, and post the rest
 * (keyframe requests) to the main thread under this object's Lifetime.
 */
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <gst/rtsp-server/rtsp-server.h>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "pipeline/StreamPipeline.h"
#include "rtsp/RtspAuth.h"
#include "rtsp/RtspFeed.h"

namespace wcam {

class RtspServer
{
public:
	/* `bindAddress`: the web server's, loopback included while it has no user. */
	RtspServer(const Config &config, const std::string &bindAddress, StreamPipeline &pipeline);
	~RtspServer();

	RtspServer(const RtspServer &) = delete;
	RtspServer &operator=(const RtspServer &) = delete;

	/* Listen and attach to the default main context; false with `error` set when not. */
	bool start(std::string &error);

	/*
	 * Reload: [security] users from the next RTSP request, and at most
	 * [network] max_viewers RTSP sessions (counted apart from WebRTC's).
	 */
	void applyConfig(const Config &config);

	/* The port really bound (useful with port 0 in tests). */
	int port() const { return port_; }
	std::string url() const;

	/* RTSP clients playing now (PLAY sent; not paused, torn down or gone). */
	unsigned clients() const { return playing_->load(); }
	const RtspFeed &feed() const { return *feed_; }

	/* The RTSP media's pipeline (appsrc, then RTP as it came, payloaded again). */
	static const char *mediaLaunch();

private:
	static void onClientConnected(GstRTSPServer *server, GstRTSPClient *client, gpointer data);
	static void onMediaConfigure(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer data);
	void setMaxSessions(int sessions);

	Config config_;
	std::string bind_;
	std::unique_ptr<RtspFeed> feed_;
	std::shared_ptr<RtspCredentials> credentials_;
	GObjectPtr<GstRTSPServer> server_;
	GObjectPtr<GstRTSPMediaFactory> factory_;
	SourceGuard source_;
	SourceGuard cleanupTimer_;
	int port_ = 0;
	/* Shared with the client signal handlers, which may outlive us. */
	std::shared_ptr<std::atomic<unsigned>> playing_ = std::make_shared<std::atomic<unsigned>>(0);
	StreamPipeline &pipeline_;
	/* Work posted from gst-rtsp-server's threads is dropped once we are gone. */
	Lifetime lifetime_;
};

} /* namespace wcam */
