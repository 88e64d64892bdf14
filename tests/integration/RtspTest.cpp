/* SPDX-License-Identifier: MIT */
/*
 * The RTSP server with real clients: gst-launch-1.0 (rtspsrc) and ffprobe
 * over UDP and TCP at the same time as a WebRTC viewer, all on loopback;
 * and logins with the web's users.
 */
#include <catch2/catch.hpp>

#include <gio/gio.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "TestReceiver.h"
#include "TestServer.h"
#include "core/GlibPtr.h"
#include "core/PasswordHash.h"

using namespace wcam;
using namespace wcam::test;

namespace {

/* Frames each client decodes before it ends; at 30 fps two seconds. */
constexpr int kFrames = 60;

/* A client process; the main loop keeps running while it does. */
class ClientProcess
{
public:
	ClientProcess(std::string name, const std::vector<std::string> &argv) : name_(std::move(name))
	{
		std::vector<const char *> args;
		for (const std::string &arg : argv)
			args.push_back(arg.c_str());
		args.push_back(nullptr);
		g_autoptr(GError) error = nullptr;
		process_ = GObjectPtr<GSubprocess>::adopt(g_subprocess_newv(
			args.data(), GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE),
			&error));
		INFO(name_ << ": " << (error ? error->message : ""));
		REQUIRE(process_);
		startUs_ = g_get_monotonic_time();
		g_subprocess_communicate_utf8_async(process_.get(), nullptr, nullptr,
			[](GObject *source, GAsyncResult *result, gpointer data) {
				auto *self = static_cast<ClientProcess *>(data);
				char *out = nullptr, *err = nullptr;
				g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &out, &err, nullptr);
				self->out_ = out ? out : "";
				self->err_ = err ? err : "";
				g_free(out);
				g_free(err);
				self->endUs_ = g_get_monotonic_time();
				self->done_ = true;
			}, this);
	}
	~ClientProcess()
	{
		if (!done_) {
			g_subprocess_force_exit(process_.get());
			runUntil([this]() { return done_; }, 5);
		}
	}

	bool done() const { return done_; }
	bool succeeded() const { return done_ && g_subprocess_get_if_exited(process_.get()) &&
				       g_subprocess_get_exit_status(process_.get()) == 0; }
	const std::string &out() const { return out_; }
	const std::string &err() const { return err_; }
	double seconds() const { return (endUs_ - startUs_) / 1e6; }
	const std::string &name() const { return name_; }

private:
	std::string name_;
	GObjectPtr<GSubprocess> process_;
	std::string out_, err_;
	bool done_ = false;
	int64_t startUs_ = 0, endUs_ = 0;
};

/* rtspsrc ! rtph264depay ! avdec_h264, ending after kFrames decoded frames. */
std::vector<std::string> gstClient(const std::string &url, const char *protocols, const std::string &user = {},
				   const std::string &password = {})
{
	std::vector<std::string> argv = { "gst-launch-1.0", "-v", "rtspsrc", "location=" + url,
					  std::string("protocols=") + protocols, "latency=100" };
	if (!user.empty()) {
		argv.push_back("user-id=" + user);
		argv.push_back("user-pw=" + password);
	}
	for (const char *arg : { "!", "rtph264depay", "!", "avdec_h264", "!", "identity" })
		argv.push_back(arg);
	/* identity ends the stream in place of that buffer: kFrames pass. */
	argv.push_back("eos-after=" + std::to_string(kFrames + 1));
	for (const char *arg : { "!", "fakesink", "name=decoded", "silent=false" })
		argv.push_back(arg);
	return argv;
}

/* Decoded frames fakesink saw: one last-message per buffer with -v. */
int gstFrames(const std::string &out)
{
	int frames = 0;
	for (size_t at = 0; (at = out.find("/GstFakeSink:decoded: last-message = chain", at)) != std::string::npos; at++)
		frames++;
	return frames;
}

/*
 * ffprobe reading kFrames packets (frames) of the stream and decoding them;
 * prints how many it decoded: those before the first keyframe are not.
 */
std::vector<std::string> ffprobeClient(const std::string &url, const char *transport)
{
	return { "ffprobe", "-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0",
		 "-count_frames", "-read_intervals", "%+#" + std::to_string(kFrames), "-show_entries",
		 "stream=codec_name,width,height,nb_read_frames", "-of", "default=noprint_wrappers=1", url };
}

/* ffprobe listing the first `packets` packets (pictures) it reads: "pts_time,flags" lines. */
std::vector<std::string> ffprobePackets(const std::string &url, const char *transport, int packets)
{
	return { "ffprobe", "-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0",
		 "-read_intervals", "%+#" + std::to_string(packets), "-show_entries", "packet=pts_time,flags",
		 "-of", "csv=print_section=0", url };
}

int ffprobeFrames(const std::string &out)
{
	std::smatch match;
	static const std::regex frames("nb_read_frames=([0-9]+)");
	return std::regex_search(out, match, frames) ? std::stoi(match[1]) : 0;
}

