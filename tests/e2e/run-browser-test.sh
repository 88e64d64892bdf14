#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs browser.test.mjs inside a private network namespace that has only
# the loopback interface, so neither the server nor Chromium can send a
# packet anywhere else. Falls back to the normal namespace if unshare is
# not permitted (the test itself only ever uses 127.0.0.1).
#
# Usage: run-browser-test.sh path/to/webrtc-camera
set -eu

here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-${WCAM_BINARY:-}}
if [ -z "$binary" ]; then
	echo "usage: $0 path/to/webrtc-camera" >&2
	exit 2
fi

# Dependencies come from the committed lockfile; playwright-core never
# downloads a browser (the test uses /usr/bin/chromium).
if [ ! -d "$here/node_modules/playwright-core" ]; then
	echo "installing test dependencies (npm ci)"
	(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >&2
fi

if unshare -n true 2>/dev/null; then
	echo "running in a private network namespace (loopback only)"
	exec unshare -n sh -c 'ip link set lo up && WCAM_PRIVATE_NETNS=1 exec node "$0" "$1"' \
		"$here/browser.test.mjs" "$binary"
fi

echo "unshare -n not permitted: running in the current network namespace"
exec node "$here/browser.test.mjs" "$binary"
