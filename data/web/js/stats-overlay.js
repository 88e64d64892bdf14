/* SPDX-License-Identifier: MIT */
/*
 * The statistics overlay: the receiver's numbers from getStats() every
 * second, the server's from /stats every two, shown in #stats and kept in
 * wcam.stats.
 */
import { endpoint, wcam } from './state.js';

export const STATS_MS = 1000;
export const SERVER_STATS_MS = 2000;

function fmtBitrate(bps) {
	if (bps === null)
		return '–';
	if (bps >= 1e6)
		return `${(bps / 1e6).toFixed(2)} Mbit/s`;
	return `${Math.round(bps / 1e3)} kbit/s`;
}

function setText(id, text) {
	const el = document.getElementById(id);
	if (el.textContent !== text)
		el.textContent = text;
}

export class StatsOverlay {
	/* `meter`: the LatencyMeter, whose samples age with every poll. */
	constructor(panel, button, video, meter) {
		this.panel = panel;
		this.button = button;
		this.video = video;
		this.meter = meter;
	}

	/*
	 * Reads the peer connection of session `s` into wcam.stats. Returns
	 * the time of the reading, or null when there was none (the session
	 * ended meanwhile).
	 */
	async pollPeer(s) {
		let report;
		try {
			report = await s.pc.getStats();
		} catch (e) {
			return null;
		}
		if (s.closed)
			return null;
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
			st.width = inbound.frameWidth || this.video.videoWidth || null;
			st.height = inbound.frameHeight || this.video.videoHeight || null;
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

		this.meter.update(now);
		return now;
	}

	/* The server's side: viewers, whether it stamps, its quality controller. */
	async pollServer() {
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
			this.render();
		} catch (e) {
			/* the websocket logic reports outages */
		}
	}

	/* Counters belong to a peer connection: start from zero. */
	reset() {
		const st = wcam.stats;
		for (const k of ['width', 'height', 'fps', 'bitrate', 'rtt', 'packetsLost',
			'packetsReceived', 'lossPercent', 'framesDropped', 'decoder', 'nackCount',
			'retransmitted', 'pliCount'])
			st[k] = null;
		st.framesDecoded = 0;
		wcam.framesDecoded = 0;
		this.meter.reset();
		this.render();
	}

	render() {
		if (this.panel.hidden)
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
		else if (this.meter.clockSkewed)
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

	/* Shows, hides (force) or flips the overlay, and remembers the choice. */
	toggle(force) {
		const show = typeof force === 'boolean' ? force : this.panel.hidden;
		this.panel.hidden = !show;
		this.panel.classList.toggle('pinned', show);
		this.button.setAttribute('aria-pressed', String(show));
		try {
			localStorage.setItem('wcam.stats', show ? '1' : '0');
		} catch (e) { /* private mode */ }
		this.render();
	}
}
