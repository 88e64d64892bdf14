/* SPDX-License-Identifier: MIT */
/*
 * Owns every Viewer: admission (max_viewers), ids, removal, timeouts for
 * viewers that never connect or go silent, and periodic RTCP stats.
 * Main thread only.
 */
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/Config.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "server/Viewer.h"
#include "signaling/Message.h"

namespace wcam {

class ViewerManager
{
public:
	/* Called when a viewer is removed by the server, with the reason. */
	using RemovedCallback = std::function<void(const std::string &reason)>;

	/* `dtlsPem`: the certificate every viewer presents (empty: GStreamer's). */
	ViewerManager(StreamPipeline &pipeline, const Config &config, std::string dtlsPem = {});
	~ViewerManager();

	/*
	 * Admit a viewer, or return nullptr with `error` (busy). `onRemoved`
	 * runs if the server ends it (timeout, ICE failure), not on remove().
	 * `id` names it (unused by any viewer, present or leaving); empty
	 * means a new random one.
	 */
	Viewer *create(Viewer::Kind kind, const std::string &remote, Viewer::Events events,
		       RemovedCallback onRemoved, ProtocolError &error, std::string id = {});

	/* A fresh viewer id: 122 random bits, so one seen nowhere cannot be guessed. */
	static std::string newId();

	Viewer *find(const std::string &id) const;

	/* Remove now (the branch leaves the pipeline in the background). */
	void remove(const std::string &id, const std::string &reason);

	/* The server ends it: remove, then tell its owner through onRemoved. */
	void end(const std::string &id, const std::string &reason);

	size_t count() const { return viewers_.size(); }
	/* Viewers removed since start. */
	uint64_t departures() const { return departures_; }
	int maxViewers() const { return maxViewers_; }

	void forEach(const std::function<void(const Viewer &)> &fn) const;

	/* Limits, timeouts and ICE settings; applies to viewers from now on. */
	void applyConfig(const Config &config);

private:
	ViewerBranch::Options branchOptionsFrom(const Config &config) const;

	void tick();

	StreamPipeline &pipeline_;
	int maxViewers_;
	int maxPerAddress_;
	int64_t timeoutUs_;
	std::string dtlsPem_;
	ViewerBranch::Options branchOptions_;
	struct Entry {
		std::unique_ptr<Viewer> viewer;
		RemovedCallback onRemoved;
	};
	std::map<std::string, Entry> viewers_;
	uint64_t departures_ = 0;
	SourceGuard ticker_;
	Lifetime lifetime_;
};

} /* namespace wcam */
