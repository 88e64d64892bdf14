/* SPDX-License-Identifier: MIT */
/*
 * Owns every Viewer: admission (max_viewers), ids, removal, timeouts for
 * viewers that never connect or go silent. It watches every viewer and
 * passes what it hears on to the viewer's owner; `ended` it handles
 * first: the viewer is removed, then its owner told.
 * Main thread only.
 */
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/Config.h"
#include "core/Clock.h"
#include "core/GlibPtr.h"
#include "core/MainThread.h"
#include "server/Viewer.h"
#include "signaling/Message.h"

namespace wcam {

class ViewerManager : private ViewerObserver
{
public:
	/* `dtlsPem`: the certificate every viewer presents (empty: GStreamer's). */
	ViewerManager(StreamPipeline &pipeline, const Config &config, std::string dtlsPem = {},
		      Clock clock = monotonicClock());
	~ViewerManager() override;

	/*
	 * Admit a viewer, or return nullptr with `error` (busy). `owner` is
	 * told joined at once, then the viewer's life; `ended` when the server
	 * ends it (timeout, ICE failure), not on remove(). It must outlive the
	 * viewer or remove it. `id` names it (unused by any viewer, present or
	 * leaving); empty means a new random one.
	 */
	Viewer *create(Viewer::Kind kind, const std::string &remote, ViewerObserver &owner,
		       ProtocolError &error, std::string id = {});

	/* A fresh viewer id: 122 random bits, so one seen nowhere cannot be guessed. */
	static std::string newId();

	Viewer *find(const std::string &id) const;

	/* Remove now (the branch leaves the pipeline in the background). */
	void remove(const std::string &id, const std::string &reason);

	/* The server ends it: remove, then tell its owner (ended). */
	void end(const std::string &id, const std::string &reason);

	/* End viewers that did not connect in time or went silent (a timer calls this every 2 s). */
	void expire();

	/* Ask every negotiated viewer's webrtcbin; the figures arrive as stats() (the stats clock calls this). */
	void refreshStats();

	size_t count() const { return viewers_.size(); }
	/* Viewers removed since start. */
	uint64_t departures() const { return departures_; }
	/* What the viewers of `kind` that left had sent (their last figures): counters never go down. */
	struct SentTotals {
		uint64_t bytes = 0;
		uint64_t packets = 0;
	};
	SentTotals departedSent(Viewer::Kind kind) const
	{
		auto it = departedSent_.find(kind);
		return it == departedSent_.end() ? SentTotals{} : it->second;
	}
	int maxViewers() const { return maxViewers_; }

	void forEach(const std::function<void(const Viewer &)> &fn) const;

	/* Limits, timeouts and ICE settings; applies to viewers from now on. */
	void applyConfig(const Config &config);

private:
	ViewerBranch::Options branchOptionsFrom(const Config &config) const;

	void signal(const std::string &id, const std::string &json) override;
	void answer(const std::string &id, const std::string &sdp, const std::string &error,
		    bool offerRefused) override;
	void connected(const std::string &id) override;
	void stats(const std::string &id, const ViewerRtcStats &stats) override;
	void ended(const std::string &id, const std::string &reason) override;
	ViewerObserver *ownerOf(const std::string &id) const;

	StreamPipeline &pipeline_;
	int maxViewers_;
	int maxPerAddress_;
	int64_t timeoutUs_;
	std::string dtlsPem_;
	ViewerBranch::Options branchOptions_;
	Clock clock_;
	struct Entry {
		std::unique_ptr<Viewer> viewer;
		ViewerObserver *owner;
	};
	std::map<std::string, Entry> viewers_;
	uint64_t departures_ = 0;
	std::map<Viewer::Kind, SentTotals> departedSent_;
	SourceGuard ticker_;
	Lifetime lifetime_;
};

} /* namespace wcam */
