// inspector-view.js — draws one transport's wire inspector (inspector.js)
// as a collapsible list under its panel: newest row first, each marked with
// its direction and with who saw it (this page, or the server's report), and
// a pause button that holds the list still while counting what arrives.
//
// DOM only; the rows and the pause live in the model. Text goes in with
// textContent; every word comes from i18n.js through T.

import { SERVER_KEEPS } from './wirelog.js';
import { clockTime, fixedMs } from './format.js'; // clockTime: rows arrive many a second

/**
 * mountInspector returns {el, open, render(force), relabel()} for one
 * transport's inspector; wireState() says whether the server keeps a wire
 * log ('missing' when it has none).
 */
export function mountInspector(transport, inspector, { T, wireState }) {
  const { ring } = inspector;
  const details = make('details', 'inspector');
  const summary = make('summary', 'inspector-title');
  const bar = make('div', 'wire-bar');
  const pause = make('button', 'wire-pause');
  pause.type = 'button';
  const waiting = make('span', 'wire-waiting');
  waiting.setAttribute('role', 'status');
  bar.append(pause, waiting);
  const legend = make('p', 'wire-legend');
  const sources = make('p', 'wire-legend wire-sources');
  const missing = make('p', 'wire-legend wire-missing');
  const list = make('ol', 'wire-rows');
  details.append(summary, bar, legend, sources, missing, list);

  let drawn = -1; // the ring version on screen
  let drawnState = null;

  pause.addEventListener('click', () => {
    if (ring.paused) ring.resume();
    else ring.pause();
    render(true);
  });
  details.addEventListener('toggle', () => render(true));

  function relabel() {
    summary.textContent = T('inspector.title', { n: ring.size });
    legend.textContent = T(LEGENDS[transport]);
    sources.textContent = T('inspector.sources');
    missing.textContent = T('inspector.noWire');
    render(true);
  }

  function render(force = false) {
    if (!details.open) return;
    const state = wireState();
    missing.hidden = state !== 'missing';
    if (!force && ring.version === drawn && state === drawnState) return;
    drawn = ring.version;
    drawnState = state;
    const view = ring.view();
    pause.setAttribute('aria-pressed', String(view.paused));
    pause.textContent = !view.paused
      ? T('inspector.pause')
      : view.waiting > 0 ? T('inspector.resumeWaiting', { n: view.waiting }) : T('inspector.resume');
    waiting.textContent = view.paused ? T('inspector.paused', { n: view.waiting }) : '';
    if (view.rows.length === 0) {
      const li = make('li', 'wire-empty');
      li.textContent = T('inspector.empty');
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(...view.rows.map((r) => row(r, T)));
  }

  return {
    el: details,
    get open() {
      return details.open;
    },
    render,
    relabel,
  };
}

const LEGENDS = { poll: 'inspector.legend.poll', longpoll: 'inspector.legend.longpoll', sse: 'inspector.legend.sse', ws: 'inspector.legend.ws', socketio: 'inspector.legend.socketio' };

function make(tag, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

// bytes says n bytes with the given key, or "—" when the server has not told.
function bytes(T, key, n) {
  return T(key, { n: Number.isFinite(n) ? String(n) : '—' });
}

function row(r, T) {
  const li = make('li', 'wire-row');
  li.dataset.source = r.source;
  li.dataset.kind = r.kind;
  if (r.dir) li.dataset.dir = r.dir;

  const meta = make('span', 'wire-meta');
  const time = make('time', 'wire-time');
  time.textContent = clockTime(r.at);
  const dir = make('span', 'wire-dir');
  dir.textContent = r.dir === 'up' ? '↑' : r.dir === 'down' ? '↓' : '';
  if (r.dir) dir.title = T(r.dir === 'up' ? 'inspector.dir.up' : 'inspector.dir.down');
  const badge = make('span', 'wire-badge');
  badge.textContent = T(r.source === 'server' ? 'inspector.badge.server' : 'inspector.badge.page');
  meta.append(time, dir, badge);

  const text = make('span', 'wire-text');
  for (const line of lines(r, T)) {
    const code = make('code', 'wire-line');
    code.textContent = line;
    text.append(code);
  }
  const facts = make('span', 'wire-facts');
  facts.textContent = factsOf(r, T).join(' · ');
  li.append(meta, text, facts);
  return li;
}

function lines(r, T) {
  switch (r.kind) {
    case 'request':
      return [r.line];
    case 'open':
      return r.lastEventId ? [r.line, `Last-Event-ID: ${r.lastEventId}`] : [r.line];
    case 'frame':
    case 'packet':
      return [r.text];
    case 'ping':
      return [T('inspector.ping')];
    case 'pong':
      return [T('inspector.pong')];
    case 'close':
      return [T('inspector.close', { code: r.code, reason: r.reason }).trim()];
    case 'drop':
      return [T('inspector.drop')];
    case 'stall':
      return [T('inspector.stall', { ms: r.ms ?? '—' })];
    case 'missed':
      return [T('inspector.missed', { n: r.n, keep: SERVER_KEEPS })];
    default:
      return r.lines ?? [];
  }
}

function factsOf(r, T) {
  const f = [];
  switch (r.kind) {
    case 'request':
      if (r.error) f.push(T('inspector.failed', { error: r.error }));
      if (r.status !== null) f.push(`→ ${r.status}`);
      if (r.events !== null) f.push(T('inspector.events', { n: r.events }));
      if (r.body !== null && r.source === 'page') f.push(bytes(T, 'inspector.body', r.body));
      if (r.source === 'page' && r.status !== null) f.push(bytes(T, 'inspector.headers', r.headers));
      if (r.source === 'server') f.push(bytes(T, 'inspector.wire', r.wire));
      break;
    case 'open':
      f.push(`→ ${r.status}`);
      break;
    case 'event':
      f.push(bytes(T, 'inspector.data', r.body));
      break;
    case 'heartbeat':
      f.push(bytes(T, 'inspector.wire', r.wire));
      break;
    case 'frame':
      f.push(bytes(T, 'inspector.payload', r.payload), bytes(T, 'inspector.frame', r.frame));
      break;
    case 'packet':
      f.push(bytes(T, 'inspector.payload', r.payload));
      if (r.frame !== null) f.push(bytes(T, 'inspector.frame', r.frame));
      f.push(T('inspector.via', { via: T(`sio.via.${r.via}`) }));
      break;
    case 'ping':
    case 'pong':
      f.push(bytes(T, 'inspector.frame', r.frame));
      if (Number.isFinite(r.rttMs)) f.push(T('inspector.rtt', { ms: fixedMs(r.rttMs) }));
      break;
  }
  return f;
}
