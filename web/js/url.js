// url.js — the shareable page state, kept in the query string so a link
// opens the page in the same state: ?transports=poll,sse&interval=1000&lang=ko
//
// Pure: no DOM, no globals. Read parseState first.

import { parseLang } from './i18n.js';

/** TRANSPORTS lists every transport in display order. */
export const TRANSPORTS = Object.freeze(['poll', 'sse', 'ws']);

/** INTERVALS are the polling intervals the page offers, in milliseconds. */
export const INTERVALS = Object.freeze([250, 500, 1000, 2000, 5000]);

/** MIN_INTERVAL and MAX_INTERVAL bound an interval given in the URL. */
export const MIN_INTERVAL = 250;
export const MAX_INTERVAL = 5000;

/** DEFAULT_STATE is what the page shows when the URL says nothing (or nonsense). */
export const DEFAULT_STATE = Object.freeze({ transports: TRANSPORTS, interval: 1000 });

/**
 * parseState reads {transports, interval} from a query string such as
 * location.search. Each value that is missing or invalid falls back to its
 * default on its own:
 *   - transports: a comma list of known names, any order, duplicates allowed;
 *     an unknown name makes the whole list invalid. An explicitly empty list
 *     (`transports=`) means "all off", which the page can reach with its toggles.
 *   - interval: an integer number of milliseconds within [250, 5000].
 *   - lang: 'en' or 'ko'; the key is in the result only when the URL names
 *     one of them (otherwise the browser's language decides: i18n.pickLang).
 * The result lists transports in display order.
 */
export function parseState(search) {
  const q = new URLSearchParams(search);
  return {
    transports: parseTransports(q.get('transports')),
    interval: parseInterval(q.get('interval')),
    ...langOf(q.get('lang')),
  };
}

function langOf(raw) {
  const lang = parseLang(raw);
  return lang === null ? {} : { lang };
}

function parseTransports(raw) {
  if (raw === null) return [...DEFAULT_STATE.transports];
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.some((n) => !TRANSPORTS.includes(n))) return [...DEFAULT_STATE.transports];
  return TRANSPORTS.filter((t) => names.includes(t));
}

function parseInterval(raw) {
  if (raw === null || !/^\d+$/.test(raw.trim())) return DEFAULT_STATE.interval;
  const ms = Number(raw.trim());
  if (ms < MIN_INTERVAL || ms > MAX_INTERVAL) return DEFAULT_STATE.interval;
  return ms;
}

/**
 * formatState writes the state back as a query string (with the leading "?"),
 * always naming both keys so a copied link is explicit, and `lang` when the
 * state has one.
 * Commas are left readable rather than percent-encoded.
 */
export function formatState({ transports, interval, lang }) {
  const list = TRANSPORTS.filter((t) => transports.includes(t)).join(',');
  const l = parseLang(lang);
  return `?transports=${list}&interval=${interval}` + (l === null ? '' : `&lang=${l}`);
}
