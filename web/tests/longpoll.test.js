import test from 'node:test';
import assert from 'node:assert/strict';
import { createLongPoll, WAIT_MS } from '../js/transports/longpoll.js';
import { waitParam } from '../js/transports/poll.js';
import { fakeTime } from './fakes.js';

// setup makes a long poll over a fake server: each request is held until
// the test answers it (answer(body) or fail()), as the real one holds it
// until an event or the wait.
function setup({ interval = 1000, resume = () => null, onReconnect } = {}) {
  const time = fakeTime();
  const log = { urls: [], requests: 0, events: [], states: [], details: [], answers: [], aborted: 0 };
  const held = [];
  const fetch = (url, { signal }) => {
    log.urls.push(url);
    return new Promise((resolve, reject) => {
      held.push({
        answer: (body, status = 200) => resolve({ ok: status < 300, status, text: async () => JSON.stringify(body) }),
        fail: () => reject(new TypeError('Failed to fetch')),
      });
      signal.addEventListener('abort', () => {
        log.aborted++;
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      });
    });
  };
  const lp = createLongPoll({
    clientId: 'abc12345',
    interval,
    resume,
    fetch,
    random: () => 0,
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    onRequest: () => log.requests++,
    onEvent: (e) => log.events.push(e.seq),
    onAnswer: (n) => log.answers.push(n),
    onStatus: (s, d) => (log.states.push(s), log.details.push(d)),
    onReconnect,
  });
  return { lp, time, log, held };
}

const ev = (seq) => ({ seq, ts: 1, kind: 'quote', symbol: 'ACME', price: 1 });

test('waitParam writes a wait as time.ParseDuration reads it', () => {
  assert.equal(waitParam(25_000), '25s');
  assert.equal(waitParam(500), '500ms');
  assert.equal(waitParam(1500), '1500ms');
});

test('longpoll asks with wait=, and asks again the moment each answer is in, whatever the interval', async () => {
  const { lp, time, log, held } = setup({ interval: 5000, resume: () => ({ since: 6, epoch: 'e1' }) });
  assert.equal(lp.name, 'longpoll');
  lp.start();
  await time.advance(0);
  assert.deepEqual(log.urls, [`/poll?since=6&epoch=e1&wait=${WAIT_MS / 1000}s&client=abc12345`]);
  await time.advance(3000); // held at the server: nothing new
  assert.equal(log.requests, 1, 'one request waits; the page does not ask again meanwhile');
  held[0].answer({ epoch: 'e1', head: 7, events: [ev(7)], next: 7 });
  await time.advance(0);
  assert.equal(log.requests, 2, 'the next request leaves at once, not an interval later');
  assert.equal(log.urls[1], '/poll?since=7&epoch=e1&wait=25s&client=abc12345');
  held[1].answer({ epoch: 'e1', head: 8, events: [ev(8)], next: 8 });
  await time.advance(0);
  assert.deepEqual(log.events, [7, 8]);
  assert.equal(log.requests, 3, 'frequent events: one request per event');
  assert.equal(log.states.at(-1), 'open');
  assert.deepEqual(log.details.at(-1), { key: 'detail.longpoll.open', params: { seconds: '25' } });
  lp.stop();
});

test('longpoll: a wait that passed is an empty answer, and one request per wait while the feed is quiet', async () => {
  const { lp, time, log, held } = setup({ resume: () => ({ since: 3, epoch: 'e1' }) });
  lp.start();
  await time.advance(0);
  for (let i = 0; i < 3; i++) {
    await time.advance(WAIT_MS);
    held[i].answer({ epoch: 'e1', head: 3, events: [], next: 3 });
    await time.advance(0);
  }
  assert.deepEqual(log.answers, [0, 0, 0]);
  assert.equal(log.requests, 4, 'three waits answered, the fourth held');
  assert.ok(log.urls.every((u) => u.startsWith('/poll?since=3&epoch=e1&wait=25s')), 'the cursor stays put');
  lp.stop();
});

test('longpoll backs off after a failure with the shared retry core, not the interval, and counts the reconnect', async () => {
  let reconnects = 0;
  const { lp, time, log, held } = setup({ interval: 5000, onReconnect: () => reconnects++ });
  lp.start();
  await time.advance(0);
  held[0].answer({ epoch: 'e1', head: 1, events: [ev(1)], next: 1 });
  await time.advance(0);
  held[1].fail();
  await time.advance(0);
  assert.equal(log.states.at(-1), 'reconnecting');
  assert.equal(log.requests, 2);
  await time.advance(500); // random 0: the smallest backoff, 500 ms, under the 5 s interval
  assert.equal(log.requests, 3);
  held[2].answer({ epoch: 'e1', head: 1, events: [], next: 1 });
  await time.advance(0);
  assert.equal(reconnects, 1);
  assert.equal(log.states.at(-1), 'open');
  lp.stop();
});

test('longpoll: stop aborts the held request and leaves no timer', async () => {
  const { lp, time, log, held } = setup();
  lp.start();
  await time.advance(0);
  lp.stop();
  assert.equal(log.aborted, 1);
  held[0].answer({ epoch: 'e1', head: 2, events: [ev(2)], next: 2 }); // too late: ignored
  await time.advance(60_000);
  assert.equal(log.requests, 1);
  assert.deepEqual(log.events, []);
  assert.equal(log.states.at(-1), 'off');
  assert.equal(time.pending(), 0);
});

test('longpoll: setInterval changes nothing', async () => {
  const { lp, time, log } = setup();
  lp.start();
  await time.advance(0);
  lp.setInterval(250);
  await time.advance(1000);
  assert.equal(log.requests, 1);
  lp.stop();
});
