/* SPDX-License-Identifier: MIT */
/*
 * whep-probe [--ws] [--hold SECONDS] [--centre] PORT [FRAMES] [SECONDS]: watch
 * 127.0.0.1:PORT with the tests' in-process receiver, over WHEP (default)
 * or the page's websocket (--ws), and succeed once FRAMES (15) frames have
 * been decoded within SECONDS (20). Used by the packaging tests against
 * the installed binary.
 *
 * --hold: then stay connected for up to SECONDS more. Over the websocket
 * it ends (status 0) when the server says bye, printing the reason; status
 * 1 if none came. Over WHEP it watches to the end, then DELETEs.
 *
 * --centre: print the centre pixel of the last frame ("centre Y U V"),
 * for telling two cameras' pictures apart.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <gst/gst.h>

#include "../integration/TestReceiver.h"

using wcam::test::runUntil;
using wcam::test::TestReceiver;

namespace {

int usage()
{
	fprintf(stderr, "usage: whep-probe [--ws] [--hold SECONDS] [--centre] PORT [FRAMES] [SECONDS]\n");
	return 2;
}

} /* namespace */

int main(int argc, char *argv[])
{
	gst_init(&argc, &argv);
	bool websocket = false;
	bool centre = false;
	double hold = 0;
	int arg = 1;
	for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; arg++) {
		if (strcmp(argv[arg], "--ws") == 0)
			websocket = true;
		else if (strcmp(argv[arg], "--centre") == 0)
			centre = true;
		else if (strcmp(argv[arg], "--hold") == 0 && arg + 1 < argc)
			hold = atof(argv[++arg]);
		else
			return usage();
	}
	if (arg >= argc)
		return usage();
	int port = atoi(argv[arg]);
	uint64_t wanted = arg + 1 < argc ? strtoull(argv[arg + 1], nullptr, 10) : 15;
	double seconds = arg + 2 < argc ? atof(argv[arg + 2]) : 20;
	if (port <= 0 || port > 65535 || wanted == 0 || seconds <= 0 || hold < 0) {
		fprintf(stderr, "whep-probe: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, nullptr, _IOLBF, 0);

	int status = 1;
	{
		TestReceiver receiver("whep-probe");
		gint64 start = g_get_monotonic_time();
		if (websocket)
			receiver.connectWebSocket(port);
		else
			receiver.connectWhep(port);
		bool ok = runUntil([&]() { return receiver.frames() >= wanted; }, seconds);
		double elapsed = (g_get_monotonic_time() - start) / 1e6;

		if (websocket)
			printf("whep-probe: viewer %s, %llu frame(s) decoded in %.1f s\n", receiver.viewerId().c_str(),
			       static_cast<unsigned long long>(receiver.frames()), elapsed);
		else
			printf("whep-probe: HTTP %u, %llu frame(s) decoded in %.1f s\n", receiver.whepStatus(),
			       static_cast<unsigned long long>(receiver.frames()), elapsed);

		int32_t yuv = receiver.centreYuv();
		if (ok && centre && yuv >= 0) {
			printf("whep-probe: centre %d %d %d\n", (yuv >> 16) & 0xff, (yuv >> 8) & 0xff, yuv & 0xff);
		} else if (ok && centre) {
			fprintf(stderr, "whep-probe: no planar YUV frame to read the centre of\n");
			ok = false;
		}

		if (ok && hold > 0 && websocket) {
			ok = runUntil([&]() { return !receiver.byes().empty(); }, hold);
			if (ok)
				printf("whep-probe: bye \"%s\"\n", receiver.byes().front().c_str());
			else
				printf("whep-probe: no bye within %.0f s\n", hold);
		} else if (ok && hold > 0) {
			runUntil([]() { return false; }, hold);
			printf("whep-probe: %llu frame(s) after holding %.0f s\n",
			       static_cast<unsigned long long>(receiver.frames()), hold);
		}
		for (const std::string &error : receiver.errors())
			fprintf(stderr, "whep-probe: %s\n", error.c_str());
		if (ok && !websocket) {
			guint deleted = receiver.deleteWhep();
			printf("whep-probe: DELETE session: HTTP %u\n", deleted);
		}
		status = ok ? 0 : 1;
	}
	/* Let the receiver's teardown finish before exiting. */
	runUntil([]() { return false; }, 0.2);
	return status;
}
