/* SPDX-License-Identifier: MIT */
/*
 * The in-browser half of tools/webrtc-camera-bench: N receive-only viewers
 * in one page, each with its own RTCPeerConnection (ICE, DTLS, SRTP, H.264
 * decoder) and its own <video>, over one of
 *   whep   POST /whep of webrtc-camera (no trickle)
 *   ws     the viewer page's /ws signalling (server offers, trickle both ways)
 *   janus  Janus's HTTP API, janus.plugin.streaming "watch" (Janus offers;
 *          one Janus session, one plugin handle per viewer)
 * Every receiver gets jitterBufferTarget = 0, as the viewer page does (data/web/js/signaling.js).
 *
 * Per viewer it records the times (performance.now(), ms from that viewer's
 * start) of: (WHEP) the browser's offer ready, its ICE gathering complete;
 * the server's SDP received (WHEP answer, ws or Janus offer),
 * connectionState "connected" (ICE + DTLS), the first frame presented
 * (first requestVideoFrameCallback), the first "fresh" frame (stamp latency
 * under 500 ms: a live picture, not a stored old keyframe). Per presented frame it reads the
 * latency stamp (docs/latency-stamp.md, same reader as data/web/js/latency-stamp.js) and keeps
 *   g2g        Date.now() at expectedDisplayTime - stamp   (capture -> on screen)
 *   capToPkt   timeOrigin + receiveTime - stamp            (capture -> last RTP
 *              packet of the frame received by the browser; rVFC metadata)
 * bench.mark() starts the measuring window (once every viewer shows a fresh frame); bench.collect() returns the
 * window's figures together with getStats deltas.
 */
'use strict';

