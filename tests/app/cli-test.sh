#!/usr/bin/env bash
# The binary's command line: --check-config, --print-pipeline, refusing a broken
# config with file:section.key errors, environment overrides, the old Python
# server's config.ini, SIGHUP reload. No fixed sleeps: every wait polls.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds or the time is up.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
logged() { grep -q -- "$1" "$tmp/server.log"; }
healthy() { curl -sf "http://127.0.0.1:$port/health" >/dev/null; }

cat > "$tmp/good.ini" <<'INI'
[camera]
source = test
width = 640
height = 480
fps = 15
INI
out=$("$bin" --config "$tmp/good.ini" --check-config 2>&1) && pass "--check-config accepts a good file" || fail "--check-config refused a good file: $out"
grep -q "^pipeline: videotestsrc is-live=true" <<<"$out" && pass "--check-config prints the pipeline" || fail "no pipeline line: $out"
grep -q "framerate=15/1" <<<"$out" && pass "config values reach the pipeline" || fail "fps not applied: $out"
# What webrtc-camera-status shows of the hardware: one line per kind, whatever this machine has.
grep -q "^libcamera: " <<<"$out" && grep -q "^v4l2: " <<<"$out" && grep -q "^encoder-device: " <<<"$out" \
  && pass "--check-config lists cameras, V4L2 nodes and the encoder device" || fail "no hardware lines: $out"

out=$(CAMERA_WIDTH=800 CAMERA_HEIGHT=600 "$bin" --config "$tmp/good.ini" --print-pipeline 2>&1)
grep -q "width=800,height=600" <<<"$out" && pass "environment overrides the file" || fail "env override missing: $out"
grep -q "^videotestsrc" <<<"$out" && pass "--print-pipeline prints gst-launch text only" || fail "print-pipeline: $out"

cat > "$tmp/bad.ini" <<'INI'
[camera]
width = abc
fps = 500
widht = 3
[network]
port = 70000
INI
out=$("$bin" --config "$tmp/bad.ini" 2>&1); rc=$?
[ $rc -eq 1 ] && pass "a broken config refuses to start (exit 1)" || fail "exit $rc for a broken config"
for key in camera.width camera.fps camera.widht network.port; do
  grep -q "^$tmp/bad.ini:$key: " <<<"$out" && pass "error names $key" || fail "no file:$key error in: $out"
done
out=$(CAMERA_FPS=zero "$bin" --config "$tmp/good.ini" --check-config 2>&1) && fail "bad env accepted" || \
  { grep -q "^env:CAMERA_FPS: " <<<"$out" && pass "a bad environment value is named" || fail "env error: $out"; }
out=$("$bin" --config "$tmp/missing.ini" 2>&1) && fail "missing file accepted" || \
  { grep -q "missing.ini: cannot read" <<<"$out" && pass "a missing file is named" || fail "missing: $out"; }

# The old Python server's documented config.ini: loads, one notice per old key.
legacy="${WCAM_SOURCE_DIR:-$(dirname "$0")/../..}/tests/config/data/legacy-config.ini"
out=$("$bin" --config "$legacy" --check-config 2>&1) && pass "the old server's config.ini loads" || fail "old config refused: $out"
[ "$(grep -c "^notice: .*:camera.device_index: a key of the old Python server, read as \[camera\] device =" <<<"$out")" = 1 ] \
  && pass "an old key is named once, with what to write instead" || fail "no single device_index notice: $out"
grep -q "framerate=30/1" <<<"$out" && grep -q "width=640,height=480" <<<"$out" \
  && pass "inline comments stripped from old values" || fail "old values not applied: $out"

# SIGHUP: live changes are applied (log_level too), a broken file is refused and nothing stops.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/run.ini" <<INI
[camera]
source = test
width = 320
height = 240
[encoding]
bitrate = 500k
[adaptive]
# The controller owns the bitrate when enabled; here reload sets it.
enabled = false
[network]
bind = 127.0.0.1
port = $port
[debug]
log_level = warning
INI
"$bin" --config "$tmp/run.ini" > "$tmp/server.log" 2>&1 &
server=$!
wait_for 15 healthy && pass "server healthy" || fail "server not healthy"
logged "serving http" && fail "log_level = warning still logs info" || pass "log_level = warning hides info"
sed -i 's/bitrate = 500k/bitrate = 800k/; s/width = 320/width = 640/; s/log_level = warning/log_level = info/' "$tmp/run.ini"
kill -HUP $server
wait_for 10 logged "reload: restart the service for" || fail "no reload summary: $(tail -3 "$tmp/server.log")"
logged "reload: bitrate now 800000" && pass "reload applies the bitrate live" || fail "no live bitrate: $(tail -3 "$tmp/server.log")"
# Logged at info: seen only because the new log_level applied first.
logged "reload: applied encoding.bitrate, debug.log_level$" && pass "reload applies log_level and names the live keys" \
  || fail "log_level not applied live: $(tail -3 "$tmp/server.log")"
logged "reload: restart the service for camera.width$" && pass "reload names exactly what needs a restart" || fail "no restart notice"
echo "width = nope" >> "$tmp/run.ini"
kill -HUP $server
wait_for 10 logged "reload refused: .*run.ini:debug.width: unknown key" && pass "a broken reload is refused" || fail "bad reload not refused"
kill -0 $server 2>/dev/null && healthy && pass "still serving after a refused reload" || fail "server died on reload"
kill -TERM $server; wait $server; rc=$?
[ $rc -eq 0 ] && pass "SIGTERM stops cleanly" || fail "exit $rc on SIGTERM"

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
