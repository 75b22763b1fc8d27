import test from 'node:test';
import assert from 'node:assert/strict';
import { pickHints, RECENT_MS } from '../js/hints.js';
import { MESSAGES } from '../js/i18n.js';

const base = {
  on: true, median: NaN, samples: 0, interval: 1000, simDelay: null,
  requests: 0, received: 0, answers: 0, empty: 0, reconnect: null, pollMedian: NaN,
};
const keys = (hints) => hints.map((h) => h.key);

test('off: nothing to look at; on without numbers yet: waiting', () => {
  assert.deepEqual(pickHints({ ...base, transport: 'sse', on: false, requests: 1, received: 9 }), []);
  assert.deepEqual(keys(pickHints({ ...base, transport: 'poll' })), ['hint.waiting']);
});

test('poll: the median against half the interval, and the empty answers', () => {
  const s = { ...base, transport: 'poll', median: 540.2, samples: 20, interval: 1000, answers: 40, empty: 10 };
  assert.deepEqual(pickHints(s), [
    { key: 'hint.poll.median', params: { median: '540', half: '500' } },
    { key: 'hint.poll.empty', params: { share: '25', empty: '10', answers: '40' } },
  ]);
  assert.deepEqual(keys(pickHints({ ...s, samples: 4, answers: 4 })), ['hint.waiting'], 'too few to quote');
});

test('poll: a simulated delay is quoted as part of the trip back', () => {
  const s = { ...base, transport: 'poll', median: 705, samples: 20, interval: 1000 };
  assert.deepEqual(pickHints({ ...s, simDelay: { delayMs: 200, jitterMs: 0 } }), [
    { key: 'hint.poll.medianDelay', params: { median: '705', half: '500', delay: '200' } },
  ]);
  assert.deepEqual(pickHints({ ...s, simDelay: { delayMs: 150, jitterMs: 50 } })[0].params.delay, '150 ± 50');
  assert.deepEqual(keys(pickHints({ ...s, simDelay: { delayMs: 0, jitterMs: 0 } })), ['hint.poll.median'], 'no delay set');
});

test('poll: no hint about empty answers when none was empty', () => {
  const s = { ...base, transport: 'poll', answers: 40, empty: 0 };
  assert.deepEqual(keys(pickHints(s)), ['hint.waiting']);
  assert.deepEqual(keys(pickHints({ ...s, empty: 1 })), ['hint.poll.empty']);
});

test('poll hints read true in every language', () => {
  for (const lang of Object.keys(MESSAGES)) {
    for (const key of ['hint.poll.median', 'hint.poll.medianDelay', 'explain.poll']) {
      assert.doesNotMatch(MESSAGES[lang][key], /round trip|왕복/, `${lang}.${key}: the wait is one way, not a round trip`);
    }
  }
});

test('sse and ws: one request for all the events, or one per connection', () => {
  const s = { ...base, transport: 'sse', requests: 1, received: 120, median: 1.2, samples: 100 };
  assert.deepEqual(pickHints(s), [{ key: 'hint.push.one', params: { events: '120' } }]);
  assert.deepEqual(pickHints({ ...s, transport: 'ws', requests: 3 }), [
    { key: 'hint.ws.many', params: { requests: '3', events: '120' } },
  ]);
  assert.deepEqual(keys(pickHints({ ...s, requests: 2 })), ['hint.sse.many']);
  assert.deepEqual(pickHints({ ...s, pollMedian: 498 })[1], { key: 'hint.push.vsPoll', params: { median: '1.2', pollMedian: '498' } });
});

test('a recent reconnect comes first, and says whether anything was lost', () => {
  const s = { ...base, transport: 'ws', requests: 2, received: 50, reconnect: { agoMs: 3400, missed: 0, duplicates: 0 } };
  assert.deepEqual(pickHints(s)[0], { key: 'hint.resumed', params: { seconds: '3' } });
  assert.deepEqual(pickHints({ ...s, reconnect: { agoMs: 1000, missed: 4, duplicates: 0 } })[0],
    { key: 'hint.resumedLoss', params: { seconds: '1', missed: '4', duplicates: '0' } });
  assert.deepEqual(keys(pickHints({ ...s, reconnect: { agoMs: RECENT_MS, missed: 0, duplicates: 0 } })), ['hint.ws.many'],
    'an old reconnect is no longer news');
  assert.equal(pickHints({ ...s, pollMedian: 500, median: 1, samples: 9 }).length, 2, 'at most two');
});

test('every hint key exists in every language, with the same names', () => {
  const used = ['hint.waiting', 'hint.resumed', 'hint.resumedLoss', 'hint.poll.median', 'hint.poll.medianDelay',
    'hint.poll.empty', 'hint.push.one', 'hint.sse.many', 'hint.ws.many', 'hint.push.vsPoll'];
  for (const lang of Object.keys(MESSAGES)) {
    for (const key of used) assert.ok(Object.hasOwn(MESSAGES[lang], key), `${lang}: ${key}`);
  }
});

test('longpoll: the median beside polling\'s, and the requests busy or quiet', () => {
  const s = { ...base, transport: 'longpoll', median: 2.4, samples: 20, requests: 101, received: 100, answers: 100, empty: 1 };
  assert.deepEqual(pickHints(s), [
    { key: 'hint.longpoll.median', params: { median: '2.4' } },
    { key: 'hint.longpoll.busy', params: { requests: '101', events: '100' } },
  ]);
  assert.deepEqual(pickHints({ ...s, pollMedian: 512 })[0], { key: 'hint.longpoll.vsPoll', params: { median: '2.4', pollMedian: '512' } });
  assert.deepEqual(pickHints({ ...s, answers: 10, empty: 8 })[1], { key: 'hint.longpoll.quiet', params: { empty: '8', answers: '10' } });
  for (const lang of Object.keys(MESSAGES)) {
    for (const key of ['hint.longpoll.median', 'hint.longpoll.vsPoll', 'hint.longpoll.busy', 'hint.longpoll.quiet', 'explain.longpoll', 'how.longpoll']) {
      assert.ok(MESSAGES[lang][key], `${lang}.${key}`);
    }
  }
});

test('socketio: says whether it upgraded or stays on long polling', () => {
  const s = { ...base, transport: 'socketio', requests: 6, received: 40 };
  assert.deepEqual(keys(pickHints({ ...s, via: 'websocket' })), ['hint.socketio.upgraded']);
  assert.deepEqual(keys(pickHints({ ...s, via: 'polling' })), ['hint.socketio.polling']);
  assert.deepEqual(keys(pickHints({ ...s, via: null })), ['hint.waiting']);
});
