/* SPDX-License-Identifier: MIT */
/*
 * whep-probe PORT [FRAMES] [SECONDS]: play http://127.0.0.1:PORT/whep with
 * the tests' in-process receiver and exit 0 once FRAMES (15) frames have
 * been decoded, 1 if that does not happen within SECONDS (20). Used by the
 * packaging test against the installed binary.
 */
#include <cstdio>
#include <cstdlib>

#include <gst/gst.h>

#include "../integration/TestReceiver.h"

using wcam::test::runUntil;
using wcam::test::TestReceiver;

int main(int argc, char *argv[])
{
	gst_init(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: whep-probe PORT [FRAMES] [SECONDS]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	uint64_t wanted = argc > 2 ? strtoull(argv[2], nullptr, 10) : 15;
	double seconds = argc > 3 ? atof(argv[3]) : 20;
	if (port <= 0 || port > 65535 || wanted == 0 || seconds <= 0) {
		fprintf(stderr, "whep-probe: bad arguments\n");
		return 2;
	}

	int status = 1;
	{
		TestReceiver receiver("whep-probe");
		gint64 start = g_get_monotonic_time();
		receiver.connectWhep(port);
		bool ok = runUntil([&]() { return receiver.frames() >= wanted; }, seconds);
		double elapsed = (g_get_monotonic_time() - start) / 1e6;

		printf("whep-probe: HTTP %u, %llu frame(s) decoded in %.1f s\n", receiver.whepStatus(),
		       static_cast<unsigned long long>(receiver.frames()), elapsed);
		for (const std::string &error : receiver.errors())
			fprintf(stderr, "whep-probe: %s\n", error.c_str());
		if (ok) {
			guint deleted = receiver.deleteWhep();
			printf("whep-probe: DELETE session: HTTP %u\n", deleted);
			status = 0;
		}
	}
	/* Let the receiver's teardown finish before exiting. */
	runUntil([]() { return false; }, 0.2);
	return status;
}
