// shared.js — what the transports have in common: the contract they all
// keep, the one retry core they all back off with, and two small helpers.
//
// THE TRANSPORT CONTRACT (poll.js, sse.js and ws.js each keep it, and
// longpoll.js, which is poll.js with a wait; lanes.js,
// which makes each transport and takes its callbacks, relies on nothing else):
//
//   createX(opts) -> {name, start(), stop(), ...}
//     start()   opens the transport (idempotent); it reads opts.resume() to
//               continue after the last event the page saw
//     stop()    closes it, cancels every timer, and calls no callback after
//               onStatus('off'); a later start() is a fresh start, not a
//               reconnect
//     send(text)        ws only: a chat message over the open socket; a
//                       promise of the server's answer (see ws.js)
//     setInterval(ms)   poll only: the interval, from the next request on
//                       (a long poll has it, and ignores it)
//
//   opts (every callback may be left out):
//     clientId                  the page's key, sent as client= on every request,
//                               or a function that returns it as of now (keyOf):
//                               a restarted server gives the page another
//     resume()                  -> {since, epoch} | null: where to continue from
//     epoch()                   -> the server run the page knows (sse: for the
//                               URL when resume() has none)
//     interval                  poll only: ms between requests
//     onStatus(state, detail)   'off' | 'connecting' | 'open' | 'reconnecting';
//                               detail is '' or {key, params} for i18n.js's t()
//     onHello(info)             a stream's hello, or each poll answer's metadata:
//                               {epoch, head, missed?, reset?, rate?, first?,
//                               catchUp?} (poll only, first and catchUp: the
//                               first answer since start(), and whether the
//                               answer brings history: that one, or the first
//                               after failed requests)
//     onEvent(event, receivedAtMs)   each feed event as it arrived
//     onRequest()               once per HTTP request the transport makes
//     onBytes(n)                body bytes the page's code saw (UTF-8): the
//                               events' JSON, not what carries it
//     onReconnect()             the transport is back after losing a
//                               connection it had since start() (the retry
//                               core below decides, the same for all three)
//     onWire(entry)             what the page saw, for the wire inspector
//                               (each module documents its entries)
//     onAnswer(n)               poll only: after each answer, with its event count
//     onGone(error)             poll only: the server refused the page for good
//                               (403 disconnected): the transport has stopped,
//                               said 'off', and asks no more
//     onRtt(ms)                 ws only: each ping's round trip, in ms
//     onProbe(bytes, dir)       ws only: each ping sent ('up') and pong read
//                               ('down'), the page's measuring: its payload bytes
//     now, setTimeout, clearTimeout (and ws: setInterval, clearInterval),
//     random, fetch / EventSource / WebSocket / location: injectable for tests
//
// The modules differ only where their protocols do: polling asks, SSE's
// browser reconnects by itself, a WebSocket carries both directions.
// Each reads its opts through contract(), which fills in what was left out.

const encoder = new TextEncoder();

const noop = () => {};

// DEFAULTS are the contract's options for a transport given none: no resume,
// callbacks that do nothing, and the browser's clock and timers.
const DEFAULTS = {
  resume: () => null,
  epoch: () => null,
  onStatus: noop,
  onHello: noop,
  onEvent: noop,
  onRequest: noop,
  onBytes: noop,
  onReconnect: noop,
  onWire: noop,
  onAnswer: noop,
  onGone: noop,
  onRtt: noop,
  onProbe: noop,
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (...a) => globalThis.setTimeout(...a),
  clearTimeout: (...a) => globalThis.clearTimeout(...a),
};

/**
 * contract returns opts with every option of the transport contract that
 * was left out (or undefined) filled in, so that a transport calls each
 * callback without asking whether it was given.
 */
export function contract(opts) {
  const full = { ...opts };
  for (const [k, v] of Object.entries(DEFAULTS)) full[k] ??= v;
  return full;
}

