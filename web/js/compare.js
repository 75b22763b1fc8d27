// compare.js — the section below the panels that puts the three transports
// on the same charts: every event's latency on one clock (polling's sawtooth
// against the flat lines of the pushes), how the latencies are distributed,
// and what each transport costs, as bars and as a table of exact numbers.
//
// It touches only its own section. Its numbers come from main.js, measured
// by this page or counted by the server; the arithmetic is in plot.js and
// costs.js. Each transport keeps its colour (--poll, --sse, --ws), its name,
// and a marker and a dash of its own (MARKS), so that the charts also read
// without colour: in greyscale, on a washed-out projector, for a colour-blind
// student. Read createCompare first.

import { dots, fitCanvas } from './chart.js';
import { latencyText } from './clock.js';
import { setText } from './dom.js';
import { count, tickMs } from './format.js';
import { cdf, latencyDomain, linearScale, logScale, logTicks } from './plot.js';
import { TRANSPORTS } from './url.js';

/**
 * MARKS gives each transport its marker in the timeline and its dash in the
 * distribution (canvas setLineDash; [] is solid). The legend in index.html
 * draws the same, in SVG.
 */
export const MARKS = Object.freeze({
  poll: { shape: 'circle', dash: [] },
  sse: { shape: 'square', dash: [10, 5] },
  ws: { shape: 'triangle', dash: [2, 5] },
  longpoll: { shape: 'diamond', dash: [6, 3, 1, 3] },
  socketio: { shape: 'cross', dash: [12, 3, 2, 3] },
});

/**
 * A row is what the section shows of one transport:
 *   {name,           'poll' | 'longpoll' | 'sse' | 'ws' | 'socketio'
 *    points,         [{t, v}]: latency v (ms) of each event that arrived at t (page ms)
 *    median,         of those points (ms)
 *    clockError,     the clock offset's bound now (ms): a median inside it reads "≤ X"
 *    requestsMinute, HTTP requests this page made in the last minute
 *    wirePerMinute,  bytes on the wire, both ways, in the last minute (server's count)
 *    wirePerEvent, bodyPerEvent, overheadShare, probePerEvent}   since the page opened (costs.wireCosts)
 * A number that is not known is NaN, and shows as "—".
 */

/**
 * createCompare binds the section's canvases, builds the table's rows, and
 * returns {draw(rows, nowMs, windowMs)}. T(key, params) looks up the page's
 * words. Call it before the page applies its language: each row's name is
 * marked data-i18n like the page's other fixed words.
 */
export function createCompare(section, T) {
  const timeline = surface(section.querySelector('#chart-timeline'));
  const distribution = surface(section.querySelector('#chart-cdf'));
  const bars = surface(section.querySelector('#chart-bars'));
  buildTableRows(section.querySelector('#cost-row-template'));
  const cells = Array.from(section.querySelectorAll('[data-cost]'));

  return {
    draw(rows, nowMs, windowMs) {
      const recent = rows.map((r) => ({ ...r, values: r.points.filter((p) => p.t >= nowMs - windowMs).map((p) => p.v) }));
      // One latency axis for both charts, so a position means the same on each.
      const domain = latencyDomain(recent.flatMap((r) => r.values));
      drawTimeline(timeline, recent, nowMs, windowMs, domain, T);
      drawDistribution(distribution, recent, domain, T);
      drawBars(bars, rows, T);
      fillTable(cells, rows, T);
    },
  };
}

// ---- drawing ------------------------------------------------------------------

// surface returns a function that clears a canvas for a new frame and says
// how to draw on it: its context, CSS size, font and the colours the
// stylesheet gives it.
function surface(canvas) {
  const ctx = canvas.getContext('2d');
  return () => {
    const { w, h } = fitCanvas(canvas, ctx);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(canvas);
    const color = (name) => css.getPropertyValue(name).trim();
    const size = parseFloat(css.fontSize) || 16;
    const font = (scale = 1, weight = 500) => `${weight} ${Math.round(size * scale)}px ${css.fontFamily}`;
    ctx.font = font(0.9);
    return {
      ctx, w, h, size, font,
      grid: color('--chart-grid'),
      text: color('--chart-text'),
      ink: color('--chart-ink'),
      bg: color('--chart-bg'),
      tcolor: (t) => color(`--${t}`),
    };
  };
}

