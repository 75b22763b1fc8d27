import test from 'node:test';
import assert from 'node:assert/strict';
import { createPoll } from '../js/transports/poll.js';
import { fakeTime } from './fakes.js';
import { t } from '../js/i18n.js';

function setup({ answers, interval = 1000, resume = () => null, rttMs = 0, onWire, onReconnect, onGone }) {
  const time = fakeTime();
  const log = { urls: [], requests: 0, bytes: 0, hellos: [], events: [], states: [], details: [] };
  const fetch = (url, { signal }) => {
    log.urls.push(url);
    const answer = answers.shift() ?? { status: 200, body: { epoch: 'e', head: 0, events: [], next: 0 } };
    if (answer.network) return Promise.reject(new TypeError('Failed to fetch')); // no answer at all
    return new Promise((resolve, reject) => {
      const done = () => {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        resolve({ ok: answer.status < 300, status: answer.status, text: async () => text });
      };
      if (rttMs) time.setTimeout(done, rttMs);
      else done();
      signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    });
  };
  const poll = createPoll({
    clientId: 'abc12345',
    interval,
    resume,
    fetch,
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    onRequest: () => log.requests++,
    onBytes: (n) => (log.bytes += n),
    onHello: (h) => log.hellos.push(h),
    onEvent: (e) => log.events.push(e.seq),
    onStatus: (s, d) => (log.states.push(s), log.details.push(d)),
    onWire,
    onReconnect,
    onGone,
  });
  return { poll, time, log };
}

const ev = (seq) => ({ seq, ts: 1, kind: 'quote', symbol: 'ACME', price: 1 });

test('poll asks for the latest, then since next, once per interval', async () => {
  const answers = [
    { status: 200, body: { epoch: 'e1', head: 7, events: [ev(7)], next: 7 } },
    { status: 200, body: { epoch: 'e1', head: 9, events: [ev(8), ev(9)], next: 9, missed: 0 } },
    { status: 200, body: { epoch: 'e1', head: 9, events: [], next: 9, missed: 0 } },
  ];
  const { poll, time, log } = setup({ answers });
  poll.start();
  await time.advance(0);
  assert.deepEqual(log.urls, ['/poll?client=abc12345']);
  await time.advance(999);
  assert.equal(log.requests, 1);
  await time.advance(1);
  assert.deepEqual(log.urls[1], '/poll?since=7&epoch=e1&client=abc12345');
  await time.advance(1000);
  assert.equal(log.requests, 3);
  assert.deepEqual(log.events, [7, 8, 9]);
  assert.deepEqual(log.hellos.map((h) => h.first), [true, false, false]);
  assert.equal(log.bytes, [7, 8, 9].reduce((n, s) => n + JSON.stringify(ev(s)).length, 0), 'the body is the events, not the answer around them');
  assert.equal(log.states.at(-1), 'open');
  poll.stop();
  assert.equal(log.states.at(-1), 'off');
  await time.advance(10_000);
  assert.equal(log.requests, 3);
  assert.equal(time.pending(), 0);
});

test('poll asks again at once while the answer says more events wait, each a request', async () => {
  const answers = [
    { status: 200, body: { epoch: 'e1', head: 9, events: [ev(4), ev(5)], next: 5, missed: 0, more: 4 } },
    { status: 200, body: { epoch: 'e1', head: 9, events: [ev(6), ev(7)], next: 7, missed: 0, more: 2 } },
    { status: 200, body: { epoch: 'e1', head: 9, events: [ev(8), ev(9)], next: 9, missed: 0 } },
    { status: 200, body: { epoch: 'e1', head: 9, events: [], next: 9, missed: 0 } },
  ];
  const { poll, time, log } = setup({ answers, resume: () => ({ since: 3, epoch: 'e1' }) });
  poll.start();
  await time.advance(0);
  assert.deepEqual(log.urls, [
    '/poll?since=3&epoch=e1&client=abc12345',
    '/poll?since=5&epoch=e1&client=abc12345',
    '/poll?since=7&epoch=e1&client=abc12345',
  ], 'each continues from next, without waiting an interval');
  assert.equal(log.requests, 3);
  assert.deepEqual(log.events, [4, 5, 6, 7, 8, 9]);
  assert.deepEqual(log.hellos.map((h) => h.catchUp), [true, false, false]);
  poll.setInterval(2000); // caught up: the interval applies again
  await time.advance(1999);
  assert.equal(log.requests, 3);
  await time.advance(1);
  assert.equal(log.requests, 4);
  assert.equal(log.urls[3], '/poll?since=9&epoch=e1&client=abc12345');
  poll.stop();
});

