/* SPDX-License-Identifier: MIT */
/*
 * sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. Does
 * nothing when not started by systemd with Type=notify.
 */
#pragma once

#include <cstdint>
#include <string>

namespace wcam {

/* Send e.g. "READY=1" or "WATCHDOG=1"; false when there is no socket. */
bool systemdNotify(const std::string &state);

/* The watchdog period systemd asks for (WATCHDOG_USEC), 0 when none. */
uint64_t systemdWatchdogUsec();

} /* namespace wcam */
