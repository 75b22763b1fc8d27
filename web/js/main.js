// main.js — the page: wires the three transports to their ledgers, measures
// the clock offset, polls the server's own counts, and renders it all.
//
// It is the only module besides chart.js and compare.js that touches the
// DOM. Everything it shows is measured here or read from the server; nothing
// is estimated.
// Read `lanes` and `render` first.

import { TRANSPORTS, parseState, formatState } from './url.js';
import { LANGS, pickLang, t as translate, detailText } from './i18n.js';
import { Ledger, TimeWindow } from './stats.js';
import { estimateOffset } from './clock.js';
import { createChart, sharedDomain } from './chart.js';
import { createPoll } from './transports/poll.js';
import { createSSE } from './transports/sse.js';
import { createWS } from './transports/ws.js';
import { createInspector } from './inspector.js';
import { mountInspector } from './inspector-view.js';
import { createWireLog } from './wirelog.js';
import { pickHints } from './hints.js';
import { mountExplain, mountHints } from './explain-view.js';
import { createNetSim, rateText } from './netsim.js';
import { createCompare } from './compare.js';
import { StatsHistory, wireBytes, wireCosts } from './costs.js';
import { ArrivalLog, buildRun, fileName, runToCSV } from './export.js';
import { count, fixedMs, signedMs, timeOfDay } from './format.js';
import { createApi } from './api.js';
import { repeat } from './repeat.js';
import { MessageLog, createSender } from './messages.js';
import { mountMessageForm, mountMessageLog } from './message-log-view.js';

// Every word the page shows comes from i18n.js, in the page's language
// (state.lang); T looks one up. A transport's panel title is T('title.' + t).
const T = (key, params) => translate(state.lang, key, params);

const WINDOW_MS = 60_000;
const CLOCK_EVERY_MS = 30_000;
const CLOCK_KEEP_MS = 5 * 60_000;
const STATS_EVERY_MS = 1_000;
const STATS_STALE_MS = 3_000; // older server counts show as "—"
const RENDER_EVERY_MS = 250;
const NOTICE_MS = 15_000;
const MAX_ARRIVALS = 20_000; // per transport, for the export: 11 minutes at 30 events/s

const $ = (sel, root = document) => root.querySelector(sel);
const nowMs = () => performance.timeOrigin + performance.now();

/** makeClientId returns 8 random characters of [a-z0-9], chosen once per page load. */
function makeClientId() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const clientId = makeClientId();
const api = createApi({ clientId });
const state = parseState(location.search);
state.lang = pickLang(location.search, navigator.languages);
const clock = { offsetMs: null, rttMs: null, measuredAt: null };
const server = { epoch: null, rate: null, head: null, stats: null, statsAt: null, statsError: null };
const statsHistory = new StatsHistory(WINDOW_MS); // the server's counts, once a second
let compare = null; // the charts below the panels (compare.js)

// One lane per transport: its ledger, measurements, transport and elements.
const lanes = Object.fromEntries(TRANSPORTS.map((t) => [t, makeLane(t)]));

// The messages this page sends (messages.js), and their form and log
// (message-log-view.js, mounted in main). sendMessage settles when the server
// has answered; the tutorial replies with it too.
const messages = new MessageLog();
const sendMessage = createSender({
  log: messages,
  now: nowMs,
  on: () => TRANSPORTS.filter((t) => lanes[t].on),
  sendWS: (text) => lanes.ws.transport.send(text),
  post: async (text, via) => {
    const { seq } = await api.post('/api/messages', { text, via }); // a refusal throws (api.js)
    return Number.isInteger(seq) ? seq : null;
  },
  countRequest: (t) => countRequest(lanes[t]),
});
let messageForm = null;
let messageLog = null;

// The Network strip: this page's simulated network, and the tutorial preset.
const netsim = createNetSim({
  api,
  state,
  saveState,
  T,
  now: nowMs,
  view: {
    on: (t) => lanes[t].on,
    rate: () => server.rate,
    stats: () => server.stats,
    offsetMs: () => clock.offsetMs,
  },
  notify: (t, key, params, ms) => (lanes[t].notice = { key, params, until: nowMs() + ms }),
  onRate: (rate) => (server.rate = rate),
  sendMessage,
});

