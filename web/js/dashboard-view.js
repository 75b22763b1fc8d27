// dashboard-view.js — the class dashboard on the instructor page: how many
// pages are open and following, the requests-a-second chart, a row of
// numbers per transport, the server's own costs, the page list with the
// instructor's acts on each page, and who a limit refused lately.
//
// It draws what GET /api/class answered and what dashboard.js computed from
// it; it decides nothing. Every name (a page's public name, what a student
// typed) goes in as text, never as HTML: a name is data from a stranger.

import { $, setText } from './dom.js';
import { HISTORY_MS, agoText, bytesText, latencyMs, limitedRows, pageRows, percent, perSecond, reportedLatency, reportedText } from './dashboard.js';
import { createRateChart } from './dashboard-chart.js';
import { transportNames } from './instructor-state.js';

// nameOf is a transport's name in the page's language; a lane this page has
// no words for is shown by the server's name.
function nameOf(T, t) {
  const key = `name.${t}`;
  const text = T(key);
  return text === key ? t : text;
}

// limitOf is a limit's name in the page's language, or the server's.
function limitOf(T, limit) {
  const key = `instructor.limit.${limit}`;
  const text = T(key);
  return text === key ? limit : text;
}

/**
 * mountDashboard returns {show(state, rate, history), relabel(),
 * redrawPages()} for the page's dashboard section. T(key, params) is the
 * page's words in its language now; show is given each answer of GET
 * /api/class, the rate dashboard.js computed (or null) and the chart's
 * history. acts are the acts on one page (instructor-controls.js
 * mountPageActs): state(name) -> {busy, armed} for its buttons, and
 * click(kind, name, muted) when one is clicked; redrawPages draws the
 * list again when their state changed.
 */
