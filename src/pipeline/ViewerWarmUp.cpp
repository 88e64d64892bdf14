/* SPDX-License-Identifier: MIT */
#include "pipeline/ViewerWarmUp.h"

namespace wcam {

namespace {

/*
 * Every element a viewer's webrtcbin makes: loading their plugins and
 * initialising their classes took tens of milliseconds of the first
 * viewer's join.
 */
const char *const kViewerElements[] = {
	"webrtcbin", "rtpbin", "nicesrc", "nicesink", "dtlssrtpenc", "srtpenc",
	"srtpdec", "rtprtxsend", "rtprtxreceive", "rtpstorage", "rtpulpfecenc",
	"rtpredenc", "clocksync", "funnel", "queue",
};

} /* namespace */

ViewerWarmUp::ViewerWarmUp(std::string dtlsPem) : dtlsPem_(std::move(dtlsPem))
{
	thread_ = g_thread_try_new("viewer-warm-up", &ViewerWarmUp::run, this, nullptr);
	if (!thread_)
		g_atomic_int_set(&ready_, 1);
}

ViewerWarmUp::~ViewerWarmUp()
{
	if (thread_)
		g_thread_join(thread_);
}

gpointer ViewerWarmUp::run(gpointer data)
{
	auto *self = static_cast<ViewerWarmUp *>(data);
	/*
	 * GStreamer 1.22's DTLS decoder makes a process-wide RSA-2048 key the
	 * first time one is created, whatever certificate it is given after:
	 * tenths of a second here, seconds on a Pi Zero.
	 */
	GstPtr<GstElement> decoder = GstPtr<GstElement>::retain(gst_element_factory_make("dtlssrtpdec", nullptr));
	if (decoder) {
		/*
		 * The decoders share one DTLS context per certificate, freed with
		 * the last of them; holding one keeps it (tens of ms to make)
		 * between viewers.
		 */
		if (!self->dtlsPem_.empty())
			g_object_set(decoder.get(), "pem", self->dtlsPem_.c_str(), nullptr);
		self->dtlsHold_ = std::move(decoder);
	}
	for (const char *name : kViewerElements) {
		/* Made and dropped: loads the plugin and its types. */
		GstPtr<GstElement>::retain(gst_element_factory_make(name, nullptr));
	}
	g_atomic_int_set(&self->ready_, 1);
	return nullptr;
}

} /* namespace wcam */
