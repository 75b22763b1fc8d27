// longpoll.js — long polling: ask "anything since N? If not, wait for it."
//
//   GET /poll?since=N&epoch=E&wait=25s&client=ID
//     -> at once, when events after N exist
//     -> when the next event is published, holding the request until then
//     -> after 25 s with no events, when none was
//
// The next request leaves as soon as an answer is in, so one request is
// almost always waiting at the server, and an event reaches the page about
// one round trip after it was published, like a stream's. What it costs is
// still one HTTP request per answer: one per event (or batch) when events
// are frequent, one per wait when they are rare.
//
// The code is short polling's (poll.js) with a wait: the same cursor,
// catch-up, `more`, refusals and the retry core of shared.js.

import { createPoll } from './poll.js';

/** WAIT_MS is how long the server may hold a request: under every proxy's idle limit. */
export const WAIT_MS = 25_000;

/**
 * createLongPoll returns a long polling transport: the transport contract
 * of shared.js, and poll.js's own callbacks (onHello, onAnswer: an empty
 * answer is a wait that passed, onWire, onGone). opts.wait (ms) overrides
 * WAIT_MS, for tests.
 */
export function createLongPoll(opts) {
  return createPoll({ ...opts, wait: opts?.wait ?? WAIT_MS });
}