function makeLane(t) {
  const lane = {
    name: t,
    on: false,
    status: 'off',
    detail: '',
    ledger: new Ledger(),
    latency: new TimeWindow(WINDOW_MS),
    rtt: new TimeWindow(WINDOW_MS),
    requestTimes: new TimeWindow(WINDOW_MS), // for "requests in the last minute"
    arrivals: new ArrivalLog(MAX_ARRIVALS), // every event accepted, for the export
    emptyAnswers: 0,
    answers: 0,
    dropAt: null, // {missed, duplicates} when the connection was lost
    reconnect: null, // {at, missed, duplicates}: the last reconnect, and the counts at the drop
    inspector: createInspector(t, { proto: location.protocol === 'http:' ? 'HTTP/1.1' : null }),
    notice: null, // {key, until}: something the class should read, for a while
    transport: null,
    els: null,
    chart: null,
  };
  const callbacks = {
    clientId,
    interval: state.interval,
    resume: () => lane.ledger.resume(),
    epoch: () => lane.ledger.epoch ?? server.epoch,
    onRequest: () => countRequest(lane),
    onBytes: (n) => lane.ledger.countBytes(n),
    onStatus: (s, detail) => {
      if (s === 'reconnecting' && lane.status !== 'reconnecting') {
        lane.dropAt = { missed: lane.ledger.missed, duplicates: lane.ledger.duplicates };
      }
      lane.status = s;
      lane.detail = detail ?? ''; // '' or {key, params}: rendered in the page's language
    },
    onHello: (info) => onHello(lane, info),
    onEvent: (ev, receivedAt) => onEvent(lane, ev, receivedAt),
    onAnswer: (n) => {
      lane.answers++;
      if (n === 0) lane.emptyAnswers++;
    },
    onRtt: (ms) => lane.rtt.add(nowMs(), ms),
    onReconnect: () => {
      lane.ledger.countReconnect();
      lane.reconnect = { at: nowMs(), ...(lane.dropAt ?? { missed: lane.ledger.missed, duplicates: lane.ledger.duplicates }) };
    },
    onWire: (e) => lane.inspector.fromPage(e, e.at ?? nowMs()),
  };
  const make = { poll: createPoll, sse: createSSE, ws: createWS }[t];
  lane.transport = make(callbacks);
  return lane;
}

function onHello(lane, info) {
  // A stream's hello marks everything up to its head as catch-up; for polling
  // only the first answer after (re)starting is catch-up, later ones are live.
  const replay = lane.name === 'poll' ? info.first === true : true;
  const before = lane.ledger.epoch;
  if (lane.ledger.hello(info, { replay })) {
    // Say it where the class looks: the numbers alone would show only a reset.
    const restarted = before !== null && typeof info.epoch === 'string' && info.epoch !== before;
    lane.notice = {
      key: restarted ? 'detail.restarted' : 'detail.historyGone',
      until: nowMs() + NOTICE_MS,
    };
  }
  if (typeof info.epoch === 'string') setEpoch(info.epoch);
  if (Number.isFinite(info.rate)) server.rate = info.rate;
  if (Number.isInteger(info.head)) server.head = Math.max(server.head ?? 0, info.head);
}

// setEpoch notes the server run; a new one keeps a wire log of its own.
function setEpoch(epoch) {
  if (server.epoch !== null && epoch !== server.epoch) wireLog.reset();
  server.epoch = epoch;
}

// ---- the server's wire log, for the inspectors ---------------------------------

const wireLog = createWireLog({
  clientId,
  needed: () => TRANSPORTS.some((t) => lanes[t].inspectorView?.open),
  paused: () => document.hidden,
  onEntries: (entries, missed) => {
    // The server's clock, in µs, on the page's clock: minus the offset.
    const atOf = (e) => (clock.offsetMs === null || !Number.isFinite(e?.ts) ? null : e.ts / 1000 - clock.offsetMs);
    // The dropped entries may have been any transport's: every inspector says so.
    for (const t of TRANSPORTS) lanes[t].inspector.missed(missed, atOf(entries[0]) ?? nowMs());
    for (const e of entries) {
      const at = atOf(e);
      for (const t of TRANSPORTS) lanes[t].inspector.fromServer(e, at, nowMs()); // each takes its own
    }
  },
});

