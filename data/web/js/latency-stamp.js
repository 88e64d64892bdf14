/* SPDX-License-Identifier: MIT */
/*
 * Glass-to-glass latency from the latency stamp the server draws into the
 * picture ([debug] latency_stamp; docs/latency-stamp.md). The layout comes
 * from latency-stamp-geometry.json, the file the C++ writer is built from.
 */
import { wcam } from './state.js';

const LATENCY_WINDOW_MS = 5000;

/* Reads the stamp of the frame a <video> shows, through a small canvas. */
export class StampReader {
	constructor(geometry) {
		this.g = geometry;
		this.width = geometry.block * geometry.blocks;
		this.canvas = document.createElement('canvas');
		this.canvas.width = this.width;
		this.canvas.height = geometry.block;
		this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
	}

	/* The 32-bit stamp of the current frame, or null. */
	read(video) {
		const { block, blocks, head, tail, threshold } = this.g;
		if (video.videoWidth < this.width || video.videoHeight < block)
			return null;
		/* Source rectangle is in intrinsic pixels: no scaling, exact blocks. */
		this.ctx.drawImage(video, 0, 0, this.width, block, 0, 0, this.width, block);
		const row = this.ctx.getImageData(0, block / 2, this.width, 1).data;
		const bit = (i) => {
			const o = (i * block + block / 2) * 4;
			const luma = 0.299 * row[o] + 0.587 * row[o + 1] + 0.114 * row[o + 2];
			return luma >= threshold ? 1 : 0;
		};
		for (let i = 0; i < head.length; i++)
			if (bit(i) !== head[i])
				return null;
		for (let i = 0; i < tail.length; i++)
			if (bit(blocks - tail.length + i) !== tail[i])
				return null;
		let stamp = 0;
		for (let i = head.length; i < blocks - tail.length; i++)
			stamp = stamp * 2 + bit(i);
		return stamp;
	}
}

/* The median latency over the last LATENCY_WINDOW_MS, in wcam.latencyP50. */
export class LatencyMeter {
	constructor(video) {
		this.video = video;
		this.reader = null;	/* until the geometry has loaded */
		this.samples = [];	/* {t, v} */
		this.lastStampAt = -Infinity;
		this.lastProbeAt = -Infinity;
		this.clockSkewed = false;
		fetch(new URL('latency-stamp-geometry.json', import.meta.url))
			.then((res) => (res.ok ? res.json() : Promise.reject(new Error(res.statusText))))
			.then((geometry) => { this.reader = new StampReader(geometry); })
			.catch((e) => console.warn('wcam: no latency stamp geometry', e));
	}

	/* A frame was presented at `now` (requestVideoFrameCallback's metadata, or null). */
	onFrame(now, meta) {
		/*
		 * Reading pixels back costs a little; without a stamp in sight,
		 * look only twice a second (the server may not draw one).
		 */
		if (wcam.stats.latencyStamp === false || !this.reader)
			return;
		if (now - this.lastStampAt > 2000 && now - this.lastProbeAt < 500)
			return;
		this.lastProbeAt = now;
		let stamp;
		try {
			stamp = this.reader.read(this.video);
		} catch (e) {
			stamp = null;
		}
		if (stamp === null)
			return;
		this.lastStampAt = now;
		/* Glass-to-glass: count until the frame is actually shown. */
		const ahead = meta && meta.expectedDisplayTime ? Math.max(0, meta.expectedDisplayTime - now) : 0;
		const value = (Math.round(Date.now() + ahead) - stamp) >>> 0;
		if (value >= 2 ** 31) {
			/* "Negative": the clocks of the two hosts disagree. */
			this.clockSkewed = true;
			return;
		}
		this.clockSkewed = false;
		this.samples.push({ t: now, v: value });
		this.update(now);
	}

	/* Drops samples older than the window and publishes the median. */
	update(now) {
		while (this.samples.length && now - this.samples[0].t > LATENCY_WINDOW_MS)
			this.samples.shift();
		wcam.latencySamples = this.samples.length;
		if (!this.samples.length) {
			wcam.latencyP50 = null;
		} else {
			const sorted = this.samples.map((l) => l.v).sort((a, b) => a - b);
			wcam.latencyP50 = sorted[Math.floor((sorted.length - 1) / 2)];
		}
		wcam.stats.latencyP50 = wcam.latencyP50;
	}

	reset() {
		this.samples = [];
		this.update(performance.now());
	}
}
