// url.js — the shareable page state, kept in the query string so a link
// opens the page in the same state: ?transports=poll,sse&interval=1000&lang=ko&net=150,50
//
// Pure: no DOM, no globals. Read parseState first.

import { parseLang } from './i18n.js';
import { parseNet, formatNet } from './sim.js';

/** TRANSPORTS lists every transport in display order. */
export const TRANSPORTS = Object.freeze([
  'poll',
  'longpoll',
  'sse',
  'ws',
  'socketio',
]);

/** INTERVALS are the polling intervals the page offers, in milliseconds. */
export const INTERVALS = Object.freeze([250, 500, 1000, 2000, 5000]);

/** MIN_INTERVAL and MAX_INTERVAL bound an interval given in the URL. */
export const MIN_INTERVAL = 250;
export const MAX_INTERVAL = 5000;

/**
 * DEFAULT_STATE is what the page shows when the URL says nothing (or
 * nonsense): the three lanes of the design card. The others are a click,
 * or ?transports=, away.
 */
export const DEFAULT_STATE = Object.freeze({ transports: Object.freeze(['poll', 'sse', 'ws']), interval: 1000 });

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
 *   - net: the simulated network, "DELAY,JITTER" in ms (sim.parseNet); the
 *     key is in the result, as {delayMs, jitterMs}, only when it is valid.
 *   - sio: the Socket.IO lane's `transports`, 'websocket' or 'polling' (one
 *     of SIO_MODES but the default); the key is in the result only then.
 * The result lists transports in display order.
 */
export function parseState(search) {
  const q = new URLSearchParams(search);
  return {
    transports: parseTransports(q.get('transports')),
    interval: parseInterval(q.get('interval')),
    ...langOf(q.get('lang')),
    ...netOf(q.get('net')),
    ...sioOf(q.get('sio')),
  };
}

/**
 * SIO_MODES are the Socket.IO lane's `transports` choices: the client's
 * default (polling, then the upgrade), or one transport alone.
 */
export const SIO_MODES = Object.freeze(['default', 'websocket', 'polling']);

function sioOf(raw) {
  return raw !== 'default' && SIO_MODES.includes(raw) ? { sio: raw } : {};
}

function netOf(raw) {
  const net = parseNet(raw);
  return net === null ? {} : { net };
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
 * always naming both keys so a copied link is explicit, `lang` when the
 * state has one, `net` when the state adds a delay, and `sio` when the
 * Socket.IO lane is not on its default transports.
 * Commas are left readable rather than percent-encoded.
 */
export function formatState({ transports, interval, lang, net, sio }) {
  const list = TRANSPORTS.filter((t) => transports.includes(t)).join(',');
  const l = parseLang(lang);
  const n = formatNet(net);
  return `?transports=${list}&interval=${interval}` + (l === null ? '' : `&lang=${l}`) + (n === null ? '' : `&net=${n}`) + (sio && sio !== 'default' && SIO_MODES.includes(sio) ? `&sio=${sio}` : '');
}
