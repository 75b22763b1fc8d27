// instructor.js — the instructor page, wired together: it reads the class
// (GET /api/class) once a second, and hands each answer to the dashboard
// (dashboard-view.js, with the rates dashboard.js computes) and to the
// controls (instructor-controls.js), in English or Korean.
//
// Where students go (their addresses and the QR code of the first) the
// server wrote into instructor.html; this page folds it away once students
// have joined, so the numbers come first, and keeps the address in sight.
// Its requests carry the instructor's cookie (same origin), never a
// client=: the instructor is not one of the pages it counts.

import { LANGS, pickLang, t } from './i18n.js';
import { $, setText } from './dom.js';
import { createApi } from './api.js';
import { repeat } from './repeat.js';
import { timeOfDay } from './format.js';
import { createHistory, createRates } from './dashboard.js';
import { failure, isStale, transportNames } from './instructor-state.js';
import { mountDashboard } from './dashboard-view.js';
import { mountControls, mountPageActs } from './instructor-controls.js';

/** READ_EVERY_MS is how often the dashboard asks: once a second, as its numbers move. */
const READ_EVERY_MS = 1000;

let lang = pickLang(location.search, navigator.languages);
const T = (key, params) => t(lang, key, params);
const api = createApi({}); // no client=: the cookie says who asks

let shown = null; // the class state shown: the newest answer
let rate = null; // the rates of the last read, dashboard.js rateBetween
const rates = createRates();
const rateHistory = createHistory();
let status = { key: 'instructor.status.waiting' };

// The acts on one page draw the list's buttons (the dashboard's), and ask
// for the class state at once after each, so the list shows what changed.
const acts = mountPageActs({ api, T, redraw: () => dashboard.redrawPages(), done: () => reader.wake() });
const dashboard = mountDashboard({ T, acts });
const controls = mountControls({ api, T, onState: (s) => accept(s, false), current: () => shown });

// accept shows an answer of the server: every answer of GET or PUT carries
// the whole state; only the reads on the timer feed the rates, spaced as
// they are.
function accept(state, read) {
  if (!Number.isFinite(state?.version) || isStale(shown, state)) return; // not a class state, or an old one
  shown = state;
  if (read && state.server) {
    rate = rates.add(state.server);
    const values = rate && Object.fromEntries(transportNames(state).map((t) => [t, rate.transports[t]?.requests]));
    rateHistory.add(state.server.at / 1000, values);
  }
  dashboard.show(state, rate, rateHistory);
  controls.show(state);
  foldJoin(state.students?.pages ?? 0);
}

// The join section folds once, when the first student arrives, unless the
// instructor has opened or closed it by hand.
const join = $('#join');
let joinTouched = false;
join.querySelector('summary').addEventListener('click', () => {
  joinTouched = true;
});
function foldJoin(pages) {
  if (joinTouched || pages === 0) return;
  joinTouched = true;
  join.open = false;
}

// showStatus says whether the numbers are live. It is no live region: it
// changes every second, and a screen reader would read it every second.
function showStatus() {
  const el = $('#dash-status');
  setText(el, T(status.key, status.params));
  el.classList.toggle('is-error', status.key === 'instructor.status.error');
}

async function read() {
  try {
    accept(await api.get('/api/class'), true);
    status = { key: 'instructor.status.live', params: { time: timeOfDay(Date.now()) } };
  } catch (err) {
    status = { key: 'instructor.status.error', params: { error: failure(err) } };
    throw err; // repeat.js backs off
  } finally {
    showStatus();
  }
}

const reader = repeat(read, { everyMs: READ_EVERY_MS, paused: () => document.hidden });
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) reader.wake();
});

function apply() {
  document.documentElement.lang = lang;
  document.title = T('instructor.title');
  for (const el of document.querySelectorAll('[data-i18n]')) setText(el, T(el.dataset.i18n));
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', T(el.dataset.i18nAriaLabel));
  }
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }
  showStatus();
  controls.relabel();
  acts.relabel();
  dashboard.relabel();
}

function setLang(next) {
  if (!LANGS.includes(next)) return;
  lang = next;
  const url = new URL(location.href);
  url.searchParams.set('lang', lang);
  history.replaceState(null, '', url);
  apply();
}

for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => setLang(b.dataset.lang));
}
apply();
reader.start();
