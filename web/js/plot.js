// plot.js — the arithmetic behind the comparison charts, apart from any
// canvas so it can be tested: a logarithmic latency axis (so that a 1 ms
// push and a 1000 ms poll can both be read on one chart), its ticks, and the
// cumulative distribution of a set of latencies.
//
// Pure: no DOM, no globals. Read latencyDomain first.

/**
 * LATENCY_FLOOR_MS is the bottom of every latency axis. Latencies at or
 * below it (a push on loopback can take a few tens of microseconds, and an
 * offset known only to ±rtt/2 can even make one negative) are drawn on the
 * floor, and the floor's tick says "≤".
 */
export const LATENCY_FLOOR_MS = 0.1;

/**
 * LATENCY_TOP_MS is the least top of a latency axis: the axis always spans
 * 0.1 ms to at least 1 s, so it does not jump as the numbers change.
 */
export const LATENCY_TOP_MS = 1000;

/**
 * latencyDomain returns {min, max} for a log latency axis that shows every
 * value: from LATENCY_FLOOR_MS up to the first 1, 2 or 5 times a power of
 * ten at or above the largest value, and at least LATENCY_TOP_MS (a poll
 * every second takes a little over 1000 ms at worst: the axis ends at 2000
 * rather than wasting a decade).
 */
export function latencyDomain(values) {
  let top = LATENCY_TOP_MS;
  for (const v of values) if (v > top) top = v;
  const mag = 10 ** Math.floor(Math.log10(top) + 1e-9);
  const step = [1, 2, 5, 10].find((m) => m * mag >= top * (1 - 1e-9));
  return { min: LATENCY_FLOOR_MS, max: Number((step * mag).toPrecision(1)) };
}

/**
 * logScale maps [min, max] (both > 0) onto [from, to] logarithmically.
 * Values at or below min map to `from`, above max to `to`: nothing falls
 * off the chart. It returns a function of one value.
 */
export function logScale({ min, max }, [from, to]) {
  const lo = Math.log10(min);
  const span = Math.log10(max) - lo || 1;
  return (v) => {
    const f = v > min ? Math.min(1, (Math.log10(v) - lo) / span) : 0;
    return from + f * (to - from);
  };
}

/** linearScale maps [min, max] onto [from, to], clamping values outside. */
export function linearScale({ min, max }, [from, to]) {
  const span = max - min || 1;
  return (v) => from + Math.min(1, Math.max(0, (v - min) / span)) * (to - from);
}

/**
 * logTicks returns the powers of ten from min to max (inclusive), ascending,
 * and max itself when it is not one, so that the top of the axis is labelled.
 */
export function logTicks({ min, max }) {
  const ticks = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) {
    ticks.push(Number((10 ** e).toPrecision(1)));
  }
  if (ticks.at(-1) !== max) ticks.push(max);
  return ticks;
}

/**
 * cdf returns the empirical cumulative distribution of values as steps
 * {v, p}, ascending: p is the share (0..1) of values at or below v. Equal
 * values make one step. Non-finite values are left out.
 */
export function cdf(values) {
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  const steps = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    steps.push({ v: sorted[i], p: (i + 1) / sorted.length });
  }
  return steps;
}
