/* SPDX-License-Identifier: MIT */
/*
 * What the viewer sees and touches: the status badge and notice, the
 * controls that fade while watching, fullscreen, keyboard shortcuts and
 * the screen wake lock.
 */
import { wcam } from './state.js';

const CHROME_HIDE_MS = 3000;

const $ = (id) => document.getElementById(id);
export const stage = $('stage');
export const video = $('video');
export const statsPanel = $('stats');
export const infoButton = $('info');
const statusEl = $('status');
const statusText = $('status-text');
const noticeText = $('notice-text');
const toggleButton = $('toggle');
const toggleLabel = $('toggle-label');

let chromeTimer = null;
let wakeLock = null;

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

/* Publishes and shows `state` (with `text`, else the state's name). */
export function showState(state, text, wanted) {
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

export function showNotice(text) {
	noticeText.textContent = text;
}

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

export async function updateWakeLock() {
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

/* Buttons, the picture, pointer and keys; `actions`: toggle, start, toggleStats. */
export function bindControls(actions) {
	toggleButton.addEventListener('click', actions.toggle);
	$('notice-start').addEventListener('click', actions.start);
	infoButton.addEventListener('click', () => actions.toggleStats());
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
			actions.toggle();
			break;
		case 'i':
			actions.toggleStats();
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
}
