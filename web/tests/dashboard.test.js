import test from 'node:test';
import assert from 'node:assert/strict';
import {
  agoText, bytesText, createHistory, createRates, latencyMs, limitedRows, pageRows, percent, perSecond, rateBetween, reportedLatency, reportedText,
  restarted,
} from '../js/dashboard.js';
import { t } from '../js/i18n.js';

// read is one GET /api/class "server": at in µs, totals per transport.
const read = (seconds, poll, sse = {}, extra = {}) => ({
  at: 1_764_150_000_000_000 + seconds * 1e6,
  uptimeSeconds: 100 + seconds,
  cpuSeconds: extra.cpu ?? 0,
  transports: {
    poll: { requests: 0, open: 0, events: 0, bytes: 0, wireIn: 0, wireOut: 0, ...poll },
    sse: { requests: 0, open: 0, events: 0, bytes: 0, wireIn: 0, wireOut: 0, ...sse },
  },
});

test('rateBetween: counter deltas over the server\'s time, wire in and out together', () => {
  const a = read(0, { requests: 100, wireIn: 1000, wireOut: 5000, events: 10 }, { requests: 3, events: 10, wireOut: 900 }, { cpu: 2 });
  const b = read(2, { requests: 160, wireIn: 1600, wireOut: 9000, events: 30 }, { requests: 3, events: 30, wireOut: 2900 }, { cpu: 2.5 });
  const r = rateBetween(a, b);
  assert.equal(r.seconds, 2);
  assert.deepEqual(r.transports.poll, { requests: 30, wireBytes: 2300, events: 10 });
  assert.deepEqual(r.transports.sse, { requests: 0, wireBytes: 1000, events: 10 });
  assert.equal(r.cpuPercent, 25, 'half a CPU second over two seconds');
});

test('rateBetween: no rate without an earlier read, across a restart, or for a new transport', () => {
  const a = read(0, { requests: 100 });
  assert.equal(rateBetween(null, a), null);
  assert.equal(rateBetween(a, a), null, 'no time passed');
  const back = read(1, { requests: 5 }); // the totals went down: a new server
  assert.equal(restarted(a, back), true);
  assert.equal(rateBetween(a, back), null);
  const uptime = { ...read(1, { requests: 200 }), uptimeSeconds: 1 };
  assert.equal(rateBetween(a, uptime), null, 'the uptime went down');
  const plus = read(1, { requests: 110 });
  plus.transports.ws = { requests: 4 };
  const r = rateBetween(a, plus);
  assert.equal(r.transports.poll.requests, 10);
  assert.equal(r.transports.ws, undefined, 'no earlier read of ws');
});

test('createRates: smooths over the window, and starts over after a restart', () => {
  const rates = createRates({ windowMs: 3000 });
  assert.equal(rates.add(read(0, { requests: 0 })), null, 'one read: no rate yet');
  assert.equal(rates.add(read(1, { requests: 10 })).transports.poll.requests, 10);
  assert.equal(rates.add(read(2, { requests: 40 })).transports.poll.requests, 20, '40 over 2 s');
  assert.equal(rates.add(read(3, { requests: 40 })).transports.poll.requests, 40 / 3, 'window of 3 s');
  assert.equal(rates.add(read(4, { requests: 70 })).transports.poll.requests, 20, 'the read at 0 fell out: 60 over 3 s');
  // The server restarts: its counters are small again. No rate, then a fresh one.
  assert.equal(rates.add(read(5, { requests: 2 })), null);
  assert.equal(rates.add(read(6, { requests: 7 })).transports.poll.requests, 5);
  assert.equal(rates.add(null), null);
});

test('createHistory: five minutes of points, a line broken at a gap and at an unknown rate', () => {
  const h = createHistory({ historyMs: 10_000, gapMs: 3000 });
  h.add(1000, { poll: 1 });
  h.add(2000, { poll: 2 });
  h.add(3000, null); // no rate (a restart)
  h.add(4000, { poll: 4 });
  h.add(9000, { poll: 9 }); // 5 s later: a hidden tab
  assert.deepEqual(h.points('poll'), [
    { t: 1000, v: 1 }, { t: 2000, v: 2 }, null, { t: 4000, v: 4 }, null, { t: 9000, v: 9 },
  ]);
  assert.deepEqual(h.points('ws'), [], 'never a rate: no line');
  h.add(12_500, { poll: 12 });
  assert.deepEqual(h.points('poll')[0], { t: 4000, v: 4 }, 'older than 10 s is gone');
  assert.equal(h.latest(), 12_500);
  h.add(500, { poll: 1 }); // a clock that went back
  assert.deepEqual(h.points('poll'), [{ t: 500, v: 1 }]);
});

