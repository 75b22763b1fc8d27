import test from 'node:test';
import assert from 'node:assert/strict';
import { NONE, fixedMs, signedMs, count, tickMs, sentenceMs, timeOfDay, clockTime, rateText } from '../js/format.js';

test('cells: one decimal, a sign for offsets, whole counts, "—" when unknown', () => {
  assert.equal(fixedMs(12.345), '12.3');
  assert.equal(fixedMs(0), '0.0');
  assert.equal(signedMs(3.25), '+3.3');
  assert.equal(signedMs(-0.5), '-0.5');
  assert.equal(signedMs(0), '+0.0');
  assert.equal(signedMs(-0.02), '+0.0', 'a negative that rounds to zero takes no side');
  assert.equal(fixedMs(-0.04), '0.0');
  assert.equal(signedMs(-0.06), '-0.1');
  assert.equal(count(41.6), '42');
  for (const f of [fixedMs, signedMs, count]) {
    for (const v of [NaN, null, undefined, Infinity]) assert.equal(f(v), NONE, `${f.name}(${v})`);
  }
});

test('tickMs drops needless decimals', () => {
  assert.equal(tickMs(0), '0');
  assert.equal(tickMs(250), '250');
  assert.equal(tickMs(12.6), '13');
  assert.equal(tickMs(2.5), '2.5');
  assert.equal(tickMs(0.2), '0.2');
});

test('sentenceMs: one decimal below 10 ms, whole milliseconds above', () => {
  assert.equal(sentenceMs(0.64), '0.6');
  assert.equal(sentenceMs(9.96), '10.0');
  assert.equal(sentenceMs(512.4), '512');
});

test('times of day: 24-hour, padded, from the local clock', () => {
  const at = new Date(2026, 0, 2, 9, 5, 7, 42).getTime();
  assert.equal(timeOfDay(at), '09:05:07');
  assert.equal(clockTime(at), '09:05:07.042');
  assert.equal(timeOfDay(new Date(2026, 0, 2, 23, 59, 0).getTime()), '23:59:00');
});

test('rateText writes a rate as a class reads it', () => {
  assert.equal(rateText(1 / 3), '0.333');
  assert.equal(rateText(5), '5');
  assert.equal(rateText(1000), '1000');
});