std::string withLogin(const std::string &url, const std::string &user, const std::string &password)
{
	return "rtsp://" + user + ":" + password + "@" + url.substr(strlen("rtsp://"));
}

bool allDone(const std::vector<std::unique_ptr<ClientProcess>> &clients)
{
	for (const auto &c : clients)
		if (!c->done())
			return false;
	return true;
}

} /* namespace */

TEST_CASE("RTSP clients over UDP and TCP decode while a WebRTC viewer keeps its rate", "[integration][rtsp]")
{
	Server server(testConfig());
	RtspServer *rtsp = server.app->rtsp();
	REQUIRE(rtsp);
	REQUIRE(rtsp->port() > 0);
	const std::string url = rtsp->url();
	/* Nobody watches over RTSP: nothing of it runs. */
	CHECK_FALSE(rtsp->feed().running());

	TestReceiver viewer("webrtc");
	viewer.connectWebSocket(server.app->port());
	REQUIRE(runUntil([&]() { return viewer.frames() >= 10; }, 20));
	viewer.takeMaxFrameGapUs();
	uint64_t viewerStart = viewer.frames();
	uint64_t encodedStart = server.app->pipeline().stats().frames;
	int64_t startUs = g_get_monotonic_time();

	std::vector<std::unique_ptr<ClientProcess>> clients;
	clients.push_back(std::make_unique<ClientProcess>("gst-launch udp", gstClient(url, "udp")));
	clients.push_back(std::make_unique<ClientProcess>("gst-launch tcp", gstClient(url, "tcp")));
	clients.push_back(std::make_unique<ClientProcess>("ffprobe udp", ffprobeClient(url, "udp")));
	clients.push_back(std::make_unique<ClientProcess>("ffprobe tcp", ffprobeClient(url, "tcp")));

	unsigned mostPlaying = 0;
	unsigned mostStarts = 0;
	bool finished = runUntil([&]() {
		mostPlaying = std::max(mostPlaying, rtsp->clients());
		mostStarts = std::max(mostStarts, rtsp->feed().starts());
		return allDone(clients);
	}, 60);
	double seconds = (g_get_monotonic_time() - startUs) / 1e6;
	uint64_t viewerFrames = viewer.frames() - viewerStart;
	/* Counted each second: the window's last second may be missing. */
	uint64_t encoded = server.app->pipeline().stats().frames - encodedStart;
	double viewerFps = viewerFrames / seconds;
	int64_t viewerGapUs = viewer.takeMaxFrameGapUs();

	for (const auto &c : clients) {
		int frames = c->name().rfind("ffprobe", 0) == 0 ? ffprobeFrames(c->out()) : gstFrames(c->out());
		UNSCOPED_INFO(c->name() << ": " << frames << " frames in " << c->seconds() << " s ("
				       << frames / c->seconds() << " fps incl. start-up), exit "
				       << (c->succeeded() ? "ok" : "failed") << "\n" << c->err().substr(0, 2000));
		/* Figures for the report, visible with --success or -s. */
		WARN("RTSP " << c->name() << ": " << frames << " decoded frames in " << c->seconds() << " s");
	}
	WARN("WebRTC viewer: " << viewerFrames << " frames, " << viewerFps << " fps over " << seconds
			       << " s (encoder: " << encoded << " frames), longest gap " << viewerGapUs / 1000
			       << " ms; RTSP clients playing at once: " << mostPlaying);
	REQUIRE(finished);
	for (const auto &c : clients) {
		INFO(c->name() << "\n" << c->err().substr(0, 2000));
		CHECK(c->succeeded());
		if (c->name().rfind("ffprobe", 0) == 0)
			CHECK(ffprobeFrames(c->out()) >= kFrames - 10);
		else
			CHECK(gstFrames(c->out()) == kFrames);
	}
	/* All four on one media and one branch off the tee: never a second one. */
	CHECK(mostStarts == 1);
	CHECK(mostPlaying >= 2);
	/*
	 * The viewer keeps up with what the encoder makes. Not an absolute
	 * rate: on a loaded machine (CI, sanitizers) x264 itself slows down.
	 */
	CHECK(viewerFrames + 30 >= encoded);

	/* Everyone left: the branch goes, /stats says none. */
	CHECK(runUntil([&]() { return !rtsp->feed().running() && rtsp->clients() == 0; }, 15));
	CHECK(server.app->statsJson().find("\"rtspClients\":0") != std::string::npos);
	/*
	 * Every keyframe decodes whole. rtph264pay 1.22 with config-interval=-1
	 * put SPS/PPS before each slice of an IDR (x264 makes several), and
	 * ffmpeg then took the slices for separate pictures, one corrupt.
	 * Counted as packets, not decode errors: under sanitizers packets get
	 * lost and pictures break for that reason alone.
	 */
	{
		ClientProcess probe("ffprobe packets", ffprobePackets(url, "tcp", 90));
		REQUIRE(runUntil([&]() { return probe.done(); }, 30));
		INFO(probe.err().substr(0, 2000) << "\n" << probe.out());
		CHECK(probe.succeeded());
		/* One packet per picture: a keyframe split in two shows as packets without their own time. */
		gchar **lines = g_strsplit(probe.out().c_str(), "\n", -1);
		int packets = 0, keyframes = 0, untimed = 0;
		std::string last;
		for (gchar **line = lines; *line && **line; line++, packets++) {
			std::string text = *line;
			std::string time = text.substr(0, text.find(','));
			keyframes += text.find(",K") != std::string::npos;
			/* The first may have no time yet (ffprobe's own start); no other may. */
			untimed += packets > 0 && (time == last || time == "N/A");
			last = time;
		}
		g_strfreev(lines);
		WARN("ffprobe: " << packets << " packets, " << keyframes << " keyframes, " << untimed
				 << " without a time of their own");
		CHECK(packets >= 20);
		CHECK(keyframes >= 1);
		CHECK(untimed == 0);
	}

	CHECK(runUntil([&]() { return !rtsp->feed().running(); }, 15));
	uint64_t before = viewer.frames();
	CHECK(runUntil([&]() { return viewer.frames() >= before + 20; }, 5));
}