/**
 * noAnswer marks the error of a request that got no answer (fetch rejects
 * with a TypeError each browser words its own way, in English) with the
 * page's words for it, error.network (i18n.js), so that the page says it in
 * its language, and returns it. An abort is the page's own doing: left as it is.
 */
export function noAnswer(err) {
  if (err instanceof Error && err.name !== 'AbortError' && err.key === undefined) err.key = 'error.network';
  return err;
}

/**
 * statusKey returns the page's words for an answer that failed with no
 * reason of the server's (a bare "HTTP 503", e.g. from a proxy), as
 * {key, params}, or null when the server gave a reason: its words stand.
 */
export function statusKey(status, reason) {
  return reason ? null : { key: 'error.http', params: { status } };
}

/** utf8Length returns the byte length of s as UTF-8, i.e. as it travelled. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/**
 * backoffDelay returns how long to wait before retry number `attempt`
 * (0 for the first retry): a step that doubles from 2 × minMs up to maxMs,
 * and "full jitter" — a random delay anywhere between minMs and that step —
 * so a classroom of pages that lost the server at the same moment does not
 * come back at the same moment either, not even on the first retry.
 */
export function backoffDelay(attempt, { minMs = 500, maxMs = 10_000, random = Math.random } = {}) {
  const step = Math.min(maxMs, minMs * 2 ** (Math.max(0, attempt) + 1));
  return minMs + random() * (step - minMs);
}

/**
 * HEALTHY_MS is how long a connection must stay up before the backoff starts
 * again from its smallest step: a server that accepts and then drops at once
 * must not be hammered at the fastest pace.
 */
export const HEALTHY_MS = 60_000;

/**
 * createRetry returns the reconnect bookkeeping that every transport shares:
 * when it is up, whether coming up again is a reconnect, how long to wait
 * before the next attempt, and the one timer that waits. A transport calls
 *   start(), stop()   from its own start() and stop(): both forget the last
 *                     connection, so a connection from before stop() is
 *                     never "lost" and never counts toward being healthy
 *   up()              when a connection is made (a hello, an open, a poll's
 *                     answer); true when it is a reconnect: the transport
 *                     had been up since start() and lost it
 *   lost()            when a connection ends or an attempt fails
 *   delay()           the backoff before the next attempt: full jitter
 *                     (backoffDelay), from the smallest step again once a
 *                     connection had stayed up for healthyMs
 *   later(fn, ms), cancel()   the timer for the next attempt
 *   retrying          true after a failure, until the next up()
 */
export function createRetry({
  now,
  setTimeout: setTimer = (...a) => globalThis.setTimeout(...a),
  clearTimeout: clearTimer = (...a) => globalThis.clearTimeout(...a),
  random = Math.random,
  healthyMs = HEALTHY_MS,
} = {}) {
  let failures = 0; // attempts since the last healthy connection
  let upSince = null; // when the current connection was made
  let wasUp = false; // a connection was made since start() and then lost
  let timer = null;

  function cancel() {
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function forget() {
    cancel();
    failures = 0;
    upSince = null;
    wasUp = false;
  }

  return {
    start: forget,
    stop: forget,
    cancel,

    up() {
      const back = wasUp;
      wasUp = false;
      upSince = now();
      return back;
    },

    lost() {
      if (upSince === null) return; // an attempt failed; nothing was up
      wasUp = true;
      if (now() - upSince >= healthyMs) failures = 0;
      upSince = null;
    },

    delay() {
      return backoffDelay(failures++, { random });
    },

    later(fn, ms) {
      cancel();
      timer = setTimer(() => {
        timer = null;
        fn();
      }, Math.max(0, ms));
    },

    get retrying() {
      return failures > 0 && upSince === null;
    },
  };
}

/**
 * keyOf returns the page's key as of now: clientId is the key, or a function
 * that returns it. Each connection asks anew, so a lane reconnects with the
 * key the page has then.
 */
export function keyOf(clientId) {
  return typeof clientId === 'function' ? clientId() : clientId;
}

/** withQuery appends query parameters (skipping undefined/null) to a path. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
