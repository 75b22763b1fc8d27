// follow.js — classroom mode, the pure part: what the instructor's class
// state (GET /api/class/follow) asks of this page, and whether the page
// follows it.
//
//   following ──detach()──▶ alone ──follow()──▶ following (the state applied whole)
//   take(state) → the plan to apply now: what changed since the state last
//                 applied, or everything after a detach or a server restart
//
// A plan says {transports?, interval?, network?, tutorial?, newRun}; a field
// is there only when the page must change it. `run` is a counter the
// instructor bumps for "start from zero": the first state seen sets the
// baseline, and only a later bump resets the page's numbers. paused and
// messages are not actions: the page shows them whether it follows or not
// (Follow.state). The follow and report requests are no transport: no lane
// counts them (class-view.js makes them with api.js, as the page's other
// reads of the server).
//
// Pure: no DOM, no timers, no requests; class-view.js does those. Read plan first.

import { MIN_INTERVAL, MAX_INTERVAL } from './url.js';

/** MAX_NAME is the longest student name the server takes, in characters (runes). */
export const MAX_NAME = 32;

/**
 * parseClassState checks an answer of GET /api/class/follow and returns it
 * as the page uses it, or null when it is not one: version and run are
 * non-negative integers, epoch the server's run (null when it names none),
 * interval whole ms in [250, 5000], network
 * {delayMs, jitterMs} non-negative integers. transports keeps only the names
 * in `known` (the page's lanes), in the class's order: a lane the page does
 * not have is not turned on.
 */
export function parseClassState(data, known) {
  if (data === null || typeof data !== 'object') return null;
  const { epoch, version, run, transports, interval, rate, paused, messages, network, tutorial } = data;
  const count = (n) => Number.isInteger(n) && n >= 0;
  if (!count(version) || !count(run)) return null;
  if (!Array.isArray(transports)) return null;
  if (!Number.isInteger(interval) || interval < MIN_INTERVAL || interval > MAX_INTERVAL) return null;
  if (!count(network?.delayMs) || !count(network?.jitterMs)) return null;
  return {
    epoch: typeof epoch === 'string' && epoch !== '' ? epoch : null,
    version,
    run,
    transports: known.filter((t) => transports.includes(t)),
    interval,
    rate: Number.isFinite(rate) ? rate : null,
    paused: paused === true,
    messages: messages !== false,
    network: { delayMs: network.delayMs, jitterMs: network.jitterMs },
    tutorial: tutorial === true,
  };
}

/**
 * plan returns what the page must do to go from class state prev (null:
 * nothing applied yet, so everything) to next:
 *   transports  the lanes to have on, in display order (the rest off)
 *   interval    the polling interval, ms
 *   network     {delayMs, jitterMs}: the page's simulated network
 *   tutorial    true or false: the tutorial's replies on or off
 *   newRun      true when the page's numbers start from zero
 * Only what differs is in it. A next of another epoch than prev, or with a
 * lower version, comes from a server that restarted: it is applied whole
 * (a restarted server counts versions from 1 again, so its version may
 * even equal the one the page had). runFrom is the run the
 * page's numbers began at (the baseline): newRun is true when next.run is
 * past it, on the same server; after a restart the counter starts over, and
 * the page's numbers have already started over with the server's run.
 */
export function plan(prev, next, runFrom = next.run) {
  const restarted = restartedBetween(prev, next);
  const whole = prev === null || restarted;
  const out = { newRun: !restarted && next.run !== runFrom };
  if (whole || !sameList(prev.transports, next.transports)) out.transports = [...next.transports];
  if (whole || prev.interval !== next.interval) out.interval = next.interval;
  if (whole || !sameNet(prev.network, next.network)) out.network = { ...next.network };
  if (whole || prev.tutorial !== next.tutorial) out.tutorial = next.tutorial;
  return out;
}

/**
 * Follow keeps whether the page follows the class, the last state seen and
 * the state last applied, and the run the page's numbers began at.
 */
export class Follow {
  following;
  state = null; // the last class state seen, followed or not
  applied = null; // the class state the page last applied; null: none since it (re)started following
  runFrom = null; // the run the page's numbers began at; null before the first state

  constructor({ following = true } = {}) {
    this.following = following;
  }

  /**
   * take notes a class state (parseClassState) and returns the plan to
   * apply now, or null when the page explores alone (nothing applied).
   */
  take(next) {
    const restarted = restartedBetween(this.state, next);
    this.state = next;
    if (this.runFrom === null || restarted) this.runFrom = next.run;
    if (!this.following) return null;
    return this.#apply();
  }

  /** detach stops following: the page's controls are the student's again. */
  detach() {
    this.following = false;
    this.applied = null;
  }

  /**
   * follow follows again and returns the plan that applies the last state
   * seen whole (with a new run if the instructor started one meanwhile), or
   * null before any state is known.
   */
  follow() {
    this.following = true;
    this.applied = null;
    return this.state === null ? null : this.#apply();
  }

  #apply() {
    const p = plan(this.applied, this.state, this.runFrom);
    this.applied = this.state;
    if (p.newRun) this.runFrom = this.state.run;
    return p;
  }
}

/**
 * restartedBetween reports whether class state next comes from another
 * server run than prev: another epoch, or, from a server that names none,
 * a lower version.
 */
export function restartedBetween(prev, next) {
  if (prev === null) return false;
  if (prev.epoch !== null && next.epoch !== null) return prev.epoch !== next.epoch;
  return next.version < prev.version;
}

/** isEmpty reports whether a plan changes nothing. */
export function isEmpty(p) {
  return p === null || (!p.newRun && Object.keys(p).length === 1);
}

/**
 * cleanName returns a student's name as the report sends it: trimmed,
 * control and format characters taken out (the server refuses both: a
 * bidi override or a zero-width space in a name), at most MAX_NAME characters (not UTF-16
 * units: a Korean name or an emoji counts as the server counts it).
 */
export function cleanName(raw) {
  const s = String(raw ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return [...s].slice(0, MAX_NAME).join('').trim();
}

/** MAX_REPORT_MS bounds a latency the report sends, as the server checks it. */
export const MAX_REPORT_MS = 600_000;

/**
 * reportBody returns the body of POST /api/class/report: the name (left
 * out when empty), whether the page follows, the lanes on, and per lane on
 * its latency window's {p50Ms, p95Ms, n} (summaries: {count, median, p95},
 * stats.js TimeWindow.summary). A lane with no latency in the window is left
 * out; a latency is held within [0, MAX_REPORT_MS] (one that came "before
 * it was sent" is within the clock's error of 0).
 */
export function reportBody({ name, following, transports, summaries }) {
  const body = { following, transports: [...transports], latency: {} };
  const n = cleanName(name);
  if (n !== '') body.name = n;
  const ms = (v) => Math.round(Math.min(MAX_REPORT_MS, Math.max(0, v)) * 10) / 10;
  for (const t of transports) {
    const s = summaries[t];
    if (!s || !(s.count > 0) || !Number.isFinite(s.median) || !Number.isFinite(s.p95)) continue;
    body.latency[t] = { p50Ms: ms(s.median), p95Ms: ms(s.p95), n: s.count };
  }
  return body;
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameNet(a, b) {
  return a.delayMs === b.delayMs && a.jitterMs === b.jitterMs;
}
