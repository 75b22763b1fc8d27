import test from 'node:test';
import assert from 'node:assert/strict';
import { Tutorial } from '../js/tutorial.js';
import { t } from '../js/i18n.js';

// T writes a key with its params, so a test reads which words were chosen.
const T = (key, params) => (params ? `${key} ${JSON.stringify(params)}` : key);
const quote = (seq, ts = 2_000_000) => ({ seq, ts, kind: 'quote', symbol: 'ACME', price: 1 });

test('tutorial: off, it replies to nothing and says how to start', () => {
  const tut = new Tutorial();
  assert.equal(tut.decide(quote(1), { rate: 1 / 3, replayed: false }), null);
  const v = tut.view(T, { rate: 5, stats: { defaultRate: 5 } });
  assert.equal(v.status, 'tutorial.hint');
  assert.equal(v.counts, '');
  assert.equal(v.normalHidden, true, 'the feed runs at the server\'s own rate');
  assert.equal(tut.view(T, { rate: 1, stats: { defaultRate: 5 } }).normalHidden, false);
});

test('tutorial: setting the rate is busy until answered; a 403 says why', () => {
  const tut = new Tutorial();
  tut.asking();
  assert.equal(tut.busy, true);
  tut.rateRefused(Object.assign(new Error('forbidden (HTTP 403)'), { status: 403 }));
  assert.equal(tut.busy, false);
  assert.equal(tut.on, false);
  assert.deepEqual(tut.error, { key: 'tutorial.forbidden', params: { rate: '0.333' } });
  assert.equal(tut.view(T, { rate: 5, stats: {} }).statusError, true);
  tut.asking();
  const refused = new Error('HTTP 502');
  tut.rateRefused(refused);
  assert.deepEqual(tut.error, { key: 'tutorial.refused', params: { error: refused } }, 'the error itself, for t() to say by its code');
  tut.asking();
  tut.rateSet();
  assert.equal(tut.error, null);
});

test('tutorial: on, it replies to live quotes since it began, counts answers of its own round', () => {
  const tut = new Tutorial();
  tut.begin(1_000_000);
  const opts = { rate: 1 / 3, replayed: false };
  assert.equal(tut.decide(quote(1, 999_999), opts), null, 'a quote of the old rate');
  assert.equal(tut.decide(quote(2), { ...opts, replayed: true }), null, 'catch-up');
  assert.equal(tut.decide({ seq: 3, ts: 2_000_000, kind: 'message' }, opts), null, 'a message');
  const round = tut.decide(quote(4), opts);
  assert.equal(round, 1);
  tut.replied('ws', round);
  tut.replied('sse', round);
  tut.notReplied(round, Object.assign(new Error('too many messages (HTTP 429)'), { refused: true }));
  const v = tut.view(T, { rate: 1 / 3, stats: { defaultRate: 5 } });
  assert.equal(v.status, 'tutorial.on');
  assert.match(v.counts, /^tutorial\.replies \{"list":"name\.poll 0 · name\.longpoll 0 · name\.sse 1 · name\.ws 1 · name\.socketio 0"\} tutorial\.repliesRefused \{"n":1,/);
  assert.equal(v.countsError, true);

  // Off and on again: a late answer of the first round is not this round's.
  assert.equal(tut.end(5), true);
  tut.begin(3_000_000);
  tut.replied('ws', round);
  tut.notReplied(round, new Error('late'));
  assert.deepEqual(tut.replies, { poll: 0, longpoll: 0, sse: 0, ws: 0, socketio: 0 });
  assert.equal(tut.refused, 0);
});

test('tutorial: a feed faster than it replies to is said, with the server\'s cap when that is lower', () => {
  const tut = new Tutorial();
  tut.begin(0);
  assert.equal(tut.decide(quote(1), { rate: 5, replayed: false }), null);
  assert.equal(tut.tooFast, true);
  assert.equal(tut.view(T, { rate: 5, stats: {} }).status, 'tutorial.tooFastPace {"rate":"5","max":1}');
  const capped = tut.view(T, { rate: 5, stats: { messageRate: 1, messageBurst: 5 } }).status;
  assert.equal(capped, 'tutorial.tooFast {"rate":"5","max":0.5,"messageRate":1,"burst":5}');
  assert.notEqual(tut.decide(quote(2), { rate: 1 / 3, replayed: false }), null);
  assert.equal(tut.tooFast, false, 'back at the pace, it replies again');
});

test('tutorial: back to normal needs the server\'s own rate', () => {
  const tut = new Tutorial();
  tut.begin(0);
  assert.equal(tut.end(undefined), false);
  assert.equal(tut.on, false);
  assert.deepEqual(tut.error, { key: 'tutorial.refused', params: { error: { key: 'error.noDefaultRate' } } });
  assert.equal(t('ko', tut.error.key, tut.error.params), '피드 속도를 바꾸지 못했습니다: 서버가 기본 피드 속도를 알려 주지 않았습니다');
});

test('tutorial: in a class, leave turns the replies off with no rate to ask for', () => {
  const tut = new Tutorial();
  tut.begin(1_000_000);
  tut.leave();
  assert.equal(tut.on, false);
  assert.equal(tut.error, null, 'no "default rate unknown": the instructor set the rate');
  assert.equal(tut.decide(quote(1), { rate: 1 / 3, replayed: false }), null);
});

test('tutorial: no reply while messages are off, and none after a muted refusal until it begins again', () => {
  const tut = new Tutorial();
  tut.begin(1_000_000);
  assert.equal(tut.decide(quote(1), { rate: 1 / 3, replayed: false, messagesOff: true }), null, 'messages off: not sent');
  assert.equal(tut.view(T, { rate: 1 / 3, stats: {}, messagesOff: true }).status, 'tutorial.messagesOff');
  const round = tut.decide(quote(2), { rate: 1 / 3, replayed: false });
  assert.equal(round, tut.round);
  tut.notReplied(round, Object.assign(new Error('muted (HTTP 403)'), { code: 'muted', refused: true }));
  assert.equal(tut.decide(quote(3), { rate: 1 / 3, replayed: false }), null, 'muted: no more replies');
  assert.equal(tut.view(T, { rate: 1 / 3, stats: {} }).status, 'tutorial.muted');
  tut.notReplied(round, Object.assign(new Error('too many'), { code: 'too_many_messages', refused: true }));
  tut.begin(2_000_000);
  assert.equal(tut.decide(quote(4, 3_000_000), { rate: 1 / 3, replayed: false }), tut.round, 'a new round replies again');
});
