// stats.js — the page's bookkeeping, apart from the DOM so it can be tested:
// percentiles, a sliding time window of latencies, a Ledger per transport
// that turns what arrived (hellos, poll answers, events) into honest counts,
// and eventBytes, which finds the body in a poll answer.
//
// Read Ledger first: it is where "missed", "duplicate" and "reset" are decided.

/**
 * percentile returns the p-th percentile (0..100) of values by linear
 * interpolation between the closest ranks (the common "type 7" definition,
 * the same as numpy's default), or NaN for no values. values need not be sorted.
 */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** median is the 50th percentile. */
export function median(values) {
  return percentile(values, 50);
}

/**
 * TimeWindow keeps {t, v} points (t in ms) no older than windowMs before the
 * newest time it has been told about. Points are expected in time order,
 * which is how a page receives them.
 */
export class TimeWindow {
  constructor(windowMs = 60_000) {
    this.windowMs = windowMs;
    this.points = [];
  }

  /** add records value v at time t and drops what fell out of the window. */
  add(t, v) {
    this.points.push({ t, v });
    this.prune(t);
  }

  /** prune drops points older than now - windowMs. */
  prune(now) {
    const cutoff = now - this.windowMs;
    let i = 0;
    while (i < this.points.length && this.points[i].t < cutoff) i++;
    if (i > 0) this.points.splice(0, i);
  }

  /** clear forgets every point: what was measured no longer describes what is measured now. */
  clear() {
    this.points = [];
  }

  /** summary returns {count, last, median, p95} over the window (NaN when empty). */
  summary(now) {
    if (now !== undefined) this.prune(now);
    const vs = this.points.map((p) => p.v);
    return {
      count: vs.length,
      last: vs.length ? vs[vs.length - 1] : NaN,
      median: median(vs),
      p95: percentile(vs, 95),
    };
  }
}

/**
 * Ledger counts what one transport delivered to this page.
 *
 *  - received:   distinct events accepted (every kind that carries a seq)
 *  - missed:     events the page will never see: gaps in seq, plus the
 *                `missed` the server reports when a resume reached back
 *                further than its history
 *  - duplicates: events with a seq already seen; ignored, but counted
 *  - resets:     times the history the page referred to was gone (server
 *                said reset, or its epoch changed); the old seq is forgotten
 *  - reconnects: times the transport came back after losing its connection
 *                (or, for polling, after failed requests)
 *  - replayed:   accepted events that were already published before the
 *                hello/first answer that delivered them (catch-up from history);
 *                they count as received but their latency is not "live"
 *  - requests, bytes: HTTP requests made and body bytes received (the
 *                events' JSON: see eventBytes)
 *  - probe:      wire bytes of the page's own measuring on this transport
 *                (the WebSocket's pings and pongs), kept apart from its cost
 *  - lastSeq, epoch: where to resume from
 */
export class Ledger {
  constructor() {
    this.received = 0;
    this.missed = 0;
    this.duplicates = 0;
    this.resets = 0;
    this.reconnects = 0;
    this.replayed = 0;
    this.requests = 0;
    this.bytes = 0;
    this.probe = 0;
    this.lastSeq = null;
    this.epoch = null;
    this.replayUntil = 0;
  }

  /** countRequest records one HTTP request (poll, stream, upgrade or POST). */
  countRequest() {
    this.requests++;
  }

  /** countReconnect records one recovery from a lost connection. */
  countReconnect() {
    this.reconnects++;
  }

  /** countBytes records n body bytes received. */
  countBytes(n) {
    this.bytes += n;
  }

  /** countProbe records n wire bytes of the page's own probe, sent or received. */
  countProbe(n) {
    this.probe += n;
  }

