#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package under a real systemd (needs root, mmdebstrap and systemd-nspawn):
# boot a Debian 12 container made by mmdebstrap, with a private network (its
# own loopback only), install the .deb in it with apt-get as a user would,
# and hold the unit to what README promises:
#  1. active (running) through READY=1; the time from start to ready, with
#     the plugin registry cached in CacheDirectory= and no home needed;
#  2. the watchdog: a camera whose frames stop, and a process that hangs,
#     are restarted by systemd and /health is 200 again within 15 s;
#  3. systemctl reload applies a new bitrate live (seen in /stats) and
#     refuses a broken file, keeping the running settings;
#  4. journalctl -o json holds PRIORITY and the viewer fields;
#  5. systemctl stop with a viewer watching ends in < 2 s, the viewer told bye;
#  6. systemd-analyze security inside the booted system <= 2.0;
#  7. apt-get purge leaves no file, user or state behind (a login added
#     with webrtc-camera-configure --add-user included);
#  8. several cameras: webrtc-camera@a and @b from a.ini and b.ini run beside
#     webrtc-camera, each on its port with its own picture (red, blue: the
#     centre pixel a WHEP viewer decodes), state directory, DTLS identity
#     and journal identifier (journalctl -t webrtc-camera-a).
#   systemd-test.sh WHEP_PROBE
# The container's root is kept as a tarball in $WCAM_ROOTFS_CACHE
# (default /var/cache/webrtc-camera-tests; empty: no cache) for the next run.
# WCAM_DEB=PATH tests that package instead of building one.
set -euo pipefail

probe="$1"
source_dir="${WCAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
max_exposure="2.0"
max_ready_ms=5000
max_stop_ms=2000
max_back_s=15
cache_dir="${WCAM_ROOTFS_CACHE-/var/cache/webrtc-camera-tests}"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to build and boot a container"
	exit 77
fi
for tool in mmdebstrap systemd-nspawn nsenter dpkg-buildpackage dpkg-deb curl python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (tools/bootstrap --test installs it)"; exit 1; }
done

work="$(mktemp -d /var/tmp/wcam-systemd.XXXXXX)"
# The package of one test run, shared by the packaging tests.
deb_dir="${WCAM_DEB_DIR:-${WCAM_BUILD_DIR:+$WCAM_BUILD_DIR/packaging-deb}}"
deb_dir="${deb_dir:-$work/deb}"
root="$work/root"
nspawn_pid=""
ct=""

