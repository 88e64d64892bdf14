/* SPDX-License-Identifier: MIT */
/*
 * ViewerBranch with a real webrtcbin, outside any pipeline: what its
 * thread hands to the main loop must be freed even when the viewer is
 * gone by the time the main loop gets to it (the sanitizer build reports
 * a leak otherwise). The certificate it presents.
 */
#include <catch2/catch.hpp>

#include <memory>
#include <string>


#include <gst/gst.h>

#include "pipeline/DtlsIdentity.h"
#include "pipeline/ViewerBranch.h"
#include "signaling/SdpValidator.h"
#include "support/TestSupport.h"

using namespace wcam;
using wcam::test::runIsolated;
using wcam::test::runUntil;

namespace {

/* Hears nothing: the branch's life is not what these tests look at. */
class NullObserver : public ViewerObserver
{
};

const char *const kRtpCaps =
	"application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96,"
	"packetization-mode=(string)1,profile-level-id=(string)42e01f";

std::unique_ptr<ViewerBranch> playingBranch(NullObserver &observer,
					    const ViewerBranch::Options &options = {})
{
	auto branch = std::make_unique<ViewerBranch>("viewer-t", options, observer);
	CapsPtr caps = CapsPtr::adopt(gst_caps_from_string(kRtpCaps));
	branch->setCodec(caps.get());
	gst_element_set_state(branch->bin(), GST_STATE_PLAYING);
	/* Let the state notifications through. */
	runUntil([]() { return false; }, 0.3);
	return branch;
}

void destroy(std::unique_ptr<ViewerBranch> &branch)
{
	gst_element_set_state(branch->bin(), GST_STATE_NULL);
	branch.reset();
}

std::string offerOf(ViewerBranch &branch)
{
	std::string sdp;
	branch.createOffer([&](const std::string &s, const std::string &) { sdp = s; });
	REQUIRE(runUntil([&]() { return !sdp.empty(); }, 5));
	return sdp;
}

std::string fingerprintIn(const std::string &sdp)
{
	const std::string tag = "a=fingerprint:sha-256 ";
	size_t at = sdp.find(tag);
	if (at == std::string::npos)
		return {};
	at += tag.size();
	return sdp.substr(at, sdp.find_first_of("\r\n", at) - at);
}

} /* namespace */

TEST_CASE("an offer is created and set", "[viewer-branch]")
{
	NullObserver observer;
	std::unique_ptr<ViewerBranch> branch = playingBranch(observer);
	std::string sdp, error;
	bool done = false;
	branch->createOffer([&](const std::string &s, const std::string &e) {
		sdp = s;
		error = e;
		done = true;
	});
	REQUIRE(runUntil([&]() { return done; }, 5));
	CHECK(error.empty());
	CHECK(sdp.find("m=video") != std::string::npos);
	CHECK(sdp.find("H264/90000") != std::string::npos);
	destroy(branch);
}

TEST_CASE("an offer created for a viewer that left meanwhile is freed", "[viewer-branch]")
{
	NullObserver observer;
	std::unique_ptr<ViewerBranch> branch = playingBranch(observer);
	bool called = false;
	branch->createOffer([&](const std::string &, const std::string &) { called = true; });
	/* webrtcbin's thread answers and posts; the main loop does not run yet. */
	g_usleep(G_USEC_PER_SEC);
	destroy(branch);
	runUntil([]() { return false; }, 0.5);
	CHECK_FALSE(called);
}

TEST_CASE("an offer is answered", "[viewer-branch]")
{
	/* A real offer from a second branch, made recvonly like a player's. */
	NullObserver observer;
	std::unique_ptr<ViewerBranch> offerer = playingBranch(observer);
	std::string offer;
	offerer->createOffer([&](const std::string &s, const std::string &) { offer = s; });
	REQUIRE(runUntil([&]() { return !offer.empty(); }, 5));
	destroy(offerer);
	for (size_t at; (at = offer.find("a=sendonly")) != std::string::npos;)
		offer.replace(at, 10, "a=recvonly");

	std::unique_ptr<ViewerBranch> answerer = playingBranch(observer);
	std::string sdp, error;
	bool done = false;
	bool refused = false;
	auto answer = [&](const std::string &text) {
		sdp.clear();
		error.clear();
		done = refused = false;
		RemoteSdp parsed = parseWhepOffer(text);
		REQUIRE(parsed.error == "");
		answerer->answerOffer(
			std::move(parsed.message),
			[&](const std::string &s, const std::string &e) {
				sdp = s;
				error = e;
				done = true;
			},
			[&](const std::string &e) {
				error = e;
				done = refused = true;
			});
		REQUIRE(runUntil([&]() { return done; }, 5));
	};

	SECTION("a good offer gets an answer") {
		answer(offer);
		CHECK(error.empty());
		CHECK_FALSE(refused);
		CHECK(sdp.find("a=sendonly") != std::string::npos);
	}
	SECTION("one webrtcbin refuses is told apart: the client's fault, not ours (WHEP 400)") {
		/* No ICE credentials: the validator leaves that to webrtcbin's own check. */
		std::string noUfrag;
		for (std::string line; const char c : offer) {
			line += c;
			if (c == '\n') {
				if (line.rfind("a=ice-ufrag:", 0) != 0)
					noUfrag += line;
				line.clear();
			}
		}
		answer(noUfrag);
		CHECK(refused);
		CHECK(error.find("ufrag") != std::string::npos);
	}
	destroy(answerer);
}

