#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package end to end, on this machine (needs root):
#  1. dpkg-buildpackage -us -uc -b on a copy of the source tree
#     (build-deb.sh; into $WCAM_DEB_DIR when set, for the systemd test),
#  2. lintian: no errors, no warnings,
#  3. apt-get install ./webrtc-camera_*.deb (dependencies from the archive),
#  4. from the installed files only: the layout, --check-config with the
#     shipped config, systemd-analyze verify and security (exposure <= 2.0),
#     presets and the tools, and the installed binary serving the page and
#     video to a WHEP client (whep-probe),
#  5. clean up: stop the server, apt-get purge the package.
#   deb-test.sh WHEP_PROBE
set -euo pipefail

probe="$1"
source_dir="${WCAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
max_exposure="2.0"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to install the package"
	exit 77
fi
for tool in dpkg-buildpackage lintian apt-get systemd-analyze curl python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (tools/bootstrap --test installs it)"; exit 1; }
done

work="$(mktemp -d /tmp/wcam-deb.XXXXXX)"
# The package of one test run, shared by the packaging tests.
deb_dir="${WCAM_DEB_DIR:-${WCAM_BUILD_DIR:+$WCAM_BUILD_DIR/packaging-deb}}"
deb_dir="${deb_dir:-$work/deb}"
chmod 755 "$work"
server_pid=""
installed_by_us=0
dpkg-query -W -f='${Status}' webrtc-camera 2>/dev/null | grep -q "install ok installed" &&
	{ echo "FAIL: webrtc-camera is already installed; remove it first"; exit 1; }

cleanup() {
	local status=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$installed_by_us" = 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q webrtc-camera >"$work/remove.log" 2>&1 ||
			{ echo "FAIL: apt-get purge"; cat "$work/remove.log"; status=1; }
	fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
die() { echo "FAIL: $*"; exit 1; }

step "dpkg-buildpackage -us -uc -b (tests/packaging/build-deb.sh)"
"$(dirname "$0")/build-deb.sh" "$source_dir" "$deb_dir" | tee "$work/build-deb.log"
deb="$(tail -n 1 "$work/build-deb.log")"
[ -f "$deb" ] || die "no package was built"
ls -l "$deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb" | awk '{print $6}'

step "lintian"
lintian_status=0
lintian --fail-on error,warning --display-info "$deb" >"$work/lintian.log" 2>&1 || lintian_status=$?
cat "$work/lintian.log"
if [ $lintian_status -ne 0 ] || grep -qE '^[EW]: ' "$work/lintian.log"; then
	die "lintian reports errors or warnings"
fi
echo "lintian: no errors, no warnings"


step "apt-get install ./$(basename "$deb")"
installed_by_us=1
(cd "$(dirname "$deb")" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$deb")") \
	>"$work/install.log" 2>&1 || { cat "$work/install.log"; die "apt-get install failed"; }
tail -n 3 "$work/install.log"

step "installed layout"
for path in /usr/bin/webrtc-camera /usr/bin/webrtc-camera-configure /usr/bin/webrtc-camera-status; do
	[ -x "$path" ] || die "$path missing or not executable"
done
for path in /etc/webrtc-camera/config.ini /usr/share/webrtc-camera/web/index.html \
	/usr/share/webrtc-camera/pipelines/pi-zero-w.ini /usr/share/webrtc-camera/pipelines/pi-4.ini \
	/usr/share/webrtc-camera/pipelines/pi-5.ini /usr/share/webrtc-camera/pipelines/usb-webcam.ini \
	/lib/systemd/system/webrtc-camera.service /lib/systemd/system/webrtc-camera@.service \
	/usr/share/man/man1/webrtc-camera.1.gz \
	/usr/share/doc/webrtc-camera/copyright; do
	[ -f "$path" ] || die "$path missing"
done
dpkg-query -W -f='${Conffiles}\n' webrtc-camera | grep -q "^ /etc/webrtc-camera/config.ini " ||
	die "/etc/webrtc-camera/config.ini is not a conffile"
man -w webrtc-camera >/dev/null || die "man webrtc-camera finds no page"
echo "layout ok"

step "webrtc-camera --check-config with the shipped config"
/usr/bin/webrtc-camera --check-config || die "--check-config failed with the shipped config"
/usr/bin/webrtc-camera --check-config --config /etc/webrtc-camera/config.ini >/dev/null ||
	die "--check-config --config /etc/webrtc-camera/config.ini failed"

step "systemd-analyze verify"
unit=/lib/systemd/system/webrtc-camera.service
# The template as an instance (systemd-analyze names it webrtc-camera@i).
template=/lib/systemd/system/webrtc-camera@.service
systemd-analyze verify "$unit" "$template" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; die "systemd-analyze verify failed"; }
if grep -q "webrtc-camera" "$work/verify.log"; then
	cat "$work/verify.log"; die "systemd-analyze verify complains about the unit"
