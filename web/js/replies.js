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
export const TUTORIAL_RATE = 1 / 3;

/**
 * MAX_REPLY_RATE is the fastest feed (events a second) the page ever
 * replies to: the tutorial's pace is one event every 3 s, and faster replies
 * from every open page would flood everyone's feed.
 */
export const MAX_REPLY_RATE = 1;

/**
 * POSTING is how many transports reply by POST /api/messages. The server
 * caps the messages one page may send (/api/stats messageRate a second,
 * after a burst of messageBurst): the POSTs of polling and SSE share one
 * allowance, and the WebSocket has an allowance of its own.
 */
export const POSTING = 2;

/**
 * maxReplyRate is the fastest feed (events a second) the page replies to,
 * given the server's messageRate: never above MAX_REPLY_RATE, and slower
 * when the server's cap needs it: each event brings one reply by POST per
 * POSTING transport, and those must stay within messageRate. 0 means the
 * server sets no limit; a server that does not say (not a number) gets
 * MAX_REPLY_RATE too.
 */
export function maxReplyRate(messageRate) {
  if (typeof messageRate !== 'number' || !Number.isFinite(messageRate) || messageRate <= 0) return MAX_REPLY_RATE;
  return Math.min(MAX_REPLY_RATE, messageRate / POSTING);
}

/**
 * capLimits reports whether the server's message cap, rather than the
 * page's own pace, is what sets maxReplyRate.
 */
export function capLimits(messageRate) {
  return typeof messageRate === 'number' && messageRate > 0 && messageRate / POSTING < MAX_REPLY_RATE;
}

/**
 * replyTo decides whether the page replies to an event one transport has
 * just accepted. It returns 'reply', 'tooFast' (the page would, but the feed
 * runs faster than `max`) or 'no'. opts:
 *   on:        the tutorial's replies are turned on
 *   rate:      the feed's rate as the server last said it (events/s)
 *   max:       the fastest feed to reply to (maxReplyRate), MAX_REPLY_RATE by default
 *   replayed:  the event is catch-up from history after a (re)connect, not live
 *   sinceTs:   server time (µs) when the tutorial was turned on: a quote
 *              published before it came at the old rate and is not answered
 * Only live quotes are answered: a reply is a message, and a message is never
 * replied to (or the replies would answer each other for ever); catch-up and
 * the old rate's quotes still on their way (a poll brings a second's worth)
 * are not answered either, so neither can burst into the rate limit.
 */
export function replyTo(ev, { on, rate, replayed, sinceTs = 0, max = MAX_REPLY_RATE }) {
  if (!on || replayed || ev?.kind !== 'quote' || !Number.isInteger(ev.seq)) return 'no';
  if (!Number.isFinite(ev.ts) || ev.ts < sinceTs) return 'no';
  if (!Number.isFinite(rate) || rate > max) return 'tooFast';
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
