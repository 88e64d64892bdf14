/* SPDX-License-Identifier: MIT */
/*
 * GRef and floating references: retain() sinks one, adopt() refuses one,
 * so a new element can be held and added to a bin without a comment on
 * who owns which reference.
 */
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <gst/gst.h>

#include "core/GlibPtr.h"

using namespace wcam;

namespace {

/* Set when the object is finalized. */
void watchFinalize(gpointer object, bool *finalized)
{
	g_object_weak_ref(G_OBJECT(object), [](gpointer data, GObject *) { *static_cast<bool *>(data) = true; },
			  finalized);
}

} /* namespace */

TEST_CASE("retain() sinks a floating GstObject and owns the only reference", "[glibptr]")
{
	bool finalized = false;
	GstElement *raw = gst_bin_new("floating");
	REQUIRE(g_object_is_floating(raw));
	watchFinalize(raw, &finalized);
	{
		GstPtr<GstElement> bin = GstPtr<GstElement>::retain(raw);
		CHECK_FALSE(g_object_is_floating(bin.get()));
		CHECK(GST_OBJECT_REFCOUNT_VALUE(bin.get()) == 1);
	}
	CHECK(finalized);
}

TEST_CASE("a retained element added to a bin has two owners", "[glibptr]")
{
	bool finalized = false;
	GstPtr<GstElement> outer = GstPtr<GstElement>::retain(gst_bin_new("outer"));
	GstPtr<GstElement> inner = GstPtr<GstElement>::retain(gst_bin_new("inner"));
	watchFinalize(inner.get(), &finalized);
	REQUIRE(gst_bin_add(GST_BIN(outer.get()), inner.get()));
	CHECK(GST_OBJECT_REFCOUNT_VALUE(inner.get()) == 2);
	outer.reset();
	CHECK_FALSE(finalized);
	CHECK(GST_OBJECT_REFCOUNT_VALUE(inner.get()) == 1);
	inner.reset();
	CHECK(finalized);
}

TEST_CASE("retain() of an owned object adds a reference, adopt() takes one over", "[glibptr]")
{
	GstElement *raw = GST_ELEMENT(gst_object_ref_sink(gst_bin_new("owned")));
	{
		GstPtr<GstElement> extra = GstPtr<GstElement>::retain(raw);
		CHECK(GST_OBJECT_REFCOUNT_VALUE(raw) == 2);
	}
	CHECK(GST_OBJECT_REFCOUNT_VALUE(raw) == 1);
	bool finalized = false;
	watchFinalize(raw, &finalized);
	GstPtr<GstElement>::adopt(raw).reset();
	CHECK(finalized);
}

TEST_CASE("GObjectPtr sinks a floating GInitiallyUnowned", "[glibptr]")
{
	bool finalized = false;
	gpointer raw = g_object_new(G_TYPE_INITIALLY_UNOWNED, nullptr);
	REQUIRE(g_object_is_floating(raw));
	watchFinalize(raw, &finalized);
	GObjectPtr<GObject>::retain(G_OBJECT(raw)).reset();
	CHECK(finalized);
}

TEST_CASE("adopt() of a floating reference aborts", "[glibptr]")
{
	fflush(nullptr);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* Nobody owns a floating reference: there is nothing to adopt. */
		GstPtr<GstElement> bin = GstPtr<GstElement>::adopt(gst_bin_new("floating"));
		_exit(0);
	}
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
}
