/* SPDX-License-Identifier: MIT */
/*
 * The HTTPS certificate of [security] tls_certificate/tls_key: loaded the
 * way the server uses it, and checked to belong together (GIO's GnuTLS
 * backend accepts a key of another certificate and fails every
 * handshake later).
 */
#pragma once

#include <string>

#include <gio/gio.h>

namespace wcam {

/* The certificate (chain) with its key, or null with `error` set. Transfer full. */
GTlsCertificate *loadTlsCertificate(const std::string &certificatePath, const std::string &keyPath,
				    std::string &error);

} /* namespace wcam */
