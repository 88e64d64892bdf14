/* SPDX-License-Identifier: MIT */
#include "rtsp/RtspServer.h"

#include "core/Log.h"

GST_DEBUG_CATEGORY_STATIC(wcam_rtsp_debug);
#define GST_CAT_DEFAULT wcam_rtsp_debug

namespace wcam {

namespace {

/* Sessions of clients that vanished without TEARDOWN go after their timeout (60 s); checked this often. */
constexpr guint kSessionCleanupSeconds = 2;

constexpr const char *kPlayingKey = "wcam-playing";

/* What the client signals need; shared, so a late signal finds it alive. */
struct ClientHooks {
	std::shared_ptr<std::atomic<unsigned>> playing;
	Lifetime::Guard alive;
	StreamPipeline *pipeline;

	/* RTSP client thread (or the main one when the server closes it) */
	void set(GstRTSPClient *client, bool on) const
	{
		bool was = g_object_get_data(G_OBJECT(client), kPlayingKey) != nullptr;
		if (was == on)
			return;
		g_object_set_data(G_OBJECT(client), kPlayingKey, on ? GINT_TO_POINTER(1) : nullptr);
		if (on)
			(*playing)++;
		else
			(*playing)--;
	}
};

/* One media's appsrc and the feed's sources it was attached to. */
struct MediaHook {
	std::shared_ptr<RtspFeed::Sources> sources;
	GstPtr<GstElement> appsrc;
};

} /* namespace */

const char *RtspServer::mediaLaunch()
{
	/*
	 * appsrc: live, packets keep the encoder's timing (RtspFeed), leaky
	 * (a stalled media drops its oldest packets, never blocks the shared
	 * pipeline). The depayloader starts at a keyframe, so a client's
	 * first picture decodes. SPS/PPS come in-band with every IDR, from
	 * h264parse; the payloader adds none (config-interval=-1 would repeat
	 * them before each slice of the IDR, which ffmpeg decodes as two
	 * pictures) and numbers packets for this media alone.
	 */
	return "( appsrc name=src is-live=true do-timestamp=true format=time leaky-type=downstream"
	       " max-bytes=2000000"
	       " ! rtph264depay wait-for-keyframe=true"
	       " ! rtph264pay name=pay0 pt=96 config-interval=0 aggregate-mode=zero-latency mtu=1400 )";
}

RtspServer::RtspServer(const Config &config, const std::string &bindAddress, StreamPipeline &pipeline)
	: config_(config), bind_(bindAddress), credentials_(std::make_shared<RtspCredentials>()),
	  pipeline_(pipeline)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		GST_DEBUG_CATEGORY_INIT(wcam_rtsp_debug, "wcam-rtsp", 0, "webrtc-camera RTSP server");
		g_once_init_leave(&once, 1);
	}
	credentials_->setUsers(config_.security.users);
}

RtspServer::~RtspServer()
{
	cleanupTimer_.reset();
	source_.reset();
	if (server_) {
		/* Clients and their sessions go now: their media stop being fed. */
		gst_rtsp_server_client_filter(server_.get(), [](GstRTSPServer *, GstRTSPClient *, gpointer) {
			return GST_RTSP_FILTER_REMOVE;
		}, nullptr);
		GObjectPtr<GstRTSPSessionPool> pool =
			GObjectPtr<GstRTSPSessionPool>::adopt(gst_rtsp_server_get_session_pool(server_.get()));
		gst_rtsp_session_pool_filter(pool.get(), [](GstRTSPSessionPool *, GstRTSPSession *, gpointer) {
			return GST_RTSP_FILTER_REMOVE;
		}, nullptr);
	}
	feed_.reset();
}

bool RtspServer::start(std::string &error)
{
	feed_ = std::make_unique<RtspFeed>(pipeline_);
	server_ = GObjectPtr<GstRTSPServer>::adopt(gst_rtsp_server_new());
	gst_rtsp_server_set_address(server_.get(), bind_.c_str());
	gst_rtsp_server_set_service(server_.get(), std::to_string(config_.rtsp.port).c_str());

	GObjectPtr<GstRTSPAuth> auth = makeRtspAuth(credentials_);
	gst_rtsp_server_set_auth(server_.get(), auth.get());

	factory_ = GObjectPtr<GstRTSPMediaFactory>::adopt(gst_rtsp_media_factory_new());
	gst_rtsp_media_factory_set_launch(factory_.get(), mediaLaunch());
	/* One media, one branch, for every client. */
	gst_rtsp_media_factory_set_shared(factory_.get(), TRUE);
	gst_rtsp_media_factory_set_protocols(factory_.get(),
					     GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
	gst_rtsp_media_factory_add_role(factory_.get(), kRtspViewerRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
					G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN,
					TRUE, nullptr);
	g_signal_connect(factory_.get(), "media-configure", G_CALLBACK(&RtspServer::onMediaConfigure), this);

	GObjectPtr<GstRTSPMountPoints> mounts =
		GObjectPtr<GstRTSPMountPoints>::adopt(gst_rtsp_server_get_mount_points(server_.get()));
	/* The mount points take their own reference. */
	gst_rtsp_mount_points_add_factory(mounts.get(), config_.rtsp.path.c_str(),
					  GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_.get())));

	g_signal_connect(server_.get(), "client-connected", G_CALLBACK(&RtspServer::onClientConnected), this);
	setMaxSessions(config_.network.maxViewers);

	g_autoptr(GError) gerror = nullptr;
	g_autoptr(GSource) source = gst_rtsp_server_create_source(server_.get(), nullptr, &gerror);
	if (!source) {
		error = "cannot listen for RTSP on " + bind_ + ":" + std::to_string(config_.rtsp.port) + ": " +
			(gerror ? gerror->message : "unknown error");
		return false;
	}
	source_.reset(g_source_attach(source, nullptr));
	port_ = gst_rtsp_server_get_bound_port(server_.get());

	cleanupTimer_.reset(g_timeout_add_seconds(kSessionCleanupSeconds, [](gpointer data) -> gboolean {
		auto *server = static_cast<GstRTSPServer *>(data);
		GObjectPtr<GstRTSPSessionPool> pool =
			GObjectPtr<GstRTSPSessionPool>::adopt(gst_rtsp_server_get_session_pool(server));
		gst_rtsp_session_pool_cleanup(pool.get());
		return G_SOURCE_CONTINUE;
	}, server_.get()));

	logInfo("rtsp: serving " + url() +
			(credentials_->open() ? "" : " (login: the users of " + config_.security.usersFile + ")"),
		{ { "RTSP_PORT", std::to_string(port_) } });
	return true;
}