function countRequest(lane) {
  lane.ledger.countRequest();
  lane.requestTimes.add(nowMs(), 1);
}

function onEvent(lane, ev, receivedAt) {
  const { accepted, replayed } = lane.ledger.event(ev);
  if (!accepted) return;
  if (Number.isInteger(ev.seq)) server.head = Math.max(server.head ?? 0, ev.seq);
  let latencyMs = null;
  if (!replayed && clock.offsetMs !== null && Number.isFinite(ev.ts)) {
    latencyMs = receivedAt + clock.offsetMs - ev.ts / 1000;
    lane.latency.add(receivedAt, latencyMs);
  }
  const ts = Number.isFinite(ev.ts) ? ev.ts : null;
  lane.arrivals.add({ seq: ev.seq, kind: ev.kind ?? null, ts, receivedAt, latencyMs, replayed });
  if (ev.kind === 'message' && ev.from === clientId) messages.arrived(lane.name, ev, receivedAt);
  netsim.onEvent(lane.name, ev, replayed);
}

// ---- switching transports --------------------------------------------------

function setOn(t, on) {
  const lane = lanes[t];
  if (lane.on === on) return;
  lane.on = on;
  if (on) lane.transport.start();
  else lane.transport.stop();
}

function applySelection(selected) {
  for (const t of TRANSPORTS) setOn(t, selected.includes(t));
  state.transports = TRANSPORTS.filter((t) => lanes[t].on);
  saveState();
  renderControls();
}

function saveState() {
  history.replaceState(history.state, '', formatState(state) + location.hash);
}

// ---- measuring the clock and reading the server's counts -------------------

async function fetchServerTs() {
  const { ts } = await api.get('/api/time');
  if (!Number.isFinite(ts)) throw new Error('/api/time: no ts');
  return ts;
}

async function syncClock() {
  try {
    const best = await estimateOffset(fetchServerTs, nowMs, 5);
    // Keep the tightest estimate seen lately (clocks drift far less than a
    // noisy round trip errs), but never one older than CLOCK_KEEP_MS.
    const stale = clock.measuredAt === null || nowMs() - clock.measuredAt > CLOCK_KEEP_MS;
    if (stale || best.rttMs <= clock.rttMs) {
      clock.offsetMs = best.offsetMs;
      clock.rttMs = best.rttMs;
      clock.measuredAt = nowMs();
    }
  } catch {
    // Keep the previous estimate; the header shows "—" until there is one.
  }
}

// The server's counts, once a second while the tab is visible; less and
// less often while the server fails (the header says so), and at once when
// the tab comes back.
const statsPoller = repeat(readStats, { everyMs: STATS_EVERY_MS, paused: () => document.hidden });

async function readStats() {
  try {
    const stats = await api.get('/api/stats');
    server.stats = stats;
    server.statsAt = nowMs();
    server.statsError = null;
    statsHistory.add(server.statsAt, stats.client);
    if (typeof stats.epoch === 'string') setEpoch(stats.epoch);
    if (Number.isFinite(stats.rate)) server.rate = stats.rate;
    if (Number.isInteger(stats.head)) server.head = stats.head;
  } catch (err) {
    server.statsError = err; // said in the page's language when the server gave a code (i18n.js t)
    throw err; // repeat.js backs off
  }
}

// freshStats returns the server's last counts, or null once they are older
// than STATS_STALE_MS: a number shown must be current, not the last known.
function freshStats(now) {
  return server.statsAt !== null && now - server.statsAt <= STATS_STALE_MS ? server.stats : null;
}

// ---- rendering ----------------------------------------------------------------

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

// setCounter writes a count that stays zero until something happens
// (missed, resets, …); a zero folds away (.is-zero in style.css), so that
// what did happen stands out.
function setCounter(el, n) {
  setText(el, String(n));
  el.closest('.facts > div').classList.toggle('is-zero', n === 0);
}

