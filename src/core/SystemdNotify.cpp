/* SPDX-License-Identifier: MIT */
#include "core/SystemdNotify.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace wcam {

bool systemdNotify(const std::string &state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return false;

	struct sockaddr_un address = {};
	address.sun_family = AF_UNIX;
	size_t length = strlen(path);
	if (length >= sizeof(address.sun_path))
		return false;
	memcpy(address.sun_path, path, length);
	/* A leading '@' names an abstract socket. */
	if (address.sun_path[0] == '@')
		address.sun_path[0] = '\0';

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	socklen_t size = offsetof(struct sockaddr_un, sun_path) + length;
	ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
			      reinterpret_cast<struct sockaddr *>(&address), size);
	close(fd);
	return sent == static_cast<ssize_t>(state.size());
}

uint64_t systemdWatchdogUsec()
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	if (!usec)
		return 0;
	/* The watchdog may be meant for another process of the unit. */
	if (pid && strtoll(pid, nullptr, 10) != getpid())
		return 0;
	return strtoull(usec, nullptr, 10);
}

} /* namespace wcam */
