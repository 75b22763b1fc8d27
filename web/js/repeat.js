// repeat.js — a request the page makes again and again, such as reading the
// server's wire log (wirelog.js) or its network simulation (netsim.js): when
// to ask next, and not at all while nobody looks.
//
// A server that answers is asked again at the usual pace; one that keeps
// failing (a 404 from a server without the endpoint, a 500, no network) is
// asked less and less often, up to once every 30 s, so that a classroom of
// forgotten tabs does not hammer it. A hidden page (another tab, a minimised
// window) asks nothing; it asks at once when it is shown again.

/** SLOWEST_MS is the longest wait between two tries of a failing request. */
export const SLOWEST_MS = 30_000;

/**
 * retryDelay returns how long to wait after `failures` failures in a row:
 * everyMs after none, then twice as long after each further one, up to
 * maxMs (SLOWEST_MS by default).
 */
export function retryDelay(failures, everyMs, maxMs = SLOWEST_MS) {
  return Math.min(maxMs, everyMs * 2 ** Math.max(0, failures));
}

/**
 * repeat calls tick() now and then again after each call, one at a time:
 * tick is async and returns how many ms to wait before the next call (it
 * handles its own errors; one that throws is called again after SLOWEST_MS).
 * While doc.hidden it waits, and calls tick as soon as the page is shown.
 * opts: setTimeout, document (injectable for tests; no document: never hidden).
 */
export function repeat(tick, opts = {}) {
  const {
    setTimeout: setTimer = (...a) => globalThis.setTimeout(...a),
    document: doc = globalThis.document,
  } = opts;
  let parked = false; // waiting for the page to be shown

  async function run() {
    if (doc?.hidden) {
      parked = true;
      return;
    }
    let delay;
    try {
      delay = await tick();
    } catch {
      delay = SLOWEST_MS; // a bug in tick: keep going, slowly
    }
    setTimer(run, delay);
  }

  doc?.addEventListener('visibilitychange', () => {
    if (doc.hidden || !parked) return;
    parked = false;
    run();
  });
  run();
}