export function mountDashboard({ T, acts }) {
  const chart = createRateChart($('#rate-chart'));
  const tbody = $('#per-transport tbody');
  const rows = new Map(); // transport -> {tr, cells}
  const legend = new Map(); // transport -> {name, value}
  let last = null; // {state, rate, history}
  let listKey = '';

  function rowOf(t) {
    let row = rows.get(t);
    if (row) return row;
    const tr = document.createElement('tr');
    tr.className = `t-${t}`;
    tr.dataset.transport = t;
    const cells = {};
    for (const k of ['name', 'pages', 'requests', 'wire', 'open', 'events', 'latency']) {
      cells[k] = document.createElement(k === 'name' ? 'th' : 'td');
      if (k === 'name') cells[k].scope = 'row';
      cells[k].dataset.col = k;
      tr.append(cells[k]);
    }
    cells.latencyText = document.createElement('span');
    cells.by = document.createElement('span');
    cells.by.className = 'by';
    cells.latency.append(cells.latencyText, cells.by);
    tbody.append(tr);
    row = { tr, cells };
    rows.set(t, row);

    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `var(--${t}, currentColor)`;
    const name = document.createElement('span');
    const value = document.createElement('strong');
    li.append(swatch, name, ' ', value);
    $('#legend').append(li);
    legend.set(t, { name, value });
    return row;
  }

  function showTransports(state, rate) {
    for (const t of transportNames(state)) {
      const { cells } = rowOf(t);
      const r = rate?.transports?.[t];
      const counts = state.server?.transports?.[t];
      setText(cells.name, nameOf(T, t));
      setText(cells.pages, String(state.students?.[t] ?? 0));
      setText(cells.requests, perSecond(r?.requests));
      setText(cells.wire, r ? bytesText(r.wireBytes) : '—');
      setText(cells.open, counts ? String(counts.open ?? 0) : '—');
      setText(cells.events, perSecond(r?.events));
      const said = reportedText(reportedLatency(state.reported, t));
      setText(cells.latencyText, said.value);
      setText(cells.by, T(said.by.key, said.by.params));
      const l = legend.get(t);
      setText(l.name, nameOf(T, t));
      setText(l.value, `${perSecond(r?.requests)} ${T('instructor.col.requests')}`);
    }
  }

  function showServer(state, rate) {
    const s = state.server ?? {};
    setText($('#s-goroutines'), Number.isFinite(s.goroutines) ? String(s.goroutines) : '—');
    setText($('#s-cpu'), percent(rate?.cpuPercent));
    setText($('#s-heap'), bytesText(s.heapBytes));
    setText($('#s-rss'), bytesText(s.rssBytes));
  }

  // newRow returns a row of the page list: five cells of text, and one of
  // the instructor's acts on that page, whose name the row carries.
  function newRow() {
    const tr = document.createElement('tr');
    for (let k = 0; k < 6; k++) tr.append(document.createElement('td'));
    for (const kind of ['mute', 'disconnect']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.act = kind;
      tr.cells[5].append(b, ' ');
    }
    return tr;
  }

  // A click on an act finds its page by the row's name as it is now: rows
  // are reused as the list moves.
  $('#page-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    const name = b?.closest('tr')?.dataset.name;
    if (name !== undefined) acts?.click(b.dataset.act, name, b.getAttribute('aria-pressed') === 'true');
  });

  // showActs sets a row's buttons for page p: Mute or Unmute as the server
  // last said, Disconnect or its second step, disabled while on their way.
  function showActs(tr, p) {
    tr.dataset.name = p.name;
    tr.classList.toggle('is-muted', p.muted);
    const { busy = false, armed = false } = acts?.state(p.name) ?? {};
    const [mute, disconnect] = tr.cells[5].querySelectorAll('button');
    mute.setAttribute('aria-pressed', String(p.muted));
    setText(mute, T(p.muted ? 'instructor.unmute' : 'instructor.mute'));
    setText(disconnect, T(armed ? 'instructor.disconnectArmed' : 'instructor.disconnect'));
    disconnect.classList.toggle('is-armed', armed);
    mute.disabled = disconnect.disabled = busy || !acts;
  }

  function showPages(state) {
    const order = transportNames(state);
    const list = pageRows(state.pages, order);
    const n = state.students?.pages ?? list.length;
    // The list is drawn again only when it changed, and then in the page's words.
    const key = JSON.stringify([T('instructor.yes'), list, n]);
    if (key === listKey) return;
    listKey = key;
    // Rows are kept and only their changed words written: a class of 200
    // pages reports every 2 s, and building the table anew each time cost
    // the projector's laptop more than all the rest of the page.
    const body = $('#page-rows');
    list.forEach((p, i) => {
      let tr = body.rows[i];
      if (!tr) {
        tr = newRow();
        body.append(tr);
      }
      const latency = p.latency.map((l) => `${nameOf(T, l.transport)} ${latencyMs(l.p50Ms)}`).join(' · ');
      const texts = [
        p.name,
        p.student,
        p.transports.map((t) => nameOf(T, t)).join(', '),
        p.following ? T('instructor.yes') : T('instructor.alone'),
        latency || '—',
      ];
      texts.forEach((text, k) => setText(tr.cells[k], text)); // as text: a name is never markup
      showActs(tr, p);
    });
    while (body.rows.length > list.length) body.deleteRow(-1);
    const note = $('#list-note');
    if (list.length === 0) setText(note, T('instructor.noPages'));
    else if (n > list.length) setText(note, T('instructor.listMore', { shown: list.length, n }));
    else setText(note, '');
  }

  // showLimited lists who a limit refused lately, when the server keeps
  // such a list; every field as text. Rows are few (at most 50): drawn anew.
  function showLimited(state) {
    const rows = limitedRows(state.limited);
    const section = $('#limited');
    section.hidden = rows === null;
    if (rows === null) return;
    const body = $('#limited-rows');
    body.replaceChildren(
      ...rows.map((l) => {
        const tr = document.createElement('tr');
        const ago = agoText(l.agoMs);
        for (const text of [l.address, l.name || '—', limitOf(T, l.limit), String(l.refused), T(ago.key, ago.params)]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    setText($('#limited-note'), rows.length === 0 ? T('instructor.limitedNone') : '');
  }

  function drawChart() {
    if (!last?.history) return;
    const now = last.history.latest();
    if (now === null) return;
    const series = transportNames(last.state).map((name) => ({ name, points: last.history.points(name) }));
    chart.draw(series, now, {
      windowMs: HISTORY_MS,
      labels: { now: T('instructor.chart.now'), minutesAgo: (m) => T('instructor.chart.minutesAgo', { m }) },
    });
  }

  function render() {
    if (!last) return;
    const { state, rate } = last;
    setText($('#n-pages'), String(state.students?.pages ?? 0));
    setText($('#n-following'), String(state.students?.following ?? 0));
    showTransports(state, rate);
    showServer(state, rate);
    showPages(state);
    showLimited(state);
    drawChart();
  }

  new ResizeObserver(() => drawChart()).observe($('#rate-chart'));

  return {
    show(state, rate, history) {
      last = { state, rate, history };
      render();
    },
    relabel: render,
    redrawPages() {
      if (!last) return;
      listKey = '';
      showPages(last.state);
    },
  };
}