TEST_CASE("RTSP asks for the web's users when authentication is on", "[integration][rtsp]")
{
	Config config = testConfig();
	std::string error;
	std::string hash = hashPassword("correct horse", error);
	REQUIRE(!hash.empty());
	config.security.usersFile = "/nonexistent/users"; /* never read: users are given */
	config.security.users = { { "alice", hash } };
	Server server(config);
	RtspServer *rtsp = server.app->rtsp();
	REQUIRE(rtsp);
	const std::string url = rtsp->url();

	SECTION("no login: 401 with a Basic challenge, and nothing runs")
	{
		std::string head = onClientThread([&]() {
			RawClient client(rtsp->port());
			client.sendAll("DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n");
			return client.readHead();
		});
		INFO(head);
		CHECK(head.rfind("RTSP/1.0 401", 0) == 0);
		CHECK(head.find("WWW-Authenticate: Basic realm=\"webrtc-camera\"") != std::string::npos);
		CHECK_FALSE(rtsp->feed().running());

		ClientProcess refused("ffprobe without login", ffprobeClient(url, "tcp"));
		REQUIRE(runUntil([&]() { return refused.done(); }, 30));
		INFO(refused.err());
		CHECK_FALSE(refused.succeeded());
		CHECK(refused.err().find("401") != std::string::npos);
	}

	SECTION("a wrong password: 401")
	{
		ClientProcess refused("gst-launch wrong password", gstClient(url, "tcp", "alice", "battery staple"));
		REQUIRE(runUntil([&]() { return refused.done(); }, 30));
		INFO(refused.err() << refused.out().substr(0, 2000));
		CHECK_FALSE(refused.succeeded());
		CHECK(gstFrames(refused.out()) == 0);
		CHECK((refused.err() + refused.out()).find("Unauthorized") != std::string::npos);
	}

	SECTION("the right login: frames, over UDP and TCP")
	{
		ClientProcess gst("gst-launch udp with login", gstClient(url, "udp", "alice", "correct horse"));
		ClientProcess probe("ffprobe tcp with login", ffprobeClient(withLogin(url, "alice", "correct%20horse"), "tcp"));
		REQUIRE(runUntil([&]() { return gst.done() && probe.done(); }, 60));
		INFO(gst.err() << "\n" << probe.err());
		WARN("RTSP with login: gst-launch udp " << gstFrames(gst.out()) << " frames in " << gst.seconds()
			<< " s, ffprobe tcp " << ffprobeFrames(probe.out()) << " frames in " << probe.seconds() << " s");
		CHECK(gst.succeeded());
		CHECK(gstFrames(gst.out()) == kFrames);
		CHECK(probe.succeeded());
		CHECK(ffprobeFrames(probe.out()) >= kFrames - 10);
	}
}

TEST_CASE("RTSP sessions are limited to max_viewers, apart from the WebRTC viewers", "[integration][rtsp]")
{
	Config config = testConfig();
	config.network.maxViewers = 1;
	Server server(config);
	RtspServer *rtsp = server.app->rtsp();
	REQUIRE(rtsp);
	const std::string url = rtsp->url();

	/* SETUP makes the session (no DESCRIBE needed): the media's one stream, interleaved. */
	auto setup = [&url](RawClient &client) {
		client.sendAll("SETUP " + url + "/stream=0 RTSP/1.0\r\nCSeq: 1\r\n"
			       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
		return client.readHead();
	};
	auto [first, second] = onClientThread([&]() {
		RawClient a(rtsp->port());
		std::string headA = setup(a);
		RawClient b(rtsp->port());
		std::string headB = setup(b);
		return std::make_pair(headA, headB);
	});
	INFO(first << "\n" << second);
	CHECK(first.rfind("RTSP/1.0 200", 0) == 0);
	CHECK(first.find("Session: ") != std::string::npos);
	CHECK(second.rfind("RTSP/1.0 503", 0) == 0);
}