TEST_CASE("a missing offer is reported from the main loop", "[viewer-branch]")
{
	NullObserver observer;
	std::unique_ptr<ViewerBranch> branch = playingBranch(observer);
	std::string error;
	bool done = false;
	branch->answerOffer(
		SdpMessagePtr(),
		[&](const std::string &, const std::string &e) {
			error = e;
			done = true;
		},
		[](const std::string &e) { FAIL("refused: " << e); });
	CHECK_FALSE(done);
	REQUIRE(runUntil([&]() { return done; }, 5));
	CHECK(!error.empty());
	destroy(branch);
}

TEST_CASE("every viewer presents the process's one DTLS certificate", "[viewer-branch]")
{
	NullObserver observer;
	ViewerBranch::Options options;
	options.dtlsPem = DtlsIdentity::generate();
	REQUIRE(!options.dtlsPem.empty());
	std::string expected = DtlsIdentity::fingerprint(options.dtlsPem);

	std::unique_ptr<ViewerBranch> first = playingBranch(observer, options);
	std::unique_ptr<ViewerBranch> second = playingBranch(observer, options);
	CHECK(fingerprintIn(offerOf(*first)) == expected);
	CHECK(fingerprintIn(offerOf(*second)) == expected);
	destroy(first);
	destroy(second);

	/* Without one, GStreamer's own (RSA) certificate: not ours. */
	std::unique_ptr<ViewerBranch> plain = playingBranch(observer);
	std::string other = fingerprintIn(offerOf(*plain));
	CHECK(!other.empty());
	CHECK(other != expected);
	destroy(plain);
}

namespace {

/* libnice's agent inside the branch's webrtcbin. */
GObject *niceAgentOf(ViewerBranch &branch)
{
	GstPtr<GstElement> webrtc;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(branch.bin()));
	GValue item = G_VALUE_INIT;
	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		auto *element = GST_ELEMENT(g_value_get_object(&item));
		GstElementFactory *factory = gst_element_get_factory(element);
		if (factory && !strcmp(GST_OBJECT_NAME(factory), "webrtcbin"))
			webrtc = GstPtr<GstElement>::retain(element);
		g_value_reset(&item);
	}
	g_value_unset(&item);
	gst_iterator_free(it);
	REQUIRE(webrtc);
	GObject *agent = nullptr;
	g_object_get(webrtc.get(), "ice-agent", &agent, nullptr);
	REQUIRE(agent);
	GObject *nice = nullptr;
	g_object_get(agent, "agent", &nice, nullptr);
	gst_object_unref(agent);
	REQUIRE(nice);
	return nice;
}

bool upnpOf(ViewerBranch &branch)
{
	g_autoptr(GObject) nice = niceAgentOf(branch);
	gboolean upnp = TRUE;
	g_object_get(nice, "upnp", &upnp, nullptr);
	return upnp;
}

} /* namespace */

TEST_CASE("libnice never asks the router for UPnP mappings unless configured", "[viewer-branch]")
{
	NullObserver observer;
	std::unique_ptr<ViewerBranch> quiet = playingBranch(observer);
	CHECK_FALSE(upnpOf(*quiet));
	destroy(quiet);

	ViewerBranch::Options options;
	options.upnp = true;
	std::unique_ptr<ViewerBranch> asked = playingBranch(observer, options);
	CHECK(upnpOf(*asked));
	destroy(asked);
}

/*
 * libnice's default 20 ms tick between checks made a join wait three ticks
 * before the pair with a browser's peer-reflexive address was nominated.
 */
TEST_CASE("ICE checks are paced at RFC 8445's 5 ms, not libnice's 20 ms", "[viewer-branch]")
{
	NullObserver observer;
	std::unique_ptr<ViewerBranch> branch = playingBranch(observer);
	g_autoptr(GObject) nice = niceAgentOf(*branch);
	guint pacing = 0;
	g_object_get(nice, "stun-pacing-timer", &pacing, nullptr);
	CHECK(pacing == 5);
	destroy(branch);
}

/*
 * Without webrtcbin the branch says so, and nothing else is attempted
 * (before: g_object_set() and gst_bin_add() criticals on NULL, and an
 * unchecked gst_pad_link()). In a child (criticals fatal): the registry
 * loses webrtcbin.
 */
TEST_CASE("a branch without webrtcbin reports it", "[viewer-branch]")
{
	NullObserver observer;
	ViewerBranch good("viewer-ok", {}, observer);
	CHECK(good.error() == "");

	std::string outcome = runIsolated([&] {
		GstPluginFeature *factory = gst_registry_lookup_feature(gst_registry_get(), "webrtcbin");
		if (factory) {
			gst_registry_remove_feature(gst_registry_get(), factory);
			gst_object_unref(factory);
		}
		ViewerBranch branch("viewer-none", {}, observer);
		std::string error = branch.error();
		return error.find("webrtcbin") != std::string::npos ? std::string()
								  : "error() is '" + error + "'";
	});
	CHECK(outcome == "");
}