cleanup() {
	local status=$?
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		[ -n "$ct" ] && nsenter -t "$ct" -a -- systemctl poweroff --no-block >/dev/null 2>&1
		for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
		kill "$nspawn_pid" 2>/dev/null || true
		wait "$nspawn_pid" 2>/dev/null || true
	fi
	[ "$status" -eq 0 ] || { echo "--- container console (last lines)"; tail -n 30 "$work/console.log" 2>/dev/null; }
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
die() {
	echo "FAIL: $*"
	if [ -n "$ct" ]; then
		echo "--- journalctl -u webrtc-camera (last lines)"
		in_ct journalctl -u webrtc-camera --no-pager -n 40 -o short-precise 2>/dev/null || true
	fi
	exit 1
}
in_ct() { nsenter -t "$ct" -a -- "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
prop() { in_ct systemctl show webrtc-camera -p "$1" --value; }
health() { in_ct curl -s -o /dev/null -m 2 -w "%{http_code}" http://127.0.0.1:8080/health || true; }
# Wait up to $1 s for "$2..." to succeed.
wait_for() {
	local seconds="$1"
	shift
	local end=$(($(now_ms) + seconds * 1000))
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
healthy() { [ "$(health)" = 200 ]; }
stats_field() {
	in_ct curl -fsS -m 2 http://127.0.0.1:8080/stats |
		python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value.get(key, {}) if isinstance(value, dict) else {}
print(value)' "$1"
}

step "the package (tests/packaging/build-deb.sh)"
if [ -n "${WCAM_DEB:-}" ]; then
	# A package given by hand (e.g. while working on this test).
	echo "$WCAM_DEB" >"$work/build-deb.log"
else
	"$(dirname "$0")/build-deb.sh" "$source_dir" "$deb_dir" | tee "$work/build-deb.log"
fi
deb="$(tail -n 1 "$work/build-deb.log")"
[ -f "$deb" ] || die "no package was built"
mkdir "$work/pkg"
cp "$deb" "$probe" "$work/pkg/"

step "a Debian 12 root with systemd and the package's dependencies (mmdebstrap)"
# The package's Depends and Recommends (first alternative, no versions) are
# installed up front: the container has no network, and apt-get then
# installs the .deb alone, as on a machine that already has GStreamer.
packages="$( (dpkg-deb -f "$deb" Depends; dpkg-deb -f "$deb" Recommends) | tr ',' '\n' |
	sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' |
	sort -u | tr '\n' ',')systemd,systemd-sysv,dbus,curl"
echo "packages: $packages"
key="$(echo "bookworm $packages" | sha256sum | cut -c1-16)"
tarball="${cache_dir:+$cache_dir/bookworm-$key.tar}"
mkdir "$root"
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
	echo "from the cache: $tarball"
	tar -C "$root" -xf "$tarball"
else
	start=$(now_ms)
	mmdebstrap --variant=minbase --include="$packages" bookworm "$root" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" \
		</dev/null >"$work/mmdebstrap.log" 2>&1 || { tail -n 40 "$work/mmdebstrap.log"; die "mmdebstrap failed"; }
	echo "mmdebstrap: $(( ($(now_ms) - start) / 1000 )) s, $(du -sh "$root" | cut -f1)"
	if [ -n "$tarball" ]; then
		mkdir -p "$cache_dir"
		tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		# Only the newest root stays.
		find "$cache_dir" -name 'bookworm-*.tar' ! -name "$(basename "$tarball")" -delete
	fi
fi

step "boot it (systemd-nspawn --boot --private-network)"
systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network \
	--machine="wcam-test-$$" --bind-ro="$work/pkg:/mnt/pkg" --console=pipe \
	</dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 300); do
	ct="$(pgrep -P "$nspawn_pid" -x systemd | head -n 1 || true)"
	[ -n "$ct" ] && break
	kill -0 "$nspawn_pid" 2>/dev/null || { cat "$work/console.log"; die "systemd-nspawn exited"; }
	sleep 0.1
done
[ -n "$ct" ] || die "no systemd in the container"
# Until its bus is up systemctl cannot even ask.
booted() {
	state="$(in_ct systemctl is-system-running 2>/dev/null || true)"
	case "$state" in running | degraded | maintenance | stopping | offline) return 0 ;; esac
	return 1
}
wait_for 90 booted || true
echo "system: $state ($(in_ct systemctl --version | head -n 1))"
case "$state" in
running) ;;
degraded) in_ct systemctl --failed --no-pager || true ;;
*) die "the container did not boot: $state" ;;
esac

# Everything but runtime, logs and package-manager state, before and after.
snapshot() {
	in_ct find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/tmp -o -path /var/log -o -path /var/cache/apt -o -path /var/lib/apt \
		-o -path /var/lib/dpkg -o -path /var/cache/debconf -o -path /var/cache/man \
		-o -path /var/cache/ldconfig -o -path /var/lib/systemd/catalog -o -path /mnt \) -prune \
		-o -print | sort
	in_ct sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow
}
snapshot >"$work/before.txt"

step "apt-get install ./$(basename "$deb") (postinst starts the service)"
# No network in the container: a dependency missing from the root fails here.
in_ct env DEBIAN_FRONTEND=noninteractive sh -c "cd /mnt/pkg && apt-get install -y -q ./$(basename "$deb")" \
	>"$work/install.log" 2>&1 || { cat "$work/install.log"; die "apt-get install failed"; }
tail -n 2 "$work/install.log"

step "1. ready through READY=1, and how long a start takes"
ready_ms() {
	echo $((($(prop ActiveEnterTimestampMonotonic) - $(prop InactiveExitTimestampMonotonic)) / 1000))
}
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] ||
	die "after install: $(prop ActiveState)/$(prop SubState), not active/running"
