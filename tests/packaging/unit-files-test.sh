#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# webrtc-camera@.service is webrtc-camera.service but for what makes an
# instance its own (config file, state and cache directories, journal
# identifier, environment file, description): the same sandbox, watchdog
# and limits, whichever unit was edited last. Each of those per-instance
# lines names the instance (%i).
#   unit-files-test.sh
set -euo pipefail

source_dir="${WCAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
main="$source_dir/systemd/webrtc-camera.service"
template="$source_dir/systemd/webrtc-camera@.service"
own='^(Description|ExecStart|SyslogIdentifier|EnvironmentFile|StateDirectory|CacheDirectory|Environment=HOME)='

directives() { grep -Ev '^[[:space:]]*(#|$)' "$1"; }

status=0
if ! diff -u <(directives "$main" | grep -Ev "$own") <(directives "$template" | grep -Ev "$own"); then
	echo "FAIL: the units differ beyond the per-instance lines (diff above)"
	status=1
fi
while IFS= read -r line; do
	case "$line" in
	*%i*) ;;
	*) echo "FAIL: '$line' does not name the instance (%i)"; status=1 ;;
	esac
done < <(directives "$template" | grep -E "$own")
count="$(directives "$template" | grep -cE "$own")"
[ "$count" -eq 7 ] || { echo "FAIL: $count per-instance lines in $template, expected 7"; status=1; }
[ "$status" -eq 0 ] && echo "unit files: webrtc-camera@.service = webrtc-camera.service + $count per-instance lines"
exit "$status"
