// inspector.js — the wire inspector's model: what crossed the wire for one
// transport, as rows a student can read, newest first.
//
// Two sources feed it, and every row says which one it came from:
//   - 'page':   what this page's code saw (a fetch's answer, an EventSource's
//               MessageEvent, a WebSocket message it received or sent);
//   - 'server': what the server reported in its wire log (GET /api/wire),
//               for what the browser hides: header bytes, SSE heartbeat
//               comments, WebSocket pings and pongs, POSTs.
//
// Pure: no DOM, no clock of its own (every call passes the time). Read
// createInspector first; sseLines and frameSize are the wire formats.

/** SIZE is how many rows an inspector keeps. */
export const SIZE = 30;

/** ABBREVIATE_AT is how many characters of a WebSocket message a row shows. */
export const ABBREVIATE_AT = 60;

const encoder = new TextEncoder();
const utf8Length = (s) => encoder.encode(s).length;

/**
 * frameSize returns the bytes of one unfragmented, uncompressed WebSocket
 * frame carrying `payload` bytes (RFC 6455, section 5.2): a 2-byte header;
 * 2 more bytes of length for a payload of 126..65535 bytes, 8 more beyond;
 * and a 4-byte masking key on every frame a client sends. (The server
 * negotiates no compression, and writes each message as one frame.)
 */
export function frameSize(payload, fromClient) {
  const length = payload <= 125 ? 0 : payload <= 0xffff ? 2 : 8;
  return 2 + length + (fromClient ? 4 : 0) + payload;
}

/**
 * sseLines rebuilds the lines the server wrote for one event that an
 * EventSource delivered as a MessageEvent {type, data, lastEventId}.
 * `previousId` is the EventSource's last event id before this event.
 *
 * The browser hides the lines; the rebuild shows only what is certain:
 *   - `event: <type>` when the type is not the default "message";
 *   - `id: <lastEventId>` when the id changed: only an id: line changes it
 *     (an event without one keeps the previous id, as the hello does);
 *   - one `data:` line per line of data: the browser joined them with "\n",
 *     and the server writes each line of data as a data: line of its own.
 */
export function sseLines({ type, data, lastEventId }, previousId) {
  const lines = [];
  if (type && type !== 'message') lines.push(`event: ${type}`);
  if (lastEventId !== previousId) lines.push(`id: ${lastEventId}`);
  for (const line of String(data).split('\n')) lines.push(`data: ${line}`);
  return lines;
}