// tickLabel labels a tick of a log latency axis: the floor says "≤"
// because everything at or below it is drawn there.
function tickLabel(v, i) {
  return i === 0 ? `≤${tickMs(v)}` : tickMs(v);
}

// latencyTicks returns the ticks of a log latency axis as {v, at, label}:
// at is the position pos(v); a label that would crowd the one before it
// (closer than room(label)) is left out, its gridline kept.
function latencyTicks(domain, pos, room) {
  let last = -Infinity;
  return logTicks(domain).map((v, i) => {
    const at = pos(v);
    const label = tickLabel(v, i);
    if (Math.abs(at - last) < room(label)) return { v, at, label: '' };
    last = at;
    return { v, at, label };
  });
}

// marker adds a transport's marker of radius r around (x, y) to the path
// being built (the caller fills them all at once: one fill per transport,
// not per event, keeps a frame short, and events that arrive meanwhile are
// not kept waiting); every shape covers about the same area. A triangle is
// left open: fill closes every subpath itself, and closePath in a path of
// thousands of markers took Chromium longer the longer the path (most of
// each frame at 100 events a second, once the minute was full).
function marker(ctx, shape, x, y, r) {
  if (shape === 'square') {
    const a = r * 0.89;
    ctx.rect(x - a, y - a, 2 * a, 2 * a);
  } else if (shape === 'diamond') {
    const a = r * 1.25;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a, y);
    ctx.lineTo(x, y + a);
    ctx.lineTo(x - a, y);
  } else if (shape === 'cross') {
    // A plus: two bars, filled as one (nonzero winding).
    const a = r * 1.3;
    const b = r * 0.45;
    ctx.rect(x - a, y - b, 2 * a, 2 * b);
    ctx.rect(x - b, y - a, 2 * b, 2 * a);
  } else if (shape === 'triangle') {
    const a = r * 1.35;
    ctx.moveTo(x, y - a);
    ctx.lineTo(x + a * 0.87, y + a / 2);
    ctx.lineTo(x - a * 0.87, y + a / 2);
  } else {
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}

function line(ctx, x0, y0, x1, y1) {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

// drawTimeline: x is the last windowMs of page time, y the latency on a log
// scale; one marker per event in its transport's colour and shape.
function drawTimeline(begin, rows, nowMs, windowMs, domain, T) {
  const { ctx, w, h, size, font, grid, text, tcolor } = begin();
  const left = Math.ceil(Math.max(...logTicks(domain).map((v, i) => ctx.measureText(tickLabel(v, i)).width))) + 12;
  const pad = { left, right: size * 0.8, top: size * 1.9, bottom: size * 1.9 };
  const plotW = Math.max(1, w - pad.left - pad.right);
  const plotH = Math.max(1, h - pad.top - pad.bottom);
  const x = linearScale({ min: nowMs - windowMs, max: nowMs }, [pad.left, pad.left + plotW]);
  const y = logScale(domain, [pad.top + plotH, pad.top]);

  ctx.fillStyle = text;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.font = font(0.95, 650);
  ctx.fillText(T('compare.axisLatencyLog'), 0, 0);
  ctx.font = font(0.9);

  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const { at, label } of latencyTicks(domain, y, () => size * 1.4)) {
    const yy = Math.round(at) + 0.5;
    line(ctx, pad.left, yy, pad.left + plotW, yy);
    ctx.fillText(label, pad.left - 8, yy);
  }
  ctx.textBaseline = 'top';
  const stepS = 10;
  for (let s = 0; s * 1000 <= windowMs; s += stepS) {
    const xx = Math.round(x(nowMs - s * 1000)) + 0.5;
    line(ctx, xx, pad.top, xx, pad.top + plotH);
    ctx.textAlign = s === 0 ? 'right' : (s + stepS) * 1000 > windowMs ? 'left' : 'center';
    ctx.fillText(s === 0 ? T('chart.now') : T('chart.secondsAgo', { s }), xx, pad.top + plotH + 6);
  }

  // Dots, not lines: a poll answer delivers several events at one instant.
  const r = Math.max(2, Math.min(3.5, plotW / 300));
  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.left - r, pad.top - r, plotW + 2 * r, plotH + 2 * r);
  ctx.clip();
  for (const row of rows) {
    ctx.fillStyle = tcolor(row.name);
    ctx.beginPath();
    const at = dots(row.points, nowMs - windowMs, x, y, r); // one marker per cell it covers
    for (let i = 0; i < at.length; i += 2) marker(ctx, MARKS[row.name].shape, at[i], at[i + 1], r);
    ctx.fill();
  }
  ctx.restore();

  if (rows.every((row) => row.values.length === 0)) {
    ctx.fillStyle = text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(T('chart.empty'), pad.left + plotW / 2, pad.top + plotH / 2);
  }
}

