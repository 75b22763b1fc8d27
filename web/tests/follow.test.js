import test from 'node:test';
import assert from 'node:assert/strict';
import { Follow, MAX_NAME, cleanName, isEmpty, parseClassState, plan, reportBody } from '../js/follow.js';

const KNOWN = ['poll', 'sse', 'ws'];

// state is a class state as GET /api/class/follow answers it, parsed.
function state(over = {}) {
  return parseClassState({
    version: 1, run: 1, transports: ['poll', 'sse', 'ws'], interval: 1000, rate: 1,
    paused: false, messages: true, network: { delayMs: 0, jitterMs: 0 }, tutorial: false,
    ...over,
  }, KNOWN);
}

test('parseClassState: takes a follow answer, refuses what is not one', () => {
  const s = state({ transports: ['ws', 'http3', 'poll'], rate: 1 / 3, paused: true, messages: false });
  assert.deepEqual(s, {
    epoch: null, version: 1, run: 1, transports: ['poll', 'ws'], interval: 1000, rate: 1 / 3, paused: true,
    messages: false, network: { delayMs: 0, jitterMs: 0 }, tutorial: false,
  }, 'an unknown lane is left out; the order is the page\'s');
  const good = { version: 1, run: 0, transports: [], interval: 250, network: { delayMs: 0, jitterMs: 0 } };
  assert.notEqual(parseClassState(good, KNOWN), null);
  for (const [name, bad] of [
    ['null', null],
    ['a string', 'x'],
    ['no version', { ...good, version: undefined }],
    ['a negative run', { ...good, run: -1 }],
    ['a fractional version', { ...good, version: 1.5 }],
    ['transports not a list', { ...good, transports: 'poll' }],
    ['interval too short', { ...good, interval: 249 }],
    ['interval too long', { ...good, interval: 5001 }],
    ['interval a string', { ...good, interval: '1000' }],
    ['no network', { ...good, network: undefined }],
    ['a negative delay', { ...good, network: { delayMs: -1, jitterMs: 0 } }],
  ]) assert.equal(parseClassState(bad, KNOWN), null, name);
});

test('a state of another epoch is a restarted server, even at the same version: applied whole', () => {
  assert.equal(state({ epoch: 'e2' }).epoch, 'e2');
  assert.equal(state({ epoch: 7 }).epoch, null, 'an epoch is a string');
  const before = state({ epoch: 'e1', version: 3, run: 2, interval: 250 });
  const after = state({ epoch: 'e2', version: 3, run: 1, interval: 250 });
  const p = plan(before, after, 2);
  assert.equal(p.newRun, false, 'the run counter starts over with the server');
  assert.equal(p.interval, 250, 'whole: every field, changed or not');
  assert.deepEqual(p.transports, ['poll', 'sse', 'ws']);
  assert.ok(isEmpty(plan(before, state({ epoch: 'e1', version: 3, run: 2, interval: 250 }))), 'the same run: nothing');

  const f = new Follow();
  f.take(before);
  assert.equal(f.runFrom, 2);
  const q = f.take(after);
  assert.equal(q.interval, 250, 'Follow applies it whole');
  assert.equal(q.newRun, false);
  assert.equal(f.runFrom, 1, 'the new server\'s run is the baseline');
});

test('plan: nothing applied yet, so everything; then only what changed', () => {
  const first = state();
  assert.deepEqual(plan(null, first), {
    newRun: false, transports: ['poll', 'sse', 'ws'], interval: 1000,
    network: { delayMs: 0, jitterMs: 0 }, tutorial: false,
  });
  const v = (over) => state({ version: 2, ...over });
  assert.deepEqual(plan(first, v({})), { newRun: false }, 'a new version that changed nothing the page applies');
  assert.ok(isEmpty(plan(first, v({ paused: true, messages: false, rate: 5 }))), 'paused, messages and rate are shown, not applied');
  assert.deepEqual(plan(first, v({ transports: ['sse'] })), { newRun: false, transports: ['sse'] });
  assert.deepEqual(plan(first, v({ transports: [] })), { newRun: false, transports: [] }, 'all off');
  assert.deepEqual(plan(first, v({ interval: 250 })), { newRun: false, interval: 250 });
  assert.deepEqual(plan(first, v({ network: { delayMs: 200, jitterMs: 50 } })), { newRun: false, network: { delayMs: 200, jitterMs: 50 } });
  assert.deepEqual(plan(first, v({ tutorial: true })), { newRun: false, tutorial: true });
  assert.deepEqual(plan(first, v({ run: 2 }), 1), { newRun: true });
});

test('plan: a lower version is a restarted server: the state applied whole, and no new run', () => {
  const before = state({ version: 9, run: 3, transports: ['ws'] });
  const after = state({ version: 1, run: 1, transports: ['ws'] });
  const p = plan(before, after, 3);
  assert.equal(p.newRun, false);
  assert.deepEqual(p.transports, ['ws']);
  assert.equal(p.interval, 1000);
  assert.deepEqual(p.network, { delayMs: 0, jitterMs: 0 });
  assert.equal(p.tutorial, false);
});