status_text="$(prop StatusText)"
[ "$status_text" = "streaming on port 8080" ] || die "status text: '$status_text'"
first_ms="$(ready_ms)"
echo "first start (the plugin registry built): ready $first_ms ms after systemd started it"
# What the first start cached, found from inside the sandbox.
registry="$(in_ct sh -c 'ls /var/cache/private/webrtc-camera/gstreamer-1.0/registry.*.bin' 2>/dev/null || true)"
[ -n "$registry" ] || die "no GStreamer registry in CacheDirectory= (/var/cache/private/webrtc-camera)"
echo "registry cached: $registry"
in_ct test -s /var/lib/private/webrtc-camera/dtls-identity.pem ||
	die "no DTLS identity in StateDirectory= (/var/lib/private/webrtc-camera)"
restart_mark="$(in_ct date '+%Y-%m-%d %H:%M:%S.%N' | cut -c1-23)"
for run in 1 2 3; do
	in_ct systemctl restart webrtc-camera || die "systemctl restart failed"
	ms="$(ready_ms)"
	echo "restart $run: ready $ms ms after systemd started it"
	[ "$ms" -le "$max_ready_ms" ] || die "ready $ms ms after start, over $max_ready_ms ms"
done
healthy || die "/health is $(health) after a restart"
journal="$(in_ct journalctl -u webrtc-camera --no-pager -o cat --since "$restart_mark")"
for noise in "gst-plugin-scan" "home directory" "registry cache" "dconf" "Fontconfig"; do
	if grep -qi "$noise" <<<"$journal"; then
		grep -i "$noise" <<<"$journal" | head -n 3
		die "restarts log '$noise': the registry or a home directory is missing"
	fi
done
grep -q "first frames encoded; ready" <<<"$journal" || die "no 'ready' line in the journal"
fingerprints="$(in_ct journalctl -u webrtc-camera -o json --no-pager |
	python3 -c 'import json, sys
print(len({json.loads(l).get("DTLS_FINGERPRINT") for l in sys.stdin if "DTLS_FINGERPRINT" in l}))')"
[ "$fingerprints" = 1 ] || die "$fingerprints DTLS fingerprints over 4 starts: the state directory does not persist"
echo "no plugin rescan, no home directory needed, one DTLS fingerprint over 4 starts"

step "8. several cameras: webrtc-camera@a and webrtc-camera@b beside webrtc-camera"
# Two test pictures told apart by colour, on their own ports, while the
# main unit keeps serving 8080 (its state directory is a symlink into
# private/, which the instances' must not nest in).
start=$(now_ms)
for instance in a:8081:8555:red b:8082:8556:blue; do
	IFS=: read -r name port rtsp pattern <<<"$instance"
	in_ct tee "/etc/webrtc-camera/$name.ini" >/dev/null <<INI
# systemd-test: camera $name, a $pattern picture.
[encoding]
encoder = x264
bitrate = 200k
[network]
port = $port
ice_addresses = 127.0.0.1
[rtsp]
port = $rtsp
[pipeline]
source = videotestsrc is-live=true pattern=$pattern ! video/x-raw,width=160,height=120,framerate=10/1 ! queue
INI
done
in_ct systemctl enable --now webrtc-camera@a webrtc-camera@b >"$work/instances.log" 2>&1 ||
	{ cat "$work/instances.log"; in_ct journalctl -u 'webrtc-camera@*' --no-pager -n 30; die "systemctl enable --now webrtc-camera@a webrtc-camera@b failed"; }
