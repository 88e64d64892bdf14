// SPDX-License-Identifier: MIT
//
// How the browser tests start /usr/bin/chromium (tests/e2e/browser.test.mjs,
// tools/bench/viewers.mjs): headless, no GPU, nothing that talks to the
// network by itself, and WebRTC allowed to use loopback.
//
// Chromium hides loopback from WebRTC unless told, and without a media
// permission it offers only the default-route address (none at all in a
// namespace with only lo). --allow-loopback-in-peer-connection plus an
// auto-granted media permission (fake UI) lets it gather 127.0.0.1; with
// the permission it also skips mDNS obfuscation of host candidates.
export const CHROMIUM_ARGS = [
	'--headless=new',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--allow-loopback-in-peer-connection',
	'--use-fake-ui-for-media-stream',
];
