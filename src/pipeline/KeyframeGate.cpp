/* SPDX-License-Identifier: MIT */
#include "pipeline/KeyframeGate.h"

namespace wcam {

namespace {

bool isKeyframeStart(GstBuffer *buffer)
{
	/* rtph264pay clears the flag on the first packet of an IDR access unit. */
	return !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
}

/* streaming thread: drop packets before a keyframe, then go away. */
GstPadProbeReturn passFromKeyframe(GstPadProbeInfo *info)
{
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
		return isKeyframeStart(GST_PAD_PROBE_INFO_BUFFER(info)) ? GST_PAD_PROBE_REMOVE
									 : GST_PAD_PROBE_DROP;
	GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
	guint n = gst_buffer_list_length(list);
	guint first = 0;
	while (first < n && !isKeyframeStart(gst_buffer_list_get(list, first)))
		first++;
	if (first == n)
		return GST_PAD_PROBE_DROP;
	if (first > 0) {
		list = gst_buffer_list_make_writable(list);
		gst_buffer_list_remove(list, 0, first);
		GST_PAD_PROBE_INFO_DATA(info) = list;
	}
	return GST_PAD_PROBE_REMOVE;
}

} /* namespace */

KeyframeGate::KeyframeGate(GstPad *pad) : state_(std::make_shared<State>())
{
	gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
			  &KeyframeGate::probe, new std::shared_ptr<State>(state_),
			  [](gpointer data) { delete static_cast<std::shared_ptr<State> *>(data); });
}

void KeyframeGate::open()
{
	/* The probe goes away at the next keyframe. */
	state_->open.store(true);
}

GstPadProbeReturn KeyframeGate::probe(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	State &state = **static_cast<std::shared_ptr<State> *>(data);
	if (!state.open.load())
		return GST_PAD_PROBE_DROP;
	GstPadProbeReturn ret = passFromKeyframe(info);
	if (ret == GST_PAD_PROBE_REMOVE)
		state.passedUs.store(g_get_monotonic_time());
	return ret;
}

} /* namespace wcam */
