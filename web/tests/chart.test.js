import test from 'node:test';
import assert from 'node:assert/strict';
import { formatMs, niceStep } from '../js/chart.js';

test('niceStep picks 1-2-5 steps', () => {
  assert.equal(niceStep(100), 50);
  assert.equal(niceStep(1000, 4), 500);
  assert.equal(niceStep(37), 10);
  assert.equal(niceStep(7), 2);
  assert.equal(niceStep(0.8), 0.2);
  assert.equal(niceStep(0), 1);
});

test('formatMs drops needless decimals', () => {
  assert.equal(formatMs(0), '0');
  assert.equal(formatMs(250), '250');
  assert.equal(formatMs(0.2), '0.2');
  assert.equal(formatMs(2.5), '2.5');
});
