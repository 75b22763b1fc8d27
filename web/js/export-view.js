// export-view.js — the export buttons: the run as a file the student keeps,
// JSON (everything) or CSV (one row per arrival). What goes in is built by
// export.js; this module only gathers it and hands the browser a download.

import { TRANSPORTS } from './url.js';
import { lifeOf } from './transports/socketio.js';
import { $ } from './dom.js';
import { buildRun, fileName, runToCSV } from './export.js';
import { errorBound } from './clock.js';
import { nowMs } from './page-state.js';

/** ledgers returns each transport's counts, as the panels show them. */
export function ledgers(lanes) {
  return Object.fromEntries(
    TRANSPORTS.map((t) => {
      const s = lanes[t].ledger.snapshot();
      return [t, { ...s, lastSeq: s.lastSeq ?? 0 }];
    }),
  );
}

/**
 * downloadRun saves the run as a file: 'json' (everything) or 'csv' (one
 * row per arrival), through a Blob and a temporary <a download>.
 */
export function downloadRun(format, { page, lanes, netsim }) {
  const { name, state, clock, server } = page;
  const exportedAt = Date.now();
  const run = buildRun({
    exportedAt,
    settings: {
      name, // the page's public name; its key stays out of files, which are handed around
      transports: TRANSPORTS.filter((t) => lanes[t].on),
      intervalMs: state.interval,
      lang: state.lang,
      clock: { offsetMs: clock.offsetMs, rttMs: clock.rttMs, errorMs: errorBound(clock, nowMs()) },
      server: { epoch: server.epoch, rate: server.rate, head: server.head },
      network: netsim.simulated(), // {delayMs, jitterMs} the server added, or null
      websocketsBlocked: netsim.websocketsBlocked(), // the page's upgrades refused, as by a proxy
      socketio: {
        transports: state.sio ?? 'default', // the lane's `transports` switch
        via: lanes.socketio.via, // 'polling' | 'websocket' | null: what carried it last
        life: lifeOf(lanes.socketio.session), // its session's steps, handshake to upgrade, in ms
      },
      tutorial: $('#tutorial').getAttribute('aria-pressed') === 'true',
    },
    ledgers: ledgers(lanes),
    serverStats: server.stats,
    logs: Object.fromEntries(TRANSPORTS.map((t) => [t, lanes[t].arrivals])),
  });
  const [text, type] = format === 'csv' ? [runToCSV(run), 'text/csv'] : [JSON.stringify(run), 'application/json'];
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = fileName(name, exportedAt, format);
  a.click();
  // The download has its own reference by now; let the Blob go a little later.
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
