// lanes.js — one lane per transport: its transport (transports/), its
// ledger (stats.js) and the measurements the panel shows. The lane is where
// the transport's callbacks land and become counts; it touches no DOM (the
// panel's elements are hung on it by render.js).
//
// Latency is measured for every event alike, whichever transport brought it;
// catch-up (what a (re)connect or a poll after a gap brought from the
// server's history) goes to a window of its own, so that it is shown, marked
// as catch-up, and does not pass for live latency.

import { TRANSPORTS } from './url.js';
import { Ledger, TimeWindow } from './stats.js';
import { createPoll } from './transports/poll.js';
import { createLongPoll } from './transports/longpoll.js';
import { createSSE } from './transports/sse.js';
import { createWS } from './transports/ws.js';
import { createSocketIO } from './transports/socketio.js';
import { createInspector, frameSize } from './inspector.js';
import { errorBound, latencyText } from './clock.js';
import { ArrivalLog } from './export.js';
import { RunCounts } from './run-counts.js';
import { WINDOW_MS } from './page-state.js';

const NOTICE_MS = 15_000;
const RECENT = 4096; // arrivals kept to tell which the server had counted when it was read
const MAX_ARRIVALS = 20_000; // per transport, for the export: 11 minutes at 30 events/s
const SESSION_PACKETS = 64; // socketio: the first packets of its session, its handshake and upgrade among them

const MAKERS = { poll: createPoll, longpoll: createLongPoll, sse: createSSE, ws: createWS, socketio: createSocketIO };

/** ANSWERED are the lanes whose every answer brings a hello (poll.js): a request, not a stream. */
const ANSWERED = new Set(['poll', 'longpoll']);

/**
 * createLanes returns {poll, sse, ws}, a lane for each transport of the
 * page (page-state.js). onEvent(lane, ev, receivedAt, replayed) hears each
 * event a lane accepted, after the lane counted it. onClockWrong() hears of
 * an event that arrived before it was sent, beyond the clock's bound: the
 * offset is wrong. makers ({poll, sse, ws}: the transports' create
 * functions, given the callbacks) are injectable for tests.
 */