test('reportedLatency: the median of what the pages reported, with how many', () => {
  const reported = { poll: { pages: 2, p50Ms: 300, p95Ms: 850 }, sse: { pages: 0, p50Ms: 0, p95Ms: 0 } };
  assert.deepEqual(reportedLatency(reported, 'poll'), { p50Ms: 300, p95Ms: 850, pages: 2 });
  assert.equal(reportedLatency(reported, 'sse'), null, 'no page reported');
  assert.equal(reportedLatency(reported, 'ws'), null);
  assert.equal(reportedLatency(undefined, 'poll'), null);
  const said = (lang, lat) => {
    const { value, by } = reportedText(lat);
    return `${value} ${t(lang, by.key, by.params)}`;
  };
  assert.equal(said('en', reportedLatency(reported, 'poll')), '300 · 850 reported by 2 pages');
  assert.equal(said('ko', reportedLatency(reported, 'poll')), '300 · 850 페이지 2개가 보고');
  assert.equal(said('en', { p50Ms: 2.14, p95Ms: 7, pages: 1 }), '2.1 · 7.0 reported by 1 page');
  assert.equal(said('en', null), '— no page reported yet');
  assert.equal(latencyMs(4.26), '4.3');
  assert.equal(latencyMs(312.5), '313');
  assert.equal(latencyMs(NaN), '—');
});

test('pageRows: one row a page, transports and latency in display order, names as given', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const rows = pageRows([
    { name: 'quiet otter 17', student: evil, following: true, transports: ['ws', 'poll'], seenAgoMs: 800,
      latency: { ws: { p50Ms: 3, p95Ms: 9, n: 10 }, poll: { p50Ms: 312.5, p95Ms: 880, n: 40 } } },
    { name: 'brave heron 3', following: false, muted: true, transports: 'poll', latency: { sse: { p50Ms: 'x' } } },
  ], ['poll', 'sse', 'ws']);
  assert.deepEqual(rows[0], {
    name: 'quiet otter 17', student: evil, following: true, muted: false, transports: ['poll', 'ws'],
    latency: [{ transport: 'poll', p50Ms: 312.5, p95Ms: 880 }, { transport: 'ws', p50Ms: 3, p95Ms: 9 }],
  });
  assert.deepEqual(rows[1], { name: 'brave heron 3', student: '', following: false, muted: true, transports: [], latency: [] });
  assert.deepEqual(pageRows(undefined, []), []);
});

test('limitedRows: who a limit refused, in the server\'s order, every field checked; null without the field', () => {
  const evil = '<b onmouseover=alert(1)>x</b>';
  assert.deepEqual(limitedRows([
    { address: '192.0.2.7', name: 'quiet otter 17', limit: 'polls', refused: 1200, lastAgoMs: 800 },
    { address: '2001:db8::/64', name: '', limit: 'pages', refused: 3, lastAgoMs: 125_000 },
    { address: '198.51.100.2', name: evil, limit: 'streams', refused: -1, lastAgoMs: 'soon' },
    { name: 'no address', limit: 'polls', refused: 1, lastAgoMs: 1 },
    null,
  ]), [
    { address: '192.0.2.7', name: 'quiet otter 17', limit: 'polls', refused: 1200, agoMs: 800 },
    { address: '2001:db8::/64', name: '', limit: 'pages', refused: 3, agoMs: 125_000 },
    { address: '198.51.100.2', name: evil, limit: 'streams', refused: 0, agoMs: null },
  ]);
  assert.deepEqual(limitedRows([]), []);
  assert.equal(limitedRows(undefined), null);
  assert.equal(limitedRows({ address: 'x' }), null);
});

test('agoText: seconds under a minute, then minutes, in the page\'s words', () => {
  const say = (ms, lang = 'en') => { const a = agoText(ms); return t(lang, a.key, a.params); };
  assert.equal(say(0), '0 s ago');
  assert.equal(say(59_999), '59 s ago');
  assert.equal(say(60_000), '1 min ago');
  assert.equal(say(9 * 60_000 + 59_000), '9 min ago');
  assert.equal(say(125_000, 'ko'), '2분 전');
  assert.equal(say(null), '—');
  assert.equal(say(-5), '—');
});

test('bytesText, perSecond, percent: as a room reads them', () => {
  assert.equal(bytesText(0), '0 B');
  assert.equal(bytesText(999), '999 B');
  assert.equal(bytesText(1234), '1.23 KB');
  assert.equal(bytesText(23_456_789), '23.5 MB');
  assert.equal(bytesText(999_999), '1 MB');
  assert.equal(bytesText(undefined), '—');
  assert.equal(perSecond(0.333), '0.3');
  assert.equal(perSecond(12.4), '12');
  assert.equal(perSecond(-0.01), '0.0', 'rounding noise never shows as negative');
  assert.equal(perSecond(NaN), '—');
  assert.equal(percent(37.6), '38%');
  assert.equal(percent(NaN), '—');
});
