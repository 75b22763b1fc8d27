// poll.js — short polling: ask "anything since N?" every interval.
//
//   GET /poll?client=ID                     -> the latest event only
//   GET /poll?since=N&epoch=E&client=ID     -> events after N (+ missed / reset)
//
// The first answer after a start, and the first after failed requests, is
// catch-up: it brings what was published while the page was not asking, as
// a stream's first messages after its hello do.
//
// Scheduling is fixed-rate without overlap: each request is planned
// `interval` after the previous request STARTED, but never before its answer
// arrived. So the page pays one request per interval (as long as answers are
// faster than the interval) and an event waits up to one interval plus one
// round trip. Only one request is ever in flight. After a failed request the
// next one waits a growing, jittered backoff instead (never less than the
// interval), and the state shows "reconnecting".
//
// An answer holds at most a few hundred events (the server's cost ceiling);
// when more wait after it, it says `more: N`, and the next request leaves
// at once instead of an interval later, until the page has caught up. Each
// of them is one more request, counted as every poll is.
//
// Given `wait` (ms), the same code long polls (longpoll.js): each request
// says wait=, the server holds it until an event or the wait passes, and
// the next request leaves as soon as the answer is in. The interval does
// not apply; a failed request backs off as short polling's does.
//
// It keeps the transport contract of shared.js, as sse.js and ws.js do.

import { contract, createRetry, keyOf, noAnswer, statusKey, utf8Length, withQuery } from './shared.js';
import { serverErrorKey } from '../i18n.js';
import { eventBytes } from '../stats.js';

/**
 * createPoll returns a polling transport that keeps the transport contract
 * (shared.js). What is polling's own:
 *   interval (ms)             between the starts of two requests
 *   onHello(info)             each answer's metadata {epoch, head, missed?, reset?, first, catchUp}
 *                             (first: the first answer since start(); catchUp: that, or
 *                             the first answer after failed requests: its events up to
 *                             head were published while nobody asked)
 *   onRequest()               once per GET /poll
 *   onBytes(n)                the body: the events' JSON bytes in an answer
 *                             (stats.js eventBytes), not the answer around them
 *   onAnswer(eventCount)      after each successful answer (for "empty polls")
 *   onReconnect()             an answer after failed requests, once it had answered
 *   onWire(entry)             each request as it ended, for the wire inspector:
 *                             {kind:'poll', at (sent, ms), doneAt (answered, ms),
 *                             target, status, events, body (bytes), error?};
 *                             doneAt, status, events and body are null when
 *                             unknown (no answer, not JSON)
 *   wait (ms)                 long polling: how long the server may hold a
 *                             request with nothing new (longpoll.js); the
 *                             interval is then unused
 *   fetch                     injectable for tests
 */
