/* SPDX-License-Identifier: MIT */
#include "server/StatsReport.h"

#include <optional>
#include <type_traits>

#include <malloc.h>

#include <json-glib/json-glib.h>

namespace wcam {

namespace {

void addChoice(JsonBuilder *b, const char *name, const ChainChoice &choice)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, choice.kind.c_str());
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, choice.reason.c_str());
	json_builder_end_object(b);
}

void addDouble(JsonBuilder *b, const char *name, double value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_double_value(b, value);
}

void addInt(JsonBuilder *b, const char *name, int64_t value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

void addString(JsonBuilder *b, const char *name, const std::string &value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value.c_str());
}

/* A number, or null when it is not known (yet). */
template<typename T>
void addOptional(JsonBuilder *b, const char *name, const std::optional<T> &value)
{
	json_builder_set_member_name(b, name);
	if (!value)
		json_builder_add_null_value(b);
	else if constexpr (std::is_integral_v<T>)
		json_builder_add_int_value(b, *value);
	else
		json_builder_add_double_value(b, *value);
}

/*
 * Bytes the allocator has handed out and not got back: unlike the RSS it
 * does not keep the high-water mark of a burst of viewers, so it shows a
 * leak at once.
 */
std::optional<int64_t> heapInUse()
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 info = mallinfo2();
	return int64_t(info.uordblks + info.hblkhd);
#else
	return std::nullopt;
#endif
}

/* Our "unknown" sentinel for values that are never negative. */
std::optional<double> known(double value)
{
	return value >= 0 ? std::optional<double>(value) : std::nullopt;
}

} /* namespace */

std::string buildStatsJson(const StatsInputs &in)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	int64_t now = g_get_monotonic_time();

	json_builder_begin_object(b);
	addString(b, "version", WCAM_VERSION);
	addDouble(b, "uptime", in.uptimeSeconds);

	json_builder_set_member_name(b, "pipeline");
	json_builder_begin_object(b);
	addString(b, "launch", in.pipeline.description().launch);
	addString(b, "state", in.pipeline.stateName());
	addChoice(b, "source", in.pipeline.description().source);
	addChoice(b, "encoder", in.pipeline.description().encoder);
	json_builder_end_object(b);

	StreamStats stream = in.pipeline.stats();
	json_builder_set_member_name(b, "stream");
	json_builder_begin_object(b);
	addInt(b, "width", stream.width);
	addInt(b, "height", stream.height);
	addDouble(b, "fps", stream.fps);
	addDouble(b, "bitrate", stream.bitrate);
	addInt(b, "frames", stream.frames);
	addInt(b, "keyframes", stream.keyframes);
	addInt(b, "keyframeRequests", stream.keyframeRequests);
	addInt(b, "keyframeRequestsSuppressed", stream.keyframeRequestsSuppressed);
	json_builder_set_member_name(b, "flowing");
	json_builder_add_boolean_value(b, in.pipeline.flowing());
	addString(b, "problem", in.pipeline.problem());
	addInt(b, "recoveries", in.pipeline.recoveries());
	json_builder_set_member_name(b, "latencyStamp");
	json_builder_add_boolean_value(b, in.latencyStamp);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "viewers");
	json_builder_begin_array(b);
	in.viewers.forEach([&](const Viewer &viewer) {
		const ViewerRtcStats &rtc = viewer.rtcStats();
		json_builder_begin_object(b);
		addString(b, "id", viewer.id());
		addString(b, "kind", Viewer::toString(viewer.kind()));
		addString(b, "state", Viewer::toString(viewer.state()));
		addString(b, "remote", viewer.remote());
		addDouble(b, "connectedFor", (now - viewer.createdUs()) / 1e6);
		addInt(b, "bytesSent", rtc.bytesSent);
		addInt(b, "packetsSent", rtc.packetsSent);
		addOptional(b, "rtt", known(rtc.roundTripTime));
		addDouble(b, "fractionLost", rtc.fractionLost);
		addInt(b, "packetsLost", rtc.packetsLost);
		addDouble(b, "jitter", rtc.jitter);
		addInt(b, "pli", rtc.pliCount);
		addInt(b, "fir", rtc.firCount);
		addInt(b, "nack", rtc.nackCount);
		addOptional(b, "remb", known(rtc.remb));
		/* Where the join spent its time (ms from the request; null: not yet). */
		Viewer::JoinTimes join = viewer.joinTimes();
		json_builder_set_member_name(b, "join");
		json_builder_begin_object(b);
		addOptional(b, "sdp", join.sdp);
		addOptional(b, "remoteSdp", join.remoteSdp);
		addOptional(b, "connected", join.connected);
		addOptional(b, "media", join.media);
		addOptional(b, "serverShare", join.serverShare());
		json_builder_end_object(b);
		json_builder_end_object(b);
	});
	json_builder_end_array(b);
	addInt(b, "maxViewers", in.viewers.maxViewers());
	/* A kind of viewer of its own: RTSP clients, not in "viewers" (no WebRTC figures). */
	addOptional(b, "rtspClients", in.rtspClients >= 0 ? std::optional<int64_t>(in.rtspClients) : std::nullopt);

	json_builder_set_member_name(b, "adaptive");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, in.adaptive != nullptr);
	if (const AdaptiveStatus *a = in.adaptive) {
		addString(b, "policy", toString(a->policy));
		addInt(b, "minBitrate", a->minBitrate);
		addInt(b, "maxBitrate", a->maxBitrate);
		addInt(b, "targetBitrate", a->targetBitrate);
		addInt(b, "encoderBitrate", a->encoderBitrate);
		addDouble(b, "sentBitrate", a->sentBitrate);
		addInt(b, "level", a->level);
		addInt(b, "levels", a->levels);
		addInt(b, "fps", a->format.fps);
		addInt(b, "width", a->format.width);
		addInt(b, "height", a->format.height);
		addString(b, "formatControl", a->formatControl);
		addOptional(b, "lastChange", known(a->lastChangeAgo));
		addString(b, "reason", a->lastReason);
		addInt(b, "changes", a->changes);
		json_builder_set_member_name(b, "dropping");
		json_builder_begin_array(b);
		for (const std::string &id : a->dropping)
			json_builder_add_string_value(b, id.c_str());
		json_builder_end_array(b);
		json_builder_set_member_name(b, "estimates");
		json_builder_begin_object(b);
		for (const auto &[id, bitrate] : a->estimates)
			addDouble(b, id.c_str(), bitrate);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);

	json_builder_set_member_name(b, "connections");
	json_builder_begin_object(b);
	addInt(b, "open", in.connections.open);
	addInt(b, "accepted", in.connections.accepted);
	addInt(b, "refused", in.connections.refused);
	addInt(b, "timedOut", in.connections.timedOut);
	json_builder_end_object(b);
	addString(b, "watchdogProblem", in.watchdogProblem);

	json_builder_set_member_name(b, "host");
	json_builder_begin_object(b);
	addDouble(b, "cpu", in.host.systemCpuPercent);
	addDouble(b, "processCpu", in.host.processCpuPercent);
	addInt(b, "memTotal", in.host.memTotalBytes);
	addInt(b, "memAvailable", in.host.memAvailableBytes);
	addInt(b, "rss", in.host.processRssBytes);
	addOptional(b, "heapInUse", heapInUse());
	addDouble(b, "load1", in.host.loadAverage1);
	addOptional(b, "temperature", in.host.temperatureCelsius);
	addOptional(b, "throttled", in.host.throttled);
	json_builder_end_object(b);
	json_builder_end_object(b);

	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = json_to_string(root, FALSE);
	return text;
}

} /* namespace wcam */
