/* SPDX-License-Identifier: MIT */
/*
 * What the user asked for, kept true: start and stop, a new Session
 * (signaling.js) after each failure with backoff, "live" from the first
 * frame, and a fresh start when the picture stalls.
 */
import { endpoint, wcam } from './state.js';
import { Session } from './signaling.js';
import { showState, video } from './ui.js';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const BUSY_MIN_MS = 4000;	/* a full server will not free up in 0.5 s */
const STALL_MS = 8000;		/* no decoded frame for this long: reconnect */

export class Player {
	/* `overlay`: the StatsOverlay; `meter`: the LatencyMeter. */
	constructor(overlay, meter) {
		this.overlay = overlay;
		this.meter = meter;
		this.wanted = false;	/* the user wants a stream */
		this.session = null;	/* the current connection attempt */
		this.attempt = 0;	/* consecutive failures, drives the backoff */
		this.retryTimer = null;
		this.countdownTimer = null;
		this.startedAt = null;	/* performance.now() of the last start() */
	}

	setState(state, text) {
		showState(state, text, this.wanted);
	}

	start() {
		if (this.wanted)
			return;
		this.wanted = true;
		this.attempt = 0;
		this.startedAt = performance.now();
		wcam.timeToFirstFrame = null;
		this.connect();
	}

	stop() {
		if (!this.wanted && !this.session)
			return;
		this.wanted = false;
		this.clearRetry();
		this.leave();
		video.srcObject = null;
		this.overlay.reset();
		this.setState('stopped');
	}

	toggle() {
		if (this.wanted)
			this.stop();
		else
			this.start();
	}

	/* Frees our slot on the server right away rather than at ICE timeout. */
	leave() {
		if (this.session) {
			this.session.send({ type: 'stop' });
			this.session.close();
			this.session = null;
		}
	}

	/* Back from the page cache: carry on where the user was. */
	resume() {
		if (this.wanted && !this.session)
			this.connect();
	}

	clearRetry() {
		clearTimeout(this.retryTimer);
		clearInterval(this.countdownTimer);
		this.retryTimer = null;
		this.countdownTimer = null;
	}

	scheduleReconnect(reason, busy) {
		let delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
		this.attempt++;
		/* +-20 % jitter so viewers of a restarted server do not stampede. */
		delay = Math.min(BACKOFF_MAX_MS, delay * (0.8 + Math.random() * 0.4));
		if (busy)
			delay = Math.max(delay, BUSY_MIN_MS);
		const due = performance.now() + delay;

		const show = () => {
			const secs = Math.max(1, Math.ceil((due - performance.now()) / 1000));
			if (busy)
				this.setState('busy', `server busy, retrying in ${secs} s`);
			else
				this.setState('reconnecting', `${reason}, reconnecting in ${secs} s`);
		};
		this.clearRetry();
		show();
		this.countdownTimer = setInterval(show, 250);
		this.retryTimer = setTimeout(() => {
			this.clearRetry();
			wcam.reconnects++;
			this.connect();
		}, delay);
	}

	/* Retry at once when the network or the page comes back. */
	retryNow() {
		if (this.wanted && this.retryTimer) {
			this.clearRetry();
			wcam.reconnects++;
			this.connect();
		}
	}

	connect() {
		this.clearRetry();
		wcam.viewerId = null;
		this.overlay.reset();
		this.setState('connecting');
		const s = new Session(endpoint('ws', true), {
			onTrack: (stream) => {
				video.srcObject = stream;
				video.play().catch(() => { /* muted autoplay; retried on gesture */ });
			},
			onInterrupted: () => this.setState('reconnecting', 'connection interrupted'),
			onFail: (reason, busy) => this.onFail(s, reason, busy),
		});
		this.session = s;
	}

	/* Session `s` ended; reconnects if the user still wants a stream. */
	onFail(s, reason, busy) {
		if (s !== this.session)
			return;
		wcam.lastError = reason;
		this.session = null;
		if (this.wanted)
			this.scheduleReconnect(reason, busy);
		else
			this.setState('stopped');
	}

	/* A frame was presented (requestVideoFrameCallback's arguments). */
	onFrame(now, meta) {
		const s = this.session;
		if (!s || !s.pc)
			return;
		s.lastProgressAt = now;
		wcam.framesRendered++;
		/* While ICE is interrupted, buffered frames do not mean "live". */
		if (wcam.state !== 'live' && !s.interrupted)
			this.goLive(now);
		this.meter.onFrame(now, meta);
	}

	goLive(now) {
		if (this.startedAt !== null && wcam.timeToFirstFrame === null)
			wcam.timeToFirstFrame = Math.round(now - this.startedAt);
		this.attempt = 0;
		this.setState('live');
	}

	/* Every STATS_MS: the overlay's numbers, and a wedged stream restarted. */
	async pollStats() {
		const s = this.session;
		if (!s || !s.pc)
			return;
		const now = await this.overlay.pollPeer(s);
		if (now === null)
			return;
		/* A wedged stream with a healthy connection: start afresh. */
		if (wcam.state === 'live' && !document.hidden && now - s.lastProgressAt > STALL_MS)
			s.fail('video stalled');
		this.overlay.render();
	}
}
