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
// open. A server without the endpoint (404) is asked again only rarely, one
// that fails is asked less and less often (repeat.js), and the page shows
// "—" for what only the server could tell.

import { createApi } from './api.js';
import { repeat } from './repeat.js';

/** EVERY_MS is how often the log is read while needed. */
export const EVERY_MS = 1000;

/** MISSING_EVERY_MS is how often a server that has no wire log is asked again. */
export const MISSING_EVERY_MS = 30_000;

/** SERVER_KEEPS is how many entries the server keeps per page (GET /api/wire in README). */
export const SERVER_KEEPS = 64;

/**
 * createWireLog returns {start, wake, reset, state}. opts:
 *   clientId, needed() -> bool, paused() -> bool (a hidden page: wake()
 *   reads again at once), onEntries(entries, missed) with the new
 *   entries and how many the server dropped before the first of them,
 *   fetch, setTimeout, clearTimeout: injectable for tests.
 * state() is 'unknown' (not asked yet), 'ok', or 'missing' (the server has
 * no wire log). reset() starts over from the first entry (after a server
 * restart, whose log counts from 1 again).
 */
export function createWireLog(opts) {
  const {
    clientId,
    needed = () => true,
    paused = () => false,
    onEntries = () => {},
    fetch,
    setTimeout,
    clearTimeout,
  } = opts;
  const api = createApi({ clientId, fetch });
  let after = 0;
  let state = 'unknown';
  let started = false;

  // read asks for the entries after the last one it has; it rejects when
  // the network or the server fails (the transports say so), and the next
  // read comes later and later.
  async function read() {
    let answer;
    try {
      answer = await api.get('/api/wire', { after });
    } catch (err) {
      if (err.status !== 404) throw err;
      state = 'missing';
      return MISSING_EVERY_MS;
    }
    const { next, entries, missed } = answer;
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

  const reader = repeat(async () => (needed() ? read() : undefined), { everyMs: EVERY_MS, paused, setTimeout, clearTimeout });

  return {
    start() {
      if (started) return;
      started = true;
      reader.start();
    },
    wake: () => reader.wake(),
    reset() {
      after = 0;
    },
    state: () => state,
  };
}
