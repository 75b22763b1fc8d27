// dashboard-chart.js — the dashboard's chart: requests a second per
// transport over the last five minutes, a line each, on one linear axis.
// On one axis the lesson is a height: polling's line climbs with every page
// that joins and every shorter interval, while SSE's and the WebSocket's
// stay near zero (a stream is one request, however many events it brings).
//
// The only DOM it touches is its own canvas. Colours come from CSS: each
// line's from --<transport> (style.css's --poll, --sse, --ws), the grid's
// and text's from --chart-grid and --chart-text, as chart.js does.

import { fitCanvas } from './chart.js';
import { linearScale } from './plot.js';

/**
 * niceTop returns the top of the axis for a largest value: the first 1, 2 or
 * 5 times a power of ten at or above it, and at least `least`, so that an
 * idle class does not draw its noise as mountains.
 */
export function niceTop(max, least = 5) {
  const top = Math.max(least, Number.isFinite(max) ? max : 0);
  const mag = 10 ** Math.floor(Math.log10(top) + 1e-9);
  const step = [1, 2, 5, 10].find((m) => m * mag >= top * (1 - 1e-9));
  return Number((step * mag).toPrecision(1));
}

/**
 * ticks returns the axis's gridlines for a top from niceTop: from 0 to the
 * top in round steps (a fifth of a 1 or 5 top, a quarter of a 2 top), so
 * every label is a number a room reads at a glance.
 */
export function ticks(top) {
  const lead = Math.round(top / 10 ** Math.floor(Math.log10(top) + 1e-9));
  const n = lead === 2 ? 4 : 5;
  return Array.from({ length: n + 1 }, (_, i) => Number(((i * top) / n).toPrecision(3)));
}

/**
 * paths returns a line's runs as lists of [x, y] canvas positions: points
 * are {t, v} with null where the line breaks (dashboard.js createHistory),
 * and points older than `since` are left out.
 */
export function paths(points, since, x, y) {
  const runs = [];
  let run = [];
  for (const p of points) {
    if (p === null) {
      if (run.length) runs.push(run);
      run = [];
      continue;
    }
    if (p.t < since) continue;
    run.push([x(p.t), y(p.v)]);
  }
  if (run.length) runs.push(run);
  return runs;
}

/** LABELS are the chart's words, in English; the page passes its own language's. */
export const LABELS = Object.freeze({
  now: 'now',
  minutesAgo: (m) => `−${m} min`,
});

/**
 * createRateChart returns {draw(series, nowMs, {windowMs, labels})} for a
 * canvas. series is [{name, points}] (points from createHistory, t in the
 * same clock as nowMs, ms; v in requests a second).
 */
export function createRateChart(canvas) {
  const ctx = canvas.getContext('2d');

  function draw(series, nowMs, { windowMs = 5 * 60_000, labels = LABELS } = {}) {
    const { w, h } = fitCanvas(canvas, ctx);
    const css = getComputedStyle(canvas);
    const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    const grid = color('--chart-grid', 'rgba(128,128,128,.3)');
    const text = color('--chart-text', '#555');
    const fontSize = Math.max(12, Math.min(22, Math.round(h / 16)));
    ctx.font = `${fontSize}px ${css.fontFamily}`;

    const since = nowMs - windowMs;
    let max = 0;
    for (const s of series) for (const p of s.points) if (p !== null && p.t >= since && p.v > max) max = p.v;
    const top = niceTop(max);
    const marks = ticks(top);
    const pad = { left: 0, right: 12, top: fontSize, bottom: fontSize + 12 };
    pad.left = Math.ceil(Math.max(...marks.map((v) => ctx.measureText(String(v)).width))) + 14;
    const plotW = Math.max(1, w - pad.left - pad.right);
    const plotH = Math.max(1, h - pad.top - pad.bottom);
    const x = (t) => pad.left + ((t - since) / windowMs) * plotW;
    const y = linearScale({ min: 0, max: top }, [pad.top + plotH, pad.top]);
    canvas.dataset.top = String(top); // the axis, for tests and DevTools

    ctx.clearRect(0, 0, w, h);
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = text;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of marks) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(pad.left + plotW, yy);
      ctx.stroke();
      ctx.fillText(String(v), pad.left - 6, yy);
    }
    ctx.textBaseline = 'top';
    const minutes = Math.round(windowMs / 60_000);
    for (let m = 0; m <= minutes; m++) {
      const xx = Math.round(pad.left + plotW - (m / minutes) * plotW) + 0.5;
      ctx.beginPath();
      ctx.moveTo(xx, pad.top);
      ctx.lineTo(xx, pad.top + plotH);
      ctx.stroke();
      ctx.textAlign = m === 0 ? 'right' : m === minutes ? 'left' : 'center';
      ctx.fillText(m === 0 ? labels.now : labels.minutesAgo(m), xx, pad.top + plotH + 6);
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.left, pad.top - 4, plotW + 4, plotH + 8);
    ctx.clip();
    ctx.lineWidth = Math.max(2.5, Math.min(5, h / 90));
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const s of series) {
      ctx.strokeStyle = color(`--${s.name}`, text);
      ctx.fillStyle = ctx.strokeStyle;
      for (const run of paths(s.points, since, x, y)) {
        ctx.beginPath();
        if (run.length === 1) {
          ctx.arc(run[0][0], run[0][1], ctx.lineWidth, 0, Math.PI * 2);
          ctx.fill();
          continue;
        }
        run.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px, py) : ctx.lineTo(px, py)));
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  return { draw };
}
