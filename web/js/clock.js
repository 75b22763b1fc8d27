// clock.js — estimates how far the server's clock is from this page's clock,
// the way NTP does: ask the server for its time, note when the question left
// (t0) and when the answer came back (t1), and assume the server read its
// clock half-way through. The sample with the smallest round trip has the
// least room for error (at most ±rtt/2), so it is the one kept.
//
// Pure: the fetch of the server time and the local clock are injected.

/**
 * offsetOf turns one sample into {offsetMs, rttMs}. t0 and t1 are local
 * milliseconds; serverTs is the server's Unix time in MICROseconds.
 * offset = server time - local time, so local + offset ≈ server.
 */
export function offsetOf({ t0, serverTs, t1 }) {
  return { offsetMs: serverTs / 1000 - (t0 + t1) / 2, rttMs: t1 - t0 };
}

/**
 * bestSample returns {offsetMs, rttMs} of the sample with the smallest round
 * trip, or null when there are no (valid) samples.
 */
export function bestSample(samples) {
  let best = null;
  for (const s of samples) {
    if (![s.t0, s.serverTs, s.t1].every(Number.isFinite) || s.t1 < s.t0) continue;
    const o = offsetOf(s);
    if (best === null || o.rttMs < best.rttMs) best = o;
  }
  return best;
}

/**
 * estimateOffset takes `count` samples one after another and returns
 * {offsetMs, rttMs, samples} for the best one. fetchServerTs is an async
 * function resolving to the server's Unix time in microseconds; now returns
 * local Unix milliseconds (performance.timeOrigin + performance.now() in the
 * page). Failed samples are skipped; if every sample fails, the last error is
 * thrown.
 */
export async function estimateOffset(fetchServerTs, now, count = 5) {
  const samples = [];
  let lastError = null;
  for (let i = 0; i < count; i++) {
    const t0 = now();
    try {
      const serverTs = await fetchServerTs();
      samples.push({ t0, serverTs, t1: now() });
    } catch (err) {
      lastError = err;
    }
  }
  const best = bestSample(samples);
  if (best === null) throw lastError ?? new Error('no clock samples');
  return { ...best, samples };
}
