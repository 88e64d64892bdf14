/* SPDX-License-Identifier: MIT */
/*
 * ViewerManager with a real pipeline and webrtcbin: what a viewer's owner
 * hears of its life, and the timeouts on simulated time.
 */
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "server/ViewerManager.h"
#include "support/SmallPipeline.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runUntil;
using wcam::test::smallPipeline;

namespace {

/* Writes down what it hears. */
class Owner : public ViewerObserver
{
public:
	void joined(const std::string &id) override { joinedId = id; }
	void signal(const std::string &, const std::string &json) override { signals.push_back(json); }
	void ended(const std::string &id, const std::string &reason) override
	{
		endedId = id;
		endedReason = reason;
	}

	std::string joinedId;
	std::vector<std::string> signals;
	std::string endedId;
	std::string endedReason;
};

struct Fixture {
	Fixture()
	{
		std::string error;
		REQUIRE(pipeline.start(error));
		REQUIRE(runUntil([this]() { return bool(pipeline.rtpCaps()); }, 10));
	}

	StreamPipeline pipeline{ smallPipeline(), false, {} };
	Config config;
	int64_t now = 1000 * G_USEC_PER_SEC;
	ViewerManager viewers{ pipeline, config, {}, [this]() { return now; } };
};

} /* namespace */

TEST_CASE("a viewer that fails is removed and its owner hears ended", "[viewer-manager]")
{
	Fixture f;
	Owner owner;
	ProtocolError error;
	Viewer *viewer = f.viewers.create(Viewer::Kind::WebSocket, "192.0.2.1", owner, error);
	REQUIRE(viewer);
	CHECK(owner.joinedId == viewer->id());
	std::string id = viewer->id();

	std::string why;
	REQUIRE(viewer->startOffer(why));
	REQUIRE(runUntil([&]() { return !owner.signals.empty(); }, 10));
	CHECK(owner.signals.front().find("\"offer\"") != std::string::npos);

	/* The manager used to put its own callback in place of the owner's. */
	/* Valid SDP that webrtcbin refuses: no media section for the offer's one. */
	GstSDPMessage *noMedia = nullptr;
	REQUIRE(gst_sdp_message_new_from_text("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", &noMedia) ==
		GST_SDP_OK);
	viewer->handleAnswer(SdpMessagePtr::adopt(noMedia));
	REQUIRE(runUntil([&]() { return !owner.endedId.empty(); }, 10));
	CHECK(owner.endedId == id);
	CHECK(owner.endedReason.find("answer refused") != std::string::npos);
	CHECK_FALSE(f.viewers.find(id));
	CHECK(f.viewers.departures() == 1);
}

TEST_CASE("a viewer that does not connect in time is ended, on the manager's clock", "[viewer-manager]")
{
	Fixture f;
	Owner owner;
	ProtocolError error;
	Viewer *viewer = f.viewers.create(Viewer::Kind::Whep, "192.0.2.2", owner, error);
	REQUIRE(viewer);
	std::string id = viewer->id();

	f.now += int64_t(f.config.network.viewerTimeout) * G_USEC_PER_SEC;
	f.viewers.expire();
	CHECK(f.viewers.find(id));
	CHECK(owner.endedId.empty());

	f.now += 1;
	f.viewers.expire();
	CHECK_FALSE(f.viewers.find(id));
	CHECK(owner.endedId == id);
	CHECK(owner.endedReason == "did not connect in time");
}

TEST_CASE("a removal the owner asks for is not reported back as ended", "[viewer-manager]")
{
	Fixture f;
	Owner owner;
	ProtocolError error;
	Viewer *viewer = f.viewers.create(Viewer::Kind::WebSocket, "192.0.2.3", owner, error);
	REQUIRE(viewer);
	f.viewers.remove(viewer->id(), "stopped");
	f.now += int64_t(f.config.network.viewerTimeout + 1) * G_USEC_PER_SEC;
	f.viewers.expire();
	runUntil([]() { return false; }, 0.2);
	CHECK(owner.endedId.empty());
	CHECK(f.viewers.count() == 0);
}
