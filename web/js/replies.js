// replies.js — the tutorial preset, the pure part: which events the page
// answers, and with what.
//
// The tutorial this project grows from publishes one event every 3 seconds
// and has the client answer each one. The page replays it: the feed goes to
// 1/3 event a second (PUT /api/feed, for every page), and for every quote a
// transport receives, the page sends a short reply over that same transport.
// The WebSocket sends it over its socket; polling and SSE cannot, so each
// reply is one more request (POST /api/messages with via) — which is the
// lesson, and the request counts show it.
//
// Pure: no DOM, no globals. Read replyTo first.

/** TUTORIAL_RATE is the tutorial's feed rate: one event every 3 seconds. */
export const TUTORIAL_RATE = 0.333;

/**
 * MAX_REPLY_RATE is the fastest feed (events a second) the page replies to.
 * The server accepts 2 messages a second from one page (after a burst of 5);
 * with three transports replying, 1 event a second is 3 replies a second:
 * 1 over the WebSocket's own allowance, 2 by POST. Faster, the server would
 * refuse replies, so the page stops replying and says why.
 */
export const MAX_REPLY_RATE = 1;

/**
 * replyTo decides whether the page replies to an event one transport has
 * just accepted. It returns 'reply', 'tooFast' (the page would, but the feed
 * runs faster than MAX_REPLY_RATE) or 'no'. opts:
 *   on:        the tutorial's replies are turned on
 *   rate:      the feed's rate as the server last said it (events/s)
 *   replayed:  the event is catch-up from history after a (re)connect, not live
 *   sinceTs:   server time (µs) when the tutorial was turned on: a quote
 *              published before it came at the old rate and is not answered
 * Only live quotes are answered: a reply is a message, and a message is never
 * replied to (or the replies would answer each other for ever); catch-up and
 * the old rate's quotes still on their way (a poll brings a second's worth)
 * are not answered either, so neither can burst into the rate limit.
 */
export function replyTo(ev, { on, rate, replayed, sinceTs = 0 }) {
  if (!on || replayed || ev?.kind !== 'quote' || !Number.isInteger(ev.seq)) return 'no';
  if (!Number.isFinite(ev.ts) || ev.ts < sinceTs) return 'no';
  if (!Number.isFinite(rate) || rate > MAX_REPLY_RATE) return 'tooFast';
  return 'reply';
}

/**
 * replyText is the reply's text: it names the event and the transport, so
 * each of the three replies to one event is told apart in the message log,
 * on every page.
 */
export function replyText(ev, transport) {
  return `re #${ev.seq} (${transport})`;
}
