// costs.js — what each transport costs in bytes, from the server's own counts
// (GET /api/stats?client=ID): bytes on the wire per event, the share of them
// that is headers and framing rather than events, and bytes on the wire in
// the last minute, from a short history of the page's once-a-second samples.
//
// Pure: no DOM, no globals. Read wireCosts first.

/**
 * wireBytes returns what the server counted on the socket for one transport,
 * read and written (wireIn + wireOut), or NaN when the server does not count
 * it (an older server: the page then shows "—").
 */
export function wireBytes(counts) {
  const { wireIn, wireOut } = counts ?? {};
  return Number.isFinite(wireIn) && Number.isFinite(wireOut) ? wireIn + wireOut : NaN;
}

/**
 * wireCosts derives, from one transport's server counts
 * ({events, bytes, wireIn, wireOut}) in the server's current run, and the
 * bytes of the page's own probe on that transport in the same run (probe,
 * default 0; lanes.js pageCounts):
 *  - wirePerEvent:  bytes on the wire, both ways, per event delivered,
 *                   the probe left out
 *  - bodyPerEvent:  body bytes (the events' JSON) written per event
 *  - overheadShare: the share (0..1) of those wire bytes that is not body:
 *                   request lines, headers, framing, envelopes, heartbeats
 *  - probePerEvent: the probe's bytes per event, shown apart
 * The probe is the page's measuring, not the transport's cost: the
 * WebSocket's {"kind":"ping"} every 2 s and its pong, frames whose size the
 * page knows exactly (it wrote and read their payloads; no compression is
 * negotiated), which at 5 events a second add about 7 bytes to every event
 * and at one event in 3 s about 110. Each is NaN when it cannot be known:
 * no events yet, or no wire counts. Polling's empty answers cost wire bytes
 * and deliver no event: they are in the per-event numbers, which is the point.
 */
export function wireCosts(counts, probe = 0) {
  const p = Number.isFinite(probe) && probe > 0 ? probe : 0;
  const wire = wireBytes(counts) - p;
  const events = counts?.events;
  const bytes = counts?.bytes;
  const some = Number.isFinite(events) && events > 0;
  return {
    wirePerEvent: some ? wire / events : NaN,
    bodyPerEvent: some && Number.isFinite(bytes) ? bytes / events : NaN,
    overheadShare: wire > 0 && Number.isFinite(bytes) ? 1 - bytes / wire : NaN,
    probePerEvent: some ? p / events : NaN,
  };
}

/**
 * StatsHistory keeps the page's samples of its server counts,
 * {t (ms), client (the answer's `client`: counts per transport, or
 * undefined before the page made any request)}, for the last windowMs, plus
 * the newest one before that, which is where "the last minute" starts.
 */
export class StatsHistory {
  constructor(windowMs = 60_000) {
    this.windowMs = windowMs;
    this.samples = [];
  }

  /** add records a sample taken at t (samples come in time order). */
  add(t, client) {
    this.samples.push({ t, client });
    // Keep one sample at or before t - windowMs: the start of the window.
    let first = 0;
    while (first + 1 < this.samples.length && this.samples[first + 1].t <= t - this.windowMs) first++;
    if (first > 0) this.samples.splice(0, first);
  }

  /**
   * increase returns how much pick(counts of `transport`) grew over the last
   * windowMs (or since the first sample, when the history is shorter), as
   * {value, spanMs}. A counter that went down was started over (a server
   * restart): what it shows after is all new. value is NaN when the newest
   * sample cannot say (pick gave NaN: the server does not count it).
   */
  increase(transport, pick) {
    const values = this.samples.map((s) => valueOf(s, transport, pick));
    const n = values.length;
    if (n === 0 || !Number.isFinite(values[n - 1])) return { value: NaN, spanMs: 0 };
    let value = 0;
    for (let i = 1; i < n; i++) {
      const [before, after] = [values[i - 1], values[i]];
      if (!Number.isFinite(after)) continue;
      if (!Number.isFinite(before)) continue; // nothing to compare with: not counted
      value += after >= before ? after - before : after;
    }
    return { value, spanMs: this.samples[n - 1].t - this.samples[0].t };
  }

  /** clear forgets every sample: the class started a new run, and "the last minute" starts now. */
  clear() {
    this.samples = [];
  }

  /** latest returns the newest sample's counts for transport (undefined if none). */
  latest(transport) {
    return this.samples.at(-1)?.client?.[transport];
  }
}

// valueOf reads one sample: a page the server has no counts for has spent
// nothing yet (0), whatever is asked.
function valueOf(sample, transport, pick) {
  if (sample.client === undefined || sample.client === null) return 0;
  const counts = sample.client[transport];
  return counts === undefined ? 0 : pick(counts);
}
