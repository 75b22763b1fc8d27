// format.js — how the page writes its numbers and times, in one place, so a
// millisecond reads the same in a panel, a chart, a hint and the table.
//
// Pure: no DOM. A number that is not known (NaN, null, undefined) is "—"
// wherever a cell shows it; the sentence and tick formats are only given
// numbers. Times of day are written by hand, 24-hour, so that they follow
// the page's language rather than the browser's locale.

/** NONE is what a cell shows for a number that is not known. */
export const NONE = '—';

const known = (v) => typeof v === 'number' && Number.isFinite(v);

/** fixedMs writes milliseconds with one decimal, as the panels show them. */
export function fixedMs(v) {
  return known(v) ? tenths(v).toFixed(1) : NONE;
}

/**
 * signedMs writes milliseconds with one decimal and a sign: the clock
 * offset. What rounds to zero is "+0.0": "-0.0" would claim a side.
 */
export function signedMs(v) {
  if (!known(v)) return NONE;
  const r = tenths(v);
  return (r >= 0 ? '+' : '') + r.toFixed(1);
}

// tenths rounds v to one decimal, and a negative that rounds to zero to 0.
function tenths(v) {
  return Math.round(v * 10) / 10 + 0; // + 0 turns -0 into 0
}

/** count writes a whole number: requests, events, bytes. */
export function count(v) {
  return known(v) ? String(Math.round(v)) : NONE;
}

/** tickMs writes an axis label: no needless decimals (250, 2.5, 0.2). */
export function tickMs(v) {
  if (v === 0) return '0';
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Number(v.toPrecision(2)));
}

/** sentenceMs writes milliseconds for a sentence: one decimal below 10 ms, whole above. */
export function sentenceMs(v) {
  return Math.abs(v) < 10 ? v.toFixed(1) : String(Math.round(v));
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** timeOfDay writes a page time (ms since 1970) as HH:MM:SS, local time. */
export function timeOfDay(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** clockTime writes HH:MM:SS.mmm: for rows that arrive many a second. */
export function clockTime(ms) {
  return `${timeOfDay(ms)}.${pad(new Date(ms).getMilliseconds(), 3)}`;
}

/** rateText writes events a second as a class reads them: 1/3 as 0.333. */
export function rateText(rate) {
  return String(+rate.toPrecision(3));
}
