// export.js — the run as a file for a lab write-up: every event as it
// arrived on each transport, the page's ledgers, the server's counts and
// the settings they were measured with, as JSON (all of it) or CSV (one row
// per arrival, for a spreadsheet).
//
// Pure: no DOM, no globals; main.js gathers the run and downloads the text.
// Read buildRun first.

/** ARRIVAL_FIELDS are the columns of one arrival, in CSV order after `transport`. */
export const ARRIVAL_FIELDS = Object.freeze(['seq', 'kind', 'ts', 'receivedAt', 'latencyMs', 'replayed']);

/** UNITS says what each arrival field is measured in; the JSON carries it. */
export const UNITS = Object.freeze({
  ts: 'server publish time, Unix microseconds',
  receivedAt: 'arrival time on this page, Unix milliseconds (page clock)',
  latencyMs: 'receivedAt + clock offset - ts, milliseconds (for replayed events too: how late the catch-up came); null before the clock was measured',
  replayed: 'true for catch-up from the server\'s history, whose latency is not live',
});

/**
 * ArrivalLog keeps the last `limit` arrivals of one transport, oldest first,
 * in a ring (a long run does not grow the page), and counts those it let go.
 */
export class ArrivalLog {
  constructor(limit = 20_000) {
    this.limit = limit;
    this.items = [];
    this.next = 0; // where the oldest is, once the ring is full
    this.dropped = 0;
  }

  /** add records one arrival, forgetting the oldest when full. */
  add(arrival) {
    if (this.items.length < this.limit) {
      this.items.push(arrival);
      return;
    }
    this.items[this.next] = arrival;
    this.next = (this.next + 1) % this.limit;
    this.dropped++;
  }

  /** list returns the arrivals kept, oldest first. */
  list() {
    return this.items.slice(this.next).concat(this.items.slice(0, this.next));
  }
}

/**
 * buildRun puts a run together as one plain object:
 *   {format, exportedAt, units, settings, ledgers, serverStats,
 *    arrivals: {<transport>: {dropped, events: [{seq, kind, ts, receivedAt, latencyMs, replayed}]}}}
 * logs maps each transport to its ArrivalLog; the rest is copied as given.
 */
export function buildRun({ exportedAt, settings, ledgers, serverStats, logs }) {
  return {
    format: 'transportlab run, version 1',
    exportedAt: new Date(exportedAt).toISOString(),
    units: UNITS,
    settings,
    ledgers,
    serverStats: serverStats ?? null,
    arrivals: Object.fromEntries(
      Object.entries(logs).map(([t, log]) => [t, { dropped: log.dropped, events: log.list() }]),
    ),
  };
}

/** runToCSV returns the run's arrivals as CSV (RFC 4180), one row per event. */
export function runToCSV(run) {
  const rows = [['transport', ...ARRIVAL_FIELDS]];
  for (const [t, { events }] of Object.entries(run.arrivals)) {
    for (const e of events) rows.push([t, ...ARRIVAL_FIELDS.map((f) => e[f])]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * csvField writes one value: numbers and booleans as they are, nothing
 * (null, undefined, NaN) as an empty field, and text in double quotes
 * (quotes doubled) when it holds a comma, a quote or a line break.
 */
export function csvField(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * fileName names a download after the page's public name and the moment:
 * transportlab-quiet-otter-17-20261126-142715.json, or without a name
 * transportlab-20261126-142715.json. Never give it the page's key: a file
 * is handed around, and the key steers the page.
 */
export function fileName(name, date, ext) {
  const p = (n) => String(n).padStart(2, '0');
  const d = new Date(date);
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  const slug = slugOf(name);
  return `transportlab-${slug ? slug + '-' : ''}${stamp}.${ext}`;
}

/** slugOf makes a name safe in a file name: "Quiet otter 17" → "quiet-otter-17". */
export function slugOf(name) {
  return String(name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
