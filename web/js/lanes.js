// lanes.js — one lane per transport: its transport (transports/), its
// ledger (stats.js) and the measurements the panel shows. The lane is where
// the transport's callbacks land and become counts; it touches no DOM (the
// panel's elements are hung on it by render.js).

import { TRANSPORTS } from './url.js';
import { Ledger, TimeWindow } from './stats.js';
import { createPoll } from './transports/poll.js';
import { createSSE } from './transports/sse.js';
import { createWS } from './transports/ws.js';
import { createInspector } from './inspector.js';
import { ArrivalLog } from './export.js';
import { WINDOW_MS } from './page-state.js';

const NOTICE_MS = 15_000;
const MAX_ARRIVALS = 20_000; // per transport, for the export: 11 minutes at 30 events/s

/**
 * createLanes returns {poll, sse, ws}, a lane for each transport of the
 * page (page-state.js). onEvent(lane, ev, receivedAt, replayed) hears each
 * event a lane accepted, after the lane counted it.
 */
export function createLanes(page, { now, onEvent = () => {} }) {
  const lanes = Object.fromEntries(TRANSPORTS.map((t) => [t, makeLane(t)]));

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
      clientId: page.clientId,
      interval: page.state.interval,
      resume: () => lane.ledger.resume(),
      epoch: () => lane.ledger.epoch ?? page.server.epoch,
      onRequest: () => countRequest(lane, now()),
      onBytes: (n) => lane.ledger.countBytes(n),
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
      onReconnect: () => {
        lane.ledger.countReconnect();
        lane.reconnect = { at: now(), ...(lane.dropAt ?? { missed: lane.ledger.missed, duplicates: lane.ledger.duplicates }) };
      },
      onWire: (e) => lane.inspector.fromPage(e, e.at ?? now()),
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
        until: now() + NOTICE_MS,
      };
    }
    if (typeof info.epoch === 'string') page.setEpoch(info.epoch);
    if (Number.isFinite(info.rate)) page.server.rate = info.rate;
    page.noteHead(info.head);
  }

  function onLaneEvent(lane, ev, receivedAt) {
    const { accepted, replayed } = lane.ledger.event(ev);
    if (!accepted) return;
    page.noteHead(ev.seq);
    let latencyMs = null;
    const { offsetMs } = page.clock;
    if (!replayed && offsetMs !== null && Number.isFinite(ev.ts)) {
      latencyMs = receivedAt + offsetMs - ev.ts / 1000;
      lane.latency.add(receivedAt, latencyMs);
    }
    const ts = Number.isFinite(ev.ts) ? ev.ts : null;
    lane.arrivals.add({ seq: ev.seq, kind: ev.kind ?? null, ts, receivedAt, latencyMs, replayed });
    onEvent(lane, ev, receivedAt, replayed);
  }

  return lanes;
}

/** countRequest records one HTTP request a lane's transport made. */
export function countRequest(lane, at) {
  lane.ledger.countRequest();
  lane.requestTimes.add(at, 1);
}
