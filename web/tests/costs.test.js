import test from 'node:test';
import assert from 'node:assert/strict';
import { StatsHistory, wireBytes, wireCosts } from '../js/costs.js';

const wire = (c) => wireBytes(c);
const requests = (c) => c.requests;

test('wireCosts divides the server\'s counts by the events delivered', () => {
  const c = wireCosts({ requests: 60, events: 300, bytes: 45_000, wireIn: 30_000, wireOut: 75_000 });
  assert.equal(c.wirePerEvent, 350);
  assert.equal(c.bodyPerEvent, 150);
  assert.ok(Math.abs(c.overheadShare - (1 - 45_000 / 105_000)) < 1e-12, `overheadShare = ${c.overheadShare}`);
});

test('wireCosts: no events yet, or no wire counts, is unknown, not zero', () => {
  const none = wireCosts({ events: 0, bytes: 0, wireIn: 500, wireOut: 200 });
  assert.ok(Number.isNaN(none.wirePerEvent));
  assert.ok(Number.isNaN(none.bodyPerEvent));
  assert.equal(none.overheadShare, 1, 'requests without events are all overhead');

  const old = wireCosts({ events: 10, bytes: 1500 }); // a server without wireIn/wireOut
  assert.ok(Number.isNaN(old.wirePerEvent));
  assert.equal(old.bodyPerEvent, 150);
  assert.ok(Number.isNaN(old.overheadShare));

  assert.ok(Number.isNaN(wireCosts(undefined).wirePerEvent));
  assert.ok(Number.isNaN(wireBytes({ wireIn: 1 })));
});

test('wireCosts keeps the page\'s own probe apart from what the transport costs', () => {
  // One minute of WebSocket at 5 events a second: a ping frame of 22 + 6
  // bytes and a pong of 45 + 2 every 2 s, 30 of each.
  const probe = 30 * (22 + 6) + 30 * (45 + 2);
  const counts = { events: 300, bytes: 25_200, wireIn: 1_500 + 30 * 28, wireOut: 300 * 86 + 30 * 47 };
  const c = wireCosts(counts, probe);
  assert.equal(c.probePerEvent, 7.5, 'about 7 bytes an event at 5 events a second');
  assert.equal(c.wirePerEvent, (1_500 + 300 * 86) / 300, 'the transport alone');
  assert.ok(Math.abs(c.overheadShare - (1 - 25_200 / (1_500 + 300 * 86))) < 1e-12);
  // Without the probe, the probe is billed to the transport.
  assert.equal(wireCosts(counts).wirePerEvent, (counts.wireIn + counts.wireOut) / 300);
  assert.equal(wireCosts(counts).probePerEvent, 0);
  assert.equal(wireCosts(counts, NaN).wirePerEvent, wireCosts(counts).wirePerEvent);
});

test('StatsHistory: increase over the last minute, from the sample that starts it', () => {
  const h = new StatsHistory(60_000);
  for (let s = 0; s <= 90; s++) h.add(s * 1000, { poll: { requests: s, wireIn: 10 * s, wireOut: 100 * s } });
  // The window starts at the sample of t = 30 s: 60 requests since.
  assert.deepEqual(h.increase('poll', requests), { value: 60, spanMs: 60_000 });
  assert.deepEqual(h.increase('poll', wire), { value: 6600, spanMs: 60_000 });
  assert.equal(h.samples.length, 61, 'older samples are dropped');
  assert.equal(h.latest('poll').requests, 90);
});

test('StatsHistory: a younger page counts from its first sample', () => {
  const h = new StatsHistory(60_000);
  h.add(0, undefined); // before the page's first request, the server has no counts for it
  h.add(1000, { sse: { requests: 1, wireIn: 400, wireOut: 300 } });
  h.add(2000, { sse: { requests: 1, wireIn: 400, wireOut: 900 } });
  assert.deepEqual(h.increase('sse', wire), { value: 1300, spanMs: 2000 });
  assert.deepEqual(h.increase('ws', wire), { value: 0, spanMs: 2000 }, 'no counts: nothing spent');
});

test('StatsHistory: a server restart starts the counters over, and nothing is lost', () => {
  const h = new StatsHistory(60_000);
  h.add(0, { ws: { requests: 1 } });
  h.add(1000, { ws: { requests: 3 } });
  h.add(2000, undefined); // the new run has not seen this page yet
  h.add(3000, { ws: { requests: 1 } });
  h.add(4000, { ws: { requests: 2 } });
  assert.equal(h.increase('ws', requests).value, 2 + 0 + 1 + 1);
});

test('StatsHistory: without wire counts on the server the increase is unknown', () => {
  const h = new StatsHistory(60_000);
  h.add(0, undefined);
  h.add(1000, { poll: { requests: 1, events: 1, bytes: 90 } });
  assert.ok(Number.isNaN(h.increase('poll', wire).value));
  assert.ok(Number.isNaN(new StatsHistory().increase('poll', wire).value), 'no samples');
});

test('StatsHistory.clear: the last minute starts again', () => {
  const h = new StatsHistory(60_000);
  h.add(0, { poll: { wireIn: 0, wireOut: 0 } });
  h.add(1000, { poll: { wireIn: 100, wireOut: 100 } });
  h.clear();
  assert.equal(h.increase('poll', wireBytes).value, NaN);
  h.add(2000, { poll: { wireIn: 150, wireOut: 150 } });
  h.add(3000, { poll: { wireIn: 200, wireOut: 200 } });
  assert.equal(h.increase('poll', wireBytes).value, 100);
});
