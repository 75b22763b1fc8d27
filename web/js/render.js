// render.js — drawing the page from its state: the panels (built once from
// #panel-template), the controls, the header, each panel's numbers, hints
// and chart, and the comparison charts below. What it shows was measured
// elsewhere; it changes the lanes in two ways only: buildPanels hangs each
// panel's elements, chart and views on its lane (els, chart, explain, hints,
// inspectorView), and reading a window's summary at a time drops the points
// that fell out of its minute (stats.js TimeWindow). The page's state it
// only reads. Read render() first.

import { DEFAULT_STATE, TRANSPORTS } from './url.js';
import { lifeOf } from './transports/socketio.js';
import { detailText } from './i18n.js';
import { createChart, sharedDomain } from './chart.js';
import { mountInspector } from './inspector-view.js';
import { pickHints } from './hints.js';
import { mountExplain, mountHints } from './explain-view.js';
import { wireBytes, wireCosts } from './costs.js';
import { errorBound, latencyText } from './clock.js';
import { count, fixedMs, rateText, signedMs } from './format.js';
import { $, foldWhenNone, setCounter, setText } from './dom.js';
import { WINDOW_MS } from './page-state.js';

/**
 * buildPanels clones #panel-template once per transport into #panels and
 * hangs each panel's elements, chart and views on its lane.
 */
export function buildPanels({ lanes, T, wireLog }) {
  const template = $('#panel-template');
  const host = $('#panels');
  for (const t of TRANSPORTS) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.id = `panel-${t}`;
    node.dataset.transport = t;
    for (const el of node.querySelectorAll('[data-only]')) {
      if (!el.dataset.only.split(' ').includes(t)) el.remove();
    }
    host.append(node);
    const lane = lanes[t];
    lane.els = {
      panel: node,
      state: $('.state', node),
      detail: $('.state-detail', node),
      colPage: $('.counts thead [data-i18n="panel.colPage"]', node),
      metric: Object.fromEntries(
        Array.from(node.querySelectorAll('[data-metric]'), (el) => [el.dataset.metric, el]),
      ),
    };
    lane.chart = createChart($('canvas', node));
    lane.explain = mountExplain(t, { T });
    $('.state-detail', node).after(lane.explain.el);
    lane.hints = mountHints({ T });
    $('.chart-wrap', node).after(lane.hints.el);
    lane.inspectorView = mountInspector(t, lane.inspector, { T, wireState: () => wireLog.state() });
    node.append(lane.inspectorView.el);
  }
}

/**
 * createRenderer returns {render(), renderControls(), setLabels(chartLabels)}
 * over the page's state and lanes. deps: page, lanes, now, netsim, compare
 * (compare.js), messageLog (message-log-view.js), freshStats(now) (the
 * server's counts, or null when too old to show).
 */
