/* SPDX-License-Identifier: MIT */
/*
 * webrtc-camera viewer: signaling over /ws (see src/signaling/Message.h),
 * one receive-only RTCPeerConnection, automatic reconnection, a stats
 * overlay and a reader for the latency stamp drawn into the picture.
 *
 * window.wcam exposes the live state for tests and the curious.
 */
'use strict';

(() => {
	const BACKOFF_MIN_MS = 500;
	const BACKOFF_MAX_MS = 10000;
	const BUSY_MIN_MS = 4000;	/* a full server will not free up in 0.5 s */
	const ICE_GRACE_MS = 4000;	/* "disconnected" often heals by itself */
	const CONNECT_TIMEOUT_MS = 20000;
	const STALL_MS = 8000;		/* no decoded frame for this long: reconnect */
	const PING_MS = 10000;
	const STATS_MS = 1000;
	const SERVER_STATS_MS = 2000;
	const CHROME_HIDE_MS = 3000;
	const LATENCY_WINDOW_MS = 5000;

	/* Latency stamp geometry, see latency-stamp documentation. */
	const STAMP_BLOCK = 16;
	const STAMP_BLOCKS = 38;
	const STAMP_WIDTH = STAMP_BLOCK * STAMP_BLOCKS;
	const STAMP_HEAD = [1, 0, 1, 0];
	const STAMP_TAIL = [0, 1];

	const $ = (id) => document.getElementById(id);
	const stage = $('stage');
	const video = $('video');
	const statusEl = $('status');
	const statusText = $('status-text');
	const noticeText = $('notice-text');
	const toggleButton = $('toggle');
	const toggleLabel = $('toggle-label');
	const infoButton = $('info');
	const statsPanel = $('stats');

	const params = new URLSearchParams(location.search);

	const wcam = {
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
		start: () => start(),
		stop: () => stop(),
		toggle: () => toggle(),
		/* Test hook: drop the websocket as a network failure would. */
		closeSocketForTest: () => {
			if (session && session.ws)
				session.ws.close();
		},
	};
	window.wcam = wcam;

	let wanted = false;	/* the user wants a stream */
	let session = null;	/* the current connection attempt */
	let attempt = 0;	/* consecutive failures, drives the backoff */
	let retryTimer = null;
	let countdownTimer = null;
	let startedAt = null;	/* performance.now() of the last start() */
	let wakeLock = null;

	function endpoint(path, ws) {
		/* Relative, so the page also works behind a reverse-proxy prefix. */
		const url = new URL(path, location.href);
		if (ws)
			url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		return url.href;
	}

	/* ---------------------------------------------------------------- */
	/* State and status display                                         */

	function setState(state, text) {
		wcam.state = state;
		wcam.status = text || state;
		stage.dataset.state = state;
		statusEl.dataset.state = state;
		statusText.textContent = wcam.status;
		noticeText.textContent = noticeFor(state, wcam.status);
		stage.classList.toggle('wanted', wanted);
		toggleLabel.textContent = wanted ? 'Stop' : 'Start';
		toggleButton.setAttribute('aria-label', wanted ? 'Stop' : 'Start');
		if (state !== 'live')
			showChrome();
		else
			scheduleChromeHide();
		updateWakeLock();
	}

	function noticeFor(state, text) {
		switch (state) {
		case 'stopped':
			return 'Stopped';
		case 'connecting':
			return 'Connecting…';
		default:
			return text.charAt(0).toUpperCase() + text.slice(1);
		}
	}

	/* ---------------------------------------------------------------- */
	/* Start / stop / reconnect                                         */

	function start() {
		if (wanted)
			return;
		wanted = true;
		attempt = 0;
		startedAt = performance.now();
		wcam.timeToFirstFrame = null;
		connect();
	}

	function stop() {
		if (!wanted && !session)
			return;
		wanted = false;
		clearRetry();
		if (session) {
			send(session, { type: 'stop' });
			teardown(session);
			session = null;
		}
		video.srcObject = null;
		resetStats();
		setState('stopped');
	}

	function toggle() {
		if (wanted)
			stop();
		else
			start();
	}

	function clearRetry() {
		clearTimeout(retryTimer);
		clearInterval(countdownTimer);
		retryTimer = null;
		countdownTimer = null;
	}

	function scheduleReconnect(reason, busy) {
		let delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
		attempt++;
		/* +-20 % jitter so viewers of a restarted server do not stampede. */
		delay = Math.min(BACKOFF_MAX_MS, delay * (0.8 + Math.random() * 0.4));
		if (busy)
			delay = Math.max(delay, BUSY_MIN_MS);
		const due = performance.now() + delay;

		const show = () => {
			const secs = Math.max(1, Math.ceil((due - performance.now()) / 1000));
			if (busy)
				setState('busy', `server busy, retrying in ${secs} s`);
			else
				setState('reconnecting', `${reason}, reconnecting in ${secs} s`);
		};
		clearRetry();
		show();
		countdownTimer = setInterval(show, 250);
		retryTimer = setTimeout(() => {
			clearRetry();
			wcam.reconnects++;
			connect();
		}, delay);
	}

	/* Retry at once when the network or the page comes back. */
	function retryNow() {
		if (wanted && retryTimer) {
			clearRetry();
			wcam.reconnects++;
			connect();
		}
	}

	function connect() {
		clearRetry();
		const s = {
			ws: null,
			pc: null,
			remoteSet: false,
			answerSent: false,
			remoteCandidates: [],
			localCandidates: [],
			queue: Promise.resolve(),
			timers: [],
			prev: null,
			lastProgressAt: performance.now(),
		};
		session = s;
		wcam.viewerId = null;
		/* Counters belong to a peer connection: start from zero. */
		resetStats();
		setState('connecting');

		let ws;
		try {
			ws = new WebSocket(endpoint('ws', true));
		} catch (e) {
			fail(s, 'cannot connect');
			return;
		}
		s.ws = ws;
		ws.onopen = () => {
			if (s !== session)
				return;
			send(s, { type: 'start' });
			s.timers.push(setInterval(() => send(s, { type: 'ping' }), PING_MS));
		};
		ws.onmessage = (ev) => {
			if (s !== session)
				return;
			let msg;
			try {
				msg = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			/* Handle messages strictly in order: each may await. */
			s.queue = s.queue.then(() => handle(s, msg)).catch((e) => {
				console.warn('wcam:', e);
				fail(s, 'negotiation failed');
			});
		};
		ws.onclose = () => fail(s, 'connection lost');
		s.timers.push(setTimeout(() => {
			if (s === session && wcam.state !== 'live')
				fail(s, 'timed out');
		}, CONNECT_TIMEOUT_MS));
	}

	/* Ends this session; reconnects if the user still wants a stream. */
	function fail(s, reason, busy) {
		if (s !== session)
			return;
		wcam.lastError = reason;
		teardown(s);
		session = null;
		if (wanted)
			scheduleReconnect(reason, busy);
		else
			setState('stopped');
	}

	function teardown(s) {
		for (const t of s.timers) {
			clearTimeout(t);
			clearInterval(t);
		}
		s.timers = [];
		clearTimeout(s.iceTimer);
		if (s.ws) {
			s.ws.onopen = s.ws.onmessage = s.ws.onclose = null;
			try {
				s.ws.close(1000);
			} catch (e) { /* already closed */ }
		}
		if (s.pc) {
			s.pc.ontrack = s.pc.onicecandidate = null;
			s.pc.oniceconnectionstatechange = null;
			s.pc.close();
		}
	}

	function send(s, msg) {
		if (s.ws && s.ws.readyState === WebSocket.OPEN)
			s.ws.send(JSON.stringify(msg));
	}

	/* ---------------------------------------------------------------- */
	/* Signaling                                                        */

	async function handle(s, msg) {
		if (s !== session)
			return;
		switch (msg.type) {
		case 'welcome':
			wcam.viewerId = msg.id || null;
			createPeerConnection(s, msg.iceServers);
			break;
		case 'offer':
			if (!s.pc)
				createPeerConnection(s, []);
			await s.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
			s.remoteSet = true;
			s.pc.getReceivers().forEach(lowLatency);
			for (const c of s.remoteCandidates.splice(0))
				await addRemoteCandidate(s, c);
			await s.pc.setLocalDescription(await s.pc.createAnswer());
			if (s !== session)
				return;
			send(s, { type: 'answer', sdp: s.pc.localDescription.sdp });
			s.answerSent = true;
			for (const c of s.localCandidates.splice(0))
				send(s, c);
			break;
		case 'candidate':
			if (s.remoteSet)
				await addRemoteCandidate(s, msg);
			else
				s.remoteCandidates.push(msg);
			break;
		case 'pong':
			break;
		case 'bye':
			fail(s, msg.reason ? `ended: ${msg.reason}` : 'stream ended');
			break;
		case 'error':
			if (msg.code === 'busy') {
				fail(s, 'server busy', true);
			} else {
				console.warn('wcam: server error', msg.code, msg.message);
				fail(s, `server error (${msg.code || 'unknown'})`);
			}
			break;
		default:
			break;
		}
	}

	async function addRemoteCandidate(s, msg) {
		try {
			if (!msg.candidate) {
				await s.pc.addIceCandidate();	/* end of candidates */
				return;
			}
			await s.pc.addIceCandidate({
				candidate: msg.candidate,
				sdpMLineIndex: msg.sdpMLineIndex || 0,
			});
		} catch (e) {
			/* One bad candidate must not kill the session. */
			console.warn('wcam: candidate rejected', e);
		}
	}

	function createPeerConnection(s, iceServers) {
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
		s.pc = pc;

		pc.ontrack = (ev) => {
			lowLatency(ev.receiver);
			const stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
			video.srcObject = stream;
			video.play().catch(() => { /* muted autoplay; retried on gesture */ });
		};
		pc.onicecandidate = (ev) => {
			const msg = {
				type: 'candidate',
				candidate: ev.candidate ? ev.candidate.candidate : '',
				sdpMLineIndex: ev.candidate && ev.candidate.sdpMLineIndex !== null ? ev.candidate.sdpMLineIndex : 0,
			};
			if (s.answerSent)
				send(s, msg);
			else
				s.localCandidates.push(msg);
		};
		pc.oniceconnectionstatechange = () => {
			if (s !== session)
				return;
			switch (pc.iceConnectionState) {
			case 'connected':
			case 'completed':
				/* Recovered: the next frame shows "live" again. */
				clearTimeout(s.iceTimer);
				s.iceTimer = null;
				break;
			case 'disconnected':
				if (!s.iceTimer) {
					setState('reconnecting', 'connection interrupted');
					s.iceTimer = setTimeout(() => fail(s, 'connection lost'), ICE_GRACE_MS);
				}
				break;
			case 'failed':
				fail(s, 'connection failed');
				break;
			default:
				break;
			}
		};
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

	/* ---------------------------------------------------------------- */
	/* Frames and the latency stamp                                     */

	const stampCanvas = document.createElement('canvas');
	stampCanvas.width = STAMP_WIDTH;
	stampCanvas.height = STAMP_BLOCK;
	const stampCtx = stampCanvas.getContext('2d', { willReadFrequently: true });
	let latency = [];	/* {t, v}, the last LATENCY_WINDOW_MS */
	let lastStampAt = -Infinity;
	let lastProbeAt = -Infinity;
	let clockSkewed = false;

	/* Returns the 32-bit stamp of the current frame, or null. */
	function readStamp() {
		if (video.videoWidth < STAMP_WIDTH || video.videoHeight < STAMP_BLOCK)
			return null;
		/* Source rectangle is in intrinsic pixels: no scaling, exact blocks. */
		stampCtx.drawImage(video, 0, 0, STAMP_WIDTH, STAMP_BLOCK,
				   0, 0, STAMP_WIDTH, STAMP_BLOCK);
		const row = stampCtx.getImageData(0, STAMP_BLOCK / 2, STAMP_WIDTH, 1).data;
		const bit = (i) => {
			const o = (i * STAMP_BLOCK + STAMP_BLOCK / 2) * 4;
			const luma = 0.299 * row[o] + 0.587 * row[o + 1] + 0.114 * row[o + 2];
			return luma >= 128 ? 1 : 0;
		};
		for (let i = 0; i < STAMP_HEAD.length; i++)
			if (bit(i) !== STAMP_HEAD[i])
				return null;
		for (let i = 0; i < STAMP_TAIL.length; i++)
			if (bit(STAMP_BLOCKS - STAMP_TAIL.length + i) !== STAMP_TAIL[i])
				return null;
		let stamp = 0;
		for (let i = STAMP_HEAD.length; i < STAMP_BLOCKS - STAMP_TAIL.length; i++)
			stamp = stamp * 2 + bit(i);
		return stamp;
	}

	function onFrame(now, meta) {
		if (!session || !session.pc)
			return;
		session.lastProgressAt = now;
		wcam.framesRendered++;
		/* While ICE is interrupted, buffered frames do not mean "live". */
		if (wcam.state !== 'live' && !session.iceTimer)
			goLive(now);

		/*
		 * Reading pixels back costs a little; without a stamp in sight,
		 * look only twice a second (the server may not draw one).
		 */
		if (wcam.stats.latencyStamp === false)
			return;
		if (now - lastStampAt > 2000 && now - lastProbeAt < 500)
			return;
		lastProbeAt = now;
		let stamp;
		try {
			stamp = readStamp();
		} catch (e) {
			stamp = null;
		}
		if (stamp === null)
			return;
		lastStampAt = now;
		/* Glass-to-glass: count until the frame is actually shown. */
		const ahead = meta && meta.expectedDisplayTime ? Math.max(0, meta.expectedDisplayTime - now) : 0;
		const value = (Math.round(Date.now() + ahead) - stamp) >>> 0;
		if (value >= 2 ** 31) {
			/* "Negative": the clocks of the two hosts disagree. */
			clockSkewed = true;
			return;
		}
		clockSkewed = false;
		latency.push({ t: now, v: value });
		updateLatency(now);
	}

	function updateLatency(now) {
		while (latency.length && now - latency[0].t > LATENCY_WINDOW_MS)
			latency.shift();
		wcam.latencySamples = latency.length;
		if (!latency.length) {
			wcam.latencyP50 = null;
		} else {
			const sorted = latency.map((l) => l.v).sort((a, b) => a - b);
			wcam.latencyP50 = sorted[Math.floor((sorted.length - 1) / 2)];
		}
		wcam.stats.latencyP50 = wcam.latencyP50;
	}

	function goLive(now) {
		if (startedAt !== null && wcam.timeToFirstFrame === null)
			wcam.timeToFirstFrame = Math.round(now - startedAt);
		attempt = 0;
		setState('live');
	}

	function watchFrames() {
		if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
			const cb = (now, meta) => {
				onFrame(now, meta);
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
				onFrame(now, null);
			}
			requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	}

	/* ---------------------------------------------------------------- */
	/* Statistics                                                       */

	async function pollStats() {
		const s = session;
		if (!s || !s.pc)
			return;
		let report;
		try {
			report = await s.pc.getStats();
		} catch (e) {
			return;
		}
		if (s !== session)
			return;
		let inbound = null;
		let transport = null;
		let pair = null;
		report.forEach((r) => {
			if (r.type === 'inbound-rtp' && (r.kind || r.mediaType) === 'video')
				inbound = r;
			else if (r.type === 'transport')
				transport = r;
		});
		if (transport && transport.selectedCandidatePairId)
			pair = report.get(transport.selectedCandidatePairId) || null;
		if (!pair) {
			report.forEach((r) => {
				if (!pair && r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated)
					pair = r;
			});
		}

		const st = wcam.stats;
		const now = performance.now();
		if (inbound) {
			const prev = s.prev;
			const dt = prev ? (inbound.timestamp - prev.timestamp) / 1000 : 0;
			st.width = inbound.frameWidth || video.videoWidth || null;
			st.height = inbound.frameHeight || video.videoHeight || null;
			st.framesDecoded = inbound.framesDecoded || 0;
			st.framesDropped = inbound.framesDropped ?? null;
			st.packetsLost = inbound.packetsLost ?? null;
			st.packetsReceived = inbound.packetsReceived ?? null;
			/* Lost packets asked for again (NACK) and resent (RTX), keyframes asked for. */
			st.nackCount = inbound.nackCount ?? null;
			st.retransmitted = inbound.retransmittedPacketsReceived ?? null;
			st.pliCount = inbound.pliCount ?? null;
			st.decoder = inbound.decoderImplementation || null;
			if (prev && dt > 0) {
				st.bitrate = Math.max(0, (inbound.bytesReceived - prev.bytesReceived) * 8 / dt);
				st.fps = inbound.framesPerSecond ??
					Math.max(0, (inbound.framesDecoded - prev.framesDecoded) / dt);
				const lost = Math.max(0, (inbound.packetsLost || 0) - (prev.packetsLost || 0));
				const got = Math.max(0, (inbound.packetsReceived || 0) - (prev.packetsReceived || 0));
				st.lossPercent = lost + got > 0 ? 100 * lost / (lost + got) : 0;
			}
			if (prev && inbound.framesDecoded > prev.framesDecoded)
				s.lastProgressAt = now;
			s.prev = inbound;
			wcam.framesDecoded = st.framesDecoded;
		}
		st.rtt = pair && typeof pair.currentRoundTripTime === 'number'
			? pair.currentRoundTripTime * 1000 : null;

		updateLatency(now);

		/* A wedged stream with a healthy connection: start afresh. */
		if (wcam.state === 'live' && !document.hidden && now - s.lastProgressAt > STALL_MS)
			fail(s, 'video stalled');

		renderStats();
	}

	async function pollServer() {
		if (!wanted)
			return;
		try {
			const res = await fetch(endpoint('stats'), { cache: 'no-store' });
			if (!res.ok)
				return;
			const body = await res.json();
			const st = wcam.stats;
			st.viewers = Array.isArray(body.viewers) ? body.viewers.length : null;
			st.maxViewers = typeof body.maxViewers === 'number' ? body.maxViewers : null;
			if (body.stream && typeof body.stream.latencyStamp === 'boolean')
				st.latencyStamp = body.stream.latencyStamp;
			st.adaptive = body.adaptive && body.adaptive.enabled ? body.adaptive : null;
			renderStats();
		} catch (e) {
			/* the websocket logic reports outages */
		}
	}

	function resetStats() {
		const st = wcam.stats;
		for (const k of ['width', 'height', 'fps', 'bitrate', 'rtt', 'packetsLost',
			'packetsReceived', 'lossPercent', 'framesDropped', 'decoder', 'nackCount',
			'retransmitted', 'pliCount'])
			st[k] = null;
		st.framesDecoded = 0;
		wcam.framesDecoded = 0;
		latency = [];
		updateLatency(performance.now());
		renderStats();
	}

	function fmtBitrate(bps) {
		if (bps === null)
			return '–';
		if (bps >= 1e6)
			return `${(bps / 1e6).toFixed(2)} Mbit/s`;
		return `${Math.round(bps / 1e3)} kbit/s`;
	}

	function setText(id, text) {
		const el = $(id);
		if (el.textContent !== text)
			el.textContent = text;
	}

	function renderStats() {
		if (statsPanel.hidden)
			return;
		const st = wcam.stats;
		setText('st-resolution', st.width && st.height ? `${st.width}×${st.height}` : '–');
		setText('st-fps', st.fps !== null ? st.fps.toFixed(1) : '–');
		setText('st-bitrate', fmtBitrate(st.bitrate));
		setText('st-rtt', st.rtt !== null ? `${st.rtt.toFixed(1)} ms` : '–');
		setText('st-loss', st.packetsLost !== null
			? `${st.packetsLost} (${(st.lossPercent || 0).toFixed(1)} %)` +
				(st.retransmitted ? ` · ${st.retransmitted} resent` : '') : '–');
		let lat = '–';
		if (wcam.latencyP50 !== null)
			lat = `${wcam.latencyP50} ms`;
		else if (clockSkewed)
			lat = 'clock skew';
		else if (st.latencyStamp === false)
			lat = 'no stamp';
		setText('st-latency', lat);
		setText('st-viewers', st.viewers !== null
			? (st.maxViewers ? `${st.viewers} / ${st.maxViewers}` : `${st.viewers}`) : '–');
		/* What the server's quality controller aims for, and its last reason. */
		const a = st.adaptive;
		setText('st-target', a ? `${fmtBitrate(a.targetBitrate)} · ${a.width}×${a.height}@${a.fps}` : 'off');
		setText('st-reason', a && a.reason ? (a.lastChange !== null
			? `${a.reason} (${Math.round(a.lastChange)} s ago)` : a.reason) : '–');
		setText('st-frames', st.framesDecoded
			? `${st.framesDecoded}${st.framesDropped ? ` (${st.framesDropped} dropped)` : ''}` : '–');
	}

	function toggleStats(force) {
		const show = typeof force === 'boolean' ? force : statsPanel.hidden;
		statsPanel.hidden = !show;
		statsPanel.classList.toggle('pinned', show);
		infoButton.setAttribute('aria-pressed', String(show));
		try {
			localStorage.setItem('wcam.stats', show ? '1' : '0');
		} catch (e) { /* private mode */ }
		renderStats();
	}

	/* ---------------------------------------------------------------- */
	/* Fullscreen, chrome auto-hide, wake lock                          */

	function fullscreenElement() {
		return document.fullscreenElement || document.webkitFullscreenElement || null;
	}

	function exitFullscreen() {
		if (!fullscreenElement())
			return;
		if (document.exitFullscreen)
			document.exitFullscreen().catch(() => {});
		else if (document.webkitExitFullscreen)
			document.webkitExitFullscreen();
	}

	function toggleFullscreen() {
		if (fullscreenElement()) {
			exitFullscreen();
			return;
		}
		if (stage.requestFullscreen) {
			stage.requestFullscreen({ navigationUI: 'hide' }).then(() => {
				/* Phones: a landscape camera wants a landscape screen. */
				if (matchMedia('(pointer: coarse)').matches && video.videoWidth > video.videoHeight &&
				    screen.orientation && screen.orientation.lock)
					screen.orientation.lock('landscape').catch(() => {});
			}).catch(() => {});
		} else if (stage.webkitRequestFullscreen) {
			stage.webkitRequestFullscreen();
		} else if (video.webkitEnterFullscreen) {
			video.webkitEnterFullscreen();	/* iPhone: video only */
		}
	}

	let chromeTimer = null;
	function showChrome() {
		stage.classList.remove('idle');
		scheduleChromeHide();
	}
	function scheduleChromeHide() {
		clearTimeout(chromeTimer);
		chromeTimer = setTimeout(() => {
			/* Not while the pointer or keyboard focus is on a control. */
			if (wcam.state === 'live' && !stage.querySelector('.bar:hover, .bar :focus-visible'))
				stage.classList.add('idle');
		}, CHROME_HIDE_MS);
	}

	async function updateWakeLock() {
		const want = wcam.state === 'live' && !document.hidden;
		if (!('wakeLock' in navigator))
			return;
		try {
			if (want && !wakeLock) {
				wakeLock = await navigator.wakeLock.request('screen');
				wakeLock.addEventListener('release', () => { wakeLock = null; });
			} else if (!want && wakeLock) {
				const lock = wakeLock;
				wakeLock = null;
				await lock.release();
			}
		} catch (e) {
			wakeLock = null;	/* not allowed here: fine */
		}
	}

	/* ---------------------------------------------------------------- */
	/* Wiring                                                           */

	toggleButton.addEventListener('click', toggle);
	$('notice-start').addEventListener('click', start);
	infoButton.addEventListener('click', () => toggleStats());
	$('fullscreen').addEventListener('click', toggleFullscreen);
	video.addEventListener('dblclick', toggleFullscreen);
	video.addEventListener('click', () => {
		/* Tap the picture to show or hide the controls. */
		if (stage.classList.contains('idle'))
			showChrome();
		else if (wcam.state === 'live')
			stage.classList.add('idle');
		video.play().catch(() => {});
	});
	stage.addEventListener('pointermove', (e) => {
		if (e.pointerType === 'mouse')
			showChrome();
	}, { passive: true });
	stage.addEventListener('pointerdown', (e) => {
		if (e.target !== video)
			showChrome();
	}, { passive: true });

	document.addEventListener('keydown', (e) => {
		if (e.ctrlKey || e.metaKey || e.altKey || e.repeat)
			return;
		if (e.target.closest && e.target.closest('input, textarea, select, [contenteditable]'))
			return;
		switch (e.key.toLowerCase()) {
		case 'f':
			toggleFullscreen();
			break;
		case 's':
			toggle();
			break;
		case 'i':
			toggleStats();
			break;
		case 'escape':
			exitFullscreen();
			break;
		default:
			return;
		}
		e.preventDefault();
		showChrome();
	});

	window.addEventListener('online', retryNow);
	document.addEventListener('visibilitychange', () => {
		if (!document.hidden)
			retryNow();
		updateWakeLock();
	});
	/* Free our slot on the server right away rather than at ICE timeout. */
	window.addEventListener('pagehide', () => {
		if (session) {
			send(session, { type: 'stop' });
			teardown(session);
			session = null;
		}
	});
	window.addEventListener('pageshow', (e) => {
		if (e.persisted && wanted && !session)
			connect();
	});

	setInterval(pollStats, STATS_MS);
	setInterval(pollServer, SERVER_STATS_MS);
	watchFrames();

	$('title').textContent = location.host ? `webrtc-camera · ${location.hostname}` : 'webrtc-camera';
	let showStats = params.get('stats') === '1';
	try {
		showStats = showStats || localStorage.getItem('wcam.stats') === '1';
	} catch (e) { /* private mode */ }
	if (showStats)
		toggleStats(true);
	setState('stopped');

	/* Watching is why the page was opened: start unless ?autostart=0. */
	if (params.get('autostart') !== '0' && 'RTCPeerConnection' in window) {
		start();
		pollServer();
	} else if (!('RTCPeerConnection' in window)) {
		setState('stopped', 'WebRTC is not available in this browser');
		noticeText.textContent = 'This browser does not support WebRTC';
	}
})();