export function createLanes(page, { now, onEvent = () => {}, onClockWrong = () => {}, makers = MAKERS }) {
  const lanes = Object.fromEntries(TRANSPORTS.map((t) => [t, makeLane(t)]));

  function makeLane(t) {
    const lane = {
      name: t,
      on: false,
      status: 'off',
      detail: '',
      ledger: new Ledger(),
      latency: new TimeWindow(WINDOW_MS), // live events
      catchUp: new TimeWindow(WINDOW_MS), // catch-up from the server's history
      rtt: new TimeWindow(WINDOW_MS),
      requestTimes: new TimeWindow(WINDOW_MS), // for "requests in the last minute"
      arrivals: new ArrivalLog(MAX_ARRIVALS), // every event accepted, for the export
      run: new RunCounts(), // where the server's current run began in the counts
      runSince: null, // when the page learned of that run
      lastBytes: 0, // the body bytes of the latest request so far: an answer's, before its hello is handled
      askedAt: null, // when the transport's latest request was sent
      probeAtRequest: 0, // the probe's bytes when the latest request was sent
      probeBefore: 0, // the probe's bytes before the server's current run
      recent: [], // {seq, askedAt, bytesAfter} of the latest arrivals of that run, oldest first
      recentFrom: 0, // the body bytes before the first of recent
      zeroPending: false, // the class started a new run: the next read of the server's counts is its zero
      serverZero: null, // {epoch, counts}: the server's counts for this lane at that zero
      emptyAnswers: 0,
      answers: 0,
      dropAt: null, // {missed, duplicates} when the connection was lost
      reconnect: null, // {at, missed, duplicates}: the last reconnect, and the counts at the drop
      inspector: createInspector(t, { proto: globalThis.location?.protocol === 'http:' ? 'HTTP/1.1' : null }),
      notice: null, // {key, until}: something the class should read, for a while
      transport: null,
      // The panel's parts, hung on the lane by render.js buildPanels.
      els: null,
      chart: null,
      explain: null,
      hints: null,
      inspectorView: null,
      via: null, // socketio: the Engine.IO transport carrying it now ('polling', 'websocket')
      session: [], // socketio: {at, dir, data, via} of the first packets of its session, from its handshake (0{…})
    };
    const callbacks = {
      clientId: () => page.clientId, // as of each connection: the key changes when the server restarts
      interval: page.state.interval,
      mode: page.state.sio, // socketio: its `transports` (url.js SIO_MODES)
      resume: () => lane.ledger.resume(),
      epoch: () => lane.ledger.epoch ?? page.server.epoch,
      onRequest: () => {
        lane.askedAt = now();
        lane.probeAtRequest = lane.ledger.probe; // a socket's first ping leaves before its hello
        lane.lastBytes = 0; // a stream's hello is no body: nothing of this request yet
        countRequest(lane, lane.askedAt);
      },
      onBytes: (n) => {
        lane.ledger.countBytes(n);
        lane.lastBytes = n;
      },
      onStatus: (s, detail) => {
        if (s === 'reconnecting' && lane.status !== 'reconnecting') {
          lane.dropAt = { missed: lane.ledger.missed, duplicates: lane.ledger.duplicates };
        }
        lane.status = s;
        lane.detail = detail ?? ''; // '' or {key, params}: rendered in the page's language
      },
      onHello: (info) => onHello(lane, info),
      onEvent: (ev, receivedAt) => onLaneEvent(lane, ev, receivedAt),
      onAnswer: (n) => {
        lane.answers++;
        if (n === 0) lane.emptyAnswers++;
      },
      onRtt: (ms) => lane.rtt.add(now(), ms),
      onGone: () => page.disconnect?.(), // the whole page is refused, not this lane: main.js stops it
      onProbe: (payload, dir) => lane.ledger.countProbe(frameSize(payload, dir === 'up')),
      onReconnect: () => {
        lane.ledger.countReconnect();
        lane.reconnect = { at: now(), ...(lane.dropAt ?? { missed: lane.ledger.missed, duplicates: lane.ledger.duplicates }) };
      },
      onWire: (e) => {
        const at = e.at ?? now();
        if (e.kind === 'packet') notePacket(lane, e, at);
        lane.inspector.fromPage(e, at);
      },
      onTransport: (name) => {
        lane.via = name;
      },
    };
    lane.transport = makers[t](callbacks);
    return lane;
  }

  // notePacket keeps the first packets of a Socket.IO session, its life
  // from the handshake (0{"sid":…}) through the probe to the upgrade (5),
  // which the inspector's last rows soon lose at a busy feed.
  function notePacket(lane, { dir, data, via }, at) {
    if (dir === 'down' && data.startsWith('0{')) lane.session = [];
    if (lane.session.length < SESSION_PACKETS) lane.session.push({ at, dir, data, via });
  }

  function onHello(lane, info) {
    // A stream's hello marks everything up to its head as catch-up; for
    // polling, short or long, the first answer after a start or after failed
    // requests (poll.js).
    const replay = ANSWERED.has(lane.name) ? info.catchUp === true : true;
    const before = lane.ledger.epoch;
    const otherRun = typeof info.epoch === 'string' && page.server.epoch !== null && info.epoch !== page.server.epoch;
    if (lane.ledger.hello(info, { replay })) {
      // Say it where the class looks: the numbers alone would show only a reset.
      const restarted = before !== null && typeof info.epoch === 'string' && info.epoch !== before;
      lane.notice = {
        key: restarted ? 'detail.restarted' : 'detail.historyGone',
        until: now() + NOTICE_MS,
      };
    }
    if (typeof info.epoch === 'string') {
      // The request that brought this hello, and the hello itself, are the run's.
      if (lane.run.begin(info.epoch, lane.ledger, { requests: 1, bytes: lane.lastBytes })) {
        newRun(lane, now(), { bytes: lane.ledger.bytes - lane.lastBytes, probe: lane.probeAtRequest });
      }
      page.setEpoch(info.epoch);
    }
    if (Number.isFinite(info.rate)) page.server.rate = info.rate;
    // A new run may count from a lower seq: its head replaces the old one.
    if (otherRun && Number.isInteger(info.head)) page.server.head = info.head;
    else page.noteHead(info.head);
  }

  function onLaneEvent(lane, ev, receivedAt) {
    const { accepted, replayed } = lane.ledger.event(ev);
    if (!accepted) return;
    page.noteHead(ev.seq);
    let latencyMs = null;
    const { offsetMs } = page.clock;
    if (offsetMs !== null && Number.isFinite(ev.ts)) {
      latencyMs = receivedAt + offsetMs - ev.ts / 1000;
      (replayed ? lane.catchUp : lane.latency).add(receivedAt, latencyMs);
      // Arrived before it was sent, beyond the offset's bound: the offset is wrong.
      if (latencyText(latencyMs, errorBound(page.clock, receivedAt)).impossible) onClockWrong();
    }
    const ts = Number.isFinite(ev.ts) ? ev.ts : null;
    lane.arrivals.add({ seq: ev.seq, kind: ev.kind ?? null, ts, receivedAt, latencyMs, replayed });
    // bytesAfter: the body bytes counted up to this event, its own (and, for
    // a poll answer, its answer's) included.
    lane.recent.push({ seq: ev.seq, askedAt: lane.askedAt, bytesAfter: lane.ledger.bytes });
    if (lane.recent.length > 2 * RECENT) {
      lane.recentFrom = lane.recent[RECENT - 1].bytesAfter;
      lane.recent.splice(0, RECENT);
    }
    onEvent(lane, ev, receivedAt, replayed);
  }

  return lanes;
}