// drawDistribution: the cumulative distribution of each transport's
// latencies over the last minute (x: latency, log; y: share of events at or
// below it), each in its own dash, with its median marked where the curve
// crosses 50 % and labelled with the transport's name.
function drawDistribution(begin, rows, domain, T) {
  const { ctx, w, h, size, font, grid, text, bg, tcolor } = begin();
  const pctLabel = (p) => T('compare.percent', { n: p });
  const left = Math.ceil(ctx.measureText(pctLabel(100)).width) + 12;
  const right = Math.ceil(ctx.measureText(tickMs(domain.max)).width / 2) + 4; // the top's label
  const pad = { left, right, top: size * 1.9, bottom: size * 3.4 };
  const plotW = Math.max(1, w - pad.left - pad.right);
  const plotH = Math.max(1, h - pad.top - pad.bottom);
  const x = logScale(domain, [pad.left, pad.left + plotW]);
  const y = linearScale({ min: 0, max: 1 }, [pad.top + plotH, pad.top]);

  ctx.fillStyle = text;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.font = font(0.95, 650);
  ctx.fillText(T('compare.axisShare'), 0, 0);
  ctx.textAlign = 'right';
  ctx.fillText(T('compare.axisLatencyLog'), w, h - size * 1.1);
  ctx.font = font(0.9);

  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.textBaseline = 'middle';
  for (const p of [0, 25, 50, 75, 100]) {
    const yy = Math.round(y(p / 100)) + 0.5;
    line(ctx, pad.left, yy, pad.left + plotW, yy);
    ctx.fillText(pctLabel(p), pad.left - 8, yy);
  }
  ctx.textBaseline = 'top';
  const room = (label) => ctx.measureText(label).width + size;
  for (const { at, label } of latencyTicks(domain, x, room)) {
    const xx = Math.round(at) + 0.5;
    line(ctx, xx, pad.top, xx, pad.top + plotH);
    ctx.textAlign = 'center';
    ctx.fillText(label, xx, pad.top + plotH + 6);
  }

  ctx.lineWidth = 3;
  ctx.lineJoin = 'round';
  for (const row of rows) {
    const steps = cdf(row.values);
    if (steps.length === 0) continue;
    ctx.strokeStyle = tcolor(row.name);
    ctx.setLineDash(MARKS[row.name].dash);
    ctx.beginPath();
    ctx.moveTo(x(steps[0].v), y(0));
    let p = 0;
    for (const s of steps) {
      ctx.lineTo(x(s.v), y(p));
      ctx.lineTo(x(s.v), y(s.p));
      p = s.p;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);

  // Each median: a dot where its curve crosses 50 %, its value beside it,
  // over every curve (stacked per transport, so close medians do not
  // overwrite each other; a box of the background keeps them readable).
  ctx.font = font(0.9, 700);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const lineH = Math.round(size * 1.2);
  rows.forEach((row, i) => {
    if (!Number.isFinite(row.median)) return;
    const mx = x(row.median);
    ctx.fillStyle = tcolor(row.name);
    ctx.beginPath();
    marker(ctx, MARKS[row.name].shape, mx, y(0.5), 6);
    ctx.fill();
    const label = T('compare.medianValue', { name: T(`name.${row.name}`), v: tickMs(row.median) });
    const lw = ctx.measureText(label).width;
    const lx = Math.min(mx + 10, pad.left + plotW - lw);
    const ly = y(0.5) - 4 - (i + 0.5) * lineH;
    ctx.fillStyle = bg;
    ctx.fillRect(lx - 3, ly - lineH / 2, lw + 6, lineH);
    ctx.fillStyle = tcolor(row.name);
    ctx.fillText(label, lx, ly);
  });
}

// drawBars: three groups of horizontal bars, one bar per transport, each
// group on its own scale from zero, each bar labelled with its number.
function drawBars(begin, rows, T) {
  const { ctx, w, h, size, font, text, ink, tcolor } = begin();
  const groups = [
    { title: T('compare.barRequests'), value: (r) => r.requestsMinute, label: (v) => count(v) },
    { title: T('compare.barWirePerEvent'), value: (r) => r.wirePerEvent, label: (v) => T('compare.bytes', { n: count(v) }) },
    { title: T('compare.barMedian'), value: (r) => r.median, label: (v) => T('compare.ms', { v: tickMs(v) }) },
  ];
  const names = rows.map((r) => T(`name.${r.name}`));
  const nameW = Math.ceil(Math.max(...names.map((n) => ctx.measureText(n).width))) + 12;
  const groupH = h / groups.length;
  const barH = Math.min(size * 1.15, (groupH - size * 1.6) / rows.length - 4);

  groups.forEach((g, gi) => {
    const top = gi * groupH;
    ctx.fillStyle = ink;
    ctx.font = font(0.95, 650);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(g.title, 0, top);
    ctx.font = font(0.9);

    const values = rows.map(g.value);
    const labels = values.map((v) => (Number.isFinite(v) ? g.label(v) : '—'));
    const labelW = Math.ceil(Math.max(...labels.map((l) => ctx.measureText(l).width))) + 10;
    const max = Math.max(0, ...values.filter(Number.isFinite));
    const barW = linearScale({ min: 0, max: max || 1 }, [0, Math.max(1, w - nameW - labelW)]);
    rows.forEach((row, i) => {
      const yy = top + size * 1.5 + i * (barH + 4);
      ctx.fillStyle = text;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(names[i], nameW - 8, yy + barH / 2);
      const v = values[i];
      // A bar of a true zero stays empty; any other shows at least 2 px.
      const bw = Number.isFinite(v) && v > 0 ? Math.max(2, barW(v)) : 0;
      ctx.fillStyle = tcolor(row.name);
      ctx.fillRect(nameW, yy, bw, barH);
      ctx.fillStyle = ink;
      ctx.textAlign = 'left';
      ctx.fillText(labels[i], nameW + bw + 6, yy + barH / 2);
    });
  });
}

// ---- the table ------------------------------------------------------------------

// buildTableRows makes the cost table's rows, one per transport, from the
// row template, as main.js makes the panels.
function buildTableRows(template) {
  for (const t of TRANSPORTS) {
    const tr = template.content.firstElementChild.cloneNode(true);
    tr.dataset.transport = t;
    tr.querySelector('.cost-name').dataset.i18n = `name.${t}`;
    template.parentNode.append(tr);
  }
}

// fillTable writes each [data-cost] cell of the transport named by its row.
function fillTable(cells, rows, T) {
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  const shown = {
    'requests-minute': (r) => count(r.requestsMinute),
    'wire-minute': (r) => count(r.wirePerMinute),
    'wire-event': (r) => count(r.wirePerEvent),
    'body-event': (r) => count(r.bodyPerEvent),
    'overhead': (r) => (Number.isFinite(r.overheadShare) ? T('compare.percent', { n: Math.round(r.overheadShare * 100) }) : '—'),
    'probe-event': (r) => (r.probePerEvent > 0 ? count(r.probePerEvent) : '—'), // the page's own pings, apart
    'median': (r) => latencyText(r.median, r.clockError).text, // as the panels show it: "≤ X" inside the clock's bound
  };
  for (const td of cells) {
    const row = byName[td.closest('[data-transport]').dataset.transport];
    const text = row ? shown[td.dataset.cost](row) : '—';
    setText(td, text);
  }
}