export function createPoll(opts) {
  opts = contract(opts);
  const { clientId, resume, onHello, onEvent, onStatus, onRequest, onBytes, onAnswer, onReconnect, onWire, onGone, now } = opts;
  const fetchFn = opts.fetch ?? ((...a) => globalThis.fetch(...a));
  // Up at each answer; after any answer the next failure starts the backoff
  // from its smallest step again.
  const retry = createRetry({ ...opts, healthyMs: 0 });

  const wait = opts.wait ?? null; // ms: a long poll; null: a short one
  const long = wait !== null;
  let interval = opts.interval ?? 1000;
  let running = false;
  let controller = null;
  let cursor = null; // {since, epoch} for the next request, null: ask for the latest
  let first = true;
  let lastStart = 0;
  let behind = false; // the last answer said more events wait: the next request is now
  let session = 0; // bumps on stop() so a late answer from an old run is ignored

  function schedule(delay) {
    retry.later(tick, delay);
  }

  async function tick() {
    const mine = session;
    controller = new AbortController();
    lastStart = now();
    const url = withQuery('/poll', { since: cursor?.since, epoch: cursor?.epoch, wait: long ? waitParam(wait) : undefined, client: keyOf(clientId) });
    onRequest();
    const wire = { kind: 'poll', at: lastStart, doneAt: null, target: url, status: null, events: null, body: null };
    try {
      let res, text;
      try {
        res = await fetchFn(url, { cache: 'no-store', signal: controller.signal });
        text = await res.text();
      } catch (err) {
        throw noAnswer(err); // said in the page's language (i18n.js error.network)
      }
      if (mine !== session) return;
      wire.doneAt = now();
      wire.status = res.status;
      wire.body = utf8Length(text);
      onBytes(eventBytes(text));
      if (!res.ok) throw refusal(res.status, text);
      const answer = JSON.parse(text);
      wire.events = handle(answer, first || retry.retrying);
      onWire(wire);
      if (retry.up()) onReconnect(); // back after failed requests
      onStatus('open', long ? { key: 'detail.longpoll.open', params: { seconds: String(wait / 1000) } } : { key: 'detail.poll.open', params: { interval } });
      // More events wait beyond this answer's ceiling: ask for them now. A
      // long poll always asks again now: the server does the waiting.
      behind = Number.isInteger(answer.more) && answer.more > 0;
      if (running) schedule(behind || long ? 0 : lastStart + interval - now());
    } catch (err) {
      if (mine !== session || err?.name === 'AbortError') return;
      onWire({ ...wire, error: err.message });
      if (err.code === 'disconnected') {
        // The instructor disconnected the page: its key is refused for the
        // rest of the server's run, so asking again would only be refused.
        running = false;
        session++;
        retry.stop();
        onStatus('off', { key: 'serverError.disconnected' });
        onGone(err);
        return;
      }
      retry.lost();
      const delay = long ? retry.delay() : Math.max(interval, retry.delay());
      onStatus('reconnecting', { key: 'detail.poll.retry', params: { error: err, seconds: (delay / 1000).toFixed(1) } });
      if (running) schedule(delay);
    } finally {
      if (mine === session) controller = null;
    }
  }

  function handle(answer, catchUp) {
    const receivedAt = now();
    const { epoch, head, missed, reset } = answer;
    onHello({ epoch, head, missed, reset, first, catchUp });
    first = false;
    const events = Array.isArray(answer.events) ? answer.events : [];
    for (const ev of events) onEvent(ev, receivedAt);
    if (Number.isInteger(answer.next)) cursor = { since: answer.next, epoch };
    onAnswer(events.length);
    return events.length;
  }

  return {
    name: long ? 'longpoll' : 'poll',

    start() {
      if (running) return;
      running = true;
      first = true;
      behind = false;
      retry.start();
      cursor = resume();
      onStatus('connecting', '');
      schedule(0);
    },

    stop() {
      if (!running) return;
      running = false;
      session++;
      retry.stop();
      controller?.abort();
      controller = null;
      onStatus('off', '');
    },

    /** setInterval changes the interval from the next request on (short polling only). */
    setInterval(ms) {
      interval = ms;
      if (long) return;
      if (running && controller === null && !retry.retrying && !behind) schedule(lastStart + interval - now());
    },
  };
}

// waitParam writes a wait in ms as the server reads it (Go's
// time.ParseDuration): whole seconds as "25s", else "500ms".
export function waitParam(ms) {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

// refusal is the error of a poll the server answered with a failure:
// "HTTP 503: <its reason>", and the key of the page's words for its code
// (i18n.js) when it has some, or for the bare status when it gave no
// reason, so that the panel says it in its language.
function refusal(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the status says enough.
  }
  const err = new Error(`HTTP ${status}${body?.error ? `: ${body.error}` : ''}`);
  if (typeof body?.code === 'string') err.code = body.code;
  const key = serverErrorKey(body?.code);
  const bare = statusKey(status, body?.error);
  if (key !== null) err.key = key;
  else if (bare !== null) Object.assign(err, bare);
  return err;
}