/**
 * countsAsked notes what pageCounts needs of the moment the page asks the
 * server for its counts: that moment, and each lane's requests and probe bytes.
 */
export function countsAsked(lanes, at) {
  const counts = (t) => ({ requests: lanes[t].ledger.requests, probe: lanes[t].ledger.probe });
  return { at, lanes: Object.fromEntries(TRANSPORTS.map((t) => [t, counts(t)])) };
}

/**
 * noteServerRun tells the lanes that are off of the server's run `epoch`,
 * read at `at` (an /api/stats answer): a lane that is off has nothing under
 * way, so it is in that run as it is, and its counts start there. A lane
 * that is on learns of a run from its own transport's hello. Call it before
 * pageCounts with the same answer.
 */
export function noteServerRun(lanes, epoch, at) {
  if (typeof epoch !== 'string') return;
  for (const t of TRANSPORTS) {
    const lane = lanes[t];
    if (!lane.on && lane.run.begin(epoch, lane.ledger)) newRun(lane, at, lane.ledger);
  }
}

/**
 * pageCounts returns, for each lane, the page's counts as of the server's
 * read of its own (an /api/stats answer: its epoch, head and client), to be shown
 * beside them. The server reads its counts somewhere between the page's
 * asking and its answer, and the page may handle many events before the
 * answer, so the page counts what the server had been able to count:
 * requests made before it asked, and events up to the server's head that
 * came in answer to those requests, with the body bytes that came up to
 * the last of them (a poll answer's bytes come with its events). Each lane gets
 * {run: {requests, received, bytes} since the server's run began, or null
 * while the lane has not heard of that run, total: the same in all,
 * carriedOver: whether the two differ, probe: the bytes of the page's own
 * measuring in the server's run (costs.js wireCosts leaves them out of the
 * server's wire bytes), 0 while the lane has not heard of that run,
 * server: the answer's counts for the lane (its `client`), less those at
 * the class run's zero once takeZero took one, classRun: whether it took
 * one in this server run}. Both run and server count from that zero then.
 * It changes nothing: a lane that is off learns of the run from
 * noteServerRun first.
 */
export function pageCounts(lanes, { epoch, head, client }, asked) {
  return Object.fromEntries(
    TRANSPORTS.map((t) => {
      const lane = lanes[t];
      const { run } = lane;
      const total = countedAt(lane, head, asked);
      const known = run.epoch === epoch && lane.runSince !== null && lane.runSince <= asked.at;
      return [t, {
        run: known ? run.thisRun(total) : null,
        total,
        carriedOver: run.carriedOver,
        probe: known ? asked.lanes[t].probe - lane.probeBefore : 0,
        server: serverSinceZero(lane, epoch, client?.[t]),
        classRun: lane.serverZero !== null && lane.serverZero.epoch === epoch,
      }];
    }),
  );
}

// countedAt returns a lane's counts as of the server's read (pageCounts).
function countedAt(lane, head, asked) {
  const late = notYetCounted(lane.recent, head, asked.at);
  const { requests } = asked.lanes[lane.name];
  return { requests, received: lane.ledger.received - late, bytes: bytesCounted(lane, late) };
}

