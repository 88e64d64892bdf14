#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Writes pipeline/LatencyStampGeometry.h from data/web/js/latency-stamp-geometry.json,
the one definition of the stamp's layout that the viewer page reads too
(docs/latency-stamp.md). Refuses a layout that cannot carry 32 bits.

Usage: latency-stamp-geometry.py GEOMETRY.json OUTPUT.h
"""
import json
import sys

source, output = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as f:
    g = json.load(f)

bits = g["blocks"] - len(g["head"]) - len(g["tail"])
if bits != 32:
    sys.exit(f"{source}: {g['blocks']} blocks less the guards leave {bits} data bits, not 32")
if g["block"] < 2 or g["block"] % 2:
    sys.exit(f"{source}: block must be an even number of pixels (readers sample its centre)")
for key in ("white", "black", "threshold", "neutralChroma"):
    if not 0 <= g[key] <= 255:
        sys.exit(f"{source}: {key} is not an 8-bit value")
if not g["black"] < g["threshold"] <= g["white"]:
    sys.exit(f"{source}: the threshold must separate black from white")


def bools(values):
    return ", ".join("true" if v else "false" for v in values)


with open(output, "w", encoding="utf-8") as f:
    f.write(f"""/* Generated from data/web/js/latency-stamp-geometry.json by latency-stamp-geometry.py: do not edit. */
#pragma once

#include <array>
#include <cstdint>

namespace wcam {{

constexpr int kStampBlock = {g["block"]};
constexpr int kStampBlocks = {g["blocks"]};
constexpr int kStampWidth = kStampBlock * kStampBlocks; /* {g["block"] * g["blocks"]} */
/* Guard blocks before and after the 32 data bits. */
constexpr std::array<bool, {len(g["head"])}> kStampHead{{ {bools(g["head"])} }};
constexpr std::array<bool, {len(g["tail"])}> kStampTail{{ {bools(g["tail"])} }};
constexpr uint8_t kStampWhite = {g["white"]};
constexpr uint8_t kStampBlack = {g["black"]};
constexpr uint8_t kStampThreshold = {g["threshold"]};
constexpr uint8_t kStampNeutralChroma = {g["neutralChroma"]};

}} /* namespace wcam */
""")