  /**
   * hello applies the metadata that starts a stream or comes with each poll
   * answer: {epoch, head, missed?, reset?}. With replay true, events up to
   * `head` that follow are marked as replayed (catch-up, not live); a
   * reset forgets the old head, so that a new run counts live at once.
   * Returns true when it was a reset.
   */
  hello({ epoch, head, missed, reset }, { replay = false } = {}) {
    const changed = this.epoch !== null && epoch !== undefined && epoch !== this.epoch;
    const isReset = reset === true || changed;
    if (isReset) {
      this.resets++;
      this.lastSeq = null;
      // The old run's head means nothing in the new one, which may count
      // from a lower seq: what follows is live unless this hello replays.
      this.replayUntil = 0;
    }
    if (epoch !== undefined) this.epoch = epoch;
    if (!isReset && Number.isInteger(missed) && missed > 0) {
      this.missed += missed;
      // The server skipped these on purpose and said so: advance past them
      // so the seq gap they leave is not counted a second time.
      if (this.lastSeq !== null) this.lastSeq += missed;
    }
    if (replay && Number.isInteger(head)) this.replayUntil = head;
    return isReset;
  }

  /**
   * event accepts one event (any kind) and returns {accepted, replayed}.
   * Events without an integer seq (hello, pong) are not feed events: they
   * return {accepted: false} and change nothing.
   */
  event(ev) {
    if (!ev || !Number.isInteger(ev.seq)) return { accepted: false, replayed: false };
    if (this.lastSeq !== null && ev.seq <= this.lastSeq) {
      this.duplicates++;
      return { accepted: false, replayed: false };
    }
    if (this.lastSeq !== null && ev.seq > this.lastSeq + 1) {
      this.missed += ev.seq - this.lastSeq - 1;
    }
    this.lastSeq = ev.seq;
    this.received++;
    const replayed = ev.seq <= this.replayUntil;
    if (replayed) this.replayed++;
    return { accepted: true, replayed };
  }

  /**
   * startOver sets the counts that only the page keeps (missed, duplicates,
   * resets, reconnects, replayed) to zero: the class starts a new run. Where
   * to resume is kept, and so are the counts the page puts beside the
   * server's (requests, received, bytes, probe): those start over from a
   * baseline taken with the server's (lanes.js takeZero).
   */
  startOver() {
    this.missed = 0;
    this.duplicates = 0;
    this.resets = 0;
    this.reconnects = 0;
    this.replayed = 0;
  }

  /** resume returns {since, epoch} to continue from, or null before any event. */
  resume() {
    if (this.lastSeq === null || this.epoch === null) return null;
    return { since: this.lastSeq, epoch: this.epoch };
  }

  /** snapshot returns the counts as a plain object of numbers (lastSeq may be null). */
  snapshot() {
    const { received, missed, duplicates, resets, reconnects, replayed, requests, bytes, probe, lastSeq } = this;
    return { received, missed, duplicates, resets, reconnects, replayed, requests, bytes, probe, lastSeq };
  }
}

const encoder = new TextEncoder();

/**
 * eventBytes returns the body of a poll answer as every transport counts it,
 * page and server alike: the UTF-8 bytes of the events' JSON, exactly as the
 * server wrote them (the elements of the answer's top-level "events" array),
 * without the answer around them. It reads the text itself rather than
 * re-encoding the parsed events, which could escape differently (the
 * server writes "<" as \u003c).
 */
export function eventBytes(text) {
  let depth = 0; // objects and arrays open
  let key = null; // the last string at the answer's own level: the key before a value
  let inEvents = false; // inside the answer's "events" array
  let start = -1; // where the event being read began
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1; // skip the string, whatever brackets it holds
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) key = text.slice(i + 1, j);
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 2) inEvents = c === '[' && key === 'events';
      else if (depth === 3 && inEvents && c === '{') start = i;
    } else if (c === '}' || c === ']') {
      if (depth === 3 && inEvents && c === '}') total += encoder.encode(text.slice(start, i + 1)).length;
      depth--;
    }
  }
  return total;
}
