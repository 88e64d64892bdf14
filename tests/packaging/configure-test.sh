#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# webrtc-camera-configure --non-interactive: the files it writes are what
# the flags and the board ask for, and the built binary accepts them.
#   configure-test.sh BUILT_WEBRTC_CAMERA
set -uo pipefail

binary="$1"
source_dir="${WCAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
wizard="$source_dir/tools/webrtc-camera-configure"
work="$(mktemp -d /tmp/wcam-configure.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Run the wizard; $1 = output name, rest = flags.
configure() {
	local out="$work/$1"; shift
	"$wizard" --non-interactive --binary "$binary" --output "$out" "$@" >"$out.log" 2>&1
}

key() { # key FILE SECTION KEY -> value or nothing
	python3 - "$1" "$2" "$3" <<'PY'
import configparser, sys
p = configparser.ConfigParser(interpolation=None)
p.read(sys.argv[1])
print(p.get(sys.argv[2], sys.argv[3], fallback=""))
PY
}

# The built binary validates the written file and reports the pipeline.
check() {
	local file="$1"
	"$binary" --check-config --config "$file" >"$file.check" 2>&1 ||
		{ fail "$file rejected by --check-config:"; cat "$file.check"; return 1; }
}

# Each board model selects its preset; the result validates on this machine.
while IFS='|' read -r model preset size; do
	name="$preset.ini"
	if ! configure "$name" --model "$model" --source test --port 8099; then
		fail "wizard failed for \"$model\""; cat "$work/$name.log"; continue
	fi
	[ "$(key "$work/$name" camera preset)" = "$preset" ] ||
		fail "\"$model\": preset is \"$(key "$work/$name" camera preset)\", expected $preset"
	[ "$(key "$work/$name" network port)" = 8099 ] || fail "$name: port not written"
	[ "$(key "$work/$name" camera source)" = test ] || fail "$name: source not written"
	check "$work/$name" || continue
	grep -q "width=${size%x*},height=${size#*x}," "$work/$name.check" ||
		fail "$name: pipeline is not ${size}: $(grep pipeline: "$work/$name.check")"
	grep -q "^config: $work/$name: ok" "$work/$name.check" || fail "$name: no ok line"
done <<'MODELS'
Raspberry Pi Zero W Rev 1.1|pi-zero-w|640x480
Raspberry Pi Zero 2 W Rev 1.0|pi-zero-2w|1280x720
Raspberry Pi 3 Model B Plus Rev 1.3|pi-3|1280x720
Raspberry Pi 4 Model B Rev 1.4|pi-4|1920x1080
Raspberry Pi 5 Model B Rev 1.0|pi-5|1280x720
MODELS

# A preset asking for an encoder this machine lacks falls back to auto.
if gst-inspect-1.0 --exists v4l2h264enc 2>/dev/null; then
	echo "note: v4l2h264enc present, encoder fallback not exercised"
else
	[ "$(key "$work/pi-4.ini" encoding encoder)" = auto ] ||
		fail "pi-4 without v4l2h264enc: encoder is \"$(key "$work/pi-4.ini" encoding encoder)\", expected auto"
	[ -z "$(key "$work/pi-5.ini" encoding encoder)" ] ||
		fail "pi-5 (x264 is here): encoder should come from the preset"
fi

# Flags override the preset key by key.
if configure flags.ini --model "Raspberry Pi Zero W Rev 1.1" --source test --width 800 \
	--height 600 --fps 15 --bitrate 700k --encoder x264 --bind 127.0.0.1 --max-viewers 3 \
	--ice-addresses 127.0.0.1 --log-level debug; then
	check "$work/flags.ini" &&
		grep -q "width=800,height=600,framerate=15/1" "$work/flags.ini.check" ||
		fail "flags.ini: size/rate flags not applied: $(grep pipeline: "$work/flags.ini.check")"
	grep -q "bitrate=700 " "$work/flags.ini.check" || fail "flags.ini: bitrate not applied"
	for pair in network:bind=127.0.0.1 network:max_viewers=3 debug:log_level=debug \
		encoding:encoder=x264 camera:preset=pi-zero-w; do
		section="${pair%%:*}"; rest="${pair#*:}"
		[ "$(key "$work/flags.ini" "$section" "${rest%%=*}")" = "${rest#*=}" ] ||
			fail "flags.ini: $section.${rest%%=*} is not ${rest#*=}"
	done
else
	fail "wizard failed with flags"; cat "$work/flags.ini.log"
fi

# An unknown board: no preset, the built-in defaults.
if configure generic.ini --model "Generic x86 PC" --source test; then
	[ "$(key "$work/generic.ini" camera preset)" = none ] || fail "generic: preset is not none"
	check "$work/generic.ini" && grep -q "width=1280,height=720," "$work/generic.ini.check" ||
		fail "generic: not the default 1280x720"
else
	fail "wizard failed for an unknown board"; cat "$work/generic.ini.log"
fi

# Invalid values are refused and nothing is written.
if configure bad.ini --model "Raspberry Pi 4 Model B Rev 1.4" --source test --width 15; then
	fail "--width 15 was accepted"
fi
[ -e "$work/bad.ini" ] && fail "bad.ini was written although invalid"
grep -q "camera.width" "$work/bad.ini.log" || fail "the refusal does not name camera.width"
ls -a "$work" | grep -q '^\.config-' && fail "a temporary file was left behind"

# An unknown preset is a usage error.
configure unknown.ini --preset pi-9 --source test && fail "--preset pi-9 was accepted"

# An existing file is only replaced with --force, and then kept as .bak.
echo "# mine" >"$work/existing.ini"
configure existing.ini --source test && fail "existing file replaced without --force"
grep -q "^# mine" "$work/existing.ini" || fail "existing file changed without --force"
configure existing.ini --source test --force || fail "--force did not replace the file"
grep -q "^# mine" "$work/existing.ini.bak" || fail "no .bak copy of the replaced file"

# Another camera: --instance names the service webrtc-camera@NAME; a name
# that cannot be one (NAME.ini, %i) is a usage error.
if configure front.ini --instance front --source test --port 8081; then
	[ "$(key "$work/front.ini" network port)" = 8081 ] || fail "front.ini: port not written"
	grep -q "systemctl enable --now webrtc-camera@front$" "$work/front.ini.log" ||
		fail "--instance front: no hint to start webrtc-camera@front"
else
	fail "wizard failed with --instance"; cat "$work/front.ini.log"
fi
"$wizard" --non-interactive --instance a/b --print >"$work/instance.log" 2>&1
[ $? -eq 2 ] || fail "--instance a/b was accepted"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "configure wizard: all checks passed"
