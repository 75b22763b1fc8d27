import test from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, utf8Length, withQuery } from '../js/transports/shared.js';

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
