#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// The Chromium side of tools/webrtc-camera-bench, one run:
//   node viewers.mjs '{"origin": "http://10.99.0.1:8080", "kind": "whep", "n": 4, "seconds": 20, ...}'
// Launches headless Chromium (fresh profile, never downloads a browser),
// opens one page at the server's origin (its /health or Janus's /janus/info,
// with page.js added), starts N viewers there, and prints JSON lines on stdout:
//   {"event": "steady", ...}   every viewer shows frames (or the connect timeout passed):
//                              the measuring window starts
//   {"event": "result", ...}   the window's figures, per viewer
// Or, to turn an SVG into a PNG:  node viewers.mjs --render in.svg out.png
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/* playwright-core as the e2e test has it (tests/e2e/node_modules, from its lockfile). */
const e2eDir = process.env.WCAM_E2E_DIR || path.join(root, 'tests/e2e');
const require = createRequire(path.join(e2eDir, 'package.json'));
const { chromium } = require('playwright-core');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const { CHROMIUM_ARGS } = await import(path.join(e2eDir, 'chromium.mjs'));
const ARGS = [
	...CHROMIUM_ARGS,
	/* 10.99.0.1 is not loopback: host candidates without mDNS names (no media permission there). */
	'--disable-features=WebRtcHideLocalIpsWithMdns',
	'--autoplay-policy=no-user-gesture-required',
	'--disable-background-timer-throttling',
	'--disable-renderer-backgrounding',
];

async function launch(chromiumPath) {
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcam-bench-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath, headless: true, args: ARGS,
		viewport: { width: 1280, height: 720 }, timeout: 30000,
	});
	const close = async () => {
		await context.close().catch(() => {});
		fs.rmSync(userDataDir, { recursive: true, force: true });
	};
	return { context, close };
}

async function render(svgPath, pngPath, chromiumPath) {
	const { context, close } = await launch(chromiumPath);
	try {
		const svg = fs.readFileSync(svgPath, 'utf8');
		const w = Number((svg.match(/width="(\d+)"/) || [])[1] || 1200);
		const h = Number((svg.match(/height="(\d+)"/) || [])[1] || 800);
		const page = context.pages()[0] || await context.newPage();
		await page.setViewportSize({ width: w, height: h });
		await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
		await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width: w, height: h } });
	} finally {
		await close();
	}
}

async function run(cfg) {
	const { context, close } = await launch(cfg.chromium || '/usr/bin/chromium');
	const watchdog = setTimeout(() => {
		emit({ event: 'error', error: 'viewers.mjs: overall deadline passed' });
		process.exit(3);
	}, (cfg.seconds + cfg.timeoutMs / 1000 + 60) * 1000);
	try {
		/*
		 * Host candidates without mDNS names: --disable-features=WebRtcHideLocalIpsWithMdns;
		 * a media permission does the same where it can be granted (127.0.0.1, not 10.99.0.1).
		 */
		await context.grantPermissions(['camera', 'microphone'], { origin: cfg.origin }).catch(() => {});
		const page = context.pages()[0] || await context.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		const geometry = fs.readFileSync(path.join(root, 'data/web/js/latency-stamp-geometry.json'), 'utf8');
		const script = `window.wcamStampGeometry = ${geometry};\n` + fs.readFileSync(path.join(here, 'page.js'), 'utf8');
		/*
		 * A page of the server's own (its /health, Janus's /janus/info) with page.js added:
		 * WHEP, /ws and Janus's API are then same-origin, and the page is in the private
		 * address space (a page made up by the browser would be "public", and Chromium's
		 * Private Network Access blocks its requests to 10.99.0.1).
		 */
		await page.goto(`${cfg.origin}${cfg.landing || '/health'}`);
		await page.addScriptTag({ content: script });
		const started = await page.evaluate((c) => window.bench.start(c), {
			kind: cfg.kind, n: cfg.n, timeoutMs: cfg.timeoutMs, staggerMs: cfg.staggerMs || 0,
			janusMount: cfg.janusMount || 1, stampEveryMs: cfg.stampEveryMs || 0,
		});
		await page.evaluate(() => window.bench.mark());
		emit({ event: 'steady', started });
		await sleep(cfg.seconds * 1000);
		const viewers = await page.evaluate(() => window.bench.collect());
		emit({ event: 'result', viewers, pageErrors: errors });
		await page.evaluate(() => window.bench.stop()).catch(() => {});
	} finally {
		clearTimeout(watchdog);
		await close();
	}
}

const argv = process.argv.slice(2);
try {
	if (argv[0] === '--render')
		await render(argv[1], argv[2], argv[3] || '/usr/bin/chromium');
	else
		await run(JSON.parse(argv[0]));
	process.exit(0);
} catch (e) {
	emit({ event: 'error', error: String(e.stack || e) });
	process.exit(1);
}
