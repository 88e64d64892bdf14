/* SPDX-License-Identifier: MIT */
/*
 * libsoup 3.2 caps the size of one websocket frame but not of a message
 * fragmented over many frames, which it keeps appending to memory. This
 * GConverter sits on the incoming byte stream, follows the frame headers
 * and fails the stream once one message grows past the limit, so a
 * client cannot make the server buffer without bound. libsoup 3.8 does
 * this itself (max-total-message-size): built only before it.
 */
#pragma once

#include <cstddef>
#include <string>

#include <gio/gio.h>

namespace wcam {

/* A new converter (transfer full) allowing messages up to `maxMessage` bytes. */
GConverter *webSocketLimiterNew(size_t maxMessage);

/*
 * Wrap a stolen server-side connection: reads go through the limiter,
 * writes go straight out. The result keeps `base` alive and closes it
 * when closed itself.
 */
GIOStream *webSocketLimitStream(GIOStream *base, size_t maxMessage);

} /* namespace wcam */
