/* SPDX-License-Identifier: MIT */
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <gst/gst.h>

int main(int argc, char *argv[])
{
	/* Several modules (SDP parsing, registry probing) need GStreamer. */
	gst_init(nullptr, nullptr);
	return Catch::Session().run(argc, argv);
}
