// netsim.js — the Network strip and the tutorial preset: the page side of
// the server's network simulation and of its feed rate.
//
//   PUT  /api/sim?client=ID        {"delayMs","jitterMs"}  every write to this page held that long
//   PUT  /api/sim?client=ID        {"blockWebSockets"}     this page's WebSocket upgrades refused, as by a proxy
//   POST /api/sim/stall?client=ID  {"ms"}                  the server stops writing to this page
//   POST /api/sim/drop?client=ID   {"transport"}           the server closes that connection now
//   GET  /api/sim?client=ID        what it simulates now, its limits and write timeout
//   PUT  /api/feed                 {"rate"}                the feed's rate, for every page
//
// Only this page's connections are touched (its client id); another page,
// even another tab of the same browser, keeps its own network. The header's
// badge shows what the server says it simulates, read once a second, so it
// stays true after a server restart too (the page then asks again for what
// its URL says). A server that fails is asked less and less often, and a
// hidden page asks nothing (repeat.js).
//
// The choices (presets, checks, the URL, which events to answer, the
// tutorial's states) are pure and tested in sim.js, replies.js and
// tutorial.js; this module only wires them to the DOM and the server. Read
// createNetSim first.

import { TRANSPORTS } from './url.js';
import { LIMITS, PRESETS, STALLS, badge, checkNet, presetOf, sameNet, stallLeft } from './sim.js';
import { TUTORIAL_RATE, replyText } from './replies.js';
import { Tutorial } from './tutorial.js';
import { repeat } from './repeat.js';
import { $, setText } from './dom.js';

/** READ_EVERY_MS is how often the page asks the server what it simulates, while it answers. */
const READ_EVERY_MS = 1000;

/** DROP_NOTICE_MS is how long a panel says what its drop did. */
const DROP_NOTICE_MS = 6000;

/**
 * createNetSim returns the Network strip's controller. deps:
 *   api                      this page's API (api.js): its requests carry its id
 *   state, saveState()       the page's URL state (state.net is this module's)
 *   T(key, params)           a string in the page's language
 *   now()                    page time, ms
 *   view                     what it reads of main.js's state, read-only:
 *                              on(t), rate(), stats() (/api/stats), offsetMs() (server − page),
 *                              classMode() (the server is in class mode: the
 *                              tutorial is the instructor's; class-view.js),
 *                              disconnected() (the instructor disconnected the
 *                              page: it asks the server nothing more),
 *                              messagesOff() (the class state says students'
 *                              messages are off: the tutorial does not reply)
 *   notify(t, key, params, ms)  has transport t's panel say T(key, params) for ms
 *   onRate(rate)             the feed's rate changed (PUT /api/feed answered it)
 *   sendMessage(text, via)   sends a message as the message form does, and
 *                            settles when the server has answered (messages.js)
 * Call mount() once the panels exist, render(now) with the page's render,
 * and onEvent(transport, event, replayed) for every event a lane accepted;
 * simulated() tells what delay the server says it adds for this page;
 * websocketsBlocked() whether it refuses this page's WebSocket upgrades.
 * A page following a class applies the instructor's choices with
 * setNet(net) (the strip's own PUT /api/sim) and followTutorial(on) (the
 * replies only: the server already set the feed's rate).
 */
