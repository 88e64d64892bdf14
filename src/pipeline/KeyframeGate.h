/* SPDX-License-Identifier: MIT */
/*
 * A gate on a pad carrying RTP: drops buffers (not events) until open(),
 * then up to the first packet of the next keyframe, then goes away.
 */
#pragma once

#include <atomic>

#include <gst/gst.h>

namespace wcam {

class KeyframeGate
{
public:
	/* Installs the gate on `pad`; the probe owns its state. */
	explicit KeyframeGate(GstPad *pad);

	KeyframeGate(const KeyframeGate &) = delete;
	KeyframeGate &operator=(const KeyframeGate &) = delete;

	/* Let the next keyframe and all after it through (once). */
	void open();

private:
	/* streaming thread */
	static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer data);

	/* Owned by the probe, freed with it; ours to set until open(). */
	std::atomic<bool> *open_;
};

} /* namespace wcam */