function buildPanels() {
  const template = $('#panel-template');
  const host = $('#panels');
  for (const t of TRANSPORTS) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.id = `panel-${t}`;
    node.dataset.transport = t;
    for (const el of node.querySelectorAll('[data-only]')) {
      if (!el.dataset.only.split(' ').includes(t)) el.remove();
    }
    host.append(node);
    const lane = lanes[t];
    lane.els = {
      panel: node,
      state: $('.state', node),
      detail: $('.state-detail', node),
      metric: Object.fromEntries(
        Array.from(node.querySelectorAll('[data-metric]'), (el) => [el.dataset.metric, el]),
      ),
    };
    lane.chart = createChart($('canvas', node));
    lane.explain = mountExplain(t, { T });
    $('.state-detail', node).after(lane.explain.el);
    lane.hints = mountHints({ T });
    $('.chart-wrap', node).after(lane.hints.el);
    lane.inspectorView = mountInspector(t, lane.inspector, { T, wireState: () => wireLog.state() });
    node.append(lane.inspectorView.el);
  }
}

// applyLang writes every fixed word on the page in state.lang: the elements
// marked data-i18n (text; a {name} listed in data-i18n-code="name:text"
// becomes a <code>), data-i18n-aria-label, and the panels' own words. Numbers
// and the transports are left alone; the next render() does the rest.
function applyLang() {
  document.documentElement.lang = state.lang;
  document.title = T('doc.title');
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = T(el.dataset.i18n);
    if (el.dataset.i18nCode) setWithCode(el, text, el.dataset.i18nCode);
    else setText(el, text);
  }
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', T(el.dataset.i18nAriaLabel));
  }
  for (const t of TRANSPORTS) {
    const node = lanes[t].els.panel;
    const title = T(`title.${t}`);
    node.setAttribute('aria-label', title);
    setText($('.name', node), title);
    setText($('.how', node), T(`how.${t}`));
    setText($('.bytes-label', node), T(`bytes.${t}`));
    $('canvas', node).setAttribute('aria-label', T('panel.chartLabel', { name: title }));
    $(`#solo-${t}`).title = T('controls.soloTitle', { name: title });
    for (const view of [lanes[t].explain, lanes[t].hints, lanes[t].inspectorView]) view.relabel();
  }
  for (const o of $('#interval').options) {
    const ms = Number(o.value);
    o.textContent = ms < 1000 ? T('interval.ms', { n: ms }) : T('interval.s', { n: ms / 1000 });
  }
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  }
  chartLabels = {
    now: T('chart.now'),
    secondsAgo: (s) => T('chart.secondsAgo', { s }),
    empty: T('chart.empty'),
  };
  messageForm.relabel();
  messageLog.relabel();
}

let chartLabels;

// setWithCode sets el's text to `text`, turning each {name} listed in
// `spec` ("name:shown,name2:shown2") into <code>shown</code>.
function setWithCode(el, text, spec) {
  const codes = Object.fromEntries(spec.split(',').map((p) => p.split(':')));
  const parts = text.split(/\{(\w+)\}/);
  el.replaceChildren(
    ...parts.map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement('code');
      code.textContent = codes[part] ?? part;
      return code;
    }),
  );
}

function setLang(lang) {
  if (!LANGS.includes(lang) || lang === state.lang) return;
  state.lang = lang;
  saveState();
  applyLang();
  renderControls();
  render();
}

function renderControls() {
  for (const t of TRANSPORTS) {
    const on = lanes[t].on;
    $(`#toggle-${t}`).setAttribute('aria-pressed', String(on));
    $(`#toggle-${t}`).title = T(on ? 'controls.turnOff' : 'controls.turnOn', { name: T(`title.${t}`) });
    lanes[t].els.panel.classList.toggle('is-off', !on);
  }
  $('#interval').value = String(state.interval);

  const via = $('#message-via');
  const previous = via.value;
  const options = TRANSPORTS.filter((t) => lanes[t].on);
  via.replaceChildren(
    ...options.map((t) => {
      const o = document.createElement('option');
      o.value = t;
      o.textContent = T(`via.${t}`);
      return o;
    }),
  );
  if (options.includes(previous)) via.value = previous;
  const none = options.length === 0;
  via.disabled = none;
  $('#message-send').disabled = none;
  $('#message-text').placeholder = T(none ? 'controls.placeholderNone' : 'controls.placeholder');
}

