import test from 'node:test';
import assert from 'node:assert/strict';
import { axisTicks, dots, sharedDomain } from '../js/chart.js';
import { logScale } from '../js/plot.js';

const points = (...vs) => vs.map((v, i) => ({ t: i, v }));

test('sharedDomain: one axis for every panel, reaching the slowest transport', () => {
  const sse = points(0.4, 0.9, 1.3);
  const poll = points(80, 240, 1210);
  const ws = points(0.5, 0.7);
  const all = sharedDomain([poll, sse, ws]);
  assert.deepEqual(all, { min: 0.1, max: 2000 }, 'polling reached 1210 ms: the axis ends at 2000');
  // The push transports alone would get the least axis, 0.1 ms to 1 s; with
  // polling on, they are drawn on polling's axis, not on one of their own.
  assert.deepEqual(sharedDomain([sse, ws]), { min: 0.1, max: 1000 });
  assert.deepEqual(sharedDomain([sse]), sharedDomain([ws]), 'a quiet panel and a busy one agree');
  assert.deepEqual(sharedDomain([points(), points()]), { min: 0.1, max: 1000 }, 'no events yet');
  assert.deepEqual(sharedDomain([points(-0.3, 4200)]), { min: 0.1, max: 5000 });
});

test('axisTicks: powers of ten, the floor marked ≤, crowded labels left out', () => {
  const domain = { min: 0.1, max: 2000 };
  const pos = logScale(domain, [200, 0]); // 200 px high, up is smaller y
  const ticks = axisTicks(domain, pos, 14);
  assert.deepEqual(ticks.map((t) => t.v), [0.1, 1, 10, 100, 1000, 2000]);
  assert.deepEqual(ticks.map((t) => t.label), ['≤0.1', '1', '10', '100', '1000', '']);
  for (const t of ticks) assert.equal(t.y, pos(t.v));
  // With room to spare, 2000 gets its label too.
  const tall = logScale(domain, [2000, 0]);
  assert.equal(axisTicks(domain, tall, 14).at(-1).label, '2000');
});

test('dots: one per whole pixel, newer than since, in canvas positions', () => {
  const x = (t) => t / 10; // 10 ms a pixel
  const y = (v) => 100 - v;
  const pts = [
    { t: 0, v: 5 }, // older than since
    { t: 100, v: 5 },
    { t: 101, v: 5.2 }, // the same pixel as the one before: drawn once
    { t: 104, v: 5 }, // 10.4 px: still pixel 10
    { t: 106, v: 5 }, // 10.6 px: pixel 11
    { t: 100, v: 50 }, // same time, another height
  ];
  assert.deepEqual(dots(pts, 50, x, y), [10, 95, 10.6, 95, 10, 50]);
  assert.deepEqual(dots([], 0, x, y), []);
  // 6000 events in a minute on a 300 × 150 px chart draw at most one dot a pixel.
  const many = Array.from({ length: 6000 }, (_, i) => ({ t: i * 10, v: 1 + (i % 7) * 0.01 }));
  const at = dots(many, 0, (t) => (t / 60_000) * 300, () => 75);
  assert.equal(at.length / 2, 301);
});

test('dots: a cell wider than a pixel keeps one dot per cell', () => {
  const pts = [0, 1, 2, 3, 4, 5].map((i) => ({ t: i, v: 0 }));
  assert.deepEqual(dots(pts, 0, (t) => t, () => 0, 3), [0, 0, 2, 0, 5, 0]);
});
