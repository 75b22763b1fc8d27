// class-view.js — classroom mode on the student's page: the strip that says
// whether the page follows the instructor, and the two requests behind it.
//
//   GET  /api/class/follow?version=N&epoch=E&client=ID   the class state; held
//        by the server until it changes (or 25 s), so asked again as soon as
//        answered; at once from a server of another run (epoch)
//   POST /api/class/report?client=ID             every 2 s: the student's name,
//        whether the page follows, its lanes and their latency
//
// Neither is a measured transport: they go through api.js as the page's other
// reads of the server, no lane counts them, and the server counts them in
// no transport's numbers. A page in a class keeps following while its tab
// is hidden (the class is still on); a failing server is asked less and less
// often (repeat.js). The page follows only when /api/stats says the server
// runs a class (setClass). What a class state asks is decided in follow.js;
// this module asks the page to do it through the page's own code paths
// (main.js passes them in) and draws the strip. Read createClassView first.

import { TRANSPORTS } from './url.js';
import { Follow, cleanName, MAX_NAME, parseClassState, reportBody } from './follow.js';
import { repeat } from './repeat.js';
import { $, setText } from './dom.js';

/** REPORT_EVERY_MS is how often a page in a class reports to the instructor. */
export const REPORT_EVERY_MS = 2000;

/**
 * HELD_MS: a follow answer that brought the version the page already had
 * and came faster than this was not held by the server (a proxy, or a
 * server that answers at once): the page waits this long before asking
 * again, so that it never spins.
 */
const HELD_MS = 1000;

// The choice to explore alone lasts as long as the tab (sessionStorage);
// the name, across visits (localStorage).
const ALONE_KEY = 'transportlab-alone';
const NAME_KEY = 'transportlab-name';

/**
 * createClassView returns {mount(), setClass(on), render(), classMode(), messagesOff(), toggle()}. deps:
 *   api                   this page's API (api.js)
 *   T(key, params)        a string in the page's language
 *   now()                 page time, ms
 *   apply                 what a following page does, through the page's own code:
 *                           transports(list)  the lane toggles' path (main.js applySelection)
 *                           interval(ms)      the interval select's path
 *                           network(net)      netsim.js setNet (its PUT /api/sim)
 *                           tutorial(on)      netsim.js followTutorial (no PUT /api/feed)
 *                           startOver()       the numbers from zero (lanes.js startOver)
 *   report()              {transports: the lanes on, summaries: per lane its
 *                         latency window's summary (stats.js TimeWindow)}
 *   onRate(rate)          the feed's rate, as the class state says it (the
 *                         tutorial's replies depend on it)
 *   renderControls()      redraws the controls (main.js), which ends with render()
 *   relabel()             writes every fixed word again (main.js): the titles
 *                         the strip took from the controls come back
 *   disconnected()        the instructor disconnected this page (page-state.js):
 *                         it follows and reports no more, and the strip says so
 *   session, local        Storage (sessionStorage, localStorage); timers for tests
 * Call mount() once the netsim strip exists, setClass(stats.class === true)
 * with every /api/stats answer, and render() after the controls were drawn.
 */
