import test from 'node:test';
import assert from 'node:assert/strict';
import { niceTop, paths, ticks } from '../js/dashboard-chart.js';

test('niceTop: 1, 2 or 5 times a power of ten, never below the least', () => {
  assert.equal(niceTop(0), 5, 'an idle class: noise stays small');
  assert.equal(niceTop(3), 5);
  assert.equal(niceTop(7), 10);
  assert.equal(niceTop(10), 10);
  assert.equal(niceTop(11), 20);
  assert.equal(niceTop(120), 200);
  assert.equal(niceTop(480), 500);
  assert.equal(niceTop(NaN), 5);
  assert.equal(niceTop(0.5, 1), 1);
});

test('ticks: round steps from zero to the top', () => {
  assert.deepEqual(ticks(5), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(ticks(10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(ticks(20), [0, 5, 10, 15, 20]);
  assert.deepEqual(ticks(50), [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(ticks(200), [0, 50, 100, 150, 200]);
  assert.deepEqual(ticks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test('paths: runs of canvas positions, broken where the history breaks', () => {
  const x = (t) => t / 10;
  const y = (v) => 100 - v;
  const points = [{ t: 0, v: 1 }, { t: 100, v: 2 }, { t: 200, v: 3 }, null, { t: 400, v: 4 }, null, null];
  assert.deepEqual(paths(points, 50, x, y), [[[10, 98], [20, 97]], [[40, 96]]], 'the point before since is left out');
  assert.deepEqual(paths([], 0, x, y), []);
});
