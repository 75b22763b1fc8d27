// server-reader.js — what the page reads of the server besides the feed:
// its clock (GET /api/time, for the offset every latency uses) and its own
// counts for this page (GET /api/stats, shown beside the page's).
//
// The counts are read once a second while the tab is visible; less and less
// often while the server fails (the header says so), and at once when the
// tab comes back (repeat.js).

import { estimateOffset } from './clock.js';
import { repeat } from './repeat.js';

const CLOCK_EVERY_MS = 30_000;
const CLOCK_KEEP_MS = 5 * 60_000;
const STATS_EVERY_MS = 1_000;
const STATS_STALE_MS = 3_000; // older server counts show as "—"

/**
 * createServerReader returns {start(), wake(), freshStats(now)} for the page
 * (page-state.js), whose clock and server fields it writes.
 * asking(at) is called as /api/stats is asked, and onStats(stats, asked)
 * hears its answer with what asking returned: together they let the page
 * put its own counts beside the server's as of one moment.
 * start() measures the clock, then reads the counts once, and resolves: the
 * first stream opens knowing the server's run.
 */
export function createServerReader(page, { now, asking = () => null, onStats = () => {} }) {
  const { api, clock, server } = page;

  async function fetchServerTs() {
    const { ts } = await api.get('/api/time');
    if (!Number.isFinite(ts)) throw new Error('/api/time: no ts');
    return ts;
  }

  async function syncClock() {
    try {
      const best = await estimateOffset(fetchServerTs, now, 5);
      // Keep the tightest estimate seen lately (clocks drift far less than a
      // noisy round trip errs), but never one older than CLOCK_KEEP_MS.
      const stale = clock.measuredAt === null || now() - clock.measuredAt > CLOCK_KEEP_MS;
      if (stale || best.rttMs <= clock.rttMs) {
        clock.offsetMs = best.offsetMs;
        clock.rttMs = best.rttMs;
        clock.measuredAt = now();
      }
    } catch {
      // Keep the previous estimate; the header shows "—" until there is one.
    }
  }

  async function readStats() {
    try {
      const asked = asking(now());
      const stats = await api.get('/api/stats');
      server.stats = stats;
      server.statsAt = now();
      server.statsError = null;
      page.statsHistory.add(server.statsAt, stats.client);
      if (typeof stats.epoch === 'string') page.setEpoch(stats.epoch);
      if (Number.isFinite(stats.rate)) server.rate = stats.rate;
      if (Number.isInteger(stats.head)) server.head = stats.head;
      onStats(stats, asked);
    } catch (err) {
      server.statsError = err; // said in the page's language when the server gave a code (i18n.js t)
      throw err; // repeat.js backs off
    }
  }

  const statsPoller = repeat(readStats, { everyMs: STATS_EVERY_MS, paused: () => document.hidden });

  return {
    async start() {
      // Measure the clock before the first event arrives, so every latency
      // shown uses a measured offset; then keep it fresh.
      await syncClock();
      setInterval(syncClock, CLOCK_EVERY_MS);
      // Learn the server's epoch before the first stream opens, so that an
      // EventSource's URL names the run its Last-Event-ID belongs to.
      await statsPoller.start();
    },

    wake() {
      statsPoller.wake();
    },

    // freshStats returns the server's last counts, or null once they are older
    // than STATS_STALE_MS: a number shown must be current, not the last known.
    freshStats(at) {
      return server.statsAt !== null && at - server.statsAt <= STATS_STALE_MS ? server.stats : null;
    },
  };
}