instance_prop() { in_ct systemctl show "webrtc-camera@$1" -p "$2" --value; }
instance_health() { in_ct curl -s -o /dev/null -m 2 -w "%{http_code}" "http://127.0.0.1:$1/health" || true; }
for instance in a:8081:8555:red b:8082:8556:blue; do
	IFS=: read -r name port rtsp pattern <<<"$instance"
	state="$(instance_prop "$name" ActiveState)/$(instance_prop "$name" SubState)"
	[ "$state" = active/running ] || die "webrtc-camera@$name is $state"
	[ "$(instance_prop "$name" StatusText)" = "streaming on port $port" ] ||
		die "webrtc-camera@$name status: '$(instance_prop "$name" StatusText)'"
	[ "$(instance_health "$port")" = 200 ] || die "/health of webrtc-camera@$name on $port: $(instance_health "$port")"
	# The probe from the host, in the container's network only: it decodes
	# with the host's avdec_h264 (the container has no gst-libav).
	nsenter -t "$ct" -n -- "$probe" --centre "$port" 5 20 \
		>"$work/probe-$name.log" 2>&1 || { cat "$work/probe-$name.log"; die "no video from webrtc-camera@$name"; }
	read -r y u v < <(sed -n 's/^whep-probe: centre //p' "$work/probe-$name.log")
	echo "webrtc-camera@$name: port $port, $(grep -o '[0-9]* frame(s) decoded in [0-9.]* s' "$work/probe-$name.log"), centre pixel Y=$y U=$u V=$v"
	# BT.601: red is Y 81 U 90 V 240, blue Y 41 U 240 V 110.
	case "$pattern" in
	red) [ "$v" -gt $((u + 60)) ] || die "webrtc-camera@$name shows no red picture (U $u, V $v)" ;;
	blue) [ "$u" -gt $((v + 60)) ] || die "webrtc-camera@$name shows no blue picture (U $u, V $v)" ;;
	esac
	# Its own RTSP port beside the main unit's 8554, and nothing logged as an error.
	rtsp_listening() { in_ct python3 -c "import socket; socket.create_connection(('127.0.0.1', $rtsp), 1).close()" 2>/dev/null; }
	rtsp_listening || die "webrtc-camera@$name's RTSP port $rtsp does not listen"
	errors="$(in_ct journalctl -u "webrtc-camera@$name" -p err --no-pager -q -o cat)"
	[ -z "$errors" ] || die "webrtc-camera@$name logged errors: $errors"
	in_ct test -s "/var/lib/private/webrtc-camera-$name/dtls-identity.pem" ||
		die "no DTLS identity in webrtc-camera@$name's StateDirectory= (/var/lib/private/webrtc-camera-$name)"
done
healthy || die "the main unit's /health is $(health) beside the instances"
if in_ct cmp -s /var/lib/private/webrtc-camera-a/dtls-identity.pem /var/lib/private/webrtc-camera-b/dtls-identity.pem ||
	in_ct cmp -s /var/lib/private/webrtc-camera-a/dtls-identity.pem /var/lib/private/webrtc-camera/dtls-identity.pem; then
	die "two units share one DTLS identity"
fi
# Each instance's own lines under its identifier, the server's structured
# entries (SYSLOG_IDENTIFIER from argv[0]) as well as its stderr's.
journal_of() { in_ct journalctl -t "$1" -o json --no-pager >"$work/journal-$1.json"; }
instance_journal() {
	journal_of webrtc-camera-a && journal_of webrtc-camera-b && journal_of webrtc-camera &&
		grep -q "first frames encoded; ready" "$work/journal-webrtc-camera-a.json" &&
		grep -q "first frames encoded; ready" "$work/journal-webrtc-camera-b.json"
}
wait_for 5 instance_journal || die "journalctl -t webrtc-camera-a / -b lack the instances' 'ready' lines"
python3 - "$work" <<'PY' || die "the journal identifiers do not separate the instances"
import json, sys
def entries(tag):
    return [json.loads(l) for l in open(f"{sys.argv[1]}/journal-{tag}.json")]
for name in "ab":
    own = entries(f"webrtc-camera-{name}")
    # Lines logged as a process exits may come without _SYSTEMD_UNIT.
    units = {e.get("_SYSTEMD_UNIT") for e in own} - {None}
    if units != {f"webrtc-camera@{name}.service"}:
        sys.exit(f"journalctl -t webrtc-camera-{name} shows entries of {sorted(map(str, units))}")
    fingerprints = {e["DTLS_FINGERPRINT"] for e in own if "DTLS_FINGERPRINT" in e}
    print(f"journalctl -t webrtc-camera-{name}: {len(own)} entries, all from webrtc-camera@{name}.service, "
          f"DTLS fingerprint {sorted(fingerprints)[0][:23] if fingerprints else None}...")
    if len(fingerprints) != 1:
        sys.exit(f"webrtc-camera-{name}: {len(fingerprints)} DTLS fingerprints")
main = {e.get("_SYSTEMD_UNIT") for e in entries("webrtc-camera")} - {None}
if main != {"webrtc-camera.service"}:
    sys.exit(f"journalctl -t webrtc-camera shows entries of {sorted(map(str, main))}")
a = {e["DTLS_FINGERPRINT"] for e in entries("webrtc-camera-a") if "DTLS_FINGERPRINT" in e}
b = {e["DTLS_FINGERPRINT"] for e in entries("webrtc-camera-b") if "DTLS_FINGERPRINT" in e}
if a == b:
    sys.exit("webrtc-camera@a and @b have the same DTLS fingerprint")
