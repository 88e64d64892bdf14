/* SPDX-License-Identifier: MIT */
/*
 * The server of the integration tests: the whole Application in this
 * process, with the test source, x264 and ICE on loopback; and a raw
 * socket client for what libsoup's own client will not send.
 */
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/Application.h"
#include "pipeline/Platform.h"
#include "support/TestSupport.h"

namespace wcam::test {

inline Config testConfig()
{
	Config config;
	config.camera.source = SourceKind::Test;
	config.camera.width = 640;
	config.camera.height = 480;
	config.camera.fps = 30;
	config.encoding.encoder = EncoderKind::X264;
	config.encoding.bitrate = 800000;
	config.network.bind = "127.0.0.1";
	config.network.port = 0; /* any free port */
	config.rtsp.port = 0;
	config.network.iceAddresses = { "127.0.0.1" };
	config.network.viewerTimeout = 5;
	/* Every test client comes from 127.0.0.1. */
	config.network.maxViewersPerAddress = 64;
	config.network.maxConnectionsPerAddress = 1024;
	config.paths.webRoot = std::string(WCAM_SOURCE_DIR) + "/data/web";
	return config;
}

/* This process's open file descriptors. */
inline int openDescriptors()
{
	int count = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while (struct dirent *entry = readdir(dir))
		if (entry->d_name[0] != '.')
			count++;
	closedir(dir);
	return count - 1; /* the directory's own */
}

struct Server {
	SystemPlatform platform;
	std::unique_ptr<Application> app;

	explicit Server(const Config &config)
	{
		app = std::make_unique<Application>(config, platform);
		std::string error;
		bool started = app->start(error);
		INFO(error);
		REQUIRE(started);
		/* Viewers need the payloader's caps: wait until frames flow. */
		REQUIRE(runUntil([this]() { return app->pipeline().flowing(); }, 10));
	}
	/* Branch removals finish in the pipeline's destructor, loop or not. */
	~Server() { app.reset(); }
	size_t viewers() const { return app->viewers().count(); }
};

/* A client at the byte level, for requests and frames libsoup will not send. */
class RawClient
{
public:
	explicit RawClient(int port, int timeoutSeconds = 5)
	{
		fd_ = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in address = {};
		address.sin_family = AF_INET;
		address.sin_port = htons(port);
		address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		struct timeval timeout = { timeoutSeconds, 0 };
		setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		connected_ = connect(fd_, reinterpret_cast<struct sockaddr *>(&address), sizeof(address)) == 0;
	}
	~RawClient() { close(fd_); }

	bool upgrade()
	{
		const std::string request =
			"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
			"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Sec-WebSocket-Version: 13\r\n\r\n";
		if (!connected_ || !sendAll(request))
			return false;
		return readHead().rfind("HTTP/1.1 101", 0) == 0;
	}

	/* One masked client frame. */
	bool sendFrame(bool fin, uint8_t opcode, const std::string &payload)
	{
		std::string frame;
		frame += char((fin ? 0x80 : 0) | opcode);
		size_t n = payload.size();
		if (n < 126) {
			frame += char(0x80 | n);
		} else {
			frame += char(0x80 | 126);
			frame += char(n >> 8);
			frame += char(n & 0xff);
		}
		const uint8_t mask[4] = { 1, 2, 3, 4 };
		frame.append(reinterpret_cast<const char *>(mask), 4);
		for (size_t i = 0; i < n; i++)
			frame += char(payload[i] ^ mask[i % 4]);
		return sendAll(frame);
	}

	/* The payload of the next text frame, or "" on close/timeout. */
	std::string readText()
	{
		uint8_t header[2];
		if (!recvAll(header, 2))
			return {};
		size_t n = header[1] & 0x7f;
		if (n == 126) {
			uint8_t ext[2];
			if (!recvAll(ext, 2))
				return {};
			n = (ext[0] << 8) | ext[1];
		}
		std::string payload(n, '\0');
		if (n && !recvAll(reinterpret_cast<uint8_t *>(payload.data()), n))
			return {};
		return payload;
	}

	/* The status line and headers of the next HTTP reply ("" on close). */
	std::string readHead()
	{
		std::string reply;
		char c;
		while (reply.find("\r\n\r\n") == std::string::npos && recv(fd_, &c, 1, 0) == 1)
			reply += c;
		return reply;
	}

	/* True once the server has dropped the connection. */
	bool closedByServer()
	{
		char buffer[4096];
		for (;;) {
			ssize_t r = recv(fd_, buffer, sizeof(buffer), 0);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
				return true;
			if (r < 0)
				return false; /* timed out: still open */
		}
	}

	bool sendAll(const std::string &data)
	{
		size_t done = 0;
		while (done < data.size()) {
			ssize_t n = send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
			if (n <= 0)
				return false;
			done += n;
		}
		return true;
	}
private:
	bool recvAll(uint8_t *data, size_t size)
	{
		size_t done = 0;
		while (done < size) {
			ssize_t n = recv(fd_, data + done, size - done, 0);
			if (n <= 0)
				return false;
			done += n;
		}
		return true;
	}

	int fd_ = -1;
	bool connected_ = false;
};

/* Run `work` on a thread while this one keeps the server's main loop going. */
template<typename Work>
inline auto onClientThread(Work work)
{
	std::atomic<bool> done{ false };
	decltype(work()) result{};
	std::thread thread([&]() {
		result = work();
		done = true;
	});
	runUntil([&]() { return done.load(); }, 30);
	thread.join();
	return result;
}

} /* namespace wcam::test */
