/* SPDX-License-Identifier: MIT */
#include "server/ViewerManager.h"

#include <algorithm>

#include "core/Log.h"

namespace wcam {

namespace {

constexpr guint kTickMs = 2000;

/* A WHEP viewer has no keep-alive of its own: ICE tells us it is gone. */
constexpr int64_t kDisconnectedGraceUs = 10 * G_USEC_PER_SEC;

/*
 * Nor does libnice notice a peer that vanished without a word (no consent
 * freshness): its RTCP stops. Browsers report every second, GStreamer
 * every 5 s +-50 %: never less than this.
 */
constexpr int64_t kMinRtcpSilenceUs = 15 * G_USEC_PER_SEC;

} /* namespace */

ViewerManager::ViewerManager(StreamPipeline &pipeline, const Config &config, std::string dtlsPem, Clock clock)
	: pipeline_(pipeline), maxViewers_(config.network.maxViewers),
	  maxPerAddress_(config.network.maxViewersPerAddress),
	  timeoutUs_(int64_t(config.network.viewerTimeout) * G_USEC_PER_SEC),
	  dtlsPem_(std::move(dtlsPem)), branchOptions_(branchOptionsFrom(config)), clock_(std::move(clock))
{
	ticker_.reset(g_timeout_add(kTickMs, [](gpointer data) -> gboolean {
		static_cast<ViewerManager *>(data)->expire();
		return G_SOURCE_CONTINUE;
	}, this));
}

ViewerManager::~ViewerManager()
{
	ticker_.reset();
	viewers_.clear();
}

void ViewerManager::applyConfig(const Config &config)
{
	maxViewers_ = config.network.maxViewers;
	maxPerAddress_ = config.network.maxViewersPerAddress;
	timeoutUs_ = int64_t(config.network.viewerTimeout) * G_USEC_PER_SEC;
	branchOptions_ = branchOptionsFrom(config);
}

ViewerBranch::Options ViewerManager::branchOptionsFrom(const Config &config) const
{
	return { config.network.iceServers, config.network.iceAddresses, dtlsPem_, config.network.upnp };
}

Viewer *ViewerManager::create(Viewer::Kind kind, const std::string &remote, ViewerObserver &owner,
			      ProtocolError &error, std::string id)
{
	if (static_cast<int>(viewers_.size()) >= maxViewers_) {
		error = { "busy", "the camera already has its maximum of " +
					  std::to_string(maxViewers_) + " viewers; try again later" };
		logWarning("viewer refused: busy", { { "REMOTE_ADDR", remote } });
		return nullptr;
	}
	int fromAddress = 0;
	for (const auto &[id, entry] : viewers_)
		fromAddress += entry.viewer->remote() == remote;
	if (fromAddress >= maxPerAddress_) {
		error = { "too-many", "this address already has " + std::to_string(fromAddress) +
					      " viewers, the most one address may have; stop one first" };
		logWarning("viewer refused: too many from one address", { { "REMOTE_ADDR", remote } });
		return nullptr;
	}

	if (id.empty())
		id = newId();

	auto viewer = std::make_unique<Viewer>(id, kind, remote, pipeline_, branchOptions_,
					       static_cast<ViewerObserver &>(*this), clock_);
	Viewer *raw = viewer.get();
	viewers_[id] = Entry{ std::move(viewer), &owner };
	logInfo("viewer " + id + " joined (" + Viewer::toString(kind) + ")",
		{ { "VIEWER_ID", id }, { "REMOTE_ADDR", remote }, { "VIEWERS", std::to_string(viewers_.size()) } });
	owner.joined(id);
	return raw;
}

std::string ViewerManager::newId()
{
	g_autofree char *uuid = g_uuid_string_random();
	return uuid;
}

Viewer *ViewerManager::find(const std::string &id) const
{
	auto it = viewers_.find(id);
	return it == viewers_.end() ? nullptr : it->second.viewer.get();
}

void ViewerManager::remove(const std::string &id, const std::string &reason)
{
	auto it = viewers_.find(id);
	if (it == viewers_.end())
		return;
	std::unique_ptr<Viewer> viewer = std::move(it->second.viewer);
	viewers_.erase(it);
	departures_++;
	SentTotals &sent = departedSent_[viewer->kind()];
	sent.bytes += viewer->rtcStats().bytesSent;
	sent.packets += viewer->rtcStats().packetsSent;
	double seconds = (clock_() - viewer->createdUs()) / 1e6;
	logInfo("viewer " + id + " left: " + reason,
		{ { "VIEWER_ID", id }, { "REMOTE_ADDR", viewer->remote() },
		  { "DURATION_S", std::to_string(seconds) },
		  { "BYTES_SENT", std::to_string(viewer->rtcStats().bytesSent) },
		  { "VIEWERS", std::to_string(viewers_.size()) } });
	viewer->detach();
}

void ViewerManager::end(const std::string &id, const std::string &reason)
{
	auto it = viewers_.find(id);
	if (it == viewers_.end())
		return;
	ViewerObserver *owner = it->second.owner;
	remove(id, reason);
	owner->ended(id, reason);
}

ViewerObserver *ViewerManager::ownerOf(const std::string &id) const
{
	auto it = viewers_.find(id);
	return it == viewers_.end() ? nullptr : it->second.owner;
}

void ViewerManager::signal(const std::string &id, const std::string &json)
{
	if (ViewerObserver *owner = ownerOf(id))
		owner->signal(id, json);
}

void ViewerManager::answer(const std::string &id, const std::string &sdp, const std::string &error,
			   bool offerRefused)
{
	if (ViewerObserver *owner = ownerOf(id))
		owner->answer(id, sdp, error, offerRefused);
}

void ViewerManager::connected(const std::string &id)
{
	if (ViewerObserver *owner = ownerOf(id))
		owner->connected(id);
}

void ViewerManager::stats(const std::string &id, const ViewerRtcStats &stats)
{
	if (ViewerObserver *owner = ownerOf(id))
		owner->stats(id, stats);
}

void ViewerManager::ended(const std::string &id, const std::string &reason)
{
	/* Removal happens later on the main loop: never inside the viewer's own call. */
	postToMain(lifetime_, [this, id, reason]() { end(id, reason); });
}

void ViewerManager::refreshStats()
{
	for (auto &[id, entry] : viewers_)
		entry.viewer->refreshStats();
}

void ViewerManager::forEach(const std::function<void(const Viewer &)> &fn) const
{
	for (const auto &[id, entry] : viewers_)
		fn(*entry.viewer);
}

/* main thread */
void ViewerManager::expire()
{
	int64_t now = clock_();
	std::vector<std::pair<std::string, std::string>> expired;
	for (auto &[id, entry] : viewers_) {
		Viewer &viewer = *entry.viewer;
		switch (viewer.state()) {
		case Viewer::State::Connected:
			/* A websocket viewer pings; silence means it vanished. */
			if (viewer.kind() == Viewer::Kind::WebSocket &&
			    now - viewer.lastActivityUs() > timeoutUs_)
				expired.push_back({ id, "silent for too long" });
			else if (viewer.rtcpSilenceUs(now) > std::max(timeoutUs_, kMinRtcpSilenceUs))
				expired.push_back({ id, "no RTCP from the viewer for too long" });
			break;
		case Viewer::State::Disconnected:
			if (now - viewer.stateSinceUs() > std::min(timeoutUs_, kDisconnectedGraceUs))
				expired.push_back({ id, "connection lost" });
			break;
		case Viewer::State::Failed:
			break; /* its removal is already queued */
		default:
			if (now - viewer.createdUs() > timeoutUs_)
				expired.push_back({ id, "did not connect in time" });
			break;
		}
	}
	for (const auto &[id, reason] : expired)
		end(id, reason);
}

} /* namespace wcam */
