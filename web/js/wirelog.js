// wirelog.js — reads the server's wire log for this page: what the browser
// hides from the page's code (header bytes, SSE heartbeats, WebSocket pings
// and pongs), as the server saw it.
//
//   GET /api/wire?client=ID&after=N  ->  {"next":M,"missed":K,"entries":[...]}
//
// Entries come oldest first, each with n > N. The server keeps only the last
// SERVER_KEEPS entries per page; "missed" says how many it dropped between N
// and the first entry it returns, so that the inspector can say so instead
// of leaving a silent gap (a server without the field dropped none).
//
// It asks about once a second, and only while needed() says an inspector is
// open and the page is not hidden (repeat.js). A server without the endpoint
// (404) is asked again only rarely, and the page shows "—" for what only the
// server could tell.

import { withQuery } from './transports/shared.js';
import { SLOWEST_MS, repeat } from './repeat.js';

/** EVERY_MS is how often the log is read while needed. */
export const EVERY_MS = 1000;

/** MISSING_EVERY_MS is how often a server that has no wire log is asked again. */
export const MISSING_EVERY_MS = SLOWEST_MS;

/** SERVER_KEEPS is how many entries the server keeps per page (issue 4's contract). */
export const SERVER_KEEPS = 64;

/**
 * createWireLog returns {start, reset, state}. opts:
 *   clientId, needed() -> bool, onEntries(entries, missed) with the new
 *   entries and how many the server dropped before the first of them,
 *   fetch, setTimeout, document: injectable for tests.
 * state() is 'unknown' (not asked yet), 'ok', or 'missing' (the server has
 * no wire log). reset() starts over from the first entry (after a server
 * restart, whose log counts from 1 again).
 */
export function createWireLog(opts) {
  const {
    clientId,
    needed = () => true,
    onEntries = () => {},
    fetch: fetchFn = (...a) => globalThis.fetch(...a),
    setTimeout,
    document,
  } = opts;
  let after = 0;
  let state = 'unknown';
  let started = false;

  async function read() {
    const res = await fetchFn(withQuery('/api/wire', { client: clientId, after }), { cache: 'no-store' });
    if (res.status === 404) {
      state = 'missing';
      return;
    }
    if (!res.ok) return; // a passing failure: try again next time
    const { next, entries, missed } = await res.json();
    state = 'ok';
    if (!Number.isInteger(next)) return;
    if (next < after) {
      after = 0; // the log restarted (a new server run): read it from the start
      return;
    }
    after = next;
    // The server answers only entries after the one asked for: all new.
    const fresh = Array.isArray(entries) ? entries : [];
    const dropped = Number.isInteger(missed) && missed > 0 ? missed : 0;
    if (fresh.length > 0 || dropped > 0) onEntries(fresh, dropped);
  }

  async function tick() {
    try {
      if (needed()) await read();
    } catch {
      // The network or the server is down: the transports say so; try again.
    }
    return state === 'missing' ? MISSING_EVERY_MS : EVERY_MS;
  }

  return {
    start() {
      if (started) return;
      started = true;
      repeat(tick, { setTimeout, document });
    },
    reset() {
      after = 0;
    },
    state: () => state,
  };
}