PY
in_ct systemd-analyze security webrtc-camera@a --no-pager >"$work/security-a.log" 2>&1 || true
exposure="$(sed -n 's/.*Overall exposure level for webrtc-camera@a.service: \([0-9.]*\).*/\1/p' "$work/security-a.log")"
[ -n "$exposure" ] || { cat "$work/security-a.log"; die "no exposure level for webrtc-camera@a"; }
awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
	{ grep -v "✓" "$work/security-a.log" | tail -n 25; die "webrtc-camera@a: exposure $exposure is above $max_exposure"; }
echo "webrtc-camera@a: exposure $exposure <= $max_exposure"
# As a user retires them; purge (step 7) then finds their state gone.
in_ct systemctl disable --now webrtc-camera@a webrtc-camera@b >"$work/instances.log" 2>&1 ||
	{ cat "$work/instances.log"; die "systemctl disable --now webrtc-camera@a webrtc-camera@b failed"; }
in_ct rm /etc/webrtc-camera/a.ini /etc/webrtc-camera/b.ini
echo "two instances side by side, checked in $(( ($(now_ms) - start) / 1000 )) s"

step "a test camera the test can stall: raw frames over TCP from a transient unit"
# The test's own tools keep their caches in /tmp, out of the purge check.
in_ct systemd-run --unit=wcam-feed --quiet -E XDG_CACHE_HOME=/tmp/test-cache gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
	! video/x-raw,format=I420,width=320,height=240,framerate=20/1 \
	! tcpserversink host=127.0.0.1 port=5600 || die "cannot start the feed"
listening() { in_ct python3 -c 'import socket; socket.create_connection(("127.0.0.1", 5600), 1).close()' 2>/dev/null; }
wait_for 10 listening || die "the feed does not listen on 127.0.0.1:5600"
in_ct tee /etc/webrtc-camera/config.ini >/dev/null <<'INI'
# systemd-test: a camera fed over TCP, viewers over loopback.
[camera]
width = 320
height = 240
fps = 20
[encoding]
encoder = x264
bitrate = 600k
[network]
ice_addresses = 127.0.0.1
[adaptive]
max_bitrate = 800k
[pipeline]
source = tcpclientsrc host=127.0.0.1 port=5600 ! rawvideoparse width=320 height=240 format=i420 framerate=20/1
INI
in_ct systemctl restart webrtc-camera || die "restart with the test config failed"
wait_for 10 healthy || die "/health is $(health) with the test config"
feeding() { awk -v fps="$(stats_field stream.fps)" 'BEGIN { exit !(fps > 0) }'; }
wait_for 5 feeding || die "no frames from the feed: $(stats_field stream.fps) fps"
echo "serving the feed: $(stats_field stream.fps) fps"

step "4. the journal: PRIORITY and the viewer fields"
mark="$(in_ct date '+%Y-%m-%d %H:%M:%S')"
in_ct env XDG_CACHE_HOME=/tmp/test-cache /mnt/pkg/"$(basename "$probe")" 8080 15 20 || die "no video over WHEP in the container"
sleep 1
in_ct journalctl -u webrtc-camera -o json --no-pager --since "$mark" >"$work/journal.json"
python3 - "$work/journal.json" <<'PY' || die "the journal lacks the viewer's entries"
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
def find(word):
    for e in entries:
        if "VIEWER_ID" in e and word in e.get("MESSAGE", ""):
            return e
    sys.exit(f"no journal entry with VIEWER_ID for '{word}'")
joined, left = find(" joined"), find(" left")
for e in (joined, left):
    for field in ("PRIORITY", "VIEWER_ID", "REMOTE_ADDR", "SYSLOG_IDENTIFIER", "_SYSTEMD_UNIT"):
        if not e.get(field):
            sys.exit(f"'{e['MESSAGE']}' has no {field}")
    if e["PRIORITY"] != "6":
        sys.exit(f"'{e['MESSAGE']}' has PRIORITY {e['PRIORITY']}, not 6 (info)")
if joined["VIEWER_ID"] != left["VIEWER_ID"]:
    sys.exit("joined and left name different viewers")
