#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Real network impairment against the adaptive controller.

The server (webrtc-camera, test source, x264) runs in network namespace
wcam-srv; receivers run in wcam-rx1 and wcam-rx2, each joined to the server
by its own veth pair (10.99.0.1/.2 and 10.99.0.5/.6, only inside the
namespaces). tc on the server's end of a pair shapes what that viewer gets.

Usage: impairment.py SERVER RECEIVER WEB_ROOT [CSV]
Exit 0 pass, 1 fail, 77 skip (not root / no namespaces / no tc).
The CSV (one row a second) is what tools/adaptive-plot draws.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SRV, RX1, RX2 = "wcam-srv", "wcam-rx1", "wcam-rx2"
LINKS = [  # (receiver ns, server-side dev, receiver-side dev, server ip, receiver ip)
    (RX1, "wcam-s1", "wcam-r1", "10.99.0.1", "10.99.0.2"),
    (RX2, "wcam-s2", "wcam-r2", "10.99.0.5", "10.99.0.6"),
]
PORT = 18080
MAX = 1500000
MIN = 250000

failures = []


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def netns_exec(ns, *args):
    return ["ip", "netns", "exec", ns] + list(args)


def cleanup():
    for ns in (SRV, RX1, RX2):
        sh("ip", "netns", "del", ns, check=False)


def setup():
    cleanup()
    for ns in (SRV, RX1, RX2):
        sh("ip", "netns", "add", ns)
        sh(*netns_exec(ns, "ip", "link", "set", "lo", "up"))
    for rx, sdev, rdev, sip, rip in LINKS:
        sh("ip", "link", "add", sdev, "netns", SRV, "type", "veth", "peer", "name", rdev, "netns", rx)
        sh(*netns_exec(SRV, "ip", "addr", "add", sip + "/30", "dev", sdev))
        sh(*netns_exec(rx, "ip", "addr", "add", rip + "/30", "dev", rdev))
        sh(*netns_exec(SRV, "ip", "link", "set", sdev, "up"))
        sh(*netns_exec(rx, "ip", "link", "set", rdev, "up"))


def shape(dev, *qdisc):
    sh(*netns_exec(SRV, "tc", "qdisc", "replace", "dev", dev, "root", *qdisc))


def unshape(dev):
    sh(*netns_exec(SRV, "tc", "qdisc", "del", "dev", dev, "root"), check=False)


