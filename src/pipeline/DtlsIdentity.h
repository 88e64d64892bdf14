/* SPDX-License-Identifier: MIT */
/*
 * The DTLS identity every viewer's connection presents: one ECDSA P-256
 * key and self-signed certificate for the process, kept across restarts.
 */
#pragma once

#include <ctime>
#include <string>

namespace wcam {

class DtlsIdentity
{
public:
	/*
	 * Read the identity kept at `path`, or make a new one and keep it
	 * there (mode 0600) when the file is missing, unreadable, not an
	 * ECDSA P-256 pair or about to expire. An empty `path`, or one that
	 * cannot be written, gives an identity for this process only;
	 * `note` then says why. Empty result: OpenSSL failed.
	 */
	static std::string loadOrCreate(const std::string &path, std::string &note);

	/*
	 * A new certificate and key, both PEM, certificate first, valid from
	 * a day before `now` for a year.
	 */
	static std::string generate(time_t now = time(nullptr));

	/*
	 * Whether `pem` is a usable pair: matching, P-256, valid for 30 more
	 * days. A start in the future is fine: a Pi without a real-time clock
	 * boots with its clock behind until NTP sets it, and remaking the
	 * identity then would only change the fingerprint for nothing.
	 */
	static bool usable(const std::string &pem);

	/* SHA-256 fingerprint of the certificate, as SDP writes it (AB:CD:...). */
	static std::string fingerprint(const std::string &pem);

	/* Where the service keeps it: $STATE_DIRECTORY, else the XDG state dir. */
	static std::string defaultPath();
};

} /* namespace wcam */