test('poll: more of 0, or not a number, waits the interval as usual', async () => {
  const answers = [
    { status: 200, body: { epoch: 'e1', head: 1, events: [ev(1)], next: 1, more: 0 } },
    { status: 200, body: { epoch: 'e1', head: 1, events: [], next: 1, more: '5' } },
  ];
  const { poll, time, log } = setup({ answers });
  poll.start();
  await time.advance(0);
  assert.equal(log.requests, 1);
  await time.advance(1000);
  assert.equal(log.requests, 2);
  await time.advance(999);
  assert.equal(log.requests, 2);
  poll.stop();
});

test('poll never overlaps: a slow answer delays the next request', async () => {
  const { poll, time, log } = setup({ answers: [], interval: 250, rttMs: 400 });
  poll.start();
  await time.advance(0);
  assert.equal(log.requests, 1);
  await time.advance(399);
  assert.equal(log.requests, 1); // still waiting for the first answer
  await time.advance(1);
  assert.equal(log.requests, 2); // answered late: asks again at once
  poll.stop();
});

test('poll resumes from resume() and keeps polling after errors', async () => {
  const answers = [
    { status: 500, body: { error: 'boom' } },
    { status: 200, body: { epoch: 'e1', head: 12, events: [ev(11), ev(12)], next: 12, missed: 0 } },
  ];
  const { poll, time, log } = setup({ answers, resume: () => ({ since: 10, epoch: 'e1' }) });
  poll.start();
  await time.advance(0);
  assert.equal(log.urls[0], '/poll?since=10&epoch=e1&client=abc12345');
  assert.equal(log.states.at(-1), 'reconnecting');
  await time.advance(5000);
  assert.equal(log.states.at(-1), 'open');
  assert.deepEqual(log.events, [11, 12]);
  poll.stop();
});

test('stop aborts the request in flight and ignores its answer', async () => {
  const answers = [{ status: 200, body: { epoch: 'e1', head: 1, events: [ev(1)], next: 1 } }];
  const { poll, time, log } = setup({ answers, rttMs: 100 });
  poll.start();
  await time.advance(50);
  poll.stop();
  await time.advance(1000);
  assert.deepEqual(log.events, []);
  assert.equal(log.requests, 1);
  assert.equal(log.states.at(-1), 'off');
});

test('poll: onWire reports each request with its answer, and a failed one with its error', async () => {
  const wire = [];
  const answers = [
    { status: 200, body: { epoch: 'e1', head: 7, events: [ev(7)], next: 7 } },
    { status: 200, body: { epoch: 'e1', head: 7, events: [], next: 7 } },
    { status: 400, body: { error: 'bad since' } },
  ];
  const { poll, time } = setup({ answers, rttMs: 5, onWire: (e) => wire.push(e) });
  poll.start();
  await time.advance(2100);
  poll.stop();
  assert.equal(wire.length, 3);
  const body0 = JSON.stringify({ epoch: 'e1', head: 7, events: [ev(7)], next: 7 }).length;
  assert.deepEqual(wire[0], { kind: 'poll', at: 1_000_000, doneAt: 1_000_005, target: '/poll?client=abc12345', status: 200, events: 1, body: body0 });
  assert.equal(wire[1].target, '/poll?since=7&epoch=e1&client=abc12345');
  assert.equal(wire[1].at, 1_001_000, 'at: when the request was sent, not answered');
  assert.equal(wire[1].events, 0);
  assert.equal(wire[2].status, 400);
  assert.equal(wire[2].events, null);
  assert.match(wire[2].error, /HTTP 400: bad since/);
});

