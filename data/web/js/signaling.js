/* SPDX-License-Identifier: MIT */
/*
 * One connection attempt: the /ws signaling socket (README, "Signaling
 * protocol") and one receive-only RTCPeerConnection. The server says
 * `welcome` first, we say `start`, it offers, we answer; candidates
 * trickle both ways. Ends once, through `onFail`, or by close().
 */
import { wcam } from './state.js';

/* Keep-alive, answered by pong: viewer_timeout (README, [network]) must outlast it. */
export const PING_MS = 10000;
const ICE_GRACE_MS = 4000;	/* "disconnected" often heals by itself */
const CONNECT_TIMEOUT_MS = 20000;

export class Session {
	/*
	 * hooks: onTrack(stream), onFail(reason, busy) when the attempt ends,
	 * onInterrupted() when ICE drops and may heal within ICE_GRACE_MS.
	 */
	constructor(url, hooks) {
		this.hooks = hooks;
		this.closed = false;
		this.ws = null;
		this.pc = null;
		this.remoteSet = false;
		this.answerSent = false;
		this.remoteCandidates = [];
		this.localCandidates = [];
		this.queue = Promise.resolve();
		this.timers = [];
		this.iceTimer = null;
		this.prev = null;	/* the last inbound-rtp report (stats-overlay.js) */
		this.lastProgressAt = performance.now();

		let ws;
		try {
			ws = new WebSocket(url);
		} catch (e) {
			/* Reported once the caller holds this session. */
			queueMicrotask(() => this.fail('cannot connect'));
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			this.send({ type: 'start' });
			this.timers.push(setInterval(() => this.send({ type: 'ping' }), PING_MS));
		};
		ws.onmessage = (ev) => {
			let msg;
			try {
				msg = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			/* Handle messages strictly in order: each may await. */
			this.queue = this.queue.then(() => this.handle(msg)).catch((e) => {
				console.warn('wcam:', e);
				this.fail('negotiation failed');
			});
		};
		ws.onclose = () => this.fail('connection lost');
		this.timers.push(setTimeout(() => {
			if (wcam.state !== 'live')
				this.fail('timed out');
		}, CONNECT_TIMEOUT_MS));
	}

	/* True while ICE is interrupted: buffered frames do not mean "live". */
	get interrupted() {
		return this.iceTimer !== null;
	}

	send(msg) {
		if (this.ws && this.ws.readyState === WebSocket.OPEN)
			this.ws.send(JSON.stringify(msg));
	}

	/* Ends this attempt and says why; later calls do nothing. */
	fail(reason, busy) {
		if (this.closed)
			return;
		this.close();
		this.hooks.onFail(reason, busy);
	}

	/* Ends this attempt quietly (the caller knows why). */
	close() {
		this.closed = true;
		for (const t of this.timers) {
			clearTimeout(t);
			clearInterval(t);
		}
		this.timers = [];
		clearTimeout(this.iceTimer);
		if (this.ws) {
			this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
			try {
				this.ws.close(1000);
			} catch (e) { /* already closed */ }
		}
		if (this.pc) {
			this.pc.ontrack = this.pc.onicecandidate = null;
			this.pc.oniceconnectionstatechange = null;
			this.pc.close();
		}
	}

	async handle(msg) {
		if (this.closed)
			return;
		switch (msg.type) {
		case 'welcome':
			wcam.viewerId = msg.id || null;
			this.createPeerConnection(msg.iceServers);
			break;
		case 'offer':
			if (!this.pc)
				this.createPeerConnection([]);
			await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
			this.remoteSet = true;
			this.pc.getReceivers().forEach(lowLatency);
			for (const c of this.remoteCandidates.splice(0))
				await this.addRemoteCandidate(c);
			await this.pc.setLocalDescription(await this.pc.createAnswer());
			if (this.closed)
				return;
			this.send({ type: 'answer', sdp: this.pc.localDescription.sdp });
			this.answerSent = true;
			for (const c of this.localCandidates.splice(0))
				this.send(c);
			break;
		case 'candidate':
			if (this.remoteSet)
				await this.addRemoteCandidate(msg);
			else
				this.remoteCandidates.push(msg);
			break;
		case 'pong':
			break;
		case 'bye':
			this.fail(msg.reason ? `ended: ${msg.reason}` : 'stream ended');
			break;
		case 'error':
			if (msg.code === 'busy') {
				this.fail('server busy', true);
			} else {
				console.warn('wcam: server error', msg.code, msg.message);
				this.fail(`server error (${msg.code || 'unknown'})`);
			}
			break;
		default:
			break;
		}
	}

	async addRemoteCandidate(msg) {
		try {
			if (!msg.candidate) {
				await this.pc.addIceCandidate();	/* end of candidates */
				return;
			}
			await this.pc.addIceCandidate({
				candidate: msg.candidate,
				sdpMLineIndex: msg.sdpMLineIndex || 0,
			});
		} catch (e) {
			/* One bad candidate must not kill the session. */
			console.warn('wcam: candidate rejected', e);
		}
	}

	createPeerConnection(iceServers) {
		const servers = (Array.isArray(iceServers) ? iceServers : [])
			.filter((srv) => srv && srv.urls)
			.map((srv) => ({
				urls: srv.urls,
				username: srv.username || undefined,
				credential: srv.credential || undefined,
			}));
		let pc;
		try {
			pc = new RTCPeerConnection({ iceServers: servers, bundlePolicy: 'max-bundle' });
		} catch (e) {
			console.warn('wcam: bad ICE servers, using none', e);
			pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
		}
		this.pc = pc;

		pc.ontrack = (ev) => {
			lowLatency(ev.receiver);
			this.hooks.onTrack(ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]));
		};
		pc.onicecandidate = (ev) => {
			const msg = {
				type: 'candidate',
				candidate: ev.candidate ? ev.candidate.candidate : '',
				sdpMLineIndex: ev.candidate && ev.candidate.sdpMLineIndex !== null ? ev.candidate.sdpMLineIndex : 0,
			};
			if (this.answerSent)
				this.send(msg);
			else
				this.localCandidates.push(msg);
		};
		pc.oniceconnectionstatechange = () => {
			if (this.closed)
				return;
			switch (pc.iceConnectionState) {
			case 'connected':
			case 'completed':
				/* Recovered: the next frame shows "live" again. */
				clearTimeout(this.iceTimer);
				this.iceTimer = null;
				break;
			case 'disconnected':
				if (!this.iceTimer) {
					this.hooks.onInterrupted();
					this.iceTimer = setTimeout(() => this.fail('connection lost'), ICE_GRACE_MS);
				}
				break;
			case 'failed':
				this.fail('connection failed');
				break;
			default:
				break;
			}
		};
	}
}

/* Ask for the smallest jitter buffer: we want "now", not "smooth". */
function lowLatency(receiver) {
	if (!receiver)
		return;
	try {
		receiver.jitterBufferTarget = 0;
		wcam.jitterBufferTarget = receiver.jitterBufferTarget ?? null;
	} catch (e) { /* unsupported */ }
	try {
		if ('playoutDelayHint' in receiver)
			receiver.playoutDelayHint = 0;
	} catch (e) { /* unsupported */ }
}
