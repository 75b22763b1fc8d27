// clock.js — estimates how far the server's clock is from this page's clock,
// the way NTP does: ask the server for its time, note when the question left
// (t0) and when the answer came back (t1), and assume the server read its
// clock half-way through. The server read it somewhere between t0 and t1,
// so the estimate is off by at most ±rtt/2: the sample with the smallest
// round trip has the least room for error, and is the one kept.
//
// An estimate ages: two clocks drift apart (NTP allows 15 µs a second), so
// its bound grows from ±rtt/2. A new estimate replaces the one in use when
// its bound is smaller, or when the two disagree beyond both bounds — then
// the old one is wrong (a laptop slept, a clock was stepped). A loose
// estimate (a round trip stretched by a server restarting, a busy page) can
// therefore never push out a tight one that still holds.
//
// A latency inside the estimate's bound cannot be told from 0: latencyText
// says so instead of showing it as measured, and never shows a negative one.
//
// Pure: the fetch of the server time and the local clock are injected.
// Read chooseEstimate and latencyText first.

/** DRIFT is how fast two clocks may drift apart, in ms per ms (NTP's PHI, 15 ppm). */
export const DRIFT = 15e-6;

/**
 * offsetOf turns one sample into {offsetMs, rttMs}. t0 and t1 are local
 * milliseconds; serverTs is the server's Unix time in MICROseconds.
 * offset = server time - local time, so local + offset ≈ server.
 */
export function offsetOf({ t0, serverTs, t1 }) {
  return { offsetMs: serverTs / 1000 - (t0 + t1) / 2, rttMs: t1 - t0 };
}

/**
 * bestSample returns {offsetMs, rttMs, at} of the sample with the smallest
 * round trip (at: its t1), or null when there are no (valid) samples.
 */
export function bestSample(samples) {
  let best = null;
  for (const s of samples) {
    if (![s.t0, s.serverTs, s.t1].every(Number.isFinite) || s.t1 < s.t0) continue;
    const o = offsetOf(s);
    if (best === null || o.rttMs < best.rttMs) best = { ...o, at: s.t1 };
  }
  return best;
}

/**
 * sampleClock asks the server for its time once and returns {t0, serverTs,
 * t1}. fetchTime resolves to the answer of GET /api/time (a fetch Response);
 * t1 is read as soon as the answer is in, before its body is parsed, so
 * that the page's own work is not counted as a round trip. timing(res),
 * when given, may narrow the round trip further to what the browser's
 * network stack saw ({t0, t1}, see wireTimes), or return null.
 */
export async function sampleClock(fetchTime, now, timing = () => null) {
  let t0 = now();
  const res = await fetchTime();
  let t1 = now();
  if (!res.ok) throw new Error(`/api/time: HTTP ${res.status}`);
  const { ts } = await res.json();
  if (!Number.isFinite(ts)) throw new Error('/api/time: no ts');
  const wire = timing(res);
  if (wire && wire.t0 >= t0 && wire.t1 <= t1 && wire.t0 <= wire.t1) ({ t0, t1 } = wire);
  return { t0, serverTs: ts, t1 };
}

/**
 * wireTimes turns a Resource Timing entry of the request into {t0, t1} on
 * the page's clock (timeOrigin + DOMHighResTimeStamp): when the browser
 * began sending the request and when the answer's first byte arrived. The
 * server read its clock between the two; the time the page's event loop
 * took to notice the answer is not in it. null when the entry says nothing.
 */
export function wireTimes(entry, timeOrigin) {
  if (!entry || !(entry.requestStart > 0) || !(entry.responseStart >= entry.requestStart)) return null;
  return { t0: timeOrigin + entry.requestStart, t1: timeOrigin + entry.responseStart };
}

/**
 * estimateOffset takes `count` samples one after another (sampleClock, with
 * timing if given) and
 * returns {offsetMs, rttMs, at, samples} for the best one. now returns local
 * Unix milliseconds (performance.timeOrigin + performance.now() in the page).
 * Failed samples are skipped; if every sample fails, the last error is thrown.
 */
export async function estimateOffset(fetchTime, now, count = 5, timing = undefined) {
  const samples = [];
  let lastError = null;
  for (let i = 0; i < count; i++) {
    try {
      samples.push(await sampleClock(fetchTime, now, timing));
    } catch (err) {
      lastError = err;
    }
  }
  const best = bestSample(samples);
  if (best === null) throw lastError ?? new Error('no clock samples');
  return { ...best, samples };
}

/**
 * errorBound is how far off an estimate {rttMs, at} may be at local time
 * now, in ms: half its round trip, plus what the clocks may have drifted since.
 */
export function errorBound(est, now) {
  if (!est || !Number.isFinite(est.rttMs)) return NaN;
  return est.rttMs / 2 + DRIFT * Math.max(0, now - est.at);
}

/**
 * chooseEstimate returns {estimate, why}: the estimate to use from now on,
 * given the one in use (old, or null) and a fresh one, at local time now.
 * why is 'first', 'tighter' (fresh has the smaller bound), 'disagrees'
 * (they differ beyond both bounds: the old one no longer holds) or 'kept'.
 */
export function chooseEstimate(old, fresh, now) {
  if (!old) return { estimate: fresh, why: 'first' };
  const bOld = errorBound(old, now);
  const bNew = errorBound(fresh, now);
  if (Math.abs(fresh.offsetMs - old.offsetMs) > bOld + bNew) return { estimate: fresh, why: 'disagrees' };
  if (bNew <= bOld) return { estimate: fresh, why: 'tighter' };
  return { estimate: old, why: 'kept' };
}

/**
 * latencyText writes a latency measured with a clock off by at most
 * ±errorMs, and says what it is: {text, within, impossible}.
 *   - above the bound: the value ('12.3');
 *   - inside it (within): all that is known is that it lies between 0 and
 *     ms + errorMs, so it says '≤ 1.4' — never '-0.3';
 *   - below -errorMs (impossible): the event arrived before it was sent by
 *     this clock estimate, so the estimate is wrong: '—'.
 * An unknown latency or bound is '—'.
 */
export function latencyText(ms, errorMs) {
  if (!Number.isFinite(ms)) return { text: '—', within: false, impossible: false };
  const err = Number.isFinite(errorMs) ? errorMs : 0;
  if (ms > err) return { text: ms.toFixed(1), within: false, impossible: false };
  if (ms >= -err) return { text: `≤ ${(ms + err).toFixed(1)}`, within: true, impossible: false };
  return { text: '—', within: false, impossible: true };
}
