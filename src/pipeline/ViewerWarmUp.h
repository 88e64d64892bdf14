/* SPDX-License-Identifier: MIT */
/*
 * What the first viewer would otherwise wait for, done at start on a
 * thread of its own, and kept for the next viewer after an idle spell.
 */
#pragma once

#include <string>

#include <glib.h>
#include <gst/gst.h>

#include "core/GlibPtr.h"

namespace wcam {

class ViewerWarmUp
{
public:
	/* `dtlsPem`: the identity every viewer presents (may be empty). */
	explicit ViewerWarmUp(std::string dtlsPem);
	/* Waits for the thread: at most the one key generation below. */
	~ViewerWarmUp();

	ViewerWarmUp(const ViewerWarmUp &) = delete;
	ViewerWarmUp &operator=(const ViewerWarmUp &) = delete;

	/* Whether the thread is done (for tests). */
	bool ready() const { return g_atomic_int_get(&ready_); }

private:
	/* warm-up thread */
	static gpointer run(gpointer data);

	std::string dtlsPem_;
	GThread *thread_ = nullptr;
	/* Written by the thread, read after it is joined. */
	GstPtr<GstElement> dtlsHold_;
	gint ready_ = 0;
};

} /* namespace wcam */
