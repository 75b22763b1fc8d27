// dashboard.js — the class dashboard's arithmetic, apart from the DOM: what
// the server's running totals (GET /api/class "server") cost per second,
// the history the chart draws, the latency the pages reported, the rows
// of the page list, and of the list of those a limit refused.
//
// The server keeps totals, never rates: requests, wire bytes and events
// only grow, and the dashboard turns two reads into a rate (how much more,
// over how much server time). That is why a server restart must be noticed:
// its totals start from zero again, and a rate across it would be negative.
//
// Pure: no DOM, no globals. Read createRates first.

/** RATE_WINDOW_MS is how far back a rate looks: reads a second apart, smoothed over a few. */
export const RATE_WINDOW_MS = 5000;

/** HISTORY_MS is how much the chart shows: the last five minutes. */
export const HISTORY_MS = 5 * 60_000;

/**
 * GAP_MS is the longest pause between two reads that a chart line spans:
 * longer (a hidden tab asks nothing, a server that did not answer), and the
 * line breaks rather than draw a straight line over what was not seen.
 */
export const GAP_MS = 5000;

const known = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * restarted reports whether the server read `next` is from a server that
 * started again since `prev`: its clock went back, its uptime went down, or
 * one of its counters went down (a total never does while the server runs).
 */
export function restarted(prev, next) {
  if (!(next.at > prev.at)) return true;
  if (known(prev.uptimeSeconds) && known(next.uptimeSeconds) && next.uptimeSeconds < prev.uptimeSeconds) return true;
  if (known(prev.cpuSeconds) && known(next.cpuSeconds) && next.cpuSeconds < prev.cpuSeconds) return true;
  for (const [t, before] of Object.entries(prev.transports ?? {})) {
    const now = next.transports?.[t];
    if (!now) continue; // a transport the server no longer lists: nothing to compare
    for (const k of ['requests', 'events', 'wireIn', 'wireOut']) {
      if (known(before[k]) && known(now[k]) && now[k] < before[k]) return true;
    }
  }
  return false;
}

/**
 * rateBetween returns what the server spent per second between two reads of
 * it ({at: µs, transports: {name: Counts}, cpuSeconds}), as
 * {seconds, cpuPercent, transports: {name: {requests, wireBytes, events}}}
 * (each a second; wireBytes counts both directions), or null when there is
 * no rate to tell: no earlier read, or a server that restarted in between.
 * cpuPercent is CPU time over wall time: 100 is one core busy all along.
 */
export function rateBetween(prev, next) {
  if (!prev || !next || restarted(prev, next)) return null;
  const seconds = (next.at - prev.at) / 1e6;
  const per = (a, b) => (known(a) && known(b) ? (b - a) / seconds : NaN);
  const transports = {};
  for (const [t, now] of Object.entries(next.transports ?? {})) {
    const before = prev.transports?.[t];
    if (!before) continue; // new since the last read: its rate comes with the next one
    transports[t] = {
      requests: per(before.requests, now.requests),
      wireBytes: per((before.wireIn ?? 0) + (before.wireOut ?? 0), (now.wireIn ?? 0) + (now.wireOut ?? 0)),
      events: per(before.events, now.events),
    };
  }
  return { seconds, cpuPercent: per(prev.cpuSeconds, next.cpuSeconds) * 100, transports };
}

/**
 * createRates returns {add(server) -> rate|null, reset()}: it keeps the
 * server reads of the last windowMs and answers each new read with the rate
 * since the oldest of them (rateBetween), so one late answer does not make
 * the numbers jump. A restart forgets every read before it: the rates start
 * over from the first read after it.
 */
export function createRates({ windowMs = RATE_WINDOW_MS } = {}) {
  let reads = [];
  return {
    add(server) {
      if (!server || !known(server.at)) return null;
      const last = reads.at(-1);
      if (last && restarted(last, server)) reads = [];
      reads.push(server);
      const since = server.at - windowMs * 1000;
      while (reads.length > 2 && reads[1].at <= since) reads.shift();
      return reads.length < 2 ? null : rateBetween(reads[0], server);
    },
    reset() {
      reads = [];
    },
  };
}

/**
 * createHistory returns the chart's memory: {add(atMs, values), points(name),
 * latest()}, where values is {name: requests a second} at server time atMs
 * (null when no rate was known then). It keeps historyMs; points(name) gives
 * that transport's [{t, v}] in time order, with null where a line must break
 * (a read after a gap, or a read without a rate).
 */
export function createHistory({ historyMs = HISTORY_MS, gapMs = GAP_MS } = {}) {
  let samples = []; // {t, values}
  return {
    add(atMs, values) {
      const last = samples.at(-1);
      if (last && atMs <= last.t) samples = []; // the server's clock went back: a new server
      samples.push({ t: atMs, values });
      while (samples.length && samples[0].t < atMs - historyMs) samples.shift();
    },
    points(name) {
      const out = [];
      let prevT = -Infinity;
      for (const s of samples) {
        const v = s.values?.[name];
        if (s.t - prevT > gapMs && out.length && out.at(-1) !== null) out.push(null);
        if (known(v)) out.push({ t: s.t, v });
        else if (out.length && out.at(-1) !== null) out.push(null);
        prevT = s.t;
      }
      return out;
    },
    latest() {
      return samples.at(-1)?.t ?? null;
    },
  };
}