fi
echo "verify ok"

step "systemd-analyze security --offline=true"
systemd-analyze security --offline=true --no-pager "$unit" >"$work/security.log" 2>&1 || true
grep -v "✓" "$work/security.log" | tail -n 20
exposure="$(sed -n 's/.*Overall exposure level for webrtc-camera.service: \([0-9.]*\).*/\1/p' "$work/security.log")"
[ -n "$exposure" ] || die "no exposure level in the output"
awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
	die "exposure $exposure is above $max_exposure"
echo "exposure $exposure <= $max_exposure"
systemd-analyze security --offline=true --no-pager "$template" >"$work/security.log" 2>&1 || true
exposure="$(sed -n 's/.*Overall exposure level for webrtc-camera@[^:]*: \([0-9.]*\).*/\1/p' "$work/security.log")"
[ -n "$exposure" ] || { cat "$work/security.log"; die "no exposure level for the template"; }
awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' ||
	die "webrtc-camera@.service: exposure $exposure is above $max_exposure"
echo "webrtc-camera@.service: exposure $exposure <= $max_exposure"

step "presets from the installed directory"
cat >"$work/preset.ini" <<'INI'
[camera]
preset = pi-zero-w
source = test
[encoding]
encoder = x264
INI
/usr/bin/webrtc-camera --check-config --config "$work/preset.ini" >"$work/preset.log" 2>&1 ||
	{ cat "$work/preset.log"; die "a preset config is rejected"; }
grep -q "width=640,height=480,framerate=20/1" "$work/preset.log" ||
	{ cat "$work/preset.log"; die "the pi-zero-w preset was not applied"; }
echo "pi-zero-w preset applied"

step "webrtc-camera-configure from the installed files"
webrtc-camera-configure --non-interactive --print --model "Raspberry Pi 4 Model B Rev 1.4" \
	--source test >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; die "webrtc-camera-configure failed"; }
grep -q "^preset = pi-4" "$work/configure.log" || { cat "$work/configure.log"; die "no pi-4 preset in the wizard's output"; }
echo "wizard ok"

step "the installed binary serves the page and video over WHEP"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/test.ini" <<INI
[camera]
source = test
width = 640
height = 480
fps = 30
[encoding]
encoder = x264
bitrate = 800k
[network]
bind = 127.0.0.1
port = $port
ice_addresses = 127.0.0.1
INI
# As the service would: no access to the build tree, a clean environment.
(cd / && exec env -i PATH=/usr/bin:/bin /usr/bin/webrtc-camera --config "$work/test.ini") \
	>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; die "the server exited"; }
	sleep 0.1
done
curl -fsS -o "$work/index.html" "http://127.0.0.1:$port/" || { cat "$work/server.log"; die "GET / failed"; }
cmp -s "$work/index.html" /usr/share/webrtc-camera/web/index.html ||
	die "GET / is not the installed /usr/share/webrtc-camera/web/index.html"
echo "GET / serves the installed page"
"$probe" "$port" 15 20 || { tail -n 40 "$work/server.log"; die "no video over WHEP"; }

step "webrtc-camera-status against the running server"
webrtc-camera-status --config "$work/test.ini" --lines 3 >"$work/status.log" 2>&1 || true
cat "$work/status.log"
grep -q "listening on 127.0.0.1:$port" "$work/status.log" || die "status does not see the port"
grep -q "viewers" "$work/status.log" || die "status shows no viewers line"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

echo
echo "packaging: all checks passed"