void RtspServer::applyConfig(const Config &config)
{
	credentials_->setUsers(config.security.users);
	setMaxSessions(config.network.maxViewers);
}

void RtspServer::setMaxSessions(int sessions)
{
	/* One more SETUP gets 503 Service Unavailable; sessions already playing stay. */
	GObjectPtr<GstRTSPSessionPool> pool =
		GObjectPtr<GstRTSPSessionPool>::adopt(gst_rtsp_server_get_session_pool(server_.get()));
	gst_rtsp_session_pool_set_max_sessions(pool.get(), guint(sessions));
}

std::string RtspServer::url() const
{
	bool v6 = bind_.find(':') != std::string::npos;
	return "rtsp://" + (v6 ? "[" + bind_ + "]" : bind_) + ":" + std::to_string(port_) + config_.rtsp.path;
}

/* main thread (the server's source) */
void RtspServer::onClientConnected(GstRTSPServer *, GstRTSPClient *client, gpointer data)
{
	auto *self = static_cast<RtspServer *>(data);
	auto hooks = std::make_shared<ClientHooks>();
	hooks->playing = self->playing_;
	hooks->alive = self->lifetime_.guard();
	hooks->pipeline = &self->pipeline_;

	auto connect = [&](const char *signal, GCallback callback) {
		g_signal_connect_data(client, signal, callback, new std::shared_ptr<ClientHooks>(hooks),
				      [](gpointer data, GClosure *) {
					      delete static_cast<std::shared_ptr<ClientHooks> *>(data);
				      },
				      GConnectFlags(0));
	};
	/* RTSP client thread: after the PLAY reply, so the keyframe finds the client sending. */
	connect("play-request", G_CALLBACK(+[](GstRTSPClient *client, GstRTSPContext *, gpointer data) {
		const ClientHooks &hooks = **static_cast<std::shared_ptr<ClientHooks> *>(data);
		hooks.set(client, true);
		postToMain(hooks.alive, [pipeline = hooks.pipeline]() {
			/* A client joining a running media waits for the next keyframe otherwise. */
			pipeline->requestKeyframe("rtsp client plays", StreamPipeline::KeyframeReason::Join);
		});
	}));
	auto stopped = G_CALLBACK(+[](GstRTSPClient *client, GstRTSPContext *, gpointer data) {
		(*static_cast<std::shared_ptr<ClientHooks> *>(data))->set(client, false);
	});
	connect("pause-request", stopped);
	connect("teardown-request", stopped);
	connect("closed", G_CALLBACK(+[](GstRTSPClient *client, gpointer data) {
		(*static_cast<std::shared_ptr<ClientHooks> *>(data))->set(client, false);
	}));
}

/* RTSP client thread: a media was made for the first client (shared by the next ones). */
void RtspServer::onMediaConfigure(GstRTSPMediaFactory *, GstRTSPMedia *media, gpointer data)
{
	auto *self = static_cast<RtspServer *>(data);
	GstPtr<GstElement> element = GstPtr<GstElement>::adopt(gst_rtsp_media_get_element(media));
	GstPtr<GstElement> appsrc = GstPtr<GstElement>::adopt(gst_bin_get_by_name(GST_BIN(element.get()), "src"));
	if (!appsrc)
		return;
	auto *hook = new MediaHook{ self->feed_->sources(), appsrc };
	hook->sources->attach(appsrc.get());
	/* Unprepared: the last client left. The hook goes with the media, detaching at the latest then. */
	g_signal_connect_data(media, "unprepared", G_CALLBACK(+[](GstRTSPMedia *, gpointer data) {
		auto *hook = static_cast<MediaHook *>(data);
		hook->sources->detach(hook->appsrc.get());
	}), hook, [](gpointer data, GClosure *) {
		auto *hook = static_cast<MediaHook *>(data);
		hook->sources->detach(hook->appsrc.get());
		delete hook;
	}, GConnectFlags(0));
}

} /* namespace wcam */
