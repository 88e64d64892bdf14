/* SPDX-License-Identifier: MIT */
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "server/PrometheusText.h"

using namespace wcam;
using Type = PrometheusText::Type;

TEST_CASE("prometheus: HELP and TYPE before a family's first sample, once", "[server]")
{
	PrometheusText out;
	out.family("webrtc_camera_viewers", Type::Gauge, "Viewers now.");
	out.sample(2, { { "kind", "ws" } });
	out.sample(1, { { "kind", "whep" } });
	out.family("webrtc_camera_encoder_frames_total", Type::Counter, "Frames.");
	out.sample(12345);
	CHECK(out.text() == "# HELP webrtc_camera_viewers Viewers now.\n"
			    "# TYPE webrtc_camera_viewers gauge\n"
			    "webrtc_camera_viewers{kind=\"ws\"} 2\n"
			    "webrtc_camera_viewers{kind=\"whep\"} 1\n"
			    "# HELP webrtc_camera_encoder_frames_total Frames.\n"
			    "# TYPE webrtc_camera_encoder_frames_total counter\n"
			    "webrtc_camera_encoder_frames_total 12345\n");
}

TEST_CASE("prometheus: no NaN or infinity; a family without samples writes nothing", "[server]")
{
	PrometheusText out;
	out.family("webrtc_camera_temperature_celsius", Type::Gauge, "Unknown here.");
	out.sample(std::numeric_limits<double>::quiet_NaN());
	out.sample(std::numeric_limits<double>::infinity());
	out.sample(-std::numeric_limits<double>::infinity());
	CHECK(out.text().empty());
	out.family("webrtc_camera_uptime_seconds", Type::Gauge, "Up.");
	out.sample(1.5);
	CHECK(out.text() == "# HELP webrtc_camera_uptime_seconds Up.\n"
			    "# TYPE webrtc_camera_uptime_seconds gauge\n"
			    "webrtc_camera_uptime_seconds 1.5\n");
}

TEST_CASE("prometheus: label values and help text escaped", "[server]")
{
	CHECK(PrometheusText::escapeLabel("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
	/* In HELP a quote is text. */
	CHECK(PrometheusText::escapeHelp("a\"b\\c\nd") == "a\"b\\\\c\\nd");
	PrometheusText out;
	out.family("webrtc_camera_build_info", Type::Gauge, "line one\nline \\two");
	out.sample(1, { { "version", "1.0\"x\n" } });
	CHECK(out.text() == "# HELP webrtc_camera_build_info line one\\nline \\\\two\n"
			    "# TYPE webrtc_camera_build_info gauge\n"
			    "webrtc_camera_build_info{version=\"1.0\\\"x\\n\"} 1\n");
}

TEST_CASE("prometheus: numbers read back exactly", "[server]")
{
	CHECK(PrometheusText::formatValue(0) == "0");
	CHECK(PrometheusText::formatValue(-0.0) == "0");
	CHECK(PrometheusText::formatValue(1e15) == "1000000000000000");
	CHECK(PrometheusText::formatValue(0.1) == "0.1");
	CHECK(PrometheusText::formatValue(-2.5) == "-2.5");
	CHECK(std::stod(PrometheusText::formatValue(1.0 / 3)) == 1.0 / 3);
	CHECK(std::stod(PrometheusText::formatValue(1e300)) == 1e300);
}

TEST_CASE("prometheus: a summary over values: nearest-rank quantiles, sum and count", "[server]")
{
	PrometheusText out;
	out.family("webrtc_camera_viewer_rtt_seconds", Type::Summary, "RTT.");
	out.summary({ 0.04, 0.01, std::nan(""), 0.03, 0.02 });
	CHECK(out.text() == "# HELP webrtc_camera_viewer_rtt_seconds RTT.\n"
			    "# TYPE webrtc_camera_viewer_rtt_seconds summary\n"
			    "webrtc_camera_viewer_rtt_seconds{quantile=\"0\"} 0.01\n"
			    "webrtc_camera_viewer_rtt_seconds{quantile=\"0.5\"} 0.02\n"
			    "webrtc_camera_viewer_rtt_seconds{quantile=\"0.9\"} 0.04\n"
			    "webrtc_camera_viewer_rtt_seconds{quantile=\"1\"} 0.04\n"
			    "webrtc_camera_viewer_rtt_seconds_sum 0.1\n"
			    "webrtc_camera_viewer_rtt_seconds_count 4\n");
}

TEST_CASE("prometheus: an empty summary has only sum and count", "[server]")
{
	PrometheusText out;
	out.family("webrtc_camera_viewer_loss_ratio", Type::Summary, "Loss.");
	out.summary({});
	CHECK(out.text() == "# HELP webrtc_camera_viewer_loss_ratio Loss.\n"
			    "# TYPE webrtc_camera_viewer_loss_ratio summary\n"
			    "webrtc_camera_viewer_loss_ratio_sum 0\n"
			    "webrtc_camera_viewer_loss_ratio_count 0\n");
}
