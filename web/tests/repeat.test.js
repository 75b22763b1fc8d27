import test from 'node:test';
import assert from 'node:assert/strict';
import { repeat } from '../js/repeat.js';
import { fakeTime } from './fakes.js';

function setup(outcome, { paused = () => false } = {}) {
  const time = fakeTime();
  const runs = [];
  const r = repeat(
    async () => {
      runs.push(time.now());
      return outcome(runs.length);
    },
    {
      everyMs: 1000,
      backoff: { minMs: 1000, maxMs: 8000 },
      random: () => 1, // the longest wait of each step, so the test can name it
      paused,
      setTimeout: time.setTimeout,
      clearTimeout: time.clearTimeout,
    },
  );
  return { r, time, runs, gaps: () => runs.slice(1).map((at, i) => at - runs[i]) };
}

test('repeat: every everyMs while the task succeeds, or after the wait it asks for', async () => {
  const { r, time, gaps } = setup((n) => (n === 2 ? 30_000 : undefined));
  await r.start();
  await time.advance(32_000);
  assert.deepEqual(gaps(), [1000, 30_000, 1000]);
});

test('repeat: failures back off up to maxMs, and one success starts over', async () => {
  const { r, time, gaps } = setup((n) => {
    if (n <= 5) throw new Error('HTTP 502');
  });
  await r.start();
  await time.advance(40_000);
  // Failures 1..5 wait 2, 4, 8, 8, 8 s; then successes every second.
  assert.deepEqual(gaps().slice(0, 7), [2000, 4000, 8000, 8000, 8000, 1000, 1000]);
});

test('repeat: nothing while paused; wake runs at once and carries on', async () => {
  let hidden = false;
  const { r, time, runs } = setup(() => undefined, { paused: () => hidden });
  await r.start();
  hidden = true;
  await time.advance(10_000);
  assert.equal(runs.length, 1, 'the run that fell due while hidden did not ask');
  assert.equal(time.pending(), 0, 'no timer while paused');
  hidden = false;
  const at = time.now();
  r.wake();
  await time.advance(0);
  assert.deepEqual(runs.slice(1), [at]);
  await time.advance(1000);
  assert.equal(runs.length, 3);
  assert.equal(time.pending(), 1, 'one timer, not two');
});

test('repeat: wake cuts a pending wait short and leaves a single timer', async () => {
  const { r, time, runs } = setup(() => undefined);
  await r.start();
  await time.advance(400);
  r.wake();
  await time.advance(0);
  assert.equal(runs.length, 2);
  assert.equal(time.pending(), 1);
  await time.advance(1000);
  assert.equal(runs.length, 3);
});
