/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <glib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/SystemdNotify.h"

using namespace wcam;

TEST_CASE("systemdNotify sends its state to NOTIFY_SOCKET", "[systemd]")
{
	g_autofree char *dir = g_dir_make_tmp("wcam-notify-XXXXXX", nullptr);
	REQUIRE(dir);
	std::string path = std::string(dir) + "/notify";

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	struct sockaddr_un address = {};
	address.sun_family = AF_UNIX;
	path.copy(address.sun_path, sizeof(address.sun_path) - 1);
	REQUIRE(bind(fd, reinterpret_cast<struct sockaddr *>(&address), sizeof(address)) == 0);

	setenv("NOTIFY_SOCKET", path.c_str(), 1);
	CHECK(systemdNotify("READY=1\nSTATUS=streaming"));
	char buffer[128] = {};
	ssize_t n = recv(fd, buffer, sizeof(buffer) - 1, MSG_DONTWAIT);
	CHECK(std::string(buffer, n > 0 ? n : 0) == "READY=1\nSTATUS=streaming");

	unsetenv("NOTIFY_SOCKET");
	CHECK_FALSE(systemdNotify("WATCHDOG=1"));

	close(fd);
	unlink(path.c_str());
	rmdir(dir);
}

TEST_CASE("the watchdog period is ours only when WATCHDOG_PID names us", "[systemd]")
{
	setenv("WATCHDOG_USEC", "20000000", 1);
	unsetenv("WATCHDOG_PID");
	CHECK(systemdWatchdogUsec() == 20000000);
	setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
	CHECK(systemdWatchdogUsec() == 20000000);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK(systemdWatchdogUsec() == 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	CHECK(systemdWatchdogUsec() == 0);
}