/** abbreviate shortens text to at most `max` characters, ending in "…". */
export function abbreviate(text, max = ABBREVIATE_AT) {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * requestLine is an HTTP/1.1 request line, or the method and target alone
 * when the version is not known, with the page's key shown as
 * client=<key> (hideKey).
 */
export function requestLine(method, target, proto) {
  const shown = hideKey(target);
  return proto ? `${method} ${shown} ${proto}` : `${method} ${shown}`;
}

/**
 * hideKey replaces the value of client= in a request target with <key>.
 * The key steers the page (its network, stalls, drops), and a screen in a
 * classroom is seen by more than its owner: the inspector says where the
 * key goes, not what it is. The bytes it counts are the real request's.
 */
export function hideKey(target) {
  return target.replace(/([?&]client=)[^&#]*/g, '$1<key>');
}

/**
 * Ring keeps the newest `size` rows ordered by time, newest first, and
 * can be paused: then view() stays as it was (rows copied at the pause, so
 * that late details do not change it either) while `waiting` counts the rows
 * that arrived meanwhile; resume() shows them.
 */
export class Ring {
  constructor(size = SIZE) {
    this.size = size;
    this.rows = [];
    this.frozen = null; // the rows shown while paused
    this.waiting = 0;
    this.total = 0;
    this.version = 0; // grows whenever view() changes (its rows or its count of waiting ones)
  }

  get paused() {
    return this.frozen !== null;
  }

  /** add inserts row by row.at (a row at the same time as another goes before it). */
  add(row) {
    let i = 0;
    while (i < this.rows.length && this.rows[i].at > row.at) i++;
    this.rows.splice(i, 0, row);
    if (this.rows.length > this.size) this.rows.length = this.size;
    this.total++;
    if (this.paused) this.waiting++;
    this.version++;
  }

  /** changed notes that a row was updated in place. */
  changed() {
    if (!this.paused) this.version++;
  }

  pause() {
    if (this.paused) return;
    this.frozen = this.rows.map((r) => ({ ...r }));
    this.waiting = 0;
    this.version++;
  }

  resume() {
    if (!this.paused) return;
    this.frozen = null;
    this.waiting = 0;
    this.version++;
  }

  /** view returns what to show: {rows, paused, waiting, total}. */
  view() {
    return { rows: this.frozen ?? this.rows, paused: this.paused, waiting: this.waiting, total: this.total };
  }
}

// retryOf returns the "retry" of a hello's JSON, or null.
function retryOf(data) {
  try {
    const { retry } = JSON.parse(data);
    return Number.isInteger(retry) ? retry : null;
  } catch {
    return null;
  }
}

/** MATCH_KEEP bounds the server's poll entries kept while waiting for the page's answer to match. */
const MATCH_KEEP = 64;

/**
 * SLACK_MS is how far a server's time may stray from the page's when both
 * are on the page's clock: the offset's error (half the best round trip, a
 * few ms on a LAN) with room to spare.
 */
export const SLACK_MS = 100;

/**
 * createInspector returns the inspector of one transport ('poll',
 * 'longpoll', 'sse', 'ws' or 'socketio'; a long poll's rows are a poll's):
 *   fromPage(entry, at)    what the transport module reported (its onWire)
 *   fromServer(entry, at)  one entry of the server's wire log: this transport's,
 *                          or every transport's (no transport, as a stall)
 *   missed(n, at)          the server dropped n entries of its log before the
 *                          next ones (of any transport): a row says so
 *   ring                   the rows (pause, resume, view)
 * `at` is the time of the row on the page's clock, in ms; for a server's
 * entry it is null when the clock offset is not known yet (the row then
 * takes the time it arrived, `arrivedAt`). `proto` is the
 * HTTP version of the page's requests when known ('HTTP/1.1'), else null.
 *
 * Rows are plain objects: {at, source, kind, ...}; see each kind below.
 */
export function createInspector(transport, { size = SIZE, proto = null } = {}) {
  const ring = new Ring(size);
  let lastId = ''; // SSE: the EventSource's last event id
  const unanswered = []; // poll: the page's rows whose server entry has not come
  const unmatched = []; // poll: server entries whose page row has not come

  // A poll row and the server's entry for the same request: same target,
  // same status, the oldest of each first (one poll is in flight at a time),
  // and, when the clocks are known, logged between the page's sending and its
  // receiving the answer (the server logs a poll when its answer is done).
  const during = (row, e) => e.at === null || (e.at >= row.at - SLACK_MS && e.at <= row.doneAt + SLACK_MS);
  function match() {
    for (let i = 0; i < unanswered.length; i++) {
      const row = unanswered[i];
      const j = unmatched.findIndex((e) => e.target === row.target && e.status === row.status && during(row, e));
      if (j < 0) continue;
      const [e] = unmatched.splice(j, 1);
      unanswered.splice(i--, 1);
      row.headers = e.in + e.out - e.body; // a GET has no body: all of `in` is headers
      row.wire = e.in + e.out;
      ring.changed();
    }
  }

  function fromPage(e, at) {
    switch (e.kind) {
      case 'poll': {
        // {kind:'poll', target, doneAt, status|null, events, body, error?}
        const row = {
          at, doneAt: e.doneAt ?? at, source: 'page', kind: 'request', dir: null,
          line: requestLine('GET', e.target, proto), target: e.target,
          status: e.status ?? null, events: e.events ?? null, body: e.body ?? null,
          headers: null, wire: null, error: e.error ?? null,
        };
        ring.add(row);
        if (row.status !== null) {
          unanswered.push(row);
          if (unanswered.length > size) unanswered.shift();
          match();
        }
        return;
      }
      case 'open': {
        // SSE {kind:'open', url, lastEventId}: the browser got a 200 stream;
        // WebSocket {kind:'open', url}: the upgrade succeeded (101).
        if (transport === 'sse') lastId = e.lastEventId ?? '';
        ring.add({
          at, source: 'page', kind: 'open', dir: 'up',
          line: requestLine('GET', e.url, proto),
          status: transport === 'ws' ? 101 : 200,
          lastEventId: transport === 'sse' && e.lastEventId ? e.lastEventId : null,
        });
        return;
      }
      case 'event': {
        // SSE {kind:'event', type, data, lastEventId}
        const lines = sseLines(e, lastId);
        lastId = e.lastEventId;
        const retry = e.type === 'hello' ? retryOf(e.data) : null;
        if (retry !== null) {
          // The retry: line came just before the hello. The browser hides
          // it; the server repeats its value in the hello for pages.
          ring.add({ at, source: 'server', kind: 'retry', dir: 'down', lines: [`retry: ${retry}`] });
        }
        ring.add({ at, source: 'page', kind: 'event', dir: 'down', lines, body: utf8Length(e.data) });
        return;
      }
      case 'frame': {
        // WebSocket {kind:'frame', dir:'up'|'down', data}
        const payload = utf8Length(e.data);
        ring.add({
          at, source: 'page', kind: 'frame', dir: e.dir,
          text: abbreviate(e.data), payload, frame: frameSize(payload, e.dir === 'up'),
        });
        return;
      }
      case 'packet': {
        // Socket.IO {kind:'packet', dir, data, via:'polling'|'websocket'}:
        // one Engine.IO packet as it crossed the wire; on a WebSocket it is
        // one frame, on polling a part of a GET's or POST's body.
        const payload = utf8Length(e.data);
        ring.add({
          at, source: 'page', kind: 'packet', dir: e.dir, via: e.via,
          text: abbreviate(e.data), payload, frame: e.via === 'websocket' ? frameSize(payload, e.dir === 'up') : null,
        });
        return;
      }
      case 'close': {
        // WebSocket {kind:'close', code, reason, by:'page'|'server'}
        ring.add({ at, source: 'page', kind: 'close', dir: e.by === 'page' ? 'up' : 'down', code: e.code, reason: e.reason ?? '' });
        return;
      }
    }
  }

  function fromServer(e, at, arrivedAt = at) {
    if (e.transport && e.transport !== transport) return; // none: every transport's (a stall)
    if (e.kind === 'request' && (transport === 'poll' || transport === 'longpoll') && e.method === 'GET') {
      unmatched.push({ ...e, at });
      if (unmatched.length > MATCH_KEEP) unmatched.shift();
      match();
      return;
    }
    at ??= arrivedAt;
    switch (e.kind) {
      case 'request': {
        if (e.method === 'GET') return; // a stream's opening: the page shows it
        // A POST /api/messages, counted to this transport: the page's code
        // made it, but only the server saw what it cost on the wire.
        ring.add({
          at, source: 'server', kind: 'request', dir: null,
          line: requestLine(e.method, e.target, proto), target: e.target,
          status: e.status, events: e.events ?? null, body: e.body ?? null,
          headers: null, wire: e.in + e.out, error: null,
        });
        return;
      }
      case 'heartbeat':
        ring.add({ at, source: 'server', kind: 'heartbeat', dir: 'down', lines: [': heartbeat'], wire: e.bytes });
        return;
      case 'ping':
      case 'pong':
        ring.add({ at, source: 'server', kind: e.kind, dir: e.kind === 'ping' ? 'down' : 'up', frame: e.bytes, rttMs: e.rttMs ?? null });
        return;
      case 'drop':
      case 'stall':
        ring.add({ at, source: 'server', kind: e.kind, dir: null, ms: e.ms ?? null });
        return;
    }
  }

  // missed adds a row for entries the server dropped (it keeps only the last
  // few per page): call it before adding the entries that follow the gap,
  // which then sort above it even at the same time.
  function missed(n, at) {
    if (n > 0) ring.add({ at, source: 'server', kind: 'missed', dir: null, n });
  }

  return { transport, ring, fromPage, fromServer, missed };
}
