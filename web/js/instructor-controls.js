// instructor-controls.js — the class controls on the instructor page. Each
// control sends one change (PUT /api/class with one field, or POST
// /api/class/drop or /api/class/run), is disabled while it is on its way,
// and then shows what the server answered: the new state, or its refusal in
// the page's language beside the control. Between changes every control
// shows the state of the last answer (instructor-state.js controlValues),
// so two instructor tabs agree and a refused change springs back.
//
// mountPageActs are the acts on one page of the list (POST /api/class/mute
// and /disconnect, by the page's public name): Mute and Unmute at once,
// Disconnect only at a second click, as it cannot be undone in this run.

import { $, setText } from './dom.js';
import { INTERVALS } from './url.js';
import { PRESETS } from './sim.js';
import { ARM_MS, actNote, checkRate, controlValues, createArm, droppedNote, failure, transportNames, withTransport } from './instructor-state.js';

/**
 * mountControls returns {show(state), relabel()}. deps:
 *   api         api.js's createApi: the instructor's requests (its cookie)
 *   T           the page's words in its language now
 *   onState(s)  a new class state the server answered (PUT, run)
 *   current()   the class state shown now (null before the first answer)
 */
export function mountControls({ api, T, onState, current }) {
  const busy = new Set(); // the controls whose request is on its way
  const notes = new Map(); // note id -> {text: () => string, error}
  const els = {
    interval: $('#c-interval'),
    rate: $('#c-rate'),
    rateSet: $('#c-rate-set'),
    rateForm: $('#c-rate-form'),
    tutorial: $('#c-tutorial'),
    pause: $('#c-pause'),
    messages: $('#c-messages'),
    network: $('#c-network'),
    run: $('#c-run'),
  };
  const boxes = new Map(); // transport -> checkbox
  const drops = new Map(); // transport -> button
  let rateShown = null; // the rate last written into the field

  for (const ms of INTERVALS) els.interval.append(new Option('', String(ms)));
  for (const p of PRESETS) els.network.append(new Option('', p.id));
  const custom = new Option('', 'custom');
  custom.disabled = true; // shown when the class's network is none of the presets; never chosen
  els.network.append(custom);

  // note sets what the control's <output> says: words that follow the
  // language (a function of T), an error in red, or nothing.
  function note(id, text, error = false) {
    if (text === null) notes.delete(id);
    else notes.set(id, { text, error });
    const out = $(`#note-${id}`);
    setText(out, text === null ? '' : text());
    out.classList.toggle('is-error', error);
  }

  // act runs one change: `id` names the control (and its note), `request`
  // sends it and resolves to the server's answer, `done` says what to do with it.
  async function act(id, request, done = onState) {
    if (busy.has(id)) return;
    busy.add(id);
    note(id, () => T('instructor.sending'));
    show(current());
    try {
      const answer = await request();
      note(id, null);
      done(answer);
    } catch (err) {
      const why = failure(err);
      note(id, () => T('instructor.failed', { error: why }), true);
    } finally {
      busy.delete(id);
      show(current()); // the last state again: a refused change springs back
    }
  }

  const put = (body) => api.call('PUT', '/api/class', { body });

  // ensureTransports adds a checkbox and a drop button for each transport
  // not seen before, and reports whether it added any (they need their words).
  function ensureTransports(state) {
    let added = false;
    for (const t of transportNames(state)) {
      if (boxes.has(t)) continue;
      added = true;
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = `c-on-${t}`;
      box.dataset.transport = t;
      const label = document.createElement('label');
      label.append(box, ' ', document.createElement('span'));
      $('#c-transports').append(label, ' ');
      box.addEventListener('change', () => act('transports', () => put(withTransport(current(), t, box.checked))));
      boxes.set(t, box);

      const drop = document.createElement('button');
      drop.type = 'button';
      drop.id = `c-drop-${t}`;
      drop.dataset.transport = t;
      $('#c-drop').append(drop, ' ');
      drop.addEventListener('click', () =>
        act('drop', () => api.post('/api/class/drop', { transport: t }), (answer) => {
          const n = droppedNote(answer);
          note('drop', () => `${nameOf(t)}: ${T(n.key, n.params)}`);
        }),
      );
      drops.set(t, drop);
    }
    return added;
  }

  function nameOf(t) {
    const key = `name.${t}`;
    const text = T(key);
    return text === key ? t : text;
  }

  els.interval.addEventListener('change', () => act('interval', () => put({ interval: Number(els.interval.value) })));
  els.network.addEventListener('change', () => {
    const p = PRESETS.find((p) => p.id === els.network.value);
    if (p) act('network', () => put({ network: { delayMs: p.delayMs, jitterMs: p.jitterMs } }));
  });
  els.messages.addEventListener('change', () => act('messages', () => put({ messages: els.messages.checked })));
  els.pause.addEventListener('click', () => act('pause', () => put({ paused: !current()?.paused })));
  els.tutorial.addEventListener('click', () => act('tutorial', () => put({ tutorial: !current()?.tutorial })));
  els.rateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const { rate, error } = checkRate(els.rate.value);
    if (error) {
      note('rate', () => T(error.key, error.params), true);
      return;
    }
    rateShown = els.rate.value; // sent: the answer's rate replaces it, even in a focused field
    act('rate', () => put({ rate }));
  });
  els.rate.addEventListener('input', () => {
    if (notes.get('rate')?.error) note('rate', null);
  });
  els.run.addEventListener('click', () =>
    act('run', () => api.post('/api/class/run'), (answer) => {
      onState(answer);
      note('run', () => T('instructor.runStarted', { n: answer?.run ?? '?' }));
    }),
  );

  function show(state) {
    const ready = state !== null && state !== undefined;
    if (ready && ensureTransports(state)) relabel();
    const v = ready ? controlValues(state) : null;
    for (const [t, box] of boxes) {
      if (v && !busy.has('transports')) box.checked = v.transports[t] === true;
      box.disabled = !v || busy.has('transports');
    }
    for (const drop of drops.values()) drop.disabled = !v || busy.has('drop');

    if (v && !busy.has('interval')) {
      const value = String(v.interval);
      if (![...els.interval.options].some((o) => o.value === value)) {
        els.interval.append(new Option('', value)); // an interval set elsewhere (curl): shown as it is
        relabel();
      }
      els.interval.value = value;
    }
    els.interval.disabled = !v || busy.has('interval');

    // The rate field keeps what the instructor is typing; it follows the
    // state only while it shows the last answer's rate, or is not in use.
    if (v && !busy.has('rate')) {
      const typing = document.activeElement === els.rate && els.rate.value !== rateShown;
      if (!typing) {
        rateShown = String(+Number(v.rate).toPrecision(3));
        if (els.rate.value !== rateShown) els.rate.value = rateShown;
      }
    }
    els.rate.disabled = !v || busy.has('rate') || v.rateLocked;
    els.rateSet.disabled = els.rate.disabled;
    if (v?.rateLocked) note('rate', lockedText);
    else if (notes.get('rate')?.text === lockedText) note('rate', null);

    els.tutorial.disabled = !v || busy.has('tutorial');
    els.tutorial.setAttribute('aria-pressed', String(v?.tutorial === true));
    // The state's own words, unless a refusal is being said there.
    if (v && !busy.has('tutorial') && !notes.get('tutorial')?.error) note('tutorial', v.tutorial ? () => T('instructor.tutorialOn') : null);

    els.pause.disabled = !v || busy.has('pause');
    els.pause.setAttribute('aria-pressed', String(v?.paused === true));
    // The state's own words, unless a refusal is being said there.
    if (v && !busy.has('pause') && !notes.get('pause')?.error) note('pause', v.paused ? () => T('instructor.pausedNote') : null);

    if (v && !busy.has('messages')) els.messages.checked = v.messages;
    els.messages.disabled = !v || busy.has('messages');
    if (v && !busy.has('network')) els.network.value = v.network;
    custom.hidden = v?.network !== 'custom';
    els.network.disabled = !v || busy.has('network');
    els.run.disabled = !v || busy.has('run');
    relabelState(v);
  }

  // The words that depend on the state: the tutorial's and pause's buttons.
  function relabelState(v) {
    setText(els.tutorial, v?.tutorial ? T('instructor.tutorialOff') : T('instructor.tutorial'));
    setText(els.pause, v?.paused ? T('instructor.resume') : T('instructor.pause'));
  }

  // presetText names a network preset with what it adds: "mobile 3G (150 ± 50 ms)".
  function presetText(p) {
    if (p.delayMs === 0) return T(p.label);
    const n = p.jitterMs > 0 ? `${p.delayMs} ± ${p.jitterMs}` : p.delayMs;
    return `${T(p.label)} (${T('interval.ms', { n })})`;
  }

  function lockedText() {
    return T('instructor.rateLocked');
  }

  function relabel() {
    for (const o of els.interval.options) {
      const ms = Number(o.value);
      o.textContent = ms < 1000 ? T('interval.ms', { n: ms }) : T('interval.s', { n: ms / 1000 });
    }
    for (const o of els.network.options) {
      const p = PRESETS.find((p) => p.id === o.value);
      o.textContent = p ? presetText(p) : T('sim.preset.custom');
    }
    for (const [t, box] of boxes) setText(box.parentElement.querySelector('span'), nameOf(t));
    for (const [t, drop] of drops) setText(drop, T('instructor.dropOne', { name: nameOf(t) }));
    for (const [id, n] of notes) setText($(`#note-${id}`), n.text());
    const state = current();
    relabelState(state ? controlValues(state) : null);
  }

  relabel();
  show(null);
  return { show, relabel };
}

