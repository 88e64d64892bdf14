#!/usr/bin/env bash
# webrtc-camera-status on boards this machine is not: a stand-in for the
# binary prints what `webrtc-camera --check-config` prints there, and the
# tool must show the hardware and say what to try.
set -u
source_dir="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# board NAME: a stand-in binary printing $tmp/NAME.out for --check-config.
board() {
  cat > "$tmp/$1" <<SH
#!/bin/sh
cat "$tmp/$1.out"
SH
  chmod +x "$tmp/$1"
}
status() { # status BOARD: the tool's report, with no server, systemd or journal to ask
  "$source_dir/tools/webrtc-camera-status" --binary "$tmp/$1" --config "$tmp/none.ini" --lines 0 --port 1 2>&1
}

# A Pi 4 whose CSI camera libcamera does not see (a loose ribbon cable).
cat > "$tmp/loose.out" <<'OUT'
config: (built-in defaults): ok
source: test (auto: no libcamera camera found, no V4L2 capture device; using the test pattern)
encoder: v4l2 (auto: v4l2h264enc hardware encoder)
security: open
libcamera: no camera found
v4l2: /dev/video0 (unicam): not a camera, the Pi 0-4 CSI receiver: raw Bayer, needs libcamera
v4l2: /dev/video11 (bcm2835-codec: bcm2835-codec-encode): not a camera, the Pi 0-4 video codec
encoder-device: /dev/video11
pipeline: videotestsrc
OUT
board loose
out=$(status loose)
grep -q "^\[FAIL\] camera       test pattern" <<<"$out" && pass "the test-pattern fallback is a failure" || fail "camera line: $out"
grep -q "^ *libcamera: no camera found" <<<"$out" && grep -q "^ */dev/video0 (unicam): not a camera" <<<"$out" \
  && pass "the cameras and V4L2 nodes are listed" || fail "hardware not listed: $out"
grep -q "^ *device: /dev/video11" <<<"$out" && pass "the encoder's device is shown" || fail "encoder device: $out"
grep -q "^ *try: the CSI receiver is there but libcamera sees no camera: check the ribbon" <<<"$out" \
  && pass "a CSI receiver without a camera: check the cable" || fail "no cable hint: $out"

# A Pi with a USB webcam beside the CSI camera.
cat > "$tmp/both.out" <<'OUT'
config: (built-in defaults): ok
source: libcamera (auto: libcamera camera found (/base/soc/i2c0mux/i2c@1/imx219@10))
encoder: v4l2 (auto: v4l2h264enc hardware encoder)
security: open
libcamera: /base/soc/i2c0mux/i2c@1/imx219@10
v4l2: /dev/video0 (unicam): not a camera, the Pi 0-4 CSI receiver: raw Bayer, needs libcamera
v4l2: /dev/video2 (uvcvideo: HD Webcam C270): capture device
encoder-device: /dev/video11
pipeline: libcamerasrc
OUT
board both
out=$(status both)
grep -q "^\[  ok\] camera       libcamera" <<<"$out" && pass "a libcamera camera is fine" || fail "camera line: $out"
grep -q "try: a USB camera is there too; to use it set \[camera\] source = v4l2, device = /dev/video2" <<<"$out" \
  && pass "the other camera is pointed out" || fail "no USB hint: $out"

# Nothing attached, libcamerasrc missing.
cat > "$tmp/bare.out" <<'OUT'
config: (built-in defaults): ok
source: test (auto: no libcamerasrc element, no V4L2 capture device; using the test pattern)
encoder: x264 (auto: no v4l2h264enc hardware encoder; using x264enc)
security: open
libcamera: libcamerasrc not installed (apt install gstreamer1.0-libcamera)
v4l2: no /dev/video* node
encoder-device: none (no v4l2h264enc: a Pi 5, or not a Pi; x264 encodes in software)
pipeline: videotestsrc
OUT
board bare
out=$(status bare)
grep -q "try: sudo apt install gstreamer1.0-libcamera" <<<"$out" && grep -q "try: no camera found: plug in" <<<"$out" \
  && pass "nothing attached: install libcamerasrc, plug a camera" || fail "bare hints: $out"

# A camera chosen on purpose gets no advice.
sed 's/^source: .*/source: test (camera.source = test)/' "$tmp/bare.out" > "$tmp/chosen.out"
board chosen
out=$(status chosen)
grep -q "try:" <<<"$out" && fail "advice for a test pattern chosen on purpose: $out" || pass "a deliberate test pattern gets no advice"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
