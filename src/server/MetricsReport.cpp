/* SPDX-License-Identifier: MIT */
#include "server/MetricsReport.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "server/PrometheusText.h"

namespace wcam {

namespace {

using Type = PrometheusText::Type;

/* Raspberry Pi firmware get_throttled bits, "now" half: bounded labels. */
constexpr struct {
	unsigned bit;
	const char *condition;
} kThrottleBits[] = {
	{ 0, "under_voltage" },
	{ 1, "frequency_capped" },
	{ 2, "throttled" },
	{ 3, "soft_temperature_limit" },
};

} /* namespace */

std::string buildMetricsText(const StatsInputs &in, const SnapshotFigures &snapshot)
{
	PrometheusText out;

	out.family("webrtc_camera_build_info", Type::Gauge, "The running build; the value is always 1.");
	out.sample(1, { { "version", WCAM_VERSION } });
	out.family("webrtc_camera_uptime_seconds", Type::Gauge, "Seconds since the server started.");
	out.sample(in.uptimeSeconds);

	/*
	 * Viewers by kind label: counts and what they were sent, those that
	 * left included. Every kind is listed, with 0 when none is there;
	 * RTSP clients (outside ViewerManager) are counted below.
	 */
	struct PerKind {
		double viewers = 0;
		double bytes = 0;
		double packets = 0;
	};
	std::map<std::string, PerKind> kinds;
	for (Viewer::Kind kind : Viewer::kKinds) {
		ViewerManager::SentTotals departed = in.viewers.departedSent(kind);
		kinds[Viewer::toString(kind)] = { 0, double(departed.bytes), double(departed.packets) };
	}
	std::vector<double> rtt, loss, jitter;
	in.viewers.forEach([&](const Viewer &viewer) {
		PerKind &k = kinds[Viewer::toString(viewer.kind())];
		const ViewerRtcStats &rtc = viewer.rtcStats();
		k.viewers++;
		k.bytes += double(rtc.bytesSent);
		k.packets += double(rtc.packetsSent);
		/* Only peers that reported: before its first RTCP a viewer has no figures. */
		if (viewer.state() == Viewer::State::Connected && rtc.reportUs) {
			if (rtc.roundTripTime >= 0)
				rtt.push_back(rtc.roundTripTime);
			loss.push_back(rtc.fractionLost);
			jitter.push_back(rtc.jitter);
		}
	});
	out.family("webrtc_camera_viewers", Type::Gauge, "Viewers now, connecting ones included, by kind.");
	for (const auto &[kind, figures] : kinds)
		out.sample(figures.viewers, { { "kind", kind } });
	/* RTSP clients share one media fed from the tee: a count, no per-client bytes. */
	if (in.rtspClients >= 0)
		out.sample(in.rtspClients, { { "kind", "rtsp" } });
	out.family("webrtc_camera_viewers_max", Type::Gauge, "[network] max_viewers.");
	out.sample(in.viewers.maxViewers());
	out.family("webrtc_camera_sent_bytes_total", Type::Counter,
		   "Bytes sent to viewers (RTP, as webrtcbin counts them at each stats interval), by kind.");
	for (const auto &[kind, figures] : kinds)
		out.sample(figures.bytes, { { "kind", kind } });
	out.family("webrtc_camera_sent_packets_total", Type::Counter, "RTP packets sent to viewers, by kind.");
	for (const auto &[kind, figures] : kinds)
		out.sample(figures.packets, { { "kind", kind } });
	out.family("webrtc_camera_viewer_rtt_seconds", Type::Summary,
		   "Round-trip time of the connected viewers' latest RTCP report, across viewers.");
	out.summary(rtt);
	out.family("webrtc_camera_viewer_loss_ratio", Type::Summary,
		   "Fraction of packets lost (RTCP receiver report, 0..1) of the connected viewers, across viewers.");
	out.summary(loss);
	out.family("webrtc_camera_viewer_jitter_seconds", Type::Summary,
		   "Interarrival jitter of the connected viewers (RTCP), across viewers.");
	out.summary(jitter);

	StreamStats stream = in.pipeline.stats();
	out.family("webrtc_camera_stream_up", Type::Gauge, "1 while encoded frames flow, else 0.");
	out.sample(in.pipeline.flowing() ? 1 : 0);
	out.family("webrtc_camera_encoder_frames_total", Type::Counter, "Frames out of the encoder.");
	out.sample(double(stream.frames));
	out.family("webrtc_camera_encoder_keyframes_total", Type::Counter, "Keyframes out of the encoder.");
	out.sample(double(stream.keyframes));
	out.family("webrtc_camera_encoder_frames_per_second", Type::Gauge, "Frames out of the encoder, last second.");
	out.sample(stream.fps);
	out.family("webrtc_camera_encoder_bits_per_second", Type::Gauge, "Bits out of the encoder, last second.");
	out.sample(stream.bitrate);
	out.family("webrtc_camera_encoder_width_pixels", Type::Gauge, "Width of the encoded picture.");
	out.sample(stream.width);
	out.family("webrtc_camera_encoder_height_pixels", Type::Gauge, "Height of the encoded picture.");
	out.sample(stream.height);
	out.family("webrtc_camera_keyframe_requests_total", Type::Counter, "Keyframe requests the encoder granted.");
	out.sample(double(stream.keyframeRequests));
	out.family("webrtc_camera_keyframe_requests_suppressed_total", Type::Counter,
		   "Keyframe requests merged into a granted one by the encoder's rate limit.");
	out.sample(double(stream.keyframeRequestsSuppressed));
	out.family("webrtc_camera_pipeline_recoveries_total", Type::Counter,
		   "Times the camera/encoder part was rebuilt after a failure or stall.");
	out.sample(double(in.pipeline.recoveries()));

	if (const AdaptiveStatus *a = in.adaptive) {
		out.family("webrtc_camera_adaptive_target_bits_per_second", Type::Gauge,
			   "The bitrate the adaptive controller wants.");
		out.sample(a->targetBitrate);
		out.family("webrtc_camera_adaptive_encoder_bits_per_second", Type::Gauge,
			   "The bitrate the encoder is set to.");
		out.sample(a->encoderBitrate >= 0 ? double(a->encoderBitrate) : NAN);
		out.family("webrtc_camera_adaptive_level", Type::Gauge,
			   "CPU/temperature pressure step, 0 = full frame rate and size.");
		out.sample(a->level);
		out.family("webrtc_camera_adaptive_levels", Type::Gauge, "Pressure steps available.");
		out.sample(a->levels);
		out.family("webrtc_camera_adaptive_changes_total", Type::Counter, "Decisions that changed something.");
		out.sample(double(a->changes));
	}

	out.family("webrtc_camera_http_connections", Type::Gauge, "HTTP connections open now.");
	out.sample(double(in.connections.open));
	out.family("webrtc_camera_http_connections_accepted_total", Type::Counter, "HTTP connections accepted.");
	out.sample(double(in.connections.accepted));
	out.family("webrtc_camera_http_connections_refused_total", Type::Counter,
		   "HTTP connections refused by the per-address or total limit.");
	out.sample(double(in.connections.refused));

	out.family("webrtc_camera_snapshot_requests_total", Type::Counter, "Requests of /snapshot.jpg answered.");
	out.sample(double(snapshot.requests));
	out.family("webrtc_camera_snapshot_pictures_total", Type::Counter,
		   "Pictures decoded from the stream for /snapshot.jpg (at most one per [snapshot] interval).");
	out.sample(double(snapshot.pictures));
	out.family("webrtc_camera_snapshot_encodes_total", Type::Counter, "JPEGs encoded for /snapshot.jpg.");
	out.sample(double(snapshot.encodes));
	out.family("webrtc_camera_snapshot_failures_total", Type::Counter, "Requests of /snapshot.jpg answered 503.");
	out.sample(double(snapshot.failures));

	out.family("webrtc_camera_system_cpu_ratio", Type::Gauge, "CPU use of the whole system, all cores, 0..1.");
	out.sample(in.host.systemCpuPercent / 100);
	out.family("webrtc_camera_process_cpu_ratio", Type::Gauge, "CPU use of this process, of one core (may pass 1).");
	out.sample(in.host.processCpuPercent / 100);
	out.family("webrtc_camera_process_resident_memory_bytes", Type::Gauge, "Resident set size of this process.");
	out.sample(double(in.host.processRssBytes));
	out.family("webrtc_camera_memory_total_bytes", Type::Gauge, "The host's memory.");
	out.sample(double(in.host.memTotalBytes));
	out.family("webrtc_camera_memory_available_bytes", Type::Gauge, "The host's available memory (MemAvailable).");
	out.sample(double(in.host.memAvailableBytes));
	out.family("webrtc_camera_load1", Type::Gauge, "The host's one-minute load average.");
	out.sample(in.host.loadAverage1);
	if (in.host.temperatureCelsius) {
		out.family("webrtc_camera_temperature_celsius", Type::Gauge, "The hottest thermal zone.");
		out.sample(*in.host.temperatureCelsius);
	}
	if (in.host.throttled) {
		out.family("webrtc_camera_throttled", Type::Gauge,
			   "Raspberry Pi firmware throttling conditions now (get_throttled), 1 while active.");
		for (const auto &bit : kThrottleBits)
			out.sample((*in.host.throttled >> bit.bit) & 1, { { "condition", bit.condition } });
	}
	return out.text();
}

} /* namespace wcam */