test('Follow: the first state is the run\'s baseline; only a later bump starts from zero', () => {
  const f = new Follow();
  assert.equal(f.take(state({ version: 5, run: 4 })).newRun, false, 'run 4 when the page came: its baseline');
  assert.ok(isEmpty(f.take(state({ version: 5, run: 4 }))), 'the same state again (a long poll that timed out)');
  assert.equal(f.take(state({ version: 6, run: 4, interval: 500 })).newRun, false);
  const p = f.take(state({ version: 7, run: 5, interval: 500 }));
  assert.deepEqual(p, { newRun: true });
  assert.equal(f.take(state({ version: 8, run: 5, interval: 500, tutorial: true })).newRun, false, 'once');
});

test('Follow: detached, nothing is applied; following again applies the current state whole', () => {
  const f = new Follow();
  f.take(state({ version: 1, run: 1, transports: ['poll'] }));
  f.detach();
  assert.equal(f.following, false);
  assert.equal(f.take(state({ version: 2, run: 1, transports: ['sse'], interval: 2000 })), null);
  assert.equal(f.take(state({ version: 3, run: 1, transports: ['sse'], interval: 2000, tutorial: true })), null);
  assert.equal(f.state.version, 3, 'the state is still read, for the strip and for later');
  const p = f.follow();
  assert.deepEqual(p, {
    newRun: false, transports: ['sse'], interval: 2000, network: { delayMs: 0, jitterMs: 0 }, tutorial: true,
  }, 'whole: the student may have changed anything meanwhile');
  assert.deepEqual(f.take(state({ version: 4, run: 1, transports: ['sse', 'ws'], interval: 2000, tutorial: true })),
    { newRun: false, transports: ['sse', 'ws'] }, 'then only what changes');
});

test('Follow: a new run while detached starts from zero when the page follows again, once', () => {
  const f = new Follow();
  f.take(state({ version: 1, run: 1 }));
  f.detach();
  f.take(state({ version: 2, run: 2 }));
  assert.equal(f.follow().newRun, true);
  assert.equal(f.take(state({ version: 3, run: 2, interval: 500 })).newRun, false);
});

test('Follow: detached from the start (a reloaded tab), then following', () => {
  const f = new Follow({ following: false });
  assert.equal(f.follow(), null, 'no state yet: nothing to apply');
  f.detach();
  assert.equal(f.take(state({ version: 3, run: 2 })), null);
  assert.equal(f.follow().newRun, false, 'the first state seen is the baseline, followed or not');
});

test('Follow: after a server restart the state is applied whole and the run counter starts over', () => {
  const f = new Follow();
  f.take(state({ version: 12, run: 3, transports: ['poll'], interval: 500 }));
  const p = f.take(state({ version: 1, run: 1, transports: ['poll'], interval: 500 }));
  assert.equal(p.newRun, false, 'the server\'s restart already started its numbers over');
  assert.deepEqual(p.transports, ['poll']);
  assert.equal(p.interval, 500);
  assert.ok('network' in p && 'tutorial' in p);
  assert.deepEqual(f.take(state({ version: 2, run: 2, transports: ['poll'], interval: 500 })), { newRun: true }, 'a bump of the new server');
  // Detached across a restart: following again is whole, and no new run.
  f.detach();
  f.take(state({ version: 1, run: 1 }));
  assert.equal(f.follow().newRun, false);
});

test('cleanName: trimmed, no control nor format characters, at most 32 characters as the server counts them', () => {
  assert.equal(cleanName('  Minji  '), 'Minji');
  assert.equal(cleanName('Min\u0000ji\n'), 'Minji');
  assert.equal(cleanName('evil\u202ecod.exe'), 'evilcod.exe', 'a bidi override is taken out: the server refuses it');
  assert.equal(cleanName('\ufeffMin\u200bji'), 'Minji', 'zero-width characters too');
  assert.equal(cleanName(null), '');
  assert.equal(cleanName('가'.repeat(40)), '가'.repeat(MAX_NAME));
  assert.equal([...cleanName('😀'.repeat(40))].length, MAX_NAME, 'an emoji is one character, not two');
});

test('reportBody: the lanes on, each with its latency window, held within the server\'s bounds', () => {
  const body = reportBody({
    name: ' Minji ',
    following: true,
    transports: ['poll', 'sse', 'ws'],
    summaries: {
      poll: { count: 40, median: 312.54, p95: 880 },
      sse: { count: 0, median: NaN, p95: NaN },
      ws: { count: 3, median: -0.4, p95: 1e9 },
    },
  });
  assert.deepEqual(body, {
    name: 'Minji',
    following: true,
    transports: ['poll', 'sse', 'ws'],
    latency: { poll: { p50Ms: 312.5, p95Ms: 880, n: 40 }, ws: { p50Ms: 0, p95Ms: 600_000, n: 3 } },
  });
  const none = reportBody({ name: '  ', following: false, transports: [], summaries: {} });
  assert.deepEqual(none, { following: false, transports: [], latency: {} }, 'no name: none sent');
});