test('poll: an answer after failures is a reconnect only once it had answered', async () => {
  const ok = { status: 200, body: { epoch: 'e1', head: 1, events: [], next: 1 } };
  const down = { status: 503, body: { error: 'down' } };
  let reconnects = 0;
  const { poll, time } = setup({ answers: [down, ok, down, down, ok], onReconnect: () => reconnects++ });
  poll.start();
  await time.advance(30_000);
  assert.equal(reconnects, 1, 'the first failure lost nothing; the later two lost an answering server');
  poll.stop();
});

test('poll: the first answer, and the first after failed requests, is catch-up', async () => {
  const ok = (head) => ({ status: 200, body: { epoch: 'e1', head, events: [], next: head } });
  const down = { status: 503, body: { error: 'down' } };
  const { poll, time, log } = setup({ answers: [ok(1), ok(2), down, down, ok(9), ok(10)] });
  poll.start();
  await time.advance(30_000);
  assert.deepEqual(log.hellos.slice(0, 4).map((h) => [h.head, h.catchUp]), [[1, true], [2, false], [9, true], [10, false]]);
  poll.stop();
});

test('poll: a refusal carries the key of the page\'s words for its code, or for a bare status; else the server\'s reason', async () => {
  const answers = [
    { status: 503, body: { error: 'server shutting down', code: 'shutting_down' } },
    { status: 503, body: { error: 'resting', code: 'a_code_the_page_does_not_know' } },
    { status: 502, body: '<html>bad gateway</html>' },
    { network: true },
  ];
  const { poll, time, log } = setup({ answers });
  poll.start();
  await time.advance(60_000);
  poll.stop();
  const errors = log.details.filter((d) => d?.key === 'detail.poll.retry').map((d) => d.params.error);
  assert.equal(errors.length, 4);
  assert.equal(errors[0].key, 'serverError.shutting_down');
  assert.equal(errors[0].message, 'HTTP 503: server shutting down', 'the English reason stays for the wire log');
  assert.equal(errors[1].key, undefined);
  assert.equal(errors[1].message, 'HTTP 503: resting');
  assert.equal(errors[2].message, 'HTTP 502');
  assert.equal(t('ko', errors[2].key, errors[2].params), '서버 응답: HTTP 502', 'a bare status, in the page\'s language');
  assert.equal(errors[3].message, 'Failed to fetch', 'the browser\'s words stay for the wire log');
  assert.equal(t('ko', 'detail.poll.retry', { error: errors[3], seconds: '1.0' }), '서버에서 답이 오지 않았습니다(네트워크 오류), 1.0초 후 재시도');
});

test('poll: 403 disconnected stops the lane for good: no retry, off, and the page is told', async () => {
  const gone = [];
  const answers = [
    { status: 200, body: { epoch: 'e1', head: 1, events: [ev(1)], next: 1 } },
    { status: 403, body: { error: 'the instructor disconnected this page', code: 'disconnected' } },
  ];
  const { poll, time, log } = setup({ answers, onGone: (err) => gone.push(err.code) });
  poll.start();
  await time.advance(0);
  await time.advance(1000);
  assert.equal(log.requests, 2);
  assert.deepEqual(gone, ['disconnected']);
  assert.equal(log.states.at(-1), 'off');
  assert.equal(t('en', log.details.at(-1).key), 'the instructor disconnected this page');
  await time.advance(120_000);
  assert.equal(log.requests, 2, 'never asked again');
  assert.equal(time.pending(), 0);
  poll.stop(); // the page stops the lane too: nothing more is said
  assert.equal(log.states.filter((s) => s === 'off').length, 1);
});
