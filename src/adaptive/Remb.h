/* SPDX-License-Identifier: MIT */
/*
 * REMB (draft-alvestrand-rmcat-remb): the receiver's bandwidth estimate,
 * sent by browsers as RTCP payload-specific feedback (PT 206) with FMT 15
 * and an FCI that starts with "REMB".
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <gst/gst.h>

namespace wcam {

/* Bit/s from a REMB FCI (bytes after the media SSRC), or nullopt. */
std::optional<uint64_t> parseRembFci(const uint8_t *fci, size_t size);

/* The last REMB in a (compound) RTCP buffer, or nullopt. Any thread. */
std::optional<uint64_t> findRemb(GstBuffer *rtcp);

} /* namespace wcam */
