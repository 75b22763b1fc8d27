// repeat.js — a task that runs again and again on a timer: every `everyMs`
// while it succeeds, backing off (shared.js's backoffDelay, with jitter)
// while it fails, so a page does not ask a struggling server once a second
// forever; and not at all while paused() says so (a hidden tab), until
// wake() runs it at once.
//
// Pure: the timers are injectable for tests.

import { backoffDelay } from './transports/shared.js';

/**
 * repeat returns {start(), wake()} for task, an async function. The task
 * resolves to how long to wait before the next run (undefined: everyMs), or
 * rejects: then the wait is backoffDelay of the failures in a row, with
 * opts.backoff ({minMs, maxMs}). opts: everyMs, backoff, paused() -> bool,
 * setTimeout, clearTimeout. start() resolves after the first run.
 */
export function repeat(task, opts) {
  const {
    everyMs,
    backoff = { minMs: everyMs, maxMs: 30_000 },
    paused = () => false,
    random = Math.random,
    setTimeout: setTimer = (...a) => globalThis.setTimeout(...a),
    clearTimeout: clearTimer = (...a) => globalThis.clearTimeout(...a),
  } = opts;
  let failures = 0;
  let timer = null;
  let running = false;

  async function run() {
    timer = null;
    if (paused()) return; // wake() starts again
    running = true;
    let waitMs;
    try {
      waitMs = (await task()) ?? everyMs;
      failures = 0;
    } catch {
      waitMs = backoffDelay(failures++, { ...backoff, random });
    } finally {
      running = false;
    }
    timer = setTimer(run, waitMs);
  }

  return {
    start: run,
    /** wake runs the task now, unless it is running; the next run follows from there. */
    wake() {
      if (running) return;
      if (timer !== null) clearTimer(timer);
      run();
    },
  };
}
