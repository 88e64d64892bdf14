/* SPDX-License-Identifier: MIT */
/*
 * webrtc-camera viewer: wires the modules together and starts watching.
 *   state.js         window.wcam, the live state
 *   signaling.js     one /ws session and its RTCPeerConnection
 *   player.js        start/stop, reconnect with backoff, live and stall
 *   latency-stamp.js glass-to-glass latency read from the picture
 *   stats-overlay.js the statistics overlay
 *   ui.js            status, controls, fullscreen, keys, wake lock
 */
import { wcam } from './state.js';
import { LatencyMeter } from './latency-stamp.js';
import { Player } from './player.js';
import { SERVER_STATS_MS, STATS_MS, StatsOverlay } from './stats-overlay.js';
import { bindControls, infoButton, showNotice, statsPanel, updateWakeLock, video } from './ui.js';

const meter = new LatencyMeter(video);
const overlay = new StatsOverlay(statsPanel, infoButton, video, meter);
const player = new Player(overlay, meter);

wcam.start = () => player.start();
wcam.stop = () => player.stop();
wcam.toggle = () => player.toggle();
/* Test hook: drop the websocket as a network failure would. */
wcam.closeSocketForTest = () => {
	if (player.session && player.session.ws)
		player.session.ws.close();
};

function watchFrames() {
	if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
		const cb = (now, meta) => {
			player.onFrame(now, meta);
			video.requestVideoFrameCallback(cb);
		};
		video.requestVideoFrameCallback(cb);
		return;
	}
	/* Fallback: a new currentTime means a new frame, roughly. */
	let last = -1;
	const tick = (now) => {
		if (video.readyState >= 2 && video.currentTime !== last) {
			last = video.currentTime;
			player.onFrame(now, null);
		}
		requestAnimationFrame(tick);
	};
	requestAnimationFrame(tick);
}

const pollServer = () => {
	if (player.wanted)
		overlay.pollServer();
};

bindControls({
	toggle: () => player.toggle(),
	start: () => player.start(),
	toggleStats: () => overlay.toggle(),
});
window.addEventListener('online', () => player.retryNow());
document.addEventListener('visibilitychange', () => {
	if (!document.hidden)
		player.retryNow();
	updateWakeLock();
});
window.addEventListener('pagehide', () => player.leave());
window.addEventListener('pageshow', (e) => {
	if (e.persisted)
		player.resume();
});

setInterval(() => player.pollStats(), STATS_MS);
setInterval(pollServer, SERVER_STATS_MS);
watchFrames();

document.getElementById('title').textContent =
	location.host ? `webrtc-camera · ${location.hostname}` : 'webrtc-camera';
const params = new URLSearchParams(location.search);
let showStats = params.get('stats') === '1';
try {
	showStats = showStats || localStorage.getItem('wcam.stats') === '1';
} catch (e) { /* private mode */ }
if (showStats)
	overlay.toggle(true);
player.setState('stopped');

/* Watching is why the page was opened: start unless ?autostart=0. */
if (params.get('autostart') !== '0' && 'RTCPeerConnection' in window) {
	player.start();
	pollServer();
} else if (!('RTCPeerConnection' in window)) {
	player.setState('stopped', 'WebRTC is not available in this browser');
	showNotice('This browser does not support WebRTC');
}