/** SERVER_COUNTS are the server's counts for a lane that add up; open is a state, not a count. */
const SERVER_COUNTS = ['requests', 'events', 'bytes', 'wireIn', 'wireOut'];

// serverSinceZero returns the server's counts for a lane less those at the
// class run's zero, when that zero was taken in this server run.
function serverSinceZero(lane, epoch, counts) {
  const zero = lane.serverZero;
  if (counts === undefined || zero === null || zero.epoch !== epoch) return counts;
  const since = { ...counts };
  for (const k of SERVER_COUNTS) if (Number.isFinite(counts[k])) since[k] = counts[k] - (zero.counts[k] ?? 0);
  return since;
}

/**
 * startOver starts every lane's numbers from zero: the class began a new
 * run (follow.js). What only the page keeps starts over now: the counts of
 * the ledger that have no server column, the latency windows and the
 * requests of the last minute. The counts put beside the server's start
 * over at the next read of the server's counts (takeZero): a zero taken
 * then by both sides keeps the two columns comparable, without the server
 * forgetting anything. The WebSocket's round trips stay: they measure the
 * network, not the run.
 */
export function startOver(lanes) {
  for (const t of TRANSPORTS) {
    const lane = lanes[t];
    lane.ledger.startOver();
    lane.latency.clear();
    lane.catchUp.clear();
    lane.requestTimes.clear();
    lane.answers = 0;
    lane.emptyAnswers = 0;
    lane.dropAt = null;
    lane.reconnect = null;
    lane.zeroPending = true;
  }
}

/**
 * takeZero takes the zero that startOver asked for from an /api/stats
 * answer and what countsAsked noted as it was asked (the same as
 * pageCounts'): the page's counts as of the server's read, and the server's
 * counts in it, are where both columns start from. A lane not yet in that
 * server run waits for a later answer. Call it before pageCounts.
 */
export function takeZero(lanes, { epoch, head, client }, asked) {
  for (const t of TRANSPORTS) {
    const lane = lanes[t];
    if (!lane.zeroPending || lane.run.epoch !== epoch || typeof epoch !== 'string') continue;
    lane.zeroPending = false;
    lane.run.restart(countedAt(lane, head, asked));
    lane.probeBefore = asked.lanes[t].probe;
    const counts = client?.[t] ?? {};
    lane.serverZero = { epoch, counts: Object.fromEntries(SERVER_COUNTS.map((k) => [k, Number.isFinite(counts[k]) ? counts[k] : 0])) };
  }
}

// newRun notes that the lane learned of a new server run at `at`, when it
// had counted `before` ({bytes, probe}) of the runs before: the arrivals
// kept are of the old one, and so are the latencies. Kept, they
// would speak for the new run for up to a minute: a median of the old
// run's feed, and charts full of its points to draw on every frame.
// The WebSocket's round trips stay: they measure the network, not the run.
function newRun(lane, at, before) {
  lane.runSince = at;
  lane.recent = [];
  lane.recentFrom = before.bytes;
  lane.probeBefore = before.probe;
  lane.serverZero = null; // the server's counts start from zero by themselves
  lane.latency.clear();
  lane.catchUp.clear();
}

// notYetCounted returns how many of the latest arrivals the server cannot
// have counted when it read its counts: published after its head, or
// brought by a request the page made after it asked.
function notYetCounted(recent, head, askedAt) {
  let n = 0;
  for (let i = recent.length - 1; i >= 0; i--) {
    const a = recent[i];
    const late = (Number.isInteger(head) && a.seq > head) || a.askedAt > askedAt;
    if (!late) break;
    n++;
  }
  return n;
}

// bytesCounted returns the body bytes that came with the arrivals the server
// could have counted: all of them when none is late, else those up to the
// first late arrival, which brought its own bytes (and its answer's).
function bytesCounted(lane, late) {
  const { recent, ledger } = lane;
  if (late === 0) return ledger.bytes;
  const first = recent.length - late;
  return first > 0 ? recent[first - 1].bytesAfter : lane.recentFrom;
}

/** countRequest records one HTTP request a lane's transport made. */
export function countRequest(lane, at) {
  lane.ledger.countRequest();
  lane.requestTimes.add(at, 1);
}