export function createClassView(deps) {
  const {
    api, T, now, apply, report, renderControls, relabel, onRate = () => {}, disconnected = () => false,
    session = globalThis.sessionStorage, local = globalThis.localStorage,
    setTimeout: setTimer, clearTimeout: clearTimer,
  } = deps;
  const follow = new Follow({ following: read(session, ALONE_KEY) !== 'yes' });
  let active = false; // the server runs a class
  let lost = null; // why the last follow request failed, or null
  let name = read(local, NAME_KEY) ?? '';
  let els = null;
  let ownedShown = false; // the class's controls are shown disabled

  const timers = setTimer ? { setTimeout: setTimer, clearTimeout: clearTimer } : {};
  const idle = () => !active || disconnected();
  const follower = repeat(askState, { everyMs: 0, backoff: { minMs: 1000, maxMs: 30_000 }, paused: idle, ...timers });
  const reporter = repeat(sendReport, { everyMs: REPORT_EVERY_MS, backoff: { minMs: REPORT_EVERY_MS, maxMs: 30_000 }, paused: idle, ...timers });

  // askState asks for the class state, held until it changes; it resolves
  // to how long to wait before asking again (repeat.js), or throws.
  async function askState() {
    const version = follow.state?.version;
    const epoch = follow.state?.epoch ?? null;
    const asked = now();
    let next;
    try {
      const query = epoch === null ? { version } : { version, epoch };
      next = parseClassState(await api.get('/api/class/follow', query), TRANSPORTS);
      if (next === null) throw new Error('not a class state');
    } catch (err) {
      lost = err;
      renderControls();
      throw err; // repeat.js backs off
    }
    if (!active) return 0; // class mode ended while it was held: the loop pauses
    lost = null;
    take(next);
    return next.version !== version || next.epoch !== epoch || now() - asked >= HELD_MS ? 0 : HELD_MS;
  }

  function take(next) {
    // The feed's rate is the server's, for every page: known now, not at the next /api/stats.
    if (next.rate !== null) onRate(next.rate);
    run(follow.take(next));
    renderControls();
  }

  // run applies a plan (follow.js): the network first, so that what the
  // lanes open next crosses it, and the zero last, after what it measures.
  function run(p) {
    if (p === null) return;
    if (p.network) apply.network(p.network);
    if (p.interval !== undefined) apply.interval(p.interval);
    if (p.transports) apply.transports(p.transports);
    if (p.tutorial !== undefined) apply.tutorial(p.tutorial);
    if (p.newRun) apply.startOver();
  }

  async function sendReport() {
    const { transports, summaries } = report();
    await api.post('/api/class/report', reportBody({ name, following: follow.following, transports, summaries }));
  }

  function toggle() {
    if (follow.following) {
      follow.detach();
      write(session, ALONE_KEY, 'yes');
      apply.tutorial(false); // the tutorial's replies are the following pages'
    } else {
      write(session, ALONE_KEY, null);
      run(follow.follow());
    }
    reporter.wake();
    renderControls();
  }

  function mount() {
    els = {
      strip: $('#class-strip'),
      status: $('#class-status'),
      toggle: $('#class-toggle'),
      name: $('#class-name'),
      notes: $('#class-notes'),
    };
    els.toggle.addEventListener('click', toggle);
    els.name.value = name;
    els.name.addEventListener('input', () => {
      // The server counts characters, not UTF-16 units (maxlength's).
      const chars = [...els.name.value];
      if (chars.length > MAX_NAME) els.name.value = chars.slice(0, MAX_NAME).join('');
      name = cleanName(els.name.value);
      write(local, NAME_KEY, name === '' ? null : name);
    });
  }

  /** setClass notes whether the server runs a class (GET /api/stats `class`). */
  function setClass(on) {
    if (on === active) return;
    active = on;
    if (on) {
      follower.wake();
      reporter.wake();
    } else {
      lost = null;
      if (follow.following) apply.tutorial(false);
    }
    renderControls();
  }

  // ownedControls are the controls the class owns while the page follows it.
  function ownedControls() {
    return [
      ...TRANSPORTS.flatMap((t) => [$(`#toggle-${t}`), $(`#solo-${t}`)]),
      $('#interval'),
      ...document.querySelectorAll('#net-form button, #net-form input'),
    ];
  }

  function render() {
    if (!els) return;
    if (disconnected()) {
      renderGone();
      return;
    }
    els.strip.hidden = !active;
    const owned = active && follow.following;
    if (owned) {
      for (const el of ownedControls()) {
        el.disabled = true;
        el.title = T('follow.owned');
      }
      ownedShown = true;
    } else if (ownedShown) {
      ownedShown = false;
      for (const el of ownedControls()) {
        el.disabled = false;
        el.removeAttribute('title');
      }
      relabel(); // the controls' own titles, in the page's language
      renderControls();
      return;
    }
    renderMessages();
    if (!active) return;
    setText(els.status, T(follow.following ? 'follow.following' : 'follow.alone'));
    els.strip.classList.toggle('is-alone', !follow.following);
    setText(els.toggle, T(follow.following ? 'follow.explore' : 'follow.follow'));
    const notes = [];
    if (lost !== null) notes.push(T('follow.lost', { error: lost }));
    if (follow.state?.paused) notes.push(T('follow.paused'));
    if (follow.state?.messages === false) notes.push(T('follow.messagesOff'));
    setText(els.notes, notes.join(' '));
    els.notes.hidden = notes.length === 0;
  }

  // renderGone says, where the class strip is, that the instructor
  // disconnected the page, and leaves every control of the page's lanes
  // and messages disabled: the server refuses its key now.
  function renderGone() {
    const why = T('follow.disconnected');
    els.strip.hidden = false;
    els.strip.classList.add('is-gone');
    setText(els.status, why);
    els.toggle.hidden = true;
    els.notes.hidden = true;
    for (const el of [...ownedControls(), $('#message-text'), $('#message-via'), $('#message-send')]) {
      el.disabled = true;
      el.title = why;
    }
    $('#message-text').placeholder = why;
  }

  // renderMessages disables the message form while the instructor has
  // messages off (the server refuses them then), and says why in it.
  // main.js's controls set the form's state just before.
  function renderMessages() {
    const off = active && follow.state?.messages === false;
    const text = $('#message-text');
    text.disabled = off;
    if (off) {
      $('#message-via').disabled = true;
      $('#message-send').disabled = true;
      text.placeholder = T('follow.messagesOff');
      $('#message-form').title = T('follow.messagesOff');
    } else {
      $('#message-form').removeAttribute('title');
    }
  }

  return {
    mount,
    setClass,
    render,
    /** classMode reports whether the server runs a class. */
    classMode: () => active,
    /** messagesOff reports whether the class state says students' messages are off. */
    messagesOff: () => active && follow.state?.messages === false,
    /** toggle is the strip's button: explore alone, or follow again. */
    toggle,
  };
}

// read and write keep a choice in a Storage, which a browser may refuse
// (storage off, a private window): the page then forgets it.
function read(storage, key) {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Forgotten at the next load; nothing else depends on it.
  }
}
