// server-reader.js — what the page reads of the server besides the feed:
// its clock (GET /api/time, for the offset every latency uses) and its own
// counts for this page (GET /api/stats, shown beside the page's).
//
// The clock is measured every 30 s, when the tab comes back (a laptop may
// have slept, its clock been stepped), when the server restarts (a new run
// may be on another machine) and soon after an event says the offset is
// wrong; clock.js decides which estimate to keep. The counts are read once
// a second while the tab is visible; less and less often while the server
// fails (the header says so), and at once when the tab comes back
// (repeat.js).

import { chooseEstimate, estimateOffset, wireTimes } from './clock.js';
import { repeat } from './repeat.js';
import { withQuery } from './transports/shared.js';

const CLOCK_EVERY_MS = 30_000;
const CLOCK_RECHECK_MS = 2_000; // at most this often when an event says the offset is wrong
const STATS_EVERY_MS = 1_000;
const STATS_STALE_MS = 3_000; // older server counts show as "—"

/**
 * createServerReader returns {start(), wake(), recheckClock(), freshStats(now)}
 * for the page (page-state.js), whose clock and server fields it writes.
 * asking(at) is called as /api/stats is asked, and onStats(stats, asked)
 * hears its answer with what asking returned: together they let the page
 * put its own counts beside the server's as of one moment.
 * start() measures the clock, then reads the counts once, and resolves: the
 * first stream opens knowing the server's run. fetch (for /api/time), the
 * timers and hidden() (the tab is hidden) are injectable for tests.
 */
export function createServerReader(page, opts) {
  const {
    now,
    asking = () => null,
    onStats = () => {},
    fetch: fetchFn = (...a) => globalThis.fetch(...a),
    setTimeout: setTimer = (...a) => globalThis.setTimeout(...a),
    clearTimeout: clearTimer = (...a) => globalThis.clearTimeout(...a),
    setInterval: setEvery = (...a) => globalThis.setInterval(...a),
    hidden = () => document.hidden,
  } = opts;
  const { api, clock, server } = page;

  // fetchTime asks for the server's clock with fetch itself, not api.js, so
  // that clock.js reads the return time before the body is parsed. Each URL
  // is new (n), so that its Resource Timing entry is its own.
  let clockRequests = 0;
  function fetchTime() {
    return fetchFn(withQuery('/api/time', { client: page.clientId, n: ++clockRequests }), { cache: 'no-store' });
  }

  // timeOnWire narrows a sample to when the request left and the answer's first
  // byte came, as the browser's network stack saw them (Resource Timing).
  function timeOnWire(res) {
    const entries = performance.getEntriesByName(res.url, 'resource');
    return wireTimes(entries[entries.length - 1], performance.timeOrigin);
  }

  let clockBusy = false;
  let clockAgain = false; // asked for while a round was under way: one more when it ends
  let clockCheckedAt = -Infinity;

  async function syncClock() {
    if (page.disconnected) return; // its key is refused: nothing to measure with
    if (clockBusy) {
      clockAgain = true;
      return;
    }
    clockBusy = true;
    clockCheckedAt = now();
    try {
      performance.clearResourceTimings(); // room for this round's entries: the buffer holds 250
      const fresh = await estimateOffset(fetchTime, now, 5, timeOnWire);
      // The estimate with the smaller bound wins, unless they disagree beyond
      // both bounds (clock.js): a loose round never pushes out a tight one.
      const { estimate } = chooseEstimate(clock.offsetMs === null ? null : clock, fresh, now());
      clock.offsetMs = estimate.offsetMs;
      clock.rttMs = estimate.rttMs;
      clock.at = estimate.at;
    } catch {
      // Keep the previous estimate; the header shows "—" until there is one.
    } finally {
      clockBusy = false;
    }
    if (clockAgain) {
      // e.g. a new run began during the round: what it measured may be the old machine's.
      clockAgain = false;
      syncClock();
    }
  }

  // A new run may be on another machine: its clock is measured again at once
  // (a loose round cannot push out a tight estimate that still holds, clock.js).
  page.onNewEpoch(() => syncClock());

  async function readStats() {
    try {
      const asked = asking(now());
      const stats = await api.get('/api/stats');
      const otherRun = typeof stats.epoch === 'string' && server.epoch !== null && stats.epoch !== server.epoch;
      server.stats = stats;
      server.statsAt = now();
      server.statsError = null;
      page.statsHistory.add(server.statsAt, stats.client);
      if (typeof stats.epoch === 'string') page.setEpoch(stats.epoch);
      if (Number.isFinite(stats.rate)) server.rate = stats.rate;
      // The lanes may have seen a newer event than the server's read: the
      // head only goes down when a new run counts from a lower seq.
      if (otherRun && Number.isInteger(stats.head)) server.head = stats.head;
      else page.noteHead(stats.head);
      onStats(stats, asked);
    } catch (err) {
      server.statsError = err; // said in the page's language when the server gave a code (i18n.js t)
      throw err; // repeat.js backs off
    }
  }

  const statsPoller = repeat(readStats, {
    everyMs: STATS_EVERY_MS,
    paused: () => hidden() || page.disconnected === true, // wake() reads again, unless the page was disconnected
    setTimeout: setTimer,
    clearTimeout: clearTimer,
  });

  return {
    async start() {
      // Measure the clock before the first event arrives, so every latency
      // shown uses a measured offset; then keep it fresh.
      await syncClock();
      setEvery(syncClock, CLOCK_EVERY_MS);
      // Learn the server's epoch before the first stream opens, so that an
      // EventSource's URL names the run its Last-Event-ID belongs to.
      await statsPoller.start();
    },

    /** wake measures the clock and reads the counts at once: the tab came back. */
    wake() {
      syncClock(); // the laptop may have slept, and its clock been stepped
      statsPoller.wake();
    },

    /** recheckClock measures the clock again soon: an event said the offset is wrong. */
    recheckClock() {
      if (!clockBusy && now() - clockCheckedAt >= CLOCK_RECHECK_MS) syncClock();
    },

    // freshStats returns the server's last counts, or null once they are older
    // than STATS_STALE_MS: a number shown must be current, not the last known.
    freshStats(at) {
      return server.statsAt !== null && at - server.statsAt <= STATS_STALE_MS ? server.stats : null;
    },
  };
}
