// chart.js — a latency chart of the last minute on a <canvas>: time on x
// (-60 s .. now), one dot per event, milliseconds on y on a log scale that
// the three panels share (sharedDomain), gridlines with labels. Sharp on
// high-DPI screens and projectors: the backing store is sized in device
// pixels and drawing is scaled back to CSS pixels.
//
// The only DOM it touches is its own canvas. Colours come from CSS custom
// properties on the canvas (--chart-line, --chart-grid, --chart-text,
// --chart-median) so the stylesheet stays in charge of the look.

import { tickMs } from './format.js';
import { latencyDomain, logScale, logTicks } from './plot.js';

/**
 * sharedDomain returns the one log latency axis of the panels' charts, from
 * points lists ({t, v}, one per transport): plot.js's floor up to what the
 * slowest transport needs. On one axis a height means the same in every
 * panel, so SSE's few milliseconds sit low and polling's hundreds high,
 * instead of each filling its own chart.
 */
export function sharedDomain(pointLists) {
  let top = 0;
  for (const points of pointLists) for (const p of points) if (p.v > top) top = p.v;
  return latencyDomain([top]);
}

/**
 * axisTicks returns the ticks of a log latency axis as {v, y, label}: y is
 * pos(v); a label closer than `room` px to the one below it is left out
 * (its gridline stays), and the floor's says "≤", since everything at or
 * below it is drawn there.
 */
export function axisTicks(domain, pos, room) {
  let last = Infinity;
  return logTicks(domain).map((v, i) => {
    const y = pos(v);
    const label = (i === 0 ? '≤' : '') + tickMs(v);
    if (Math.abs(last - y) < room) return { v, y, label: '' };
    last = y;
    return { v, y, label };
  });
}

/**
 * dots returns where to draw the points newer than `since`, as a flat
 * [x0, y0, x1, y1, …] of canvas positions (x(p.t), y(p.v)), one per square
 * of `cell` px. A minute at 100 events a second is 6000 events, most of them
 * where another is already drawn: drawing each one made every frame longer
 * as the minute filled, until the page held back the very events it
 * measures. A dot is wider than a cell, so the picture is the same.
 */
export function dots(points, since, x, y, cell = 1) {
  const seen = new Set();
  const out = [];
  for (const p of points) {
    if (p.t < since) continue;
    const px = x(p.t);
    const py = y(p.v);
    const key = Math.round(px / cell) * 100_000 + Math.round(py / cell);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(px, py);
  }
  return out;
}

/** LABELS are the chart's words, in English; the page passes its own language's. */
export const LABELS = Object.freeze({
  now: 'now',
  secondsAgo: (s) => `−${s} s`,
  empty: 'no events in the last minute',
});

/**
 * fitCanvas sizes a canvas's backing store to its CSS box in device pixels
 * and scales ctx back to CSS pixels, so lines and text stay sharp on a
 * high-DPI screen or a projector. It returns the CSS size {w, h}.
 */
export function fitCanvas(canvas, ctx) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth));
  const h = Math.max(1, Math.round(canvas.clientHeight));
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h };
}

/**
 * createChart returns {draw(points, nowMs, {windowMs, median, labels, domain})}
 * for a canvas. points are {t, v}: t in the same clock as nowMs (ms), v in
 * ms; domain is the latency axis (sharedDomain), else one for these points.
 */
export function createChart(canvas) {
  const ctx = canvas.getContext('2d');

  function draw(points, nowMs, { windowMs = 60_000, median = NaN, labels = LABELS, domain = sharedDomain([points]) } = {}) {
    const { w, h } = fitCanvas(canvas, ctx);
    const css = getComputedStyle(canvas);
    const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    const line = color('--chart-line', '#0072b2');
    const grid = color('--chart-grid', 'rgba(128,128,128,.3)');
    const text = color('--chart-text', '#555');
    const medianColor = color('--chart-median', text);
    const fontSize = Math.max(11, Math.min(15, Math.round(h / 14)));
    ctx.font = `${fontSize}px ${css.fontFamily}`; // the page's stack, Hangul included

    const pad = { left: 0, right: 10, top: 10, bottom: fontSize + 10 };
    pad.left = Math.ceil(Math.max(...logTicks(domain).map((v) => ctx.measureText(`≤${tickMs(v)}`).width))) + 14;

    const plotW = Math.max(1, w - pad.left - pad.right);
    const plotH = Math.max(1, h - pad.top - pad.bottom);
    const x = (t) => pad.left + ((t - (nowMs - windowMs)) / windowMs) * plotW;
    const y = logScale(domain, [pad.top + plotH, pad.top]);
    canvas.dataset.domain = `${domain.min} ${domain.max}`; // the axis in ms, for tests and DevTools

    ctx.clearRect(0, 0, w, h);

    // Horizontal gridlines at each power of ten, with ms labels.
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = text;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const tick of axisTicks(domain, y, fontSize + 2)) {
      const yy = Math.round(tick.y) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(w - pad.right, yy);
      ctx.stroke();
      ctx.fillText(tick.label, pad.left - 6, yy);
    }

    // Vertical gridlines every 15 s, labelled in seconds ago: every 30 s
    // when a narrow panel (four or five side by side) leaves no room.
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const room = (15_000 / windowMs) * plotW;
    const labelEvery = room < ctx.measureText(labels.secondsAgo(45)).width + 10 ? 30 : 15;
    for (let s = 0; s <= windowMs / 1000; s += 15) {
      const xx = Math.round(pad.left + plotW - (s * 1000 / windowMs) * plotW) + 0.5;
      ctx.beginPath();
      ctx.moveTo(xx, pad.top);
      ctx.lineTo(xx, pad.top + plotH);
      ctx.stroke();
      if (s % labelEvery !== 0) continue;
      const label = s === 0 ? labels.now : labels.secondsAgo(s);
      ctx.textAlign = s === 0 ? 'right' : s * 1000 >= windowMs ? 'left' : 'center';
      ctx.fillText(label, xx, pad.top + plotH + 6);
    }

    // The median as a dashed reference line.
    if (Number.isFinite(median)) {
      ctx.save();
      ctx.setLineDash([6, 5]);
      ctx.strokeStyle = medianColor;
      ctx.lineWidth = 1.5;
      const yy = Math.round(y(median)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(pad.left + plotW, yy);
      ctx.stroke();
      ctx.restore();
    }

    // The latencies themselves, one dot per event (no joining line: a poll
    // answer delivers several events at the same instant).
    const r = Math.max(1.8, Math.min(3, plotW / 250));
    const at = dots(points, nowMs - windowMs, x, y, r); // a dot covers its cell
    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.left, pad.top - 4, plotW + 4, plotH + 8);
    ctx.clip();
    ctx.fillStyle = line;
    ctx.beginPath(); // one path, one fill: a frame stays short at any rate
    for (let i = 0; i < at.length; i += 2) {
      ctx.moveTo(at[i] + r, at[i + 1]);
      ctx.arc(at[i], at[i + 1], r, 0, Math.PI * 2);
    }
    ctx.fill();
    ctx.restore();

    if (at.length === 0) {
      ctx.fillStyle = text;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(labels.empty, pad.left + plotW / 2, pad.top + plotH / 2);
    }
  }

  return { draw };
}
