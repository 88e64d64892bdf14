/* SPDX-License-Identifier: MIT */
/*
 * A gate on a pad carrying RTP: drops buffers (not events) until open(),
 * then up to the first packet of the next keyframe, then goes away.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

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

	/* When (g_get_monotonic_time) the keyframe passed; 0 until then. */
	int64_t passedUs() const { return state_->passedUs.load(); }

private:
	struct State {
		std::atomic<bool> open{ false };
		std::atomic<int64_t> passedUs{ 0 };
	};

	/* streaming thread */
	static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer data);

	/* Shared with the probe, which may go (at the keyframe) before us or after. */
	std::shared_ptr<State> state_;
};

} /* namespace wcam */
