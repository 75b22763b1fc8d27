import test from 'node:test';
import assert from 'node:assert/strict';
import { createClassView, REPORT_EVERY_MS } from '../js/class-view.js';
import { fakeTime } from './fakes.js';

const STATE = {
  version: 1, run: 1, transports: ['poll', 'sse', 'ws'], interval: 1000, rate: 1,
  paused: false, messages: true, network: { delayMs: 0, jitterMs: 0 }, tutorial: false,
};

// fakeStorage is a Storage with getItem, setItem and removeItem.
function fakeStorage(items = {}) {
  const m = new Map(Object.entries(items));
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    items: m,
  };
}

// setup makes a class view over a fake server: each follow request waits
// until the test answers it (answer / fail), as a held long poll does.
function setup({ session = fakeStorage(), local = fakeStorage(), disconnected } = {}) {
  const time = fakeTime();
  const follows = []; // {query, resolve, reject}
  const reports = [];
  const done = [];
  const api = {
    get(path, query) {
      assert.equal(path, '/api/class/follow');
      return new Promise((resolve, reject) => follows.push({ query, at: time.now(), resolve, reject }));
    },
    async post(path, body) {
      assert.equal(path, '/api/class/report');
      reports.push({ at: time.now(), body });
      return {};
    },
  };
  const apply = {};
  for (const k of ['transports', 'interval', 'network', 'tutorial']) apply[k] = (v) => done.push([k, v]);
  apply.startOver = () => done.push(['startOver']);
  const view = createClassView({
    api,
    T: (k) => k,
    now: time.now,
    apply,
    report: () => ({ transports: ['sse'], summaries: { sse: { count: 4, median: 2, p95: 9 } } }),
    onRate: (rate) => done.push(['rate', rate]),
    renderControls: () => {},
    relabel: () => {},
    disconnected,
    session,
    local,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  // answer answers the latest follow request with a state.
  const answer = async (over = {}, ms = 0) => {
    await time.advance(ms);
    follows.at(-1).resolve({ ...STATE, ...over });
    await time.advance(0);
  };
  return { view, time, follows, reports, done, answer, session, local };
}

test('class view: nothing asked until the server says class; then the state applied whole, and asked again held', async () => {
  const { view, time, follows, done, answer } = setup();
  await time.advance(10_000);
  assert.equal(follows.length, 0, 'no class mode: no follow request');
  view.setClass(true);
  await time.advance(0);
  assert.deepEqual(follows.map((f) => f.query), [{ version: undefined }], 'the first asks for the state at once');
  await answer({ version: 4, run: 2, transports: ['ws'], interval: 500, network: { delayMs: 100, jitterMs: 0 } }, 300);
  assert.deepEqual(done, [
    ['rate', 1],
    ['network', { delayMs: 100, jitterMs: 0 }], ['interval', 500], ['transports', ['ws']], ['tutorial', false],
  ], 'the network first, so that the lanes opened next cross it; no new run: run 2 is the baseline');
  assert.deepEqual(follows[1].query, { version: 4 }, 'asked again at once, naming the version it has');

  done.length = 0;
  await answer({ version: 5, run: 2, transports: ['ws', 'sse'], interval: 500, network: { delayMs: 100, jitterMs: 0 } }, 20_000);
  assert.deepEqual(done, [['rate', 1], ['transports', ['sse', 'ws']]], 'only what changed, in the page\'s order');
  done.length = 0;
  await answer({ version: 6, run: 3, transports: ['ws', 'sse'], interval: 500, network: { delayMs: 100, jitterMs: 0 } }, 1000);
  assert.deepEqual(done, [['rate', 1], ['startOver']], 'a later bump of run: the numbers from zero');
});

test('class view: never spins: a quick answer of the same version waits, a failure backs off', async () => {
  const { view, time, follows, answer } = setup();
  view.setClass(true);
  await time.advance(0);
  await answer({ version: 1 });
  const asked = follows.length;
  await answer({ version: 1 }, 10); // not held: the same version, at once
  assert.equal(follows.length, asked, 'not asked again at once');
  await time.advance(1000);
  assert.equal(follows.length, asked + 1, 'asked again a second later');

  follows.at(-1).reject(new Error('HTTP 502'));
  await time.advance(999);
  assert.equal(follows.length, asked + 1, 'a failure waits at least a second');
  await time.advance(30_000);
  assert.ok(follows.length <= asked + 3, `backing off: ${follows.length - asked - 1} retries in 31 s`);
});

test('class view: detached (this tab chose so), nothing applied; following again applies the state whole', async () => {
  const session = fakeStorage({ 'transportlab-alone': 'yes' });
  const { view, time, done, answer, reports } = setup({ session });
  view.setClass(true);
  await time.advance(0);
  await answer({ version: 3, interval: 2000 });
  await answer({ version: 4, interval: 2000, tutorial: true }, 100);
  assert.deepEqual(done.filter((d) => d[0] !== 'rate'), [], 'exploring alone: the rate is still the server\'s');
  assert.equal(reports.at(-1).body.following, false);
  view.toggle();
  await time.advance(0);
  assert.equal(session.items.has('transportlab-alone'), false);
  assert.deepEqual(done.filter((d) => d[0] !== 'rate').map((d) => d[0]), ['network', 'interval', 'transports', 'tutorial']);
  assert.equal(reports.at(-1).body.following, true, 'reported at once');
  done.length = 0;
  view.toggle();
  assert.equal(session.getItem('transportlab-alone'), 'yes', 'the choice survives a reload of the tab');
  assert.deepEqual(done, [['tutorial', false]], 'a page exploring alone does not reply for the class');
});

test('class view: reports every 2 s with the name, the lanes and their latency; stops with class mode', async () => {
  const local = fakeStorage({ 'transportlab-name': 'Minji' });
  const { view, time, reports, follows } = setup({ local });
  view.setClass(true);
  await time.advance(0);
  await time.advance(3 * REPORT_EVERY_MS);
  assert.deepEqual(reports.map((r) => r.at - reports[0].at), [0, 2000, 4000, 6000]);
  assert.deepEqual(reports[0].body, {
    name: 'Minji', following: true, transports: ['sse'], latency: { sse: { p50Ms: 2, p95Ms: 9, n: 4 } },
  });
  view.setClass(false);
  follows.at(-1).resolve(STATE); // the held request ends
  const n = { reports: reports.length, follows: follows.length };
  await time.advance(60_000);
  assert.deepEqual({ reports: reports.length, follows: follows.length }, n, 'no class: nothing asked, nothing reported');
  assert.equal(time.pending(), 0, 'no timer left');
});

test('class view: a disconnected page follows and reports no more, and leaves no timer', async () => {
  let gone = false;
  const { view, time, reports, follows } = setup({ disconnected: () => gone });
  view.setClass(true);
  await time.advance(0);
  await time.advance(REPORT_EVERY_MS);
  assert.equal(follows.length, 1);
  assert.equal(reports.length, 2);
  gone = true;
  follows.at(-1).reject(Object.assign(new Error('the instructor disconnected this page'), { code: 'disconnected' }));
  const n = { reports: reports.length, follows: follows.length };
  await time.advance(120_000);
  assert.deepEqual({ reports: reports.length, follows: follows.length }, n, 'nothing asked once disconnected');
  assert.equal(time.pending(), 0, 'no timer left');
});

test('class view: names the server run it follows; a restarted server at the same version is applied whole, at once', async () => {
  const { view, time, follows, done, answer } = setup();
  view.setClass(true);
  await time.advance(0);
  await answer({ epoch: 'run-1', version: 2, interval: 500 });
  assert.deepEqual(follows.at(-1).query, { version: 2, epoch: 'run-1' }, 'the version, and the run it is of');
  done.length = 0;
  const asked = follows.length;
  await answer({ epoch: 'run-2', version: 2, interval: 500 }, 10); // a new server, answering at once
  assert.deepEqual(done.map((d) => d[0]), ['rate', 'network', 'interval', 'transports', 'tutorial'], 'the new server\'s state, whole');
  assert.equal(follows.length, asked + 1, 'and asked again at once, naming the new run');
  assert.deepEqual(follows.at(-1).query, { version: 2, epoch: 'run-2' });
});
