import test from 'node:test';
import assert from 'node:assert/strict';
import { RunCounts } from '../js/run-counts.js';

test('RunCounts: the first run counts from zero, less nothing', () => {
  const run = new RunCounts();
  assert.equal(run.begin('a', { requests: 1, received: 0, bytes: 80 }, { requests: 1, bytes: 80 }), true);
  assert.deepEqual(run.thisRun({ requests: 5, received: 40, bytes: 4000 }), { requests: 5, received: 40, bytes: 4000 });
  assert.equal(run.carriedOver, false);
  assert.equal(run.begin('a', { requests: 9, received: 9, bytes: 9 }), false, 'the same run again changes nothing');
  assert.deepEqual(run.thisRun({ requests: 5, received: 40, bytes: 4000 }), { requests: 5, received: 40, bytes: 4000 });
});

test('RunCounts: after a restart, the new run counts from the request that learned of it', () => {
  const run = new RunCounts();
  run.begin('a', { requests: 1, received: 0, bytes: 0 }, { requests: 1 });
  // Three failed attempts while the server was away, then an answer of run b.
  run.begin('b', { requests: 12, received: 300, bytes: 30_080 }, { requests: 1, bytes: 80 });
  assert.deepEqual(run.thisRun({ requests: 12, received: 300, bytes: 30_080 }), { requests: 1, received: 0, bytes: 80 });
  assert.deepEqual(run.thisRun({ requests: 13, received: 310, bytes: 31_080 }), { requests: 2, received: 10, bytes: 1080 });
  assert.equal(run.carriedOver, true);
});

test('RunCounts.restart: a class run within the server\'s counts from the counts given', () => {
  const r = new RunCounts();
  r.begin('a', { requests: 0, received: 0, bytes: 0 });
  r.restart({ requests: 3, received: 10, bytes: 500 });
  assert.equal(r.epoch, 'a');
  assert.deepEqual(r.thisRun({ requests: 4, received: 12, bytes: 600 }), { requests: 1, received: 2, bytes: 100 });
  assert.equal(r.carriedOver, true);
  assert.equal(r.begin('a', { requests: 9, received: 9, bytes: 9 }), false, 'the same server run: the class zero stays');
});
