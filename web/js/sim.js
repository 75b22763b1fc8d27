// sim.js — the simulated network, the pure part: the presets the page offers,
// the `net=` value in the URL, checking a delay and jitter before they are
// sent, and what the header's badge says.
//
// The simulation itself runs on the server, for this page's connections only
// (PUT /api/sim?client=ID {"delayMs","jitterMs"}): every write to this page's
// polling answers, SSE stream and WebSocket is held delayMs ± jitterMs. The
// clock offset comes from /api/time, which is not delayed, so the latencies
// the panels show move by the delay and stay honest.
//
// Pure: no DOM, no globals. Read PRESETS and checkNet first.

/** LIMITS are the server's caps (GET /api/sim "limits"), until it says otherwise. */
export const LIMITS = Object.freeze({ delayMs: 1000, stallMs: 30_000 });

/**
 * PRESETS are the networks the page offers by name: a one-way delay added to
 * everything the server sends, and a uniform jitter around it. `label` is the
 * i18n key of the name.
 */
export const PRESETS = Object.freeze([
  Object.freeze({ id: 'localhost', label: 'sim.preset.localhost', delayMs: 0, jitterMs: 0 }),
  Object.freeze({ id: 'wifi', label: 'sim.preset.wifi', delayMs: 20, jitterMs: 5 }),
  Object.freeze({ id: 'mobile', label: 'sim.preset.mobile', delayMs: 150, jitterMs: 50 }),
  Object.freeze({ id: 'satellite', label: 'sim.preset.satellite', delayMs: 600, jitterMs: 0 }),
]);

/** STALLS are the stall buttons, in milliseconds: one shorter than the default write timeout, one longer. */
export const STALLS = Object.freeze([5000, 15_000]);

/** NO_NET is the network the server starts every page with: nothing added. */
export const NO_NET = Object.freeze({ delayMs: 0, jitterMs: 0 });

/**
 * presetOf returns the id of the preset that is exactly `net`
 * ({delayMs, jitterMs}), or 'custom'.
 */
export function presetOf(net) {
  const p = PRESETS.find((p) => p.delayMs === net?.delayMs && p.jitterMs === net?.jitterMs);
  return p ? p.id : 'custom';
}

/**
 * checkNet validates a delay and a jitter as typed (strings, or numbers)
 * against the server's rule: whole milliseconds, 0 ≤ jitter ≤ delay ≤
 * limits.delayMs. It returns {net: {delayMs, jitterMs}} when they pass, or
 * {error: {key, params}} (i18n) saying what is wrong with the first bad one.
 */
export function checkNet(delay, jitter, limits = LIMITS) {
  const max = limits?.delayMs ?? LIMITS.delayMs;
  const delayMs = wholeMs(delay);
  if (delayMs === null || delayMs > max) return { error: { key: 'sim.error.delay', params: { max } } };
  const jitterMs = wholeMs(jitter);
  if (jitterMs === null || jitterMs > delayMs) return { error: { key: 'sim.error.jitter', params: { delay: delayMs } } };
  return { net: { delayMs, jitterMs } };
}

// wholeMs reads a non-negative whole number of milliseconds: an empty field
// is 0, anything else must be digits only.
function wholeMs(v) {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '') return 0;
  return /^\d{1,7}$/.test(s) ? Number(s) : null;
}

/**
 * parseNet reads the URL's `net=` value: "DELAY,JITTER" or "DELAY" (no
 * jitter), in whole milliseconds, valid as checkNet says. It returns
 * {delayMs, jitterMs}, or null for a missing or invalid value (the page then
 * leaves the network alone).
 */
export function parseNet(raw, limits = LIMITS) {
  if (typeof raw !== 'string') return null;
  const parts = raw.split(',');
  if (parts.length > 2 || parts.some((p) => !/^\s*\d+\s*$/.test(p))) return null;
  const { net } = checkNet(parts[0], parts[1] ?? '0', limits);
  return net ?? null;
}

/**
 * formatNet writes {delayMs, jitterMs} for the URL as "DELAY,JITTER", or
 * null when nothing is added (the URL then leaves `net` out).
 */
export function formatNet(net) {
  if (!net || (net.delayMs === 0 && net.jitterMs === 0)) return null;
  return `${net.delayMs},${net.jitterMs}`;
}

/**
 * badge says, as {key, params} (i18n), what delay the server adds for this
 * page. sim is what GET or PUT /api/sim answered; null when the server has
 * not answered (the badge then shows "—").
 */
export function badge(sim) {
  if (!sim) return { key: 'sim.badge.unknown' };
  if (sim.delayMs === 0 && sim.jitterMs === 0) return { key: 'sim.badge.none' };
  const params = { delay: sim.delayMs, jitter: sim.jitterMs };
  return { key: sim.jitterMs > 0 ? 'sim.badge.delayJitter' : 'sim.badge.delay', params };
}

/**
 * stallLeft returns how many milliseconds of a stall are left at `now`
 * (page time, ms), or 0. sim.stallEndsAt is when the stall the server
 * reported ends: the time its answer arrived plus its stalledMs.
 */
export function stallLeft(sim, now) {
  return Math.max(0, (sim?.stallEndsAt ?? 0) - now);
}

/** sameNet reports whether two networks add the same delay and jitter. */
export function sameNet(a, b) {
  return (a?.delayMs ?? 0) === (b?.delayMs ?? 0) && (a?.jitterMs ?? 0) === (b?.jitterMs ?? 0);
}