print(f"joined: PRIORITY={joined['PRIORITY']} VIEWER_ID={joined['VIEWER_ID']} "
      f"REMOTE_ADDR={joined['REMOTE_ADDR']} VIEWERS={joined.get('VIEWERS')}")
print(f"left:   PRIORITY={left['PRIORITY']} VIEWER_ID={left['VIEWER_ID']} MESSAGE={left['MESSAGE']!r}")
PY

step "3. systemctl reload: a new bitrate live, a broken file refused"
[ "$(stats_field adaptive.maxBitrate)" = 800000 ] || die "adaptive.maxBitrate is $(stats_field adaptive.maxBitrate), not 800000"
in_ct sed -i 's/^max_bitrate = 800k/max_bitrate = 400k/' /etc/webrtc-camera/config.ini
pid="$(prop MainPID)"
in_ct systemctl reload webrtc-camera || die "systemctl reload failed"
bitrate_is() { [ "$(stats_field adaptive.encoderBitrate)" = "$1" ]; }
wait_for 5 bitrate_is 400000 || die "after reload the encoder runs at $(stats_field adaptive.encoderBitrate), not 400000"
[ "$(prop MainPID)" = "$pid" ] || die "reload restarted the process"
echo "after reload: encoder at $(stats_field adaptive.encoderBitrate) bit/s, same PID $pid"
mark="$(in_ct date '+%Y-%m-%d %H:%M:%S')"
in_ct sed -i 's/^fps = 20$/fps = many/' /etc/webrtc-camera/config.ini
in_ct systemctl reload webrtc-camera || die "systemctl reload failed"
refused() { in_ct journalctl -u webrtc-camera --no-pager -o cat --since "$mark" | grep -q "reload refused: /etc/webrtc-camera/config.ini:camera.fps"; }
wait_for 5 refused || die "the broken file was not refused by name"
in_ct journalctl -u webrtc-camera --no-pager -o cat --since "$mark" | grep "reload refused" | head -n 2
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid" ] || die "a broken reload stopped the service"
healthy && bitrate_is 400000 || die "a broken reload changed what runs"
in_ct sed -i 's/^fps = many$/fps = 20/' /etc/webrtc-camera/config.ini
echo "refused; still serving at 400000 bit/s"

step "5. systemctl stop with a viewer watching"
in_ct env XDG_CACHE_HOME=/tmp/test-cache /mnt/pkg/"$(basename "$probe")" --ws --hold 20 8080 15 20 >"$work/viewer.log" 2>&1 &
viewer=$!
watching() { grep -q "frame(s) decoded" "$work/viewer.log"; }
wait_for 20 watching || { cat "$work/viewer.log"; die "the websocket viewer saw no video"; }
start=$(now_ms)
in_ct systemctl stop webrtc-camera || die "systemctl stop failed"
stop_ms=$(($(now_ms) - start))
wait "$viewer" || { cat "$work/viewer.log"; die "the viewer was not told bye"; }
cat "$work/viewer.log"
echo "systemctl stop took $stop_ms ms with a viewer connected; $(prop ActiveState), result $(prop Result)"
[ "$stop_ms" -lt "$max_stop_ms" ] || die "stop took $stop_ms ms, over $max_stop_ms ms"
[ "$(prop Result)" = success ] || die "the stop ended with result $(prop Result)"

step "2a. the watchdog: the camera's frames stop"
in_ct systemctl start webrtc-camera || die "start failed"
wait_for 10 healthy || die "/health is $(health) after start"
pid="$(prop MainPID)"
restarts="$(prop NRestarts)"
mark="$(in_ct date '+%Y-%m-%d %H:%M:%S')"
in_ct systemctl kill -s SIGSTOP wcam-feed
start=$(now_ms)
gone() { ! in_ct kill -0 "$1" 2>/dev/null; }
# In-process rebuilds get 10 s, then WATCHDOG=1 stops; WatchdogSec=30s.
wait_for 60 gone "$pid" || die "the service was not restarted within 60 s of a stalled camera"
killed_s=$(( ($(now_ms) - start) / 1000 ))
in_ct systemctl kill -s SIGCONT wcam-feed
start=$(now_ms)
wait_for "$max_back_s" healthy || die "/health is $(health) $max_back_s s after the watchdog restart"
back_ms=$(($(now_ms) - start))
[ "$(prop NRestarts)" -gt "$restarts" ] || die "NRestarts did not grow: the restart was not systemd's"
in_ct journalctl -u webrtc-camera --no-pager -o cat --since "$mark" |
	grep -E "watchdog: no longer fed|[Ww]atchdog timeout" | head -n 2