/**
 * mountPageActs returns {state(name), click(kind, name, muted), relabel()}
 * for the buttons of the page list (dashboard-view.js draws them): kind is
 * "mute" (muted: what the row shows now, so the click asks for the other)
 * or "disconnect". A page's buttons are disabled while its act is on its
 * way; what the server answered, or its refusal, is said in #note-acts.
 * deps: api, T as mountControls's; redraw() draws the list's buttons
 * again; done() asks for the class state now, which shows the act.
 */
export function mountPageActs({ api, T, redraw, done, setTimeout: later = globalThis.setTimeout, now = Date.now }) {
  const arm = createArm({ now });
  const busy = new Set(); // names whose act is on its way
  let said = null; // () => the note's words now, or null
  let error = false;

  function say(text, isError = false) {
    said = text;
    error = isError;
    relabel();
  }

  async function send(name, request) {
    busy.add(name);
    say(() => `${name}: ${T('instructor.sending')}`);
    redraw();
    try {
      const answer = await request();
      say(() => actNote({ name, ...answer }).map((n) => T(n.key, n.params)).join(' '));
      done();
    } catch (err) {
      const why = failure(err);
      say(() => T('instructor.actFailed', { name, error: why }), true);
    } finally {
      busy.delete(name);
      redraw();
    }
  }

  function click(kind, name, muted) {
    if (busy.has(name)) return;
    if (kind === 'mute') {
      send(name, () => api.post('/api/class/mute', { name, muted: !muted }));
      return;
    }
    if (kind !== 'disconnect') return;
    if (arm.click(name)) {
      send(name, () => api.post('/api/class/disconnect', { name }));
      return;
    }
    redraw(); // armed: the button asks for the second click, until ARM_MS passes
    later(redraw, ARM_MS);
  }

  function relabel() {
    const out = $('#note-acts');
    setText(out, said === null ? '' : said());
    out.classList.toggle('is-error', error);
  }

  return {
    state: (name) => ({ busy: busy.has(name), armed: arm.armed(name) }),
    click,
    relabel,
  };
}