export function createRenderer({ page, lanes, now, netsim, compare, messageLog, freshStats }) {
  const { state, clock, server, T } = page;
  let chartLabels;

  function renderControls() {
    let shown = 0;
    for (const t of TRANSPORTS) {
      const on = lanes[t].on;
      $(`#toggle-${t}`).setAttribute('aria-pressed', String(on));
      $(`#toggle-${t}`).title = T(on ? 'controls.turnOff' : 'controls.turnOn', { name: T(`title.${t}`) });
      // The design card's lanes stay in view when off, dimmed, for the
      // comparison; a lane beyond them is in view only while it is on.
      const panel = lanes[t].els.panel;
      panel.classList.toggle('is-off', !on);
      panel.hidden = !on && !DEFAULT_STATE.transports.includes(t);
      if (!panel.hidden) shown++;
      // So with its line in the side-by-side legend and its row of costs.
      for (const el of document.querySelectorAll(`#compare [data-transport="${t}"]`)) el.hidden = panel.hidden;
    }
    const host = $('#panels');
    host.style.setProperty('--lanes', String(Math.max(shown, 1)));
    host.classList.toggle('many', shown > 3);
    $('#interval').value = String(state.interval);
    const sio = $('#panel-socketio .sio-mode');
    if (sio) sio.value = state.sio ?? 'default';

    const via = $('#message-via');
    const previous = via.value;
    const options = TRANSPORTS.filter((t) => lanes[t].on);
    via.replaceChildren(
      ...options.map((t) => {
        const o = document.createElement('option');
        o.value = t;
        o.textContent = T(`via.${t}`);
        return o;
      }),
    );
    if (options.includes(previous)) via.value = previous;
    const none = options.length === 0;
    via.disabled = none;
    $('#message-send').disabled = none;
    $('#message-text').placeholder = T(none ? 'controls.placeholderNone' : 'controls.placeholder');
  }

  function renderHeader() {
    setText($('#epoch'), server.epoch ?? '—');
    setText($('#rate'), server.rate === null ? '—' : rateText(server.rate));
    setText($('#head'), count(server.head));
    setText($('#clock-offset'), signedMs(clock.offsetMs));
    setText($('#clock-error'), fixedMs(errorBound(clock, now())));
    setText($('#clock-rtt'), fixedMs(clock.rttMs));
    const error = $('#stats-error');
    setText(error, server.statsError === null ? '' : T('meta.statsError', { error: server.statsError }));
    error.hidden = server.statsError === null;
  }

  function renderLane(lane, at, latency, stats, domain) {
    const { els, ledger } = lane;
    const m = els.metric;
    setText(els.state, T(`state.${lane.status}`));
    els.state.dataset.state = lane.status;
    const notice = lane.notice !== null && at < lane.notice.until ? T(lane.notice.key, lane.notice.params) : null;
    // A browser hides why a WebSocket failed; the page knows its own network refuses them.
    const blocked = (lane.name === 'ws' || lane.name === 'socketio') && lane.status === 'reconnecting' && netsim.websocketsBlocked?.() === true;
    setText(els.detail, !lane.on ? T('detail.off') : notice ?? (blocked ? T('detail.ws.blocked') : detailText(state.lang, lane.detail)));
    els.detail.classList.toggle('notice', notice !== null);

    const lat = latency[lane.name];
    const clockError = errorBound(clock, at);
    for (const k of ['last', 'median', 'p95']) setLatency(m[`latency-${k}`], lat[k], clockError);
    setText(m['latency-error'], fixedMs(clockError));

    renderCounts(lane, stats);
    setCounter(m['missed'], ledger.missed);
    setCounter(m['duplicates'], ledger.duplicates);
    setCounter(m['resets'], ledger.resets);
    setCounter(m['reconnects'], ledger.reconnects);
    setCounter(m['replayed'], ledger.replayed);
    const catchUp = lane.catchUp.summary(at);
    setLatency(m['catchup-median'], catchUp.median, clockError);
    foldWhenNone(m['catchup-median'], catchUp.count === 0); // no catch-up in the last minute

    setText(m['open-server'], count(stats?.client?.[lane.name]?.open));

    if (m['poll-empty']) setCounter(m['poll-empty'], lane.emptyAnswers);
    if (m['sio-via']) {
      // Which Engine.IO transport carries the lane now: the upgrade, seen.
      setText(m['sio-via'], lane.on && lane.via ? T(`sio.via.${lane.via}`) : '—');
      m['sio-via'].dataset.via = lane.on && lane.via ? lane.via : '';
      const life = lane.on ? lifeOf(lane.session) : [];
      setText(m['sio-life'], life.length === 0 ? '—'
        : life.map((s) => T('sio.life.step', { step: T(`sio.life.${s.step}`), ms: String(s.ms), via: T(`sio.via.${s.via}`) })).join(' → '));
    }
    if (m['ws-rtt']) {
      const rtt = lane.rtt.summary(at);
      setText(m['ws-rtt'], fixedMs(rtt.last));
      setText(m['ws-rtt-median'], fixedMs(rtt.median));
    }
    lane.hints.render(pickHints(hintSnapshot(lane, latency, at)));
    lane.inspectorView.render();
    if (!document.hidden) {
      lane.chart.draw(lane.latency.points, at, { windowMs: WINDOW_MS, median: lat.median, labels: chartLabels, domain });
    }
  }

  // setLatency writes a latency as clock.js judges it against the clock's
  // bound: a value inside it is marked, and says only what is known ("≤ 1.4").
  function setLatency(el, ms, clockError) {
    if (!el) return;
    const { text, within } = latencyText(ms, clockError);
    setText(el, text);
    el.dataset.within = String(within);
    const title = within ? T('panel.withinClock', { error: fixedMs(clockError) }) : '';
    if (el.title !== title) el.title = title;
  }

  // renderCounts fills the table of counts: the page's beside the server's,
  // both as of the moment /api/stats answered and both of the server's
  // current run (the page's total across runs in each cell's title). With
  // no current server counts, the page's own show as they are now.
  function renderCounts(lane, stats) {
    const { els, ledger } = lane;
    const m = els.metric;
    const mine = stats === null ? null : server.pageCounts?.[lane.name] ?? null;
    const s = mine?.server ?? stats?.client?.[lane.name]; // since the class run's zero, if any (lanes.js)
    const shown = stats === null ? ledger : mine?.run ?? null;
    const carried = mine?.carriedOver === true;
    const classRun = mine?.classRun === true; // counted from a class's new run (lanes.js takeZero)
    setText(els.colPage, T(classRun ? 'panel.colPageClassRun' : carried ? 'panel.colPageRun' : 'panel.colPage'));
    const cells = [
      ['requests', 'requests-page', 'requests-server', 'requests'],
      ['received', 'events', 'events-server', 'events'],
      ['bytes', 'bytes-page', 'bytes-server', 'bytes'],
    ];
    for (const [k, pageCell, serverCell, serverKey] of cells) {
      setText(m[pageCell], count(shown?.[k]));
      setText(m[serverCell], count(s?.[serverKey]));
      if (carried) m[pageCell].title = T(classRun ? 'panel.allClassRuns' : 'panel.allRuns', { n: count(mine.total[k]) });
      else m[pageCell].removeAttribute('title');
    }
  }

  // hintSnapshot gathers what hints.js needs to pick a panel's hints.
  function hintSnapshot(lane, latency, at) {
    const { ledger, reconnect } = lane;
    const lat = latency[lane.name];
    // A hint quotes only a median the clock can tell from 0.
    const told = (ms) => (latencyText(ms, errorBound(clock, at)).within ? NaN : ms);
    return {
      transport: lane.name,
      via: lane.via ?? null,
      on: lane.on,
      median: told(lat.median),
      samples: lat.count,
      interval: state.interval,
      simDelay: netsim.simulated(),
      requests: ledger.requests,
      received: ledger.received,
      answers: lane.answers,
      empty: lane.emptyAnswers,
      reconnect: reconnect && {
        agoMs: at - reconnect.at,
        missed: ledger.missed - reconnect.missed,
        duplicates: ledger.duplicates - reconnect.duplicates,
      },
      pollMedian: lanes.poll.on ? told(latency.poll.median) : NaN,
    };
  }

  // renderCompare draws the charts below the panels: what each transport
  // delivered in the last minute, and what the server counted it cost.
  function renderCompare(at, latency, stats) {
    if (document.hidden) return;
    const rows = TRANSPORTS.map((t) => {
      const lane = lanes[t];
      return {
        name: t,
        points: lane.latency.points,
        median: latency[t].median,
        clockError: errorBound(clock, at),
        requestsMinute: lane.requestTimes.summary(at).count,
        wirePerMinute: stats === null ? NaN : page.statsHistory.increase(t, wireBytes).value,
        // The server counts each run from zero: so is the probe left out of it.
        // Since the class run's zero, when the class began one (lanes.js takeZero).
        ...wireCosts(stats === null ? undefined : server.pageCounts?.[t]?.server ?? stats.client?.[t], server.pageCounts?.[t]?.probe),
      };
    });
    compare.draw(rows, at, WINDOW_MS);
  }

  function render() {
    const at = now();
    // Each latency window is sorted once a frame, for the panels, hints and charts.
    const latency = Object.fromEntries(TRANSPORTS.map((t) => [t, lanes[t].latency.summary(at)]));
    const stats = freshStats(at);
    // One latency axis for the three panels' charts (chart.js sharedDomain).
    const domain = sharedDomain(TRANSPORTS.map((t) => lanes[t].latency.points));
    renderHeader();
    for (const t of TRANSPORTS) renderLane(lanes[t], at, latency, stats, domain);
    renderCompare(at, latency, stats);
    messageLog.render();
    netsim.render(at);
  }

  return {
    render,
    renderControls,
    setLabels(labels) {
      chartLabels = labels;
    },
  };
}
