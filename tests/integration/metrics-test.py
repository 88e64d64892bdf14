#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
/metrics read by a real Prometheus parser (Debian's python3-prometheus-client)
from the real binary, with a WHEP viewer connected (whep-probe, the
integration tests' receiver): every family is webrtc_camera_*, has HELP
and a TYPE, counters end in _total, no value is NaN; the figures are sane
(frames grow between scrapes, the viewer is counted by kind, its RTT
shows in the summary, bytes sent never go down when it leaves); and two
quick /snapshot.jpg requests decode one picture.

Usage: metrics-test.py WEBRTC_CAMERA_BINARY WHEP_PROBE_BINARY
"""
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

failures = 0
# How long the WHEP viewer stays after its first frames; the scrapes happen meanwhile.
HOLD_S = 12


def check(what, ok, detail=""):
    global failures
    if ok:
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.status, r.headers, r.read()


def scrape(port):
    """{sample name or (name, label items): value} and the families, as the parser gives them."""
    status, headers, body = get(port, "/metrics")
    families = list(text_string_to_metric_families(body.decode("utf-8")))
    samples = {}
    for family in families:
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items()))) if s.labels else s.name
            samples[key] = s.value
    return status, headers, families, samples


def poll(what, predicate, seconds):
    """Polling the server until it shows `what`: not timing a result."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    check(what, False, f"not within {seconds} s")
    return None


def main():
    binary, probe = sys.argv[1], sys.argv[2]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.ini")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"[camera]\nsource = test\nwidth = 320\nheight = 240\n"
                    f"[encoding]\nencoder = x264\n"
                    f"[network]\nbind = 127.0.0.1\nport = {port}\nice_addresses = 127.0.0.1\n"
                    f"[security]\nusers_file =\n"
                    f"[snapshot]\ninterval = 30\n")
        log = open(os.path.join(tmp, "server.log"), "w+", encoding="utf-8")
        server = subprocess.Popen([binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
        viewer = None
        try:
            def healthy():
                try:
                    return get(port, "/health")[0] == 200
                except OSError:
                    return server.poll() is not None and None
            if not poll("server healthy", healthy, 20):
                return 1

            status, headers, families, first = scrape(port)
            check("/metrics answers 200", status == 200)
            check("content type is the text format 0.0.4",
                  headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
                  headers.get("Content-Type"))
            check("no viewer yet", first.get(("webrtc_camera_viewers", (("kind", "whep"),))) == 0)

            # It watches HOLD_S more, then DELETEs its session: it leaves by itself.
            viewer = subprocess.Popen([probe, "--hold", str(HOLD_S), str(port), "15", "20"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            line = viewer.stdout.readline()
            check("the WHEP viewer decodes frames", "frame(s) decoded" in line and "HTTP 201" in line, line)

            # RTCP reports reach the stats every interval: wait for the viewer's RTT.
            def with_rtt():
                samples = scrape(port)[3]
                return samples if samples.get("webrtc_camera_viewer_rtt_seconds_count", 0) >= 1 else None
            a = poll("the viewer's RTT in the summary", with_rtt, 15)
            if a is None:
                return 1
            b = poll("frames grow between scrapes",
                     lambda: (s := scrape(port)[3])["webrtc_camera_encoder_frames_total"] >
                     a["webrtc_camera_encoder_frames_total"] and s, 5)
            if b is None:
                return 1
            status, headers, families, _ = scrape(port)

            names = [f.name for f in families]
            check("every family is webrtc_camera_*", all(n.startswith("webrtc_camera_") for n in names), names)
            check("every family has HELP", all(f.documentation for f in families),
                  [f.name for f in families if not f.documentation])
            check("types are counter, gauge or summary",
                  all(f.type in ("counter", "gauge", "summary") for f in families),
                  [(f.name, f.type) for f in families])
            check("no value is NaN or infinite",
                  all(math.isfinite(s.value) for f in families for s in f.samples))
            # The parser drops _total from a counter family's name; its samples keep it.
            check("counters' samples end in _total",
                  all(s.name.endswith(("_total", "_created")) for f in families if f.type == "counter"
                      for s in f.samples), [f.name for f in families if f.type == "counter"])
            check("no per-viewer label", all(set(s.labels) <= {"kind", "quantile", "version", "condition"}
                                            for f in families for s in f.samples))
            for wanted in ("webrtc_camera_build_info", "webrtc_camera_uptime_seconds", "webrtc_camera_viewers",
                           "webrtc_camera_sent_bytes", "webrtc_camera_sent_packets",
                           "webrtc_camera_encoder_frames", "webrtc_camera_encoder_keyframes",
                           "webrtc_camera_encoder_frames_per_second", "webrtc_camera_encoder_bits_per_second",
                           "webrtc_camera_viewer_rtt_seconds", "webrtc_camera_viewer_loss_ratio",
                           "webrtc_camera_adaptive_target_bits_per_second", "webrtc_camera_adaptive_level",
                           "webrtc_camera_system_cpu_ratio", "webrtc_camera_process_cpu_ratio",
                           "webrtc_camera_process_resident_memory_bytes"):
                check(f"family {wanted}", wanted in names)
            build = [s for f in families if f.name == "webrtc_camera_build_info" for s in f.samples]
            check("build info has the version", build and build[0].labels.get("version") and build[0].value == 1,
                  build)

            whep = ("kind", "whep")
            print(f"figures: frames {a['webrtc_camera_encoder_frames_total']:.0f} -> "
                  f"{b['webrtc_camera_encoder_frames_total']:.0f}, "
                  f"fps {b['webrtc_camera_encoder_frames_per_second']:.1f}, "
                  f"bitrate {b['webrtc_camera_encoder_bits_per_second']:.0f} bit/s, "
                  f"rtt median {b.get(('webrtc_camera_viewer_rtt_seconds', (('quantile', '0.5'),)))} s, "
                  f"whep bytes {b[('webrtc_camera_sent_bytes_total', (whep,))]:.0f}, "
                  f"process cpu {b['webrtc_camera_process_cpu_ratio'] * 100:.1f} %, "
                  f"rss {b['webrtc_camera_process_resident_memory_bytes'] / 1e6:.1f} MB")
            check("the WHEP viewer is counted by kind", b[("webrtc_camera_viewers", (whep,))] == 1)
            check("no websocket viewer", b[("webrtc_camera_viewers", (("kind", "ws"),))] == 0)
            check("bytes were sent to it", b[("webrtc_camera_sent_bytes_total", (whep,))] > 0)
            check("fps is sane", 1 <= b["webrtc_camera_encoder_frames_per_second"] <= 100,
                  b["webrtc_camera_encoder_frames_per_second"])
            check("RTT is sane on loopback", 0 <= b[("webrtc_camera_viewer_rtt_seconds", (("quantile", "1"),))] < 1)
            check("uptime grows", b["webrtc_camera_uptime_seconds"] > first["webrtc_camera_uptime_seconds"])
            check("RSS is sane", 1e6 < b["webrtc_camera_process_resident_memory_bytes"] < 4e9)

            # The viewer leaves: its bytes stay in the counter.
            rest = viewer.communicate(timeout=HOLD_S + 10)[0]
            check("the viewer ended its session", viewer.returncode == 0 and "DELETE session: HTTP 200" in rest, rest)
            c = poll("the viewer has left", lambda: (s := scrape(port)[3])[("webrtc_camera_viewers", (whep,))] == 0
                     and s, 20)
            if c:
                check("bytes sent never go down", c[("webrtc_camera_sent_bytes_total", (whep,))] >=
                      b[("webrtc_camera_sent_bytes_total", (whep,))])

            # Two quick snapshots: one picture decoded, one JPEG encoded.
            before = scrape(port)[3]
            one = get(port, "/snapshot.jpg")
            two = get(port, "/snapshot.jpg")
            after = scrape(port)[3]
            check("snapshots answer 200 image/jpeg", one[0] == two[0] == 200 and
                  one[1].get("Content-Type") == "image/jpeg", (one[0], two[0], one[1].get("Content-Type")))
            check("the JPEG starts with SOI", one[2][:2] == b"\xff\xd8")
            pictures = after["webrtc_camera_snapshot_pictures_total"] - before["webrtc_camera_snapshot_pictures_total"]
            encodes = after["webrtc_camera_snapshot_encodes_total"] - before["webrtc_camera_snapshot_encodes_total"]
            requests = (after["webrtc_camera_snapshot_requests_total"]
                        - before["webrtc_camera_snapshot_requests_total"])
            print(f"snapshot: 2 requests -> {pictures:.0f} picture(s) decoded, {encodes:.0f} JPEG(s) encoded, "
                  f"{requests:.0f} answered")
            check("two quick snapshots decode one picture", pictures == 1 and encodes == 1 and requests == 2)
        finally:
            for process in (viewer, server):
                if process and process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()
            if failures:
                log.seek(0)
                print("--- server log (tail) ---")
                print("".join(log.readlines()[-30:]))
            log.close()

    print(f"{failures} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
