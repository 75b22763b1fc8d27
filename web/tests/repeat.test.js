import test from 'node:test';
import assert from 'node:assert/strict';
import { SLOWEST_MS, repeat, retryDelay } from '../js/repeat.js';
import { fakeTime } from './fakes.js';

test('retryDelay: the usual pace, then doubling after each failure, up to 30 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map((n) => retryDelay(n, 1000)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(retryDelay(3, 1000, 5000), 5000);
  assert.equal(SLOWEST_MS, 30_000);
});

// fakeDocument is a page that can be hidden and shown again.
function fakeDocument() {
  const doc = new EventTarget();
  doc.hidden = false;
  doc.show = (shown) => {
    doc.hidden = !shown;
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  return doc;
}

test('repeat: waits what tick returns, and asks nothing while the page is hidden', async () => {
  const time = fakeTime();
  const doc = fakeDocument();
  const calls = [];
  repeat(async () => {
    calls.push(time.now());
    return 1000;
  }, { setTimeout: time.setTimeout, document: doc });
  await time.advance(2500);
  assert.deepEqual(calls.map((at) => at - calls[0]), [0, 1000, 2000]);
  doc.show(false);
  await time.advance(60_000);
  assert.equal(calls.length, 3, 'hidden: no requests');
  assert.equal(time.pending(), 0, 'and no timer either');
  doc.show(true);
  await time.advance(0);
  assert.equal(calls.length, 4, 'shown again: asks at once');
  doc.show(true); // another visibilitychange while running: no second loop
  await time.advance(1000);
  assert.equal(calls.length, 5);
});

test('repeat: a tick that throws is tried again, slowly', async () => {
  const time = fakeTime();
  let calls = 0;
  repeat(async () => {
    calls++;
    throw new Error('bug');
  }, { setTimeout: time.setTimeout, document: undefined });
  await time.advance(0);
  assert.equal(calls, 1);
  await time.advance(SLOWEST_MS);
  assert.equal(calls, 2);
});
