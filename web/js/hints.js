// hints.js — "what to look for now": a sentence or two per panel, tied to
// the numbers the page has just measured, so that the class reads the
// lesson off the live page (polling's median ≈ half the interval plus the
// answer's trip back; one request for every event on a stream; a reconnect
// that lost nothing).
//
// Pure: no DOM. pickHints takes a snapshot of numbers and returns
// {key, params} for i18n.js's t(); every number in params is measured.

import { sentenceMs } from './format.js';

/** MAX_HINTS is how many hints a panel shows at once. */
export const MAX_HINTS = 2;

/** RECENT_MS is how long after a reconnect the panel points at it. */
export const RECENT_MS = 20_000;

/** MIN_SAMPLES is how many latencies a median needs before a hint quotes it. */
export const MIN_SAMPLES = 5;

/** MIN_ANSWERS is how many poll answers a share of empty ones needs. */
export const MIN_ANSWERS = 5;

/**
 * pickHints returns at most MAX_HINTS hints for one transport's panel from a
 * snapshot of what the page measured:
 *   transport     'poll' | 'longpoll' | 'sse' | 'ws' | 'socketio'
 *   via           socketio: the Engine.IO transport it is on ('polling',
 *                 'websocket'), or null
 *   on            the transport is on
 *   median        median latency over the last minute (ms; NaN if none)
 *   samples       how many latencies the median is over
 *   interval      polling's interval (ms)
 *   simDelay      {delayMs, jitterMs} the server adds to what it sends this
 *                 page (GET /api/sim), or null when unknown
 *   requests      HTTP requests this transport made (page's count)
 *   received      events it delivered
 *   answers, empty  poll answers, and how many of them carried no event
 *                 (for a long poll: a wait that passed)
 *   reconnect     {agoMs, missed, duplicates} for the last reconnect (missed
 *                 and duplicates counted since the connection dropped), or null
 *   pollMedian    polling's median latency, when polling is on (ms; NaN if not)
 */
export function pickHints(s) {
  if (!s.on) return [];
  const hints = [];
  if (s.reconnect && s.reconnect.agoMs < RECENT_MS) hints.push(reconnectHint(s.reconnect));
  if (s.transport === 'poll') hints.push(...pollHints(s));
  else if (s.transport === 'longpoll') hints.push(...longPollHints(s));
  else if (s.transport === 'socketio') hints.push(...socketioHints(s));
  else hints.push(...pushHints(s));
  if (hints.length === 0) hints.push({ key: 'hint.waiting', params: {} });
  return hints.slice(0, MAX_HINTS);
}

function reconnectHint({ agoMs, missed, duplicates }) {
  const seconds = String(Math.max(0, Math.round(agoMs / 1000)));
  if (missed === 0 && duplicates === 0) return { key: 'hint.resumed', params: { seconds } };
  return { key: 'hint.resumedLoss', params: { seconds, missed: String(missed), duplicates: String(duplicates) } };
}

// pollHints explains polling's lateness. poll.js starts each request an
// interval after the previous one started, so an event published at a random
// moment waits for the next request: half an interval on average. Its answer
// then still has to come back, which takes about half a round trip on a real
// network; a simulated delay holds only what the server sends, so it adds
// itself whole. The hint quotes the numbers; the trip back is what is left.
function pollHints(s) {
  const hints = [];
  if (s.samples >= MIN_SAMPLES && Number.isFinite(s.median)) {
    const params = { median: sentenceMs(s.median), half: sentenceMs(s.interval / 2) };
    const d = s.simDelay;
    if (d && d.delayMs > 0) {
      const delay = d.jitterMs > 0 ? `${d.delayMs} ± ${d.jitterMs}` : String(d.delayMs);
      hints.push({ key: 'hint.poll.medianDelay', params: { ...params, delay } });
    } else hints.push({ key: 'hint.poll.median', params });
  }
  // A share of empty answers is news only when there were some.
  if (s.answers >= MIN_ANSWERS && s.empty > 0) {
    const share = String(Math.round((100 * s.empty) / s.answers));
    hints.push({ key: 'hint.poll.empty', params: { share, empty: String(s.empty), answers: String(s.answers) } });
  }
  return hints;
}

// longPollHints explains long polling: a request is nearly always waiting at
// the server, so an event goes out as soon as it is published and arrives
// after the answer's trip back; but each answer is still a whole request.
// When events come often, that is a request per event (or batch); when the
// feed is quiet, mostly empty answers, one per wait.
function longPollHints(s) {
  const hints = [];
  if (s.samples >= MIN_SAMPLES && Number.isFinite(s.median)) {
    const params = { median: sentenceMs(s.median) };
    if (Number.isFinite(s.pollMedian)) hints.push({ key: 'hint.longpoll.vsPoll', params: { ...params, pollMedian: sentenceMs(s.pollMedian) } });
    else hints.push({ key: 'hint.longpoll.median', params });
  }
  if (s.answers >= MIN_ANSWERS) {
    const quiet = 2 * s.empty > s.answers;
    hints.push(quiet
      ? { key: 'hint.longpoll.quiet', params: { empty: String(s.empty), answers: String(s.answers) } }
      : { key: 'hint.longpoll.busy', params: { requests: String(s.requests), events: String(s.received) } });
  }
  return hints;
}

// socketioHints says where Socket.IO is: still on long polling (a request
// per answer, and what a proxy that blocks WebSockets leaves), or upgraded,
// one WebSocket from then on; then how it compares with polling.
function socketioHints(s) {
  const hints = [];
  if (s.requests >= 1 && s.received > 0 && (s.via === 'websocket' || s.via === 'polling')) {
    hints.push({ key: `hint.socketio.${s.via === 'websocket' ? 'upgraded' : 'polling'}`, params: { requests: String(s.requests) } });
  }
  if (s.samples >= MIN_SAMPLES && Number.isFinite(s.median) && Number.isFinite(s.pollMedian)) {
    hints.push({ key: 'hint.push.vsPoll', params: { median: sentenceMs(s.median), pollMedian: sentenceMs(s.pollMedian) } });
  }
  return hints;
}

function pushHints(s) {
  const hints = [];
  if (s.requests >= 1 && s.received > 0) {
    const one = s.requests === 1;
    hints.push({
      key: one ? 'hint.push.one' : s.transport === 'sse' ? 'hint.sse.many' : 'hint.ws.many',
      params: one ? { events: String(s.received) } : { requests: String(s.requests), events: String(s.received) },
    });
  }
  if (s.samples >= MIN_SAMPLES && Number.isFinite(s.median) && Number.isFinite(s.pollMedian)) {
    hints.push({ key: 'hint.push.vsPoll', params: { median: sentenceMs(s.median), pollMedian: sentenceMs(s.pollMedian) } });
  }
  return hints;
}
