/* SPDX-License-Identifier: MIT */
/*
 * Asks our own HTTP server for /health over a real TCP connection, the way
 * a browser would reach it. Frames can keep flowing while nobody can
 * connect (descriptors exhausted, the listener gone); the systemd watchdog
 * is fed only while this succeeds too. Main thread only.
 */
#pragma once

#include <cstdint>
#include <string>

#include <gio/gio.h>

#include "core/GlibPtr.h"

namespace wcam {

class SelfCheck
{
public:
	/* `bind` as listened on: a wildcard address is probed on loopback. */
	SelfCheck(const std::string &bind, int port, bool tls = false);
	~SelfCheck();

	SelfCheck(const SelfCheck &) = delete;
	SelfCheck &operator=(const SelfCheck &) = delete;

	/* Start one probe unless one is under way; it gives up after `timeoutMs`. */
	void probe(unsigned timeoutMs);

	/* Monotonic time of the last answered probe (0: none yet). */
	int64_t lastAnswerUs() const { return lastAnswerUs_; }
	/* Why the last probe failed (empty after a success). */
	const std::string &lastError() const { return lastError_; }

private:
	struct Probe;
	void finish(Probe *probe, const std::string &error);

	std::string host_;
	int port_;
	bool tls_;
	Probe *current_ = nullptr;
	int64_t lastAnswerUs_ = 0;
	std::string lastError_;
};

} /* namespace wcam */
