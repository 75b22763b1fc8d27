import test from 'node:test';
import assert from 'node:assert/strict';
import { niceStep } from '../js/chart.js';

test('niceStep picks 1-2-5 steps', () => {
  assert.equal(niceStep(100), 50);
  assert.equal(niceStep(1000, 4), 500);
  assert.equal(niceStep(37), 10);
  assert.equal(niceStep(7), 2);
  assert.equal(niceStep(0.8), 0.2);
  assert.equal(niceStep(0), 1);
});
