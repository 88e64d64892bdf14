/* SPDX-License-Identifier: MIT */
/*
 * Giving one viewer's RTP packets the payload type its peer chose, without
 * copying what the tee shares with every other viewer: only the fixed RTP
 * header gets a copy of its own, the payload stays shared.
 */
#pragma once

#include <gst/gst.h>

namespace wcam {

/*
 * Takes `buffer` (an RTP packet, possibly shared) and returns one with
 * payload type `pt` whose header memory is its own and whose payload
 * memory is `buffer`'s. A buffer too short to be RTP comes back as is.
 */
GstBuffer *withPayloadType(GstBuffer *buffer, guint8 pt);

} /* namespace wcam */