class Receiver:
    """One receiver process and the stats lines it prints."""

    def __init__(self, binary, rx, sip, rip, seconds):
        self.lines = []
        self.proc = subprocess.Popen(netns_exec(rx, binary, sip, str(PORT), rip, str(seconds)),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if len(parts) == 5 and parts[0] == "stats":
                self.lines.append((time.monotonic(), int(parts[2]), int(parts[3]), int(parts[4])))

    def last(self):
        return self.lines[-1] if self.lines else (time.monotonic(), 0, 0, 0)

    def at(self, when):
        """The last line printed at or before `when`."""
        best = (when, 0, 0, 0)
        for line in self.lines:
            if line[0] <= when:
                best = line
        return best

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def window_loss(receiver, start, end):
    a, b = receiver.at(start), receiver.at(end)
    received, lost = b[2] - a[2], b[3] - a[3]
    total = received + lost
    return (lost / total if total > 0 else 0.0), total


def window_fps(receiver, start, end):
    a, b = receiver.at(start), receiver.at(end)
    return (b[1] - a[1]) / max(b[0] - a[0], 0.001)


class Monitor:
    """Polls /stats every second and writes the CSV."""

    def __init__(self, csv_path):
        self.stats = None
        self.phase = "start"
        self.t0 = time.monotonic()
        self.csv = open(csv_path, "w") if csv_path else None
        if self.csv:
            self.csv.write("time,phase,target,sent,loss,rtt,viewers\n")
        self.running = True
        threading.Thread(target=self._run, daemon=True).start()

    def fetch(self):
        try:
            out = subprocess.run(netns_exec(SRV, "python3", "-c",
                                            "import urllib.request,sys;sys.stdout.write(urllib.request.urlopen("
                                            f"'http://127.0.0.1:{PORT}/stats',timeout=2).read().decode())"),
                                 capture_output=True, text=True, timeout=5)
            return json.loads(out.stdout) if out.returncode == 0 else None
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            return None

    def _run(self):
        while self.running:
            stats = self.fetch()
            if stats:
                self.stats = stats
                if self.csv:
                    viewers = stats.get("viewers", [])
                    loss = max([v.get("fractionLost", 0) for v in viewers] or [0])
                    rtts = [v["rtt"] for v in viewers if v.get("rtt") is not None]
                    adaptive = stats.get("adaptive", {})
                    self.csv.write("%.1f,%s,%d,%d,%.4f,%.4f,%d\n" % (
                        time.monotonic() - self.t0, self.phase, adaptive.get("targetBitrate", 0),
                        stats["stream"]["bitrate"], loss, max(rtts or [0]), len(viewers)))
                    self.csv.flush()
            time.sleep(1)

    def target(self):
        return (self.stats or {}).get("adaptive", {}).get("targetBitrate", 0)

    def wait_for(self, predicate, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.stats and predicate(self.target()):
                return time.monotonic()
            time.sleep(0.2)
        return None


def check(ok, message):
    print(("PASS " if ok else "FAIL ") + message, flush=True)
    if not ok:
        failures.append(message)


def scenario(server_bin, receiver_bin, web_root, csv_path):
    workdir = tempfile.mkdtemp(prefix="wcam-impairment-")
    config = os.path.join(workdir, "config.ini")
    with open(config, "w") as f:
        f.write(f"""[camera]
source = test
width = 640
height = 480
fps = 30
[encoding]
encoder = x264
bitrate = {MAX}
[network]
bind = 0.0.0.0
port = {PORT}
ice_addresses = 10.99.0.1, 10.99.0.5
viewer_timeout = 20
[security]
# Open inside the test's namespaces: no logins, not loopback-only.
users_file =
[adaptive]
min_bitrate = {MIN}
max_bitrate = {MAX}
interval = 1
cpu_high = 100
cpu_low = 99
""")
    log = open(os.path.join(workdir, "server.log"), "w")
    server = subprocess.Popen(netns_exec(SRV, server_bin, "--config", config, "--web-root", web_root),
                              stdout=log, stderr=subprocess.STDOUT)
    monitor = Monitor(csv_path)
    receivers = []
    try:
        if monitor.wait_for(lambda t: t > 0, 15) is None:
            check(False, "server answers /stats")
            return
        rx1 = Receiver(receiver_bin, LINKS[0][0], LINKS[0][3], LINKS[0][4], 170)
        receivers.append(rx1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and rx1.last()[1] < 60:
            time.sleep(0.2)
        check(rx1.last()[1] >= 60, "viewer 1 receives video (%d frames)" % rx1.last()[1])
        time.sleep(3)
        check(monitor.target() >= 0.9 * MAX, "clean start at %d kbps" % (monitor.target() // 1000))

        # tbf 400 kbit: target below 400k within 10 s, then < 5% loss over 10 s.
        monitor.phase = "tbf400"
        start = time.monotonic()
        shape("wcam-s1", "tbf", "rate", "400kbit", "burst", "10kb", "latency", "50ms")
        reached = monitor.wait_for(lambda t: t < 400000, 10)
        check(reached is not None, "tbf 400kbit: target below 400 kbps within 10 s (%s, target %d kbps)" % (
            "%.1f s" % (reached - start) if reached else "not reached", monitor.target() // 1000))
        if reached:
            w0 = time.monotonic()
            time.sleep(10)
            loss, packets = window_loss(rx1, w0, time.monotonic())
            check(loss < 0.05 and packets > 100,
                  "tbf 400kbit: receiver loss over the next 10 s %.2f%% of %d packets" % (loss * 100, packets))

        monitor.phase = "lifted"
        unshape("wcam-s1")
        start = time.monotonic()
        reached = monitor.wait_for(lambda t: t > 0.9 * MAX, 30)
        check(reached is not None, "limit lifted: target above 90%% of max within 30 s (%s)" % (
            "%.1f s" % (reached - start) if reached else "target %d kbps" % (monitor.target() // 1000)))

        # netem 10% loss: falls; removed: recovers.
        monitor.phase = "netem10"
        before = monitor.target()
        try:
            shape("wcam-s1", "netem", "loss", "10%")
        except subprocess.CalledProcessError as e:
            # Some kernels (containers) lack sch_netem; the rest still runs.
            print("SKIP netem part: %s" % e.stderr.strip(), flush=True)
            return two_viewers(monitor, receiver_bin, receivers, rx1)
        start = time.monotonic()
        reached = monitor.wait_for(lambda t: t < 0.7 * before, 15)
        check(reached is not None, "netem loss 10%%: bitrate falls from %d to %d kbps" % (
            before // 1000, monitor.target() // 1000))
        time.sleep(5)
        monitor.phase = "recovered"
        unshape("wcam-s1")
        start = time.monotonic()
        reached = monitor.wait_for(lambda t: t > 0.9 * MAX, 30)
        check(reached is not None, "netem removed: recovers above 90%% of max (%s)" % (
            "%.1f s" % (reached - start) if reached else "target %d kbps" % (monitor.target() // 1000)))

        two_viewers(monitor, receiver_bin, receivers, rx1)
    finally:
        monitor.running = False
        for r in receivers:
            r.stop()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if failures:
            with open(os.path.join(workdir, "server.log")) as f:
                lines = [l for l in f if "adaptive" in l]
            print("server adaptive log:\n" + "".join(lines[-60:]))
        shutil.rmtree(workdir, ignore_errors=True)


def two_viewers(monitor, receiver_bin, receivers, rx1):
    # Two viewers, the second one throttled far below min_bitrate.
    monitor.phase = "two-viewers"
    shape("wcam-s2", "tbf", "rate", "150kbit", "burst", "10kb", "latency", "50ms")
    rx2 = Receiver(receiver_bin, LINKS[1][0], LINKS[1][3], LINKS[1][4], 60)
    receivers.append(rx2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len((monitor.stats or {}).get("viewers", [])) < 2:
        time.sleep(0.2)
    time.sleep(10)
    w0 = time.monotonic()
    time.sleep(10)
    fps = window_fps(rx1, w0, time.monotonic())
    check(fps >= 25, "two viewers, one throttled: the unthrottled one keeps %.1f fps" % fps)
    adaptive = (monitor.stats or {}).get("adaptive", {})
    check(monitor.target() > 0.5 * MAX,
          "the throttled viewer does not drag the target down (target %d kbps, dropping %s)" % (
              monitor.target() // 1000, adaptive.get("dropping")))


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    server_bin, receiver_bin, web_root = sys.argv[1:4]
    csv_path = sys.argv[4] if len(sys.argv) > 4 else os.environ.get("WCAM_ADAPTIVE_CSV")
    if os.geteuid() != 0:
        print("SKIP: network namespaces need root (run the suite as root)")
        return 77
    if not shutil.which("ip") or not shutil.which("tc"):
        print("SKIP: ip and tc (iproute2) are needed")
        return 77
    try:
        setup()
    except subprocess.CalledProcessError as e:
        cleanup()
        print("SKIP: cannot create namespaces/veth: %s %s" % (" ".join(e.cmd), e.stderr.strip()))
        return 77
    try:
        scenario(server_bin, receiver_bin, web_root, csv_path)
    finally:
        cleanup()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
