import test from 'node:test';
import assert from 'node:assert/strict';
import { HEALTHY_MS, backoffDelay, contract, createRetry, keyOf, utf8Length, withQuery } from '../js/transports/shared.js';
import { fakeTime } from './fakes.js';

test('utf8Length counts bytes, not characters', () => {
  assert.equal(utf8Length('abc'), 3);
  assert.equal(utf8Length('é'), 2);
  assert.equal(utf8Length('€'), 3);
  assert.equal(utf8Length('🙂'), 4);
});

test('backoffDelay grows, jitters fully and stays within 0.5–10 s', () => {
  const lo = { random: () => 0 };
  const hi = { random: () => 1 };
  const mid = { random: () => 0.5 };
  assert.equal(backoffDelay(0, lo), 500);
  assert.equal(backoffDelay(0, hi), 1000, 'even the first retry is spread over 0.5–1 s');
  assert.equal(backoffDelay(1, hi), 2000);
  assert.equal(backoffDelay(3, hi), 8000);
  assert.equal(backoffDelay(4, hi), 10000);
  assert.equal(backoffDelay(40, hi), 10000);
  assert.equal(backoffDelay(40, lo), 500, 'full jitter reaches down to the smallest step');
  assert.equal(backoffDelay(40, mid), 5250);
  assert.equal(backoffDelay(0, mid), 750);
});

test('withQuery skips missing values', () => {
  assert.equal(withQuery('/poll', { since: undefined, epoch: null, client: 'abc' }), '/poll?client=abc');
  assert.equal(withQuery('/poll', { since: 0, epoch: 'e 1' }), '/poll?since=0&epoch=e+1');
  assert.equal(withQuery('/x', {}), '/x');
});

// retryAt makes a retry core on time's clock whose jitter always picks the
// longest wait, so that each delay shows the step it reached.
function retryAt(time, opts) {
  return createRetry({ now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 1, ...opts });
}

test('createRetry: a reconnect is only coming back after a connection was lost', () => {
  const time = fakeTime();
  const retry = retryAt(time);
  retry.start();
  retry.lost(); // the first attempt failed: nothing was up
  assert.equal(retry.up(), false);
  retry.lost();
  assert.equal(retry.up(), true);
  assert.equal(retry.up(), false, 'one reconnect per loss');
});

test('createRetry: stop() forgets the connection, so a later start is fresh', async () => {
  const time = fakeTime();
  const retry = retryAt(time);
  retry.start();
  retry.up();
  await time.advance(HEALTHY_MS);
  retry.stop();
  retry.start();
  retry.lost(); // a failing first attempt after the restart
  assert.equal(retry.delay(), 1000);
  retry.lost();
  assert.equal(retry.delay(), 2000, 'the backoff keeps growing: nothing was healthy since start()');
  assert.equal(retry.up(), false, 'no reconnect: the connection lost was before stop()');
});

test('createRetry: the backoff grows, and starts over after a healthy connection', async () => {
  const time = fakeTime();
  const retry = retryAt(time);
  retry.start();
  assert.deepEqual([retry.delay(), retry.delay(), retry.delay()], [1000, 2000, 4000]);
  assert.equal(retry.retrying, true);
  retry.up();
  assert.equal(retry.retrying, false);
  await time.advance(HEALTHY_MS - 1);
  retry.lost();
  assert.equal(retry.delay(), 8000, 'up for less than HEALTHY_MS: not healthy');
  retry.up();
  await time.advance(HEALTHY_MS);
  retry.lost();
  assert.equal(retry.delay(), 1000);
});

test('createRetry: later() keeps one timer, and stop() cancels it', async () => {
  const time = fakeTime();
  const retry = retryAt(time);
  let fired = 0;
  retry.later(() => fired++, 100);
  retry.later(() => fired++, 100);
  assert.equal(time.pending(), 1);
  await time.advance(100);
  assert.equal(fired, 1);
  retry.later(() => fired++, 100);
  retry.stop();
  await time.advance(1000);
  assert.equal(fired, 1);
  assert.equal(time.pending(), 0);
});

test('contract fills in what was left out, and keeps what was given', () => {
  const onEvent = () => 'mine';
  const opts = contract({ clientId: 'abc', onEvent, onWire: undefined, fetch: 'f' });
  assert.equal(opts.onEvent, onEvent);
  assert.equal(opts.clientId, 'abc');
  assert.equal(opts.fetch, 'f', 'a transport\'s own options pass through');
  assert.equal(opts.resume(), null);
  assert.equal(opts.epoch(), null);
  for (const k of ['onStatus', 'onHello', 'onRequest', 'onBytes', 'onReconnect', 'onWire', 'onAnswer', 'onRtt']) {
    assert.equal(typeof opts[k], 'function', k);
    assert.equal(opts[k](), undefined, k);
  }
  assert.equal(typeof opts.now(), 'number');
});

test('keyOf: the key, or what a function gives as of now', () => {
  assert.equal(keyOf('abc'), 'abc');
  let key = 'old';
  const clientId = () => key;
  assert.equal(keyOf(clientId), 'old');
  key = 'new';
  assert.equal(keyOf(clientId), 'new');
  assert.equal(keyOf(null), null);
});