export function createNetSim({ api, state, saveState, T, now, view, notify, onRate, sendMessage }) {
  const sim = {
    answer: null, // what the server last said it simulates, plus stallEndsAt (page time)
    limits: LIMITS,
    writeTimeoutMs: null,
    wish: state.net ?? null, // what this page asked for; null: nothing yet
    writing: 0, // requests that change the simulation, in flight
    generation: 0, // bumps with each change, so an older read is not taken for news
    error: null, // {key, params}: why the last change did not happen
  };
  const tutorial = new Tutorial();

  // ---- talking to the server ------------------------------------------------

  // take records what the server says it simulates now.
  function take(data, at) {
    if (!Number.isInteger(data?.delayMs) || !Number.isInteger(data?.jitterMs)) return;
    const stalledMs = Number.isFinite(data.stalledMs) ? data.stalledMs : 0;
    sim.answer = { delayMs: data.delayMs, jitterMs: data.jitterMs, stallEndsAt: at + stalledMs, blockWebSockets: data.blockWebSockets === true };
    if (data.limits) sim.limits = { ...LIMITS, ...data.limits };
    if (Number.isFinite(data.writeTimeoutMs)) sim.writeTimeoutMs = data.writeTimeoutMs;
  }

  // read asks what the server simulates; repeat() calls it again a second
  // later, or, while it keeps failing (it throws), less and less often.
  async function read() {
    if (sim.writing > 0) return;
    const started = sim.generation;
    // The server away or failing: the badge keeps what it last knew, the
    // panels say the rest, and the page asks again later.
    const data = await api.get('/api/sim'); // a failure throws (api.js)
    if (started === sim.generation && sim.writing === 0) {
      take(data, now());
      // A server that forgot (it restarted) is asked again for what the URL says.
      const forgot = sim.wish !== null && sim.answer !== null && !sameNet(sim.wish, sim.answer);
      if (forgot && !(await setNet(sim.wish))) throw new Error('the network was not set again');
    }
  }

  // write sends a change. It returns {data} when the server made it,
  // {refused: true} when the server said no, and {} when it could not be
  // asked; the last two say why in sim.error, which each action clears as
  // it starts (the line under the strip is about the latest one).
  async function write(method, path, body) {
    sim.writing++;
    sim.generation++;
    sim.error = null;
    try {
      return { data: await api.call(method, path, { body }) };
    } catch (err) {
      // T says err in the page's language when the server gave a known
      // code, else as its message: the server's reason with its status, or fetch's own.
      sim.error = { key: 'sim.error.server', params: { error: err } };
      return err?.status === 400 ? { refused: true } : {};
    } finally {
      sim.writing--;
    }
  }

  // setNet asks for a network. It returns true when the server answered for
  // good (it made it, or refused it as invalid), false when it could not.
  async function setNet(net) {
    sim.wish = net;
    const { data, refused } = await write('PUT', '/api/sim', net);
    if (data) take(data, now());
    if (refused) {
      // The page stops asking for it, and shows what the server keeps.
      sim.wish = sim.answer === null ? null : { delayMs: sim.answer.delayMs, jitterMs: sim.answer.jitterMs };
    }
    state.net = sim.wish ?? undefined;
    saveState();
    fillInputs(sim.answer ?? net);
    return Boolean(data) || refused === true;
  }

  async function stall(ms) {
    const { data } = await write('POST', '/api/sim/stall', { ms });
    if (data && Number.isFinite(data.stalledMs)) {
      sim.answer = { ...(sim.answer ?? { delayMs: 0, jitterMs: 0 }), stallEndsAt: now() + data.stalledMs };
    }
  }

  // blockWebSockets asks the server to refuse this page's WebSocket
  // upgrades, as a proxy that allows only plain HTTP does, or to allow them.
  async function blockWebSockets(on) {
    const { data } = await write('PUT', '/api/sim', { blockWebSockets: on });
    if (data) take(data, now());
  }

  async function drop(t) {
    const { data } = await write('POST', '/api/sim/drop', { transport: t });
    if (data && Number.isInteger(data.dropped)) {
      notify(t, 'sim.dropped', { n: data.dropped }, DROP_NOTICE_MS);
    }
  }

  // ---- the tutorial ----------------------------------------------------------

  async function setRate(rate) {
    tutorial.asking();
    try {
      const data = await api.call('PUT', '/api/feed', { body: { rate } });
      tutorial.rateSet();
      if (Number.isFinite(data.rate)) onRate(data.rate);
      return true;
    } catch (err) {
      tutorial.rateRefused(err);
      return false;
    }
  }

  async function startTutorial() {
    const asked = now() + (view.offsetMs() ?? 0); // server time, ms
    if (await setRate(TUTORIAL_RATE)) tutorial.begin(asked * 1000);
  }

  // backToNormal stops replying, and puts the feed back at the rate the
  // server started with (whoever changed it).
  async function backToNormal() {
    const rate = view.stats()?.defaultRate;
    if (tutorial.end(rate)) await setRate(rate);
  }

  // followTutorial turns the replies on or off as the class says, without
  // PUT /api/feed: in a class the rate is the instructor's, and set.
  function followTutorial(on) {
    if (on === tutorial.on) return;
    if (on) tutorial.begin((now() + (view.offsetMs() ?? 0)) * 1000);
    else tutorial.leave();
  }

  // onEvent replies to a quote, and counts the reply when the server has
  // answered it: taken (published), or not (refused, or the connection went).
  function onEvent(t, ev, replayed) {
    const round = tutorial.decide(ev, {
      rate: view.rate(),
      replayed,
      messageRate: view.stats()?.messageRate,
      messagesOff: view.messagesOff?.() === true,
    });
    if (round === null) return;
    sendMessage(replyText(ev, t), t).then(
      () => tutorial.replied(t, round),
      (err) => tutorial.notReplied(round, err),
    );
  }

  // ---- the DOM -----------------------------------------------------------------

  let els = null;

  function fillInputs(net) {
    if (!els || !net) return;
    els.delay.value = String(net.delayMs);
    els.jitter.value = String(net.jitterMs);
  }

  function mount() {
    const presets = $('#net-presets');
    for (const p of PRESETS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'preset';
      b.dataset.preset = p.id;
      const name = document.createElement('span');
      name.className = 'preset-name';
      const value = document.createElement('span');
      value.className = 'preset-value';
      value.textContent = p.jitterMs > 0 ? `${p.delayMs} ± ${p.jitterMs} ms` : `${p.delayMs} ms`;
      b.append(name, value);
      b.addEventListener('click', () => {
        fillInputs(p);
        setNet({ delayMs: p.delayMs, jitterMs: p.jitterMs });
      });
      presets.append(b);
    }
    // "custom" is no toggle: it takes the student to the fields. It is
    // marked aria-current when the network is one of no preset.
    const custom = document.createElement('button');
    custom.type = 'button';
    custom.className = 'preset';
    custom.dataset.preset = 'custom';
    custom.setAttribute('aria-controls', 'net-delay');
    custom.append(Object.assign(document.createElement('span'), { className: 'preset-name' }));
    custom.addEventListener('click', () => {
      $('#net-delay').focus();
      $('#net-delay').select();
    });
    presets.append(custom);

    els = {
      badge: $('#sim-badge'),
      stall: $('#sim-stall'),
      presets: Array.from(presets.querySelectorAll('[data-preset]')),
      delay: $('#net-delay'),
      jitter: $('#net-jitter'),
      error: $('#sim-error'),
      stallButtons: [],
      stallNote: $('#stall-note'),
      tutorial: $('#tutorial'),
      normal: $('#tutorial-off'),
      tutorialStatus: $('#tutorial-status'),
      tutorialCounts: $('#tutorial-counts'),
      drops: Object.fromEntries(TRANSPORTS.map((t) => [t, $(`#panel-${t} .drop`)])),
      blockWS: $('#net-block-ws'),
    };
    els.blockWS.addEventListener('click', () => blockWebSockets(!websocketsBlocked()));
    fillInputs(sim.wish ?? { delayMs: 0, jitterMs: 0 });

    $('#net-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const { net, error } = checkNet(els.delay.value, els.jitter.value, sim.limits);
      sim.error = error ?? null;
      if (net) setNet(net);
      render(now());
    });

    const stalls = $('#stall-buttons');
    for (const ms of STALLS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'stall-button';
      b.dataset.stall = String(ms);
      b.addEventListener('click', () => stall(ms));
      stalls.append(b);
      els.stallButtons.push(b);
    }

    for (const t of TRANSPORTS) els.drops[t].addEventListener('click', () => drop(t));
    els.tutorial.addEventListener('click', () => (tutorial.on ? backToNormal() : startTutorial()));
    els.normal.addEventListener('click', backToNormal);

    if (sim.wish !== null) setNet(sim.wish); // the URL's network, on this page's fresh id
    const reader = repeat(read, { everyMs: READ_EVERY_MS, paused: () => document.hidden || view.disconnected?.() === true });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) reader.wake();
    });
    reader.start();
  }

  function render(at) {
    if (!els) return;
    const b = badge(sim.answer);
    setText(els.badge, T(b.key, b.params));
    els.badge.dataset.net = sim.answer ? presetOf(sim.answer) : '';
    const left = stallLeft(sim.answer, at);
    setText(els.stall, left > 0 ? T('sim.stalled', { seconds: (left / 1000).toFixed(1) }) : '');

    const shown = sim.answer ?? sim.wish;
    const current = shown ? presetOf(shown) : null;
    for (const el of els.presets) {
      const p = PRESETS.find((p) => p.id === el.dataset.preset);
      setText($('.preset-name', el), T(p ? p.label : 'sim.preset.custom'));
      const chosen = el.dataset.preset === current;
      if (p) el.setAttribute('aria-pressed', String(chosen));
      else if (chosen) el.setAttribute('aria-current', 'true');
      else el.removeAttribute('aria-current');
    }
    setText(els.error, sim.error ? T(sim.error.key, sim.error.params) : '');
    els.blockWS.setAttribute('aria-pressed', String(websocketsBlocked()));
    // On a projector the strip keeps to two rows: these notes fold into
    // their controls' titles there (style.css), so they are titles too.
    els.blockWS.title = T('sim.blockWebSocketsHint');

    for (const el of els.stallButtons) setText(el, T('sim.seconds', { n: Number(el.dataset.stall) / 1000 }));
    const stallNote = sim.writeTimeoutMs === null ? ''
      : sim.writeTimeoutMs === 0 ? T('sim.stallNoCut')
      : T('sim.stallNote', { seconds: sim.writeTimeoutMs / 1000 });
    setText(els.stallNote, stallNote);
    for (const el of els.stallButtons) el.title = stallNote;

    for (const t of TRANSPORTS) {
      els.drops[t].disabled = !view.on(t);
      els.drops[t].title = T('sim.dropTitle', { name: T(`title.${t}`) });
      els.drops[t].setAttribute('aria-label', T('sim.dropLabel', { name: T(`name.${t}`) }));
    }

    renderTutorial();
  }

  // renderTutorial writes the tutorial's state in #tutorial-status, which a
  // screen reader announces when it changes, and its counts in
  // #tutorial-counts, which it does not: a reply every 3 s is no news.
  // In a class the preset's buttons are the instructor's: hidden, and the
  // hint about them with them; the state and the counts stay.
  function renderTutorial() {
    const inClass = view.classMode?.() === true;
    els.tutorial.setAttribute('aria-pressed', String(tutorial.on));
    els.tutorial.disabled = tutorial.busy;
    els.tutorial.hidden = inClass;
    const v = tutorial.view(T, { rate: view.rate(), stats: view.stats(), messagesOff: view.messagesOff?.() === true });
    if (inClass && !tutorial.on && tutorial.error === null) v.status = '';
    els.normal.hidden = v.normalHidden || inClass;
    setText(els.normal, v.normal);
    els.normal.disabled = tutorial.busy;
    setText(els.tutorialStatus, v.status);
    els.tutorialStatus.classList.toggle('is-error', v.statusError);
    setText(els.tutorialCounts, v.counts);
    els.tutorialCounts.classList.toggle('is-error', v.countsError);
  }

  // simulated returns the delay the server last said it adds to what it
  // sends this page, {delayMs, jitterMs}, or null while unknown.
  function simulated() {
    return sim.answer && { delayMs: sim.answer.delayMs, jitterMs: sim.answer.jitterMs };
  }

  function websocketsBlocked() {
    return sim.answer?.blockWebSockets === true;
  }

  return { mount, render, onEvent, simulated, websocketsBlocked, setNet, followTutorial };
}