/**
 * reportedLatency returns the class-wide latency of one transport as the
 * pages reported it (GET /api/class "reported"): {p50Ms, p95Ms, pages}, or
 * null when no page reported one. The server's numbers are medians over the
 * reporting pages of each page's own p50 and p95: what a typical page sees.
 */
export function reportedLatency(reported, name) {
  const r = reported?.[name];
  if (!r || !(r.pages > 0) || !known(r.p50Ms) || !known(r.p95Ms)) return null;
  return { p50Ms: r.p50Ms, p95Ms: r.p95Ms, pages: r.pages };
}

/**
 * reportedText returns what a transport's latency cell says, from
 * reportedLatency: {value: "300 · 850" (p50 · p95, ms), by: {key, params}}
 * where by says how many pages reported it, or that none did yet.
 */
export function reportedText(lat) {
  if (!lat) return { value: '—', by: { key: 'instructor.noReports' } };
  const by = lat.pages === 1 ? { key: 'instructor.reportedByOne' } : { key: 'instructor.reportedBy', params: { n: lat.pages } };
  return { value: `${latencyMs(lat.p50Ms)} · ${latencyMs(lat.p95Ms)}`, by };
}

/**
 * latencyMs writes a latency for the dashboard: one decimal below 10 ms
 * (a push on a LAN), whole above (a poll), "—" when unknown.
 */
export function latencyMs(v) {
  if (!known(v)) return '—';
  return v < 10 ? v.toFixed(1) : String(Math.round(v));
}

/**
 * pageRows returns the page list's rows from GET /api/class "pages", in the
 * server's order (newest seen first): {name, student, following, muted,
 * transports: [name…], latency: [{transport, p50Ms, p95Ms}]} — the
 * transports in `order`, the latency of each transport the page reported.
 * Names are the page's public name and what its student typed: data, to be
 * shown as text only.
 */
export function pageRows(pages, order) {
  if (!Array.isArray(pages)) return [];
  const rank = (t) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  const byOrder = (a, b) => rank(a) - rank(b);
  return pages.map((p) => {
    const transports = (Array.isArray(p?.transports) ? p.transports.filter((t) => typeof t === 'string') : []).sort(byOrder);
    const latency = Object.entries(p?.latency ?? {})
      .filter(([, l]) => known(l?.p50Ms))
      .sort(([a], [b]) => byOrder(a, b))
      .map(([transport, l]) => ({ transport, p50Ms: l.p50Ms, p95Ms: known(l.p95Ms) ? l.p95Ms : NaN }));
    return {
      name: typeof p?.name === 'string' ? p.name : '',
      student: typeof p?.student === 'string' ? p.student : '',
      following: p?.following === true,
      muted: p?.muted === true,
      transports,
      latency,
    };
  });
}

/**
 * limitedRows returns the rows of the "Limited" list from GET /api/class
 * "limited", in the server's order (newest first): {address, name, limit,
 * refused, agoMs} — who a limit refused lately (an address, and the public
 * name of its page when the limit is per page: "" otherwise), which limit
 * ("polls", "messages", "pages", "streams", or one the server adds), how
 * many requests it refused, and how long ago the last (null: unknown).
 * Null when the answer has no such field: a server that keeps no such list.
 * Every string is data from the network, to be shown as text only.
 */
export function limitedRows(limited) {
  if (!Array.isArray(limited)) return null;
  const text = (v) => (typeof v === 'string' ? v : '');
  return limited
    .filter((l) => typeof l?.address === 'string' && l.address !== '')
    .map((l) => ({
      address: l.address,
      name: text(l.name),
      limit: text(l.limit),
      refused: Number.isInteger(l.refused) && l.refused >= 0 ? l.refused : 0,
      agoMs: known(l.lastAgoMs) && l.lastAgoMs >= 0 ? l.lastAgoMs : null,
    }));
}

/**
 * agoText says how long ago something was, for the page's words:
 * {key, params} — seconds under a minute, then whole minutes; "—" unknown.
 */
export function agoText(ms) {
  if (!known(ms) || ms < 0) return { key: 'instructor.agoUnknown' };
  if (ms < 60_000) return { key: 'instructor.agoS', params: { n: Math.floor(ms / 1000) } };
  return { key: 'instructor.agoMin', params: { n: Math.floor(ms / 60_000) } };
}

/**
 * bytesText writes a number of bytes as people read them: B, KB, MB, GB
 * (powers of 1000, like the network's units), three significant digits.
 */
export function bytesText(n) {
  if (!known(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = Math.max(0, n);
  while (v >= 999.5 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : Number(v.toPrecision(3))} ${units[i]}`;
}

/**
 * perSecond writes a rate (requests or events a second): one decimal below
 * 10, whole above, "—" when unknown.
 */
export function perSecond(v) {
  if (!known(v)) return '—';
  const r = Math.max(0, v); // a counter never goes back within one server
  return r < 10 ? (Math.round(r * 10) / 10).toFixed(1) : String(Math.round(r));
}

/** percent writes a CPU share as a whole percent ("35%", in both languages), "—" when unknown. */
export function percent(v) {
  return known(v) ? `${Math.round(Math.max(0, v))}%` : '—';
}
