import test from 'node:test';
import assert from 'node:assert/strict';
import { createWireLog, EVERY_MS, MISSING_EVERY_MS, SERVER_KEEPS } from '../js/wirelog.js';
import { fakeTime } from './fakes.js';

function setup(answer, { needed = () => true } = {}) {
  const time = fakeTime();
  const urls = [];
  const got = [];
  const gaps = [];
  const log = createWireLog({
    clientId: 'abc',
    needed: () => needed(),
    onEntries: (es, missed) => {
      got.push(...es.map((e) => e.n));
      gaps.push(missed);
    },
    setTimeout: time.setTimeout,
    fetch: async (url) => {
      urls.push(url);
      const { status = 200, body } = answer(url);
      return { ok: status < 300, status, json: async () => body };
    },
  });
  return { log, time, urls, got, gaps };
}

const entry = (n) => ({ n, ts: 1, transport: 'sse', kind: 'heartbeat', dir: 'out', bytes: 14 });

test('wirelog: reads once a second after the last entry it has', async () => {
  let next = [entry(1), entry(2)];
  const { log, time, urls, got } = setup(() => {
    const entries = next;
    next = [];
    return { body: { next: entries.at(-1)?.n ?? 2, entries } };
  });
  log.start();
  await time.advance(0);
  assert.deepEqual(got, [1, 2]);
  assert.equal(log.state(), 'ok');
  next = [entry(3)];
  await time.advance(EVERY_MS);
  assert.deepEqual(urls, ['/api/wire?client=abc&after=0', '/api/wire?client=abc&after=2']);
  assert.deepEqual(got, [1, 2, 3]);
  await time.advance(EVERY_MS);
  assert.equal(urls.at(-1), '/api/wire?client=abc&after=3');
});

test('wirelog: asks only while an inspector needs it', async () => {
  let open = false;
  const { log, time, urls } = setup(() => ({ body: { next: 0, entries: [] } }), { needed: () => open });
  log.start();
  await time.advance(5 * EVERY_MS);
  assert.equal(urls.length, 0);
  open = true;
  await time.advance(3 * EVERY_MS);
  assert.equal(urls.length, 3);
});

test('wirelog: a server without a wire log is asked again only rarely', async () => {
  const { log, time, urls, got } = setup(() => ({ status: 404, body: { error: 'not found' } }));
  log.start();
  await time.advance(0);
  assert.equal(log.state(), 'missing');
  await time.advance(MISSING_EVERY_MS - 1);
  assert.equal(urls.length, 1);
  await time.advance(1);
  assert.equal(urls.length, 2);
  assert.deepEqual(got, []);
});

test('wirelog: a log that starts over (a new server run) is read from its start', async () => {
  const answers = [
    { body: { next: 40, entries: [entry(40)] } },
    { body: { next: 2, entries: [] } }, // the new run's log is shorter than what we had
    { body: { next: 2, entries: [entry(1), entry(2)] } },
  ];
  const { log, time, urls, got } = setup(() => answers.shift() ?? { body: { next: 2, entries: [] } });
  log.start();
  await time.advance(2 * EVERY_MS);
  assert.deepEqual(urls, ['/api/wire?client=abc&after=0', '/api/wire?client=abc&after=40', '/api/wire?client=abc&after=0']);
  assert.deepEqual(got, [40, 1, 2]);
  log.reset();
  await time.advance(EVERY_MS);
  assert.equal(urls.at(-1), '/api/wire?client=abc&after=0');
});

test('wirelog: says how many entries the server dropped, and treats a missing count as none', async () => {
  const answers = [
    { body: { next: 2, entries: [entry(1), entry(2)] } }, // a server without the field
    { body: { next: 16, missed: 13, entries: [entry(16)] } },
    { body: { next: 90, missed: 0, entries: [entry(90)] } },
    { body: { next: 90, missed: 'many', entries: [] } }, // nonsense: not a gap
  ];
  const { log, time, got, gaps } = setup(() => answers.shift() ?? { body: { next: 90, entries: [] } });
  log.start();
  await time.advance(4 * EVERY_MS);
  assert.deepEqual(got, [1, 2, 16, 90]);
  assert.deepEqual(gaps, [0, 13, 0], 'one call per answer with news; 13 dropped between 2 and 16');
  assert.equal(SERVER_KEEPS, 64);
});

test('wirelog: a gap with no entries after it is still reported', async () => {
  const { log, time, got, gaps } = setup(() => ({ body: { next: 70, missed: 6, entries: [] } }));
  log.start();
  await time.advance(0);
  assert.deepEqual(got, []);
  assert.deepEqual(gaps, [6]);
});

test('wirelog: a failing server is asked less and less often, and as usual once it answers', async () => {
  let down = true;
  const { log, time, urls, got } = setup((url) => {
    if (down) return { status: 502, body: {} };
    return { body: url.endsWith('after=0') ? { next: 1, entries: [entry(1)] } : { next: 1, entries: [] } };
  });
  log.start();
  await time.advance(10 * EVERY_MS);
  const failing = urls.length;
  assert.ok(failing >= 2 && failing <= 5, `${failing} requests in 10 s of failures, want fewer than one a second`);
  assert.equal(log.state(), 'unknown');
  down = false;
  await time.advance(30_000);
  assert.deepEqual(got, [1]);
  const before = urls.length;
  await time.advance(3 * EVERY_MS);
  assert.equal(urls.length, before + 3, 'back to once a second');
});
