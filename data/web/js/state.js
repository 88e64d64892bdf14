/* SPDX-License-Identifier: MIT */
/*
 * The page's live state, published as window.wcam for tests and the
 * curious (README, "The viewer page"). Every module writes its own part;
 * main.js adds the start/stop/toggle functions.
 */

export const wcam = {
	state: 'stopped',	/* stopped|connecting|live|reconnecting|busy */
	status: 'stopped',	/* the text shown to the user */
	framesDecoded: 0,
	framesRendered: 0,
	latencyP50: null,
	latencySamples: 0,
	viewerId: null,
	timeToFirstFrame: null,	/* ms from start() to the first frame */
	reconnects: 0,
	lastError: null,
	jitterBufferTarget: null,	/* as read back from the receiver */
	stats: {
		width: null, height: null, fps: null, bitrate: null,
		rtt: null, packetsLost: null, packetsReceived: null,
		lossPercent: null, framesDecoded: 0, framesDropped: null,
		nackCount: null, retransmitted: null, pliCount: null,
		viewers: null, maxViewers: null, latencyP50: null, adaptive: null,
		latencyStamp: null, decoder: null,
	},
};
window.wcam = wcam;

/* A URL on this server; relative, so the page also works behind a reverse-proxy prefix. */
export function endpoint(path, ws) {
	const url = new URL(path, location.href);
	if (ws)
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
	return url.href;
}
