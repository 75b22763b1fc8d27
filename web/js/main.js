// main.js — the page, wired: it makes the page's state, a lane per
// transport, the message sender, the Network strip and the readers of the
// server, and connects them to each other and to the DOM's buttons. It
// holds no logic of its own; each part lives in a module of its own:
//
//   page-state.js     the page's state: its key and public name, URL state,
//                     clock offset, what it knows of the server
//   lanes.js          a lane per transport: its transport, ledger and measurements
//   server-reader.js  the server's clock (/api/time) and counts (/api/stats)
//   render.js         the panels, header and charts, drawn from that state
//   lang-view.js      the page's language applied to the DOM
//   export-view.js    the run as a file to download
//   netsim.js         the Network strip and the tutorial preset
//   messages.js       the messages this page sends (message-log-view.js: their form and log)
//   class-view.js     classroom mode: following the instructor (follow.js), the strip
//   transports/       polling, SSE and WebSocket, one contract (transports/shared.js)
//
// Everything the page shows is measured by the page or read from the
// server; nothing is estimated. Read main() first, then lanes.js.

import { SIO_MODES, TRANSPORTS } from './url.js';
import { LANGS } from './i18n.js';
import { createPage, nowMs, WINDOW_MS } from './page-state.js';
import { createLanes, countRequest, countsAsked, noteServerRun, pageCounts } from './lanes.js';
import { createServerReader } from './server-reader.js';
import { buildPanels, createRenderer } from './render.js';
import { applyLang } from './lang-view.js';
import { downloadRun, ledgers } from './export-view.js';
import { createWireLog } from './wirelog.js';
import { createNetSim } from './netsim.js';
import { createCompare } from './compare.js';
import { MessageLog, createSender } from './messages.js';
import { mountMessageForm, mountMessageLog } from './message-log-view.js';
import { $, setText } from './dom.js';
import { errorBound } from './clock.js';
import { createClassView } from './class-view.js';
import { startOver, takeZero } from './lanes.js';

const RENDER_EVERY_MS = 250;

const page = createPage();
// Every request names the page by the key the server gives it: nothing
// starts before. The key stays in requests; the page shows its name. A
// restarted server refuses the key, and the page gets another (renewKey).
await page.identify();
const { api, state, clock, T } = page;

// One lane per transport; each event a lane accepted is also news for the
// message log (this page's own messages coming back, which the feed names
// by the page's public name) and the tutorial.
const lanes = createLanes(page, {
  now: nowMs,
  onEvent: (lane, ev, receivedAt, replayed) => {
    if (ev.kind === 'message' && ev.from === page.name) messages.arrived(lane.name, ev, receivedAt);
    netsim.onEvent(lane.name, ev, replayed);
  },
  onClockWrong: () => reader.recheckClock(),
});

// The messages this page sends (messages.js), and their form and log
// (message-log-view.js, mounted in main). sendMessage settles when the server
// has answered; the tutorial replies with it too.
const messages = new MessageLog();
page.onNewEpoch(() => messages.newRun()); // its seqs start over: an old message's seq names another event now
const sendMessage = createSender({
  log: messages,
  now: nowMs,
  on: () => TRANSPORTS.filter((t) => lanes[t].on),
  sendWS: (text) => lanes.ws.transport.send(text),
  sendSIO: (text) => lanes.socketio.transport.send(text),
  post: async (text, via) => {
    const { seq } = await api.post('/api/messages', { text, via }); // a refusal throws (api.js)
    return Number.isInteger(seq) ? seq : null;
  },
  countRequest: (t) => countRequest(lanes[t], nowMs()),
});

// The Network strip: this page's simulated network, and the tutorial preset.
const netsim = createNetSim({
  api,
  state,
  saveState: page.saveState,
  T,
  now: nowMs,
  view: {
    on: (t) => lanes[t].on,
    rate: () => page.server.rate,
    stats: () => page.server.stats,
    offsetMs: () => clock.offsetMs,
    classMode: () => classView.classMode(),
    messagesOff: () => classView.messagesOff(),
    disconnected: () => page.disconnected,
  },
  notify: (t, key, params, ms) => (lanes[t].notice = { key, params, until: nowMs() + ms }),
  onRate: (rate) => (page.server.rate = rate),
  sendMessage,
});