(() => {
	/* data/web/js/latency-stamp-geometry.json, set by viewers.mjs before this script. */
	const GEOMETRY = window.wcamStampGeometry;
	const STAMP_BLOCK = GEOMETRY.block;
	const STAMP_WIDTH = STAMP_BLOCK * GEOMETRY.blocks;
	/* A frame younger than this (stamp to display) is "fresh": a live picture, not a stored keyframe. */
	const FRESH_MS = 500;

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	const viewers = [];
	let janus = null;

	function readStamp(v) {
		const video = v.video;
		if (video.videoWidth < STAMP_WIDTH || video.videoHeight < STAMP_BLOCK)
			return null;
		v.ctx.drawImage(video, 0, 0, STAMP_WIDTH, STAMP_BLOCK, 0, 0, STAMP_WIDTH, STAMP_BLOCK);
		const row = v.ctx.getImageData(0, STAMP_BLOCK / 2, STAMP_WIDTH, 1).data;
		const bit = (i) => {
			const o = (i * STAMP_BLOCK + STAMP_BLOCK / 2) * 4;
			return 0.299 * row[o] + 0.587 * row[o + 1] + 0.114 * row[o + 2] >= GEOMETRY.threshold ? 1 : 0;
		};
		const { head, tail, blocks } = GEOMETRY;
		if (head.some((b, i) => bit(i) !== b) || tail.some((b, i) => bit(blocks - tail.length + i) !== b))
			return null;
		let stamp = 0;
		for (let i = head.length; i < blocks - tail.length; i++)
			stamp = stamp * 2 + bit(i);
		return stamp;
	}

	/* Milliseconds from a 32-bit stamp to an epoch time, or null when "negative". */
	function since(stamp, epochMs) {
		const d = (Math.round(epochMs) - stamp) >>> 0;
		return d >= 2 ** 31 ? null : d;
	}

	function onFrame(v, now, meta) {
		if (v.tFirstFrame === null)
			v.tFirstFrame = now - v.t0;
		v.frames++;
		if (v.cfg.stampEveryMs && now - v.lastStampAt < v.cfg.stampEveryMs)
			return;
		let stamp = null;
		try {
			stamp = readStamp(v);
		} catch (e) {
			stamp = null;
		}
		if (stamp === null) {
			v.unstamped++;
			return;
		}
		v.lastStampAt = now;
		const ahead = meta && meta.expectedDisplayTime ? Math.max(0, meta.expectedDisplayTime - now) : 0;
		const g2g = since(stamp, Date.now() + ahead);
		if (g2g === null) {
			v.skewed++;
			return;
		}
		v.g2g.push(g2g);
		if (v.tFresh === null && g2g < FRESH_MS)
			v.tFresh = now - v.t0;
		if (meta && typeof meta.receiveTime === 'number' && meta.receiveTime > 0) {
			const c = since(stamp, performance.timeOrigin + meta.receiveTime);
			if (c !== null)
				v.capToPkt.push(c);
		}
		if (meta && typeof meta.processingDuration === 'number')
			v.processing.push(meta.processingDuration * 1000);
	}

	function lowLatency(receiver) {
		try {
			receiver.jitterBufferTarget = 0;
		} catch (e) { /* unsupported */ }
	}

	function makeViewer(i, cfg) {
		const video = document.createElement('video');
		video.muted = true;
		video.autoplay = true;
		video.playsInline = true;
		video.width = 160;
		video.height = 90;
		document.body.appendChild(video);
		const canvas = document.createElement('canvas');
		canvas.width = STAMP_WIDTH;
		canvas.height = STAMP_BLOCK;
		const v = {
			i, cfg, video, ctx: canvas.getContext('2d', { willReadFrequently: true }),
			t0: performance.now(), tSignal: null, tOfferReady: null, tSdp: null, tIce: null, tConnected: null, tFirstFrame: null, tFresh: null,
			frames: 0, unstamped: 0, skewed: 0, g2g: [], capToPkt: [], processing: [],
			lastStampAt: -Infinity, error: null, pc: null, base: null, close: async () => {},
		};
		const cb = (now, meta) => {
			onFrame(v, now, meta);
			video.requestVideoFrameCallback(cb);
		};
		video.requestVideoFrameCallback(cb);
		return v;
	}

	/*
	 * The viewer's peer connection. The websocket viewer makes it once its
	 * socket is open and start is sent, as the page does (signaling.js makes
	 * it on "welcome", which the server sends at once): the first one in a
	 * page costs Chromium tens of ms, which then overlap the server's making
	 * of the offer.
	 */
	function createPeerConnection(v) {
		const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
		v.pc = pc;
		pc.ontrack = (ev) => {
			lowLatency(ev.receiver);
			v.video.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
			v.video.play().catch(() => {});
		};
		pc.oniceconnectionstatechange = () => {
			if ((pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') && v.tIce === null)
				v.tIce = performance.now() - v.t0;
		};
		pc.onconnectionstatechange = () => {
			if (pc.connectionState === 'connected' && v.tConnected === null)
				v.tConnected = performance.now() - v.t0;
			if (pc.connectionState === 'failed' && !v.error)
				v.error = 'connection failed';
		};
		return pc;
	}

	function gathered(pc, ms = 5000) {
		return new Promise((resolve) => {
			if (pc.iceGatheringState === 'complete')
				return resolve();
			pc.addEventListener('icegatheringstatechange', () => {
				if (pc.iceGatheringState === 'complete')
					resolve();
			});
			setTimeout(resolve, ms);
		});
	}

	/* --- WHEP --------------------------------------------------------- */
	async function startWhep(v) {
		const pc = createPeerConnection(v);
		pc.addTransceiver('video', { direction: 'recvonly' });
		pc.getReceivers().forEach(lowLatency);
		await pc.setLocalDescription(await pc.createOffer());
		await gathered(pc);
		v.tOfferReady = performance.now() - v.t0;
		const res = await fetch('/whep', {
			method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
		});
		const answer = await res.text();
		if (res.status !== 201)
			throw new Error(`POST /whep: ${res.status} ${answer.slice(0, 200)}`);
		v.tSdp = performance.now() - v.t0;
		const location = res.headers.get('Location');
		v.close = async () => {
			if (location)
				await fetch(location, { method: 'DELETE' }).catch(() => {});
		};
		await pc.setRemoteDescription({ type: 'answer', sdp: answer });
	}

	/* --- the page's websocket (/ws) ----------------------------------- */
	function startWs(v) {
		return new Promise((resolve, reject) => {
			const url = new URL('/ws', location.href);
			url.protocol = 'ws:';
			const ws = new WebSocket(url.href);
			let pc = null;
			const send = (m) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
			let answered = false;
			const pending = [];
			const early = [];
			let queue = Promise.resolve();
			const ping = setInterval(() => send({ type: 'ping' }), 10000);
			v.close = async () => {
				clearInterval(ping);
				send({ type: 'stop' });
				ws.close(1000);
			};
			const onCandidate = (ev) => {
				const m = { type: 'candidate', candidate: ev.candidate ? ev.candidate.candidate : '',
					sdpMLineIndex: ev.candidate && ev.candidate.sdpMLineIndex !== null ? ev.candidate.sdpMLineIndex : 0 };
				if (answered)
					send(m);
				else
					pending.push(m);
			};
			ws.onopen = () => {
				v.tSignal = performance.now() - v.t0;
				send({ type: 'start' });
				pc = createPeerConnection(v);
				pc.onicecandidate = onCandidate;
			};
			ws.onerror = () => reject(new Error('websocket error'));
			ws.onclose = () => {
				clearInterval(ping);
				if (!answered)
					reject(new Error('websocket closed before the answer'));
			};
			ws.onmessage = (ev) => {
				const msg = JSON.parse(ev.data);
				queue = queue.then(async () => {
					if (msg.type === 'offer') {
						v.tSdp = performance.now() - v.t0;
						await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
						pc.getReceivers().forEach(lowLatency);
						for (const c of early.splice(0))
							await pc.addIceCandidate(c).catch(() => {});
						await pc.setLocalDescription(await pc.createAnswer());
						send({ type: 'answer', sdp: pc.localDescription.sdp });
						answered = true;
						for (const m of pending.splice(0))
							send(m);
						resolve();
					} else if (msg.type === 'candidate') {
						const c = msg.candidate ? { candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex || 0 } : null;
						if (!c)
							return;
						if (pc.remoteDescription)
							await pc.addIceCandidate(c).catch(() => {});
						else
							early.push(c);
					} else if (msg.type === 'error' || msg.type === 'bye') {
						v.error = `${msg.type}: ${msg.code || msg.reason || ''} ${msg.message || ''}`;
						reject(new Error(v.error));
					}
				}).catch((e) => reject(e));
			};
		});
	}

	/* --- Janus (HTTP API, streaming plugin) ----------------------------- */
	let txn = 0;
	async function janusPost(path, body) {
		const res = await fetch(`/janus${path}`, {
			method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ ...body, transaction: `t${++txn}` }),
		});
		const json = await res.json();
		if (json.janus === 'error')
			throw new Error(`janus ${body.janus}: ${JSON.stringify(json.error)}`);
		return json;
	}

	/* One session for all viewers (created once, even when they start together), one handle each. */
	function janusSession() {
		if (!janus)
			janus = createJanusSession();
		return janus;
	}

	async function createJanusSession() {
		const created = await janusPost('', { janus: 'create' });
		const session = { id: created.data.id, handlers: new Map(), alive: true };
		(async () => {
			/* One long poll for the session: Chromium allows 6 connections per host. */
			while (session.alive) {
				try {
					const res = await fetch(`/janus/${session.id}?maxev=10&rid=${Date.now()}`);
					let events = await res.json();
					if (!Array.isArray(events))
						events = [events];
					for (const e of events) {
						const h = session.handlers.get(e.sender);
						if (h)
							h(e);
					}
				} catch (e) {
					await sleep(100);
				}
			}
		})();
		return session;
	}

	async function startJanus(v) {
		const pc = createPeerConnection(v);
		const session = await janusSession();
		const attached = await janusPost(`/${session.id}`, { janus: 'attach', plugin: 'janus.plugin.streaming' });
		const handle = attached.data.id;
		const path = `/${session.id}/${handle}`;
		v.close = async () => {
			await janusPost(path, { janus: 'detach' }).catch(() => {});
		};
		const offered = new Promise((resolve, reject) => {
			session.handlers.set(handle, (e) => {
				if (e.jsep && e.jsep.type === 'offer')
					resolve(e.jsep);
				const data = e.plugindata && e.plugindata.data;
				if (data && data.error)
					reject(new Error(`janus: ${data.error}`));
			});
			setTimeout(() => reject(new Error('janus: no offer in 10 s')), 10000);
		});
		await janusPost(path, { janus: 'message', body: { request: 'watch', id: v.cfg.janusMount } });
		const offer = await offered;
		v.tSdp = performance.now() - v.t0;
		await pc.setRemoteDescription(offer);
		pc.getReceivers().forEach(lowLatency);
		await pc.setLocalDescription(await pc.createAnswer());
		await gathered(pc);
		await janusPost(path, { janus: 'message', body: { request: 'start' },
			jsep: { type: 'answer', sdp: pc.localDescription.sdp } });
	}

	/* --- the bench ------------------------------------------------------- */
	async function inbound(pc) {
		let r = null;
		(await pc.getStats()).forEach((s) => {
			if (s.type === 'inbound-rtp' && (s.kind || s.mediaType) === 'video')
				r = s;
		});
		return r;
	}

	const starters = { whep: startWhep, ws: startWs, janus: startJanus };

	/*
	 * Starts n viewers `staggerMs` apart; resolves when every viewer shows a fresh frame
	 * (or failed), or `timeoutMs` passed: the measuring window is the steady state.
	 */
	async function start(cfg) {
		const started = [];
		for (let i = 0; i < cfg.n; i++) {
			const v = makeViewer(i, cfg);
			viewers.push(v);
			started.push(starters[cfg.kind](v).catch((e) => {
				v.error = v.error || String(e.message || e);
			}));
			if (cfg.staggerMs)
				await sleep(cfg.staggerMs);
		}
		await Promise.all(started);
		const end = performance.now() + cfg.timeoutMs;
		while (performance.now() < end && viewers.some((v) => v.tFresh === null && !v.error))
			await sleep(50);
		return viewers.map((v) => ({ i: v.i, error: v.error, firstFrame: v.tFirstFrame }));
	}

	let window0 = null;
	async function mark() {
		window0 = { t: performance.now(), stats: [] };
		for (const v of viewers) {
			v.g2g = [];
			v.capToPkt = [];
			v.processing = [];
			window0.stats.push(await inbound(v.pc).catch(() => null));
		}
	}

	async function collect() {
		const seconds = (performance.now() - window0.t) / 1000;
		const out = [];
		for (const v of viewers) {
			const a = window0.stats[v.i] || {};
			const b = (await inbound(v.pc).catch(() => null)) || {};
			const d = (k) => (b[k] ?? 0) - (a[k] ?? 0);
			const jbCount = d('jitterBufferEmittedCount');
			out.push({
				viewer: v.i,
				error: v.error,
				connectionState: v.pc ? v.pc.connectionState : 'new',
				ttff: { signal: v.tSignal, offerReady: v.tOfferReady, sdp: v.tSdp, ice: v.tIce, connected: v.tConnected, firstFrame: v.tFirstFrame, fresh: v.tFresh },
				seconds,
				framesReceived: d('framesReceived'),
				framesDecoded: d('framesDecoded'),
				framesDropped: d('framesDropped'),
				framesPresented: v.frames,
				bytesReceived: d('bytesReceived'),
				packetsLost: d('packetsLost'),
				freezeCount: d('freezeCount'),
				totals: {
					pliCount: b.pliCount ?? null, nackCount: b.nackCount ?? null, firCount: b.firCount ?? null,
					framesDecoded: b.framesDecoded ?? 0, keyFramesDecoded: b.keyFramesDecoded ?? null,
				},
				jitterBufferMs: jbCount > 0 ? 1000 * d('jitterBufferDelay') / jbCount : null,
				decodeMs: d('framesDecoded') > 0 ? 1000 * d('totalDecodeTime') / d('framesDecoded') : null,
				frameWidth: b.frameWidth ?? null,
				frameHeight: b.frameHeight ?? null,
				decoder: b.decoderImplementation ?? null,
				g2g: v.g2g,
				capToPkt: v.capToPkt,
				processingMs: v.processing,
				unstamped: v.unstamped,
				skewed: v.skewed,
			});
		}
		return out;
	}

	async function stop() {
		for (const v of viewers) {
			await v.close().catch(() => {});
			if (v.pc)
				v.pc.close();
		}
		if (janus) {
			const s = await janus.catch(() => null);
			janus = null;
			if (s) {
				s.alive = false;
				await janusPost(`/${s.id}`, { janus: 'destroy' }).catch(() => {});
			}
		}
	}

	window.bench = { start, mark, collect, stop };
})();
