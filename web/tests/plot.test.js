import test from 'node:test';
import assert from 'node:assert/strict';
import { cdf, latencyDomain, linearScale, logScale, logTicks } from '../js/plot.js';

test('latencyDomain spans 0.1 ms to at least 1 s, up to the next 1, 2 or 5 times a power of ten', () => {
  assert.deepEqual(latencyDomain([]), { min: 0.1, max: 1000 });
  assert.deepEqual(latencyDomain([0.4, 2, 480]), { min: 0.1, max: 1000 });
  assert.deepEqual(latencyDomain([1000]), { min: 0.1, max: 1000 });
  assert.deepEqual(latencyDomain([1001.7]), { min: 0.1, max: 2000 });
  assert.deepEqual(latencyDomain([2000]), { min: 0.1, max: 2000 });
  assert.deepEqual(latencyDomain([3000]), { min: 0.1, max: 5000 });
  assert.deepEqual(latencyDomain([6000]), { min: 0.1, max: 10_000 });
  assert.deepEqual(latencyDomain([-3, 25_000]), { min: 0.1, max: 50_000 });
});

test('logScale puts each power of ten an equal step apart', () => {
  const y = logScale({ min: 0.1, max: 1000 }, [400, 0]); // y grows downwards
  assert.equal(y(0.1), 400);
  assert.equal(y(1000), 0);
  assert.ok(Math.abs(y(1) - 300) < 1e-9, `y(1) = ${y(1)}`);
  assert.ok(Math.abs(y(100) - 100) < 1e-9, `y(100) = ${y(100)}`);
  assert.ok(Math.abs(y(1) - y(10) - (y(10) - y(100))) < 1e-9, 'a decade is a decade');
});

test('logScale keeps values at or below the floor, and above the top, on the chart', () => {
  const x = logScale({ min: 0.1, max: 1000 }, [0, 100]);
  assert.equal(x(0.05), 0);
  assert.equal(x(0), 0);
  assert.equal(x(-2), 0);
  assert.equal(x(5000), 100);
});

test('linearScale maps and clamps', () => {
  const y = linearScale({ min: 0, max: 200 }, [100, 0]);
  assert.equal(y(0), 100);
  assert.equal(y(50), 75);
  assert.equal(y(200), 0);
  assert.equal(y(-1), 100);
  assert.equal(y(300), 0);
  assert.equal(linearScale({ min: 0, max: 0 }, [0, 10])(0), 0, 'an empty domain is no division by zero');
});

test('logTicks lists the powers of ten inside the domain', () => {
  assert.deepEqual(logTicks({ min: 0.1, max: 1000 }), [0.1, 1, 10, 100, 1000]);
  assert.deepEqual(logTicks({ min: 0.1, max: 100_000 }), [0.1, 1, 10, 100, 1000, 10_000, 100_000]);
  assert.deepEqual(logTicks({ min: 0.1, max: 2000 }), [0.1, 1, 10, 100, 1000, 2000], 'the top is labelled');
});

test('cdf steps through the sorted values', () => {
  assert.deepEqual(cdf([]), []);
  assert.deepEqual(cdf([30, 10, 20, 40]), [
    { v: 10, p: 0.25 },
    { v: 20, p: 0.5 },
    { v: 30, p: 0.75 },
    { v: 40, p: 1 },
  ]);
});

test('cdf makes one step of equal values and skips non-numbers', () => {
  assert.deepEqual(cdf([5, 1, 5, NaN, 5]), [
    { v: 1, p: 0.25 },
    { v: 5, p: 1 },
  ]);
});

test('cdf does not reorder its input', () => {
  const v = [3, 1, 2];
  cdf(v);
  assert.deepEqual(v, [3, 1, 2]);
});