function renderHeader() {
  setText($('#epoch'), server.epoch ?? '—');
  setText($('#rate'), server.rate === null ? '—' : rateText(server.rate));
  setText($('#head'), count(server.head));
  setText($('#clock-offset'), signedMs(clock.offsetMs));
  setText($('#clock-error'), fixedMs(clock.rttMs === null ? NaN : clock.rttMs / 2));
  setText($('#clock-rtt'), fixedMs(clock.rttMs));
  const error = $('#stats-error');
  setText(error, server.statsError === null ? '' : T('meta.statsError', { error: server.statsError }));
  error.hidden = server.statsError === null;
}

function renderLane(lane, now, latency, stats, domain) {
  const { els, ledger } = lane;
  const m = els.metric;
  setText(els.state, T(`state.${lane.status}`));
  els.state.dataset.state = lane.status;
  const notice = lane.notice !== null && now < lane.notice.until ? T(lane.notice.key, lane.notice.params) : null;
  setText(els.detail, !lane.on ? T('detail.off') : notice ?? detailText(state.lang, lane.detail));
  els.detail.classList.toggle('notice', notice !== null);

  const lat = latency[lane.name];
  setText(m['latency-last'], fixedMs(lat.last));
  setText(m['latency-median'], fixedMs(lat.median));
  setText(m['latency-p95'], fixedMs(lat.p95));

  setText(m['requests-page'], String(ledger.requests));
  setText(m['events'], String(ledger.received));
  setText(m['bytes-page'], String(ledger.bytes));
  setCounter(m['missed'], ledger.missed);
  setCounter(m['duplicates'], ledger.duplicates);
  setCounter(m['resets'], ledger.resets);
  setCounter(m['reconnects'], ledger.reconnects);
  setCounter(m['replayed'], ledger.replayed);

  const s = stats?.client?.[lane.name];
  setText(m['requests-server'], count(s?.requests));
  setText(m['events-server'], count(s?.events));
  setText(m['bytes-server'], count(s?.bytes));
  setText(m['open-server'], count(s?.open));

  if (m['poll-empty']) setCounter(m['poll-empty'], lane.emptyAnswers);
  if (m['ws-rtt']) {
    const rtt = lane.rtt.summary(now);
    setText(m['ws-rtt'], fixedMs(rtt.last));
    setText(m['ws-rtt-median'], fixedMs(rtt.median));
  }
  lane.hints.render(pickHints(hintSnapshot(lane, latency, now)));
  lane.inspectorView.render();
  if (!document.hidden) {
    lane.chart.draw(lane.latency.points, now, { windowMs: WINDOW_MS, median: lat.median, labels: chartLabels, domain });
  }
}

// hintSnapshot gathers what hints.js needs to pick a panel's hints.
function hintSnapshot(lane, latency, now) {
  const { ledger, reconnect } = lane;
  const lat = latency[lane.name];
  return {
    transport: lane.name,
    on: lane.on,
    median: lat.median,
    samples: lat.count,
    interval: state.interval,
    simDelay: netsim.simulated(),
    requests: ledger.requests,
    received: ledger.received,
    answers: lane.answers,
    empty: lane.emptyAnswers,
    reconnect: reconnect && {
      agoMs: now - reconnect.at,
      missed: ledger.missed - reconnect.missed,
      duplicates: ledger.duplicates - reconnect.duplicates,
    },
    pollMedian: lanes.poll.on ? latency.poll.median : NaN,
  };
}

// renderCompare draws the charts below the panels: what each transport
// delivered in the last minute, and what the server counted it cost.
function renderCompare(now, latency, stats) {
  if (document.hidden) return;
  const rows = TRANSPORTS.map((t) => {
    const lane = lanes[t];
    return {
      name: t,
      points: lane.latency.points,
      median: latency[t].median,
      requestsMinute: lane.requestTimes.summary(now).count,
      wirePerMinute: stats === null ? NaN : statsHistory.increase(t, wireBytes).value,
      ...wireCosts(stats?.client?.[t]),
    };
  });
  compare.draw(rows, now, WINDOW_MS);
}

