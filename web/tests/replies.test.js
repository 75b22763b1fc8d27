import test from 'node:test';
import assert from 'node:assert/strict';
import { replyTo, replyText, maxReplyRate, capLimits, TUTORIAL_RATE, MAX_REPLY_RATE } from '../js/replies.js';

const quote = { seq: 42, ts: 1, kind: 'quote', symbol: 'ACME', price: 101.37 };
const live = { on: true, rate: TUTORIAL_RATE, replayed: false };

test('the tutorial answers every live quote', () => {
  assert.equal(replyTo(quote, live), 'reply');
  assert.equal(replyTo(quote, { ...live, rate: MAX_REPLY_RATE }), 'reply');
});

test('a reply is never replied to, nor is any other message', () => {
  const reply = { seq: 43, ts: 2, kind: 'message', from: 'k3v9x2qa', text: replyText(quote, 'ws'), via: 'ws' };
  assert.equal(replyTo(reply, live), 'no');
  assert.equal(replyTo({ ...reply, from: 'someone', text: 'hi' }, live), 'no');
  assert.equal(replyTo({ seq: 44, kind: 'news' }, live), 'no', 'kinds the page does not know');
});

test('no replies when off, to catch-up, or to something without a seq', () => {
  assert.equal(replyTo(quote, { ...live, on: false }), 'no');
  assert.equal(replyTo(quote, { ...live, replayed: true }), 'no');
  assert.equal(replyTo({ ...quote, seq: undefined }, live), 'no');
  assert.equal(replyTo(null, live), 'no');
});

test('quotes published before the tutorial started are not answered', () => {
  const since = { ...live, sinceTs: 5_000_000 };
  assert.equal(replyTo({ ...quote, ts: 4_999_999 }, since), 'no');
  assert.equal(replyTo({ ...quote, ts: 5_000_000 }, since), 'reply');
  assert.equal(replyTo({ ...quote, ts: undefined }, since), 'no', 'no ts: nothing says when it was published');
});

test('a feed faster than 1 event a second is not answered, and says so', () => {
  assert.equal(replyTo(quote, { ...live, rate: 1.01 }), 'tooFast');
  assert.equal(replyTo(quote, { ...live, rate: 5 }), 'tooFast');
  assert.equal(replyTo(quote, { ...live, rate: null }), 'tooFast', 'an unknown rate is not assumed slow');
  assert.equal(replyTo(quote, { ...live, on: false, rate: 5 }), 'no');
});

test('the fastest feed replied to follows the server\'s cap on messages', () => {
  assert.equal(maxReplyRate(2), 1, 'two POSTs an event share 2 messages a second');
  assert.equal(maxReplyRate(0.5), 0.25);
  assert.equal(maxReplyRate(0), MAX_REPLY_RATE, '0: no server limit, the tutorial\'s pace still');
  assert.equal(maxReplyRate(10), MAX_REPLY_RATE, 'a generous cap: the tutorial\'s pace');
  assert.equal(maxReplyRate(undefined), MAX_REPLY_RATE, 'a server that does not say: as before');
  assert.equal(maxReplyRate(-1), MAX_REPLY_RATE);
  assert.equal(maxReplyRate('2'), MAX_REPLY_RATE);
  assert.equal(replyTo(quote, { ...live, rate: 1.5, max: maxReplyRate(4) }), 'tooFast');
  assert.equal(replyTo(quote, { ...live, rate: 1, max: maxReplyRate(4) }), 'reply');
  assert.equal(replyTo(quote, { ...live, rate: 0.333, max: maxReplyRate(0.5) }), 'tooFast');
  assert.equal(replyTo(quote, { ...live, rate: 5, max: maxReplyRate(0) }), 'tooFast');
  assert.ok(capLimits(0.5) && !capLimits(2) && !capLimits(0) && !capLimits(undefined));
});

test('the tutorial\'s own rate is one event every 3 s, and answered', () => {
  assert.equal(1 / TUTORIAL_RATE, 3);
  assert.ok(TUTORIAL_RATE <= MAX_REPLY_RATE);
});

test('replyText names the event and the transport, short', () => {
  assert.equal(replyText(quote, 'sse'), 're #42 (sse)');
  const texts = new Set(['poll', 'sse', 'ws'].map((t) => replyText(quote, t)));
  assert.equal(texts.size, 3);
  for (const t of texts) assert.ok(t.length <= 280);
});