in_ct journalctl -u webrtc-camera --no-pager -o cat --since "$mark" | grep -qi "watchdog timeout" ||
	die "systemd logged no watchdog timeout"
echo "frames stopped -> killed by the watchdog after ${killed_s} s -> /health 200 ${back_ms} ms later (NRestarts $(prop NRestarts))"

step "2b. the watchdog: the whole process hangs (SIGSTOP)"
pid="$(prop MainPID)"
restarts="$(prop NRestarts)"
in_ct kill -STOP "$pid"
start=$(now_ms)
wait_for 60 gone "$pid" || die "a hung process was not killed within 60 s"
killed_s=$(( ($(now_ms) - start) / 1000 ))
start=$(now_ms)
wait_for "$max_back_s" healthy || die "/health is $(health) $max_back_s s after the hung process was killed"
back_ms=$(($(now_ms) - start))
[ "$(prop NRestarts)" -gt "$restarts" ] || die "NRestarts did not grow"
echo "hung -> killed after ${killed_s} s (WatchdogSec=30s, then TimeoutStopSec=5s) -> /health 200 ${back_ms} ms later"

step "access control under the unit: a user added, as README says"
[ "$(in_ct curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/stats)" = 200 ] ||
	die "/stats needs no login before a user exists (loopback only)"
echo "correct horse battery staple" | in_ct webrtc-camera-configure --add-user alice >"$work/add-user.log" 2>&1 ||
	{ cat "$work/add-user.log"; die "webrtc-camera-configure --add-user failed"; }
in_ct systemctl restart webrtc-camera || die "restart with a user failed"
wait_for 10 healthy || die "/health is $(health) with a user (the dynamic user cannot read the users file?)"
code() { in_ct curl -s -o /dev/null -w '%{http_code}' "$@" http://127.0.0.1:8080/stats; }
[ "$(code)" = 401 ] || die "/stats without a login: $(code), not 401"
[ "$(code -u alice:wrong)" = 401 ] || die "/stats with a wrong password: $(code -u alice:wrong), not 401"
[ "$(code -u 'alice:correct horse battery staple')" = 200 ] || die "/stats with the password: not 200"
in_ct journalctl -u webrtc-camera --no-pager -o cat -n 30 | grep -q "0.0.0.0:8080" ||
	die "with a user the service does not listen on bind = 0.0.0.0"
echo "users file read by the dynamic user; /stats 401 without or with a wrong password, 200 with it"

step "6. systemd-analyze security in the booted system"
in_ct systemd-analyze security webrtc-camera --no-pager >"$work/security.log" 2>&1 || true
exposure="$(sed -n 's/.*Overall exposure level for webrtc-camera.service: \([0-9.]*\).*/\1/p' "$work/security.log")"
[ -n "$exposure" ] || { cat "$work/security.log"; die "no exposure level in the output"; }
awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
	{ grep -v "✓" "$work/security.log" | tail -n 25; die "exposure $exposure is above $max_exposure"; }
echo "exposure $exposure <= $max_exposure"

step "7. apt-get purge leaves nothing behind"
in_ct systemctl stop wcam-feed 2>/dev/null || true
in_ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q webrtc-camera >"$work/purge.log" 2>&1 ||
	{ cat "$work/purge.log"; die "apt-get purge failed"; }
in_ct systemctl daemon-reload
snapshot >"$work/after.txt"
if ! diff "$work/before.txt" "$work/after.txt" >"$work/left.diff"; then
	cat "$work/left.diff"
	die "the purge left files behind or changed the user database (diff before/after above)"
fi
units="$(in_ct systemctl list-units --all --no-legend 'webrtc-camera*' || true)"
[ -z "$units" ] || die "units left after purge: $units"
if in_ct pgrep -f /usr/bin/webrtc-camera >/dev/null; then die "a webrtc-camera process is still running"; fi
echo "the filesystem, /etc/passwd, /etc/group and the unit list are as before the install"

echo
echo "systemd: all checks passed"