function render() {
  const now = nowMs();
  // Each latency window is sorted once a frame, for the panels, hints and charts.
  const latency = Object.fromEntries(TRANSPORTS.map((t) => [t, lanes[t].latency.summary(now)]));
  const stats = freshStats(now);
  // One latency axis for the three panels' charts (chart.js sharedDomain).
  const domain = sharedDomain(TRANSPORTS.map((t) => lanes[t].latency.points));
  renderHeader();
  for (const t of TRANSPORTS) renderLane(lanes[t], now, latency, stats, domain);
  renderCompare(now, latency, stats);
  messageLog.render();
  netsim.render(now);
}

// ---- export -------------------------------------------------------------------

// downloadRun saves the run as a file: 'json' (everything) or 'csv' (one
// row per arrival), through a Blob and a temporary <a download>.
function downloadRun(format) {
  const exportedAt = Date.now();
  const run = buildRun({
    exportedAt,
    settings: {
      clientId,
      transports: TRANSPORTS.filter((t) => lanes[t].on),
      intervalMs: state.interval,
      lang: state.lang,
      clock: { offsetMs: clock.offsetMs, rttMs: clock.rttMs },
      server: { epoch: server.epoch, rate: server.rate, head: server.head },
      network: netsim.simulated(), // {delayMs, jitterMs} the server added, or null
      tutorial: $('#tutorial').getAttribute('aria-pressed') === 'true',
    },
    ledgers: ledgers(),
    serverStats: server.stats,
    logs: Object.fromEntries(TRANSPORTS.map((t) => [t, lanes[t].arrivals])),
  });
  const [text, type] = format === 'csv' ? [runToCSV(run), 'text/csv'] : [JSON.stringify(run), 'application/json'];
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = fileName(clientId, exportedAt, format);
  a.click();
  // The download has its own reference by now; let the Blob go a little later.
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// ---- wiring -------------------------------------------------------------------

function wire() {
  for (const t of TRANSPORTS) {
    $(`#toggle-${t}`).addEventListener('click', () => {
      const on = TRANSPORTS.filter((x) => (x === t ? !lanes[x].on : lanes[x].on));
      applySelection(on);
    });
    $(`#solo-${t}`).addEventListener('click', () => applySelection([t]));
  }
  $('#interval').addEventListener('change', (e) => {
    state.interval = Number(e.target.value);
    lanes.poll.transport.setInterval(state.interval);
    saveState();
  });
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => setLang(b.dataset.lang));
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    statsPoller.wake();
    wireLog.wake();
    // While hidden, Chrome ran the polling timer about once a second: the
    // minute after shows that, and the class should know why.
    if (lanes.poll.on) lanes.poll.notice = { key: 'detail.backgrounded', until: nowMs() + WINDOW_MS };
  });
  $('#export-json').addEventListener('click', () => downloadRun('json'));
  $('#export-csv').addEventListener('click', () => downloadRun('csv'));
  let resizeQueued = false;
  new ResizeObserver(() => {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      render();
    });
  }).observe($('#panels'));
}

async function main() {
  setText($('#client-id'), clientId);
  buildPanels();
  netsim.mount();
  const isOn = (t) => lanes[t]?.on === true;
  messageForm = mountMessageForm({ T, send: sendMessage, isOn });
  messageLog = mountMessageLog({ log: messages, T, isOn });
  compare = createCompare($('#compare'), T);
  applyLang();
  wire();
  saveState(); // the URL names the language from the start
  renderControls();
  render();
  setInterval(render, RENDER_EVERY_MS);
  // Measure the clock before the first event arrives, so every latency shown
  // uses a measured offset; then keep it fresh.
  await syncClock();
  setInterval(syncClock, CLOCK_EVERY_MS);
  // Learn the server's epoch before the first stream opens, so that an
  // EventSource's URL names the run its Last-Event-ID belongs to.
  await statsPoller.start();
  applySelection(state.transports);
  wireLog.start();
}

/** ledgers returns each transport's counts, as the panels show them. */
function ledgers() {
  return Object.fromEntries(
    TRANSPORTS.map((t) => {
      const s = lanes[t].ledger.snapshot();
      return [t, { ...s, lastSeq: s.lastSeq ?? 0 }];
    }),
  );
}

// Read-only hooks for tests (chromedp) and curious students in the console.
window.transportlab = Object.freeze({
  clientId,
  ledgers,
  clock() {
    return { offsetMs: clock.offsetMs, rttMs: clock.rttMs };
  },
});

main();