// The server's wire log, for the inspectors; a new server run keeps one of its own.
const wireLog = createWireLog({
  clientId: () => page.clientId, // as of each request: a restarted server gives the page another
  needed: () => TRANSPORTS.some((t) => lanes[t].inspectorView?.open),
  paused: () => document.hidden || page.disconnected,
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
page.onNewEpoch(() => wireLog.reset());

// The server's counts, and the page's own as of the server's read of them:
// the panels show both as of the same moment.
const reader = createServerReader(page, {
  now: nowMs,
  asking: (at) => countsAsked(lanes, at),
  onStats: (stats, asked) => {
    noteServerRun(lanes, stats.epoch, asked.at); // a lane that is off is in the server's run as it is
    if (page.noteName(stats.name)) showName(); // a new run names the page anew
    takeZero(lanes, stats, asked); // after a class run began: both columns count from this read
    page.server.pageCounts = pageCounts(lanes, stats, asked);
    classView.setClass(stats.class === true);
  },
});

// Classroom mode: a page of a class follows the instructor through the
// page's own code paths below, and reports to them (class-view.js).
const classView = createClassView({
  api,
  T,
  now: nowMs,
  apply: {
    transports: (list) => applySelection(list),
    interval: (ms) => setPollInterval(ms),
    network: (net) => netsim.setNet(net),
    tutorial: (on) => netsim.followTutorial(on),
    startOver() {
      startOver(lanes);
      page.statsHistory.clear(); // "the last minute" of wire bytes starts with the run too
    },
  },
  report: () => ({
    transports: TRANSPORTS.filter((t) => lanes[t].on),
    summaries: Object.fromEntries(TRANSPORTS.map((t) => [t, lanes[t].latency.summary(nowMs())])),
  }),
  onRate: (rate) => (page.server.rate = rate),
  renderControls: () => renderControls(),
  relabel: () => relabel(),
  disconnected: () => page.disconnected,
});

// The instructor disconnected this page: its key is refused for the rest
// of the server's run, so every lane stops rather than retry, each reader
// of the server pauses (page.disconnected), and the class strip says why.
// The URL keeps the lanes the student chose.
page.onDisconnect(() => {
  for (const t of TRANSPORTS) setOn(t, false);
  renderControls();
});

let renderer = null; // render.js, made in main() once the panels exist
let views = []; // what relabels itself on a language switch besides the panels

// ---- switching transports and language ---------------------------------------

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
  page.saveState();
  renderControls();
}

// setSioMode sets the Socket.IO lane's `transports`: a lane that is on
// connects again with it, as a student's code would be started again.
function setSioMode(mode) {
  if (!SIO_MODES.includes(mode)) return;
  state.sio = mode === 'default' ? undefined : mode;
  const lane = lanes.socketio;
  lane.transport.setMode(mode);
  if (lane.on) {
    lane.transport.stop();
    lane.transport.start();
  }
  page.saveState();
  renderControls();
}

function setPollInterval(ms) {
  const select = $('#interval');
  if (![...select.options].some((o) => Number(o.value) === ms)) {
    // A class may choose any whole ms in range: the select gets it as an option.
    select.append(new Option('', String(ms)));
    relabel(); // which names every option in the page's language
  }
  state.interval = ms;
  lanes.poll.transport.setInterval(ms);
  page.saveState();
  renderControls();
}

// renderControls draws the controls, then what classroom mode takes of them.
function renderControls() {
  renderer.renderControls();
  classView.render();
}

function relabel() {
  renderer.setLabels(applyLang({ lang: state.lang, T, lanes, views }));
}

function setLang(lang) {
  if (!LANGS.includes(lang) || lang === state.lang) return;
  state.lang = lang;
  page.saveState();
  relabel();
  renderControls();
  renderer.render();
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
  $('#interval').addEventListener('change', (e) => setPollInterval(Number(e.target.value)));
  $('#panel-socketio .sio-mode').addEventListener('change', (e) => setSioMode(e.target.value));
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => setLang(b.dataset.lang));
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    reader.wake();
    wireLog.wake();
    // While hidden, Chrome ran the polling timer about once a second: the
    // minute after shows that, and the class should know why.
    for (const lane of [lanes.poll, lanes.longpoll]) {
      if (lane.on) lane.notice = { key: 'detail.backgrounded', until: nowMs() + WINDOW_MS };
    }
  });
  const exportDeps = { page, lanes, netsim };
  $('#export-json').addEventListener('click', () => downloadRun('json', exportDeps));
  $('#export-csv').addEventListener('click', () => downloadRun('csv', exportDeps));
  let resizeQueued = false;
  new ResizeObserver(() => {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      renderer.render();
    });
  }).observe($('#panels'));
}

// showName puts the page's name in the header: never the key, with which a
// classmate could steer the page.
function showName() {
  setText($('#client-id'), page.name);
}

// A restarted server refused the page's key, and gave it another: its name
// changes in the header, which says why when hovered. The lanes say the
// server restarted; nothing more to shout about.
page.onRenewed(() => {
  showName();
  $('#client-id').title = T('meta.renamed');
});

async function main() {
  showName();
  buildPanels({ lanes, T, wireLog });
  netsim.mount();
  classView.mount();
  const isOn = (t) => lanes[t]?.on === true;
  const messageForm = mountMessageForm({ T, send: sendMessage, isOn });
  const messageLog = mountMessageLog({ log: messages, T, isOn });
  views = [messageForm, messageLog];
  const compare = createCompare($('#compare'), T);
  renderer = createRenderer({ page, lanes, now: nowMs, netsim, compare, messageLog, freshStats: reader.freshStats });
  relabel();
  wire();
  page.saveState(); // the URL names the language from the start
  renderControls();
  renderer.render();
  setInterval(renderer.render, RENDER_EVERY_MS);
  await reader.start(); // the clock's offset, then the server's run
  applySelection(state.transports);
  wireLog.start();
}

// Read-only hooks for tests (chromedp) and curious students in the console.
window.transportlab = Object.freeze({
  get clientId() {
    return page.clientId; // this page's own key: the console is the student's, not the class's
  },
  get name() {
    return page.name; // a restarted server names the page anew
  },
  ledgers: () => ledgers(lanes),
  /** sioPackets returns the raw packets of the Socket.IO session's beginning (lanes.js). */
  sioPackets: () => lanes.socketio.session.map((p) => p.data),
  clock() {
    return { offsetMs: clock.offsetMs, rttMs: clock.rttMs, errorMs: errorBound(clock, nowMs()) };
  },
  /** latencies returns, per transport, how many latencies the window holds and when the newest arrived. */
  latencies() {
    return Object.fromEntries(
      TRANSPORTS.map((t) => {
        const points = lanes[t].latency.points;
        return [t, { count: points.length, newestAt: points.length ? points[points.length - 1].t : null }];
      }),
    );
  },
});

main();
