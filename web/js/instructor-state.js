// instructor-state.js — the instructor's controls, the pure part: what each
// control shows for a class state (GET /api/class), the one field each
// sends (PUT /api/class), which of two answers is the newer, and how a
// refusal is said.
//
// Every control shows the state the server last answered, never what was
// clicked: two instructor tabs, or a tab and a curl, then agree, and a
// refused change springs back.
//
// Pure: no DOM, no globals. Read controlValues first.

import { TRANSPORTS } from './url.js';
import { presetOf } from './sim.js';

/** MIN_RATE and MAX_RATE bound the feed's rate (events a second), as the server's hub does. */
export const MIN_RATE = 0.1;
export const MAX_RATE = 10_000;

/**
 * transportNames lists the transports the controls offer: the page's
 * (url.js TRANSPORTS, in display order), then any other the server counts
 * or has on, so that a lane added on the server later still shows.
 */
export function transportNames(state) {
  const names = [...TRANSPORTS];
  const more = [...Object.keys(state?.server?.transports ?? {}), ...(state?.transports ?? [])];
  for (const t of more) if (typeof t === 'string' && !names.includes(t)) names.push(t);
  return names;
}

/**
 * controlValues returns what each control shows for a class state:
 *   transports  {name: on}, for every transportNames name
 *   interval    the polling interval, ms
 *   rate        the feed's events a second; rateLocked while the tutorial
 *               sets it (a rate with tutorial:true is refused)
 *   tutorial, paused, messages   as the state says
 *   network     the PRESETS id of the state's network, or 'custom'
 *   run         the run's number
 */
export function controlValues(state) {
  const on = new Set(Array.isArray(state?.transports) ? state.transports : []);
  const transports = {};
  for (const t of transportNames(state)) transports[t] = on.has(t);
  return {
    transports,
    interval: state?.interval,
    rate: state?.rate,
    rateLocked: state?.tutorial === true,
    tutorial: state?.tutorial === true,
    paused: state?.paused === true,
    messages: state?.messages !== false,
    network: presetOf(state?.network),
    run: state?.run,
  };
}

/**
 * withTransport returns the PUT body that turns one transport on or off
 * for the class: {transports: [...]}, the state's list changed by that one
 * name, in display order.
 */
export function withTransport(state, name, on) {
  const now = new Set(Array.isArray(state?.transports) ? state.transports : []);
  if (on) now.add(name);
  else now.delete(name);
  return { transports: transportNames(state).filter((t) => now.has(t)) };
}

/**
 * checkRate reads the rate field as typed: {rate} when it is a number of
 * events a second the server takes, else {error: {key, params}} (i18n).
 * The server checks again; this only says it sooner, in the page's language.
 */
export function checkRate(raw) {
  const s = String(raw ?? '').trim().replace(',', '.');
  const rate = /^\d+(\.\d+)?$|^\.\d+$/.test(s) ? Number(s) : NaN;
  if (!(rate >= MIN_RATE && rate <= MAX_RATE)) {
    return { error: { key: 'instructor.error.rate', params: { min: MIN_RATE, max: MAX_RATE } } };
  }
  return { rate };
}

/**
 * isStale reports whether answer `next` is older than the state `shown`:
 * an answer to a GET sent before a PUT whose answer came first. The version
 * only grows within one server, so a lower one is older, unless the server
 * started again (its uptime went down), when any answer is news.
 */
export function isStale(shown, next) {
  if (!shown) return false;
  if (!(next?.version < shown.version)) return false;
  const up = (s) => s?.server?.uptimeSeconds;
  return !(up(next) < up(shown));
}

/**
 * failure returns what to say when an action failed, as a value for t()'s
 * {error}: the error itself when it carries the page's words (api.js names
 * every code it knows, a flood of changes included), or the server's reason
 * as it stands.
 */
export function failure(err) {
  if (err?.key) return err;
  return err instanceof Error ? err : String(err);
}

/**
 * droppedNote says what POST /api/class/drop did: {key, params} for how
 * many connections of that transport it closed.
 */
export function droppedNote(answer) {
  const n = Number.isInteger(answer?.dropped) ? answer.dropped : 0;
  return { key: n === 1 ? 'instructor.droppedOne' : 'instructor.dropped', params: { n } };
}

/**
 * actNote says what POST /api/class/mute or /disconnect did to the pages of
 * a name: [{key, params}, …], the words to join — what happened, and, when
 * pages share the name, that it happened to every one of them.
 */
export function actNote(answer) {
  const name = typeof answer?.name === 'string' ? answer.name : '';
  const pages = Number.isInteger(answer?.pages) ? answer.pages : 1;
  let said;
  if (Number.isInteger(answer?.dropped)) {
    said = { key: answer.dropped === 1 ? 'instructor.disconnectedOne' : 'instructor.disconnected', params: { name, n: answer.dropped } };
  }
  else if (answer?.muted === true) said = { key: 'instructor.muted', params: { name } };
  else said = { key: 'instructor.unmuted', params: { name } };
  return pages > 1 ? [said, { key: 'instructor.sharedName', params: { n: pages } }] : [said];
}

/** ARM_MS is how long a Disconnect button waits for the click that confirms it. */
export const ARM_MS = 5000;

/**
 * createArm keeps the two clicks of a Disconnect: the first arms it for a
 * page (the button then asks to be clicked again), a second within ARM_MS
 * confirms it. It asks no modal question, which would stop the dashboard
 * on the projector until answered. {click(name) -> confirmed, armed(name),
 * disarm(name)}; now is injectable for tests.
 */
export function createArm({ now = Date.now, ms = ARM_MS } = {}) {
  const until = new Map(); // name -> when its arming ends
  const armed = (name) => {
    const end = until.get(name);
    if (end === undefined) return false;
    if (now() < end) return true;
    until.delete(name);
    return false;
  };
  return {
    click(name) {
      if (armed(name)) {
        until.delete(name);
        return true;
      }
      until.set(name, now() + ms);
      return false;
    },
    armed,
    disarm: (name) => until.delete(name),
  };
}
