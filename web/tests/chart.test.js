import test from 'node:test';
import assert from 'node:assert/strict';
import { axisTicks, sharedDomain } from '../js/chart.js';
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
