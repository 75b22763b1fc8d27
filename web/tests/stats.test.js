import test from 'node:test';
import assert from 'node:assert/strict';
import { Ledger, TimeWindow, eventBytes, median, percentile } from '../js/stats.js';

test('percentile interpolates between ranks', () => {
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(percentile([7], 95), 7);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const hundred = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, unsorted
  assert.equal(percentile(hundred, 95), 95);
  assert.equal(percentile(hundred, 0), 0);
  assert.equal(percentile(hundred, 100), 100);
  assert.equal(percentile([1, 2], 95), 1.95);
});

test('percentile does not reorder its input', () => {
  const v = [3, 1, 2];
  percentile(v, 50);
  assert.deepEqual(v, [3, 1, 2]);
});

test('TimeWindow keeps only the last windowMs', () => {
  const w = new TimeWindow(60_000);
  w.add(0, 10);
  w.add(30_000, 20);
  w.add(60_000, 30);
  assert.equal(w.points.length, 3);
  w.add(60_001, 40);
  assert.deepEqual(w.points.map((p) => p.v), [20, 30, 40]);
  assert.deepEqual(w.summary(), { count: 3, last: 40, median: 30, p95: 39 });
  const later = w.summary(200_000);
  assert.equal(later.count, 0);
  assert.ok(Number.isNaN(later.last) && Number.isNaN(later.median) && Number.isNaN(later.p95));
});

const ev = (seq) => ({ seq, ts: seq * 1000, kind: 'quote' });

test('Ledger counts received and seq gaps', () => {
  const l = new Ledger();
  l.hello({ epoch: 'a', head: 10 });
  for (const s of [11, 12, 15, 16]) l.event(ev(s));
  assert.equal(l.received, 4);
  assert.equal(l.missed, 2);
  assert.equal(l.lastSeq, 16);
  assert.deepEqual(l.resume(), { since: 16, epoch: 'a' });
});

test('Ledger: the first event after a fresh start is not a gap', () => {
  const l = new Ledger();
  assert.equal(l.resume(), null);
  l.hello({ epoch: 'a', head: 500 });
  l.event(ev(500));
  assert.equal(l.missed, 0);
});

test('Ledger ignores and counts duplicates', () => {
  const l = new Ledger();
  l.event(ev(1));
  l.event(ev(2));
  assert.deepEqual(l.event(ev(2)), { accepted: false, replayed: false });
  assert.deepEqual(l.event(ev(1)), { accepted: false, replayed: false });
  assert.equal(l.duplicates, 2);
  assert.equal(l.received, 2);
  assert.equal(l.lastSeq, 2);
});

test('Ledger does not double count missed the server reported', () => {
  const l = new Ledger();
  l.hello({ epoch: 'a', head: 3 });
  l.event(ev(3));
  // Resumed after 3, but history only starts at 10: server says missed 6.
  l.hello({ epoch: 'a', head: 20, missed: 6 }, { replay: true });
  l.event(ev(10));
  assert.equal(l.missed, 6);
  // And a real gap after that still counts.
  l.event(ev(12));
  assert.equal(l.missed, 7);
});

test('Ledger resets on reset:true or a new epoch, forgetting the old seq', () => {
  const l = new Ledger();
  l.hello({ epoch: 'a', head: 100 });
  l.event(ev(100));
  assert.equal(l.hello({ epoch: 'b', head: 5, reset: true }), true);
  assert.equal(l.lastSeq, null);
  assert.equal(l.resets, 1);
  assert.deepEqual(l.event(ev(5)).accepted, true);
  assert.equal(l.duplicates, 0);
  assert.equal(l.missed, 0);

  // An epoch change without the flag (e.g. a reconnect that did not say its epoch).
  assert.equal(l.hello({ epoch: 'c', head: 1 }), true);
  assert.equal(l.resets, 2);
  // The same epoch again is not a reset.
  assert.equal(l.hello({ epoch: 'c', head: 2 }), false);
  assert.equal(l.resets, 2);
});

test('Ledger counts live at once after a reset to a lower seq', () => {
  // A run that got far (head 3000), caught up once, then a restart to a
  // run at seq 100: its events are live, not replays of the old run.
  const l = new Ledger();
  l.hello({ epoch: 'a', head: 3000 }, { replay: true });
  l.event(ev(3000));
  // Polling's later answers are not catch-up (replay false), and the
  // reset answer is one of them.
  assert.equal(l.hello({ epoch: 'b', head: 100, reset: true }), true);
  assert.deepEqual(l.event(ev(101)), { accepted: true, replayed: false });
  // A stream's hello after a reset replays nothing older than its head.
  assert.equal(l.hello({ epoch: 'c', head: 50, reset: true }, { replay: true }), true);
  assert.deepEqual(l.event(ev(50)), { accepted: true, replayed: true });
  assert.deepEqual(l.event(ev(51)), { accepted: true, replayed: false });
  assert.equal(l.replayed, 1 + 1);
});

test('Ledger marks catch-up events up to the hello head as replayed', () => {
  const l = new Ledger();
  l.hello({ epoch: 'a', head: 10 });
  l.event(ev(10));
  l.hello({ epoch: 'a', head: 13 }, { replay: true });
  assert.deepEqual(l.event(ev(11)), { accepted: true, replayed: true });
  assert.deepEqual(l.event(ev(13)), { accepted: true, replayed: true });
  assert.deepEqual(l.event(ev(14)), { accepted: true, replayed: false });
  assert.equal(l.replayed, 2);
});

test('Ledger ignores messages without seq, counts unknown kinds', () => {
  const l = new Ledger();
  assert.equal(l.event({ kind: 'hello', epoch: 'a' }).accepted, false);
  assert.equal(l.event({ kind: 'pong', id: 1 }).accepted, false);
  assert.equal(l.event({ seq: 1, kind: 'weather' }).accepted, true);
  l.countRequest();
  l.countBytes(120);
  assert.deepEqual(l.snapshot(), {
    received: 1, missed: 0, duplicates: 0, resets: 0, reconnects: 0, replayed: 0, requests: 1, bytes: 120, probe: 0, lastSeq: 1,
  });
});

test('eventBytes counts the events of a poll answer as the server wrote them, and nothing around them', () => {
  const e1 = '{"seq":5,"ts":1,"kind":"quote","symbol":"ACME","price":101.3}';
  // A message whose text holds brackets, quotes, escapes and a character of 3 UTF-8 bytes.
  const e2 = '{"seq":6,"ts":2,"kind":"message","text":"a]},{\\"x\\":[\\u003cb\\u003e 한","via":"ws"}';
  const answer = `{"epoch":"5f0c9a3e7d21b4c8","head":6,"events":[${e1},${e2}],"next":6,"missed":0}`;
  const bytes = (s) => Buffer.byteLength(s, 'utf8');
  assert.equal(eventBytes(answer), bytes(e1) + bytes(e2));
  assert.ok(eventBytes(answer) < bytes(answer));
  // Key order and spacing do not matter; an empty answer has no body.
  assert.equal(eventBytes(`{ "next": 6, "events" : [ ${e1} ], "epoch": "x" }`), bytes(e1));
  assert.equal(eventBytes('{"epoch":"x","head":6,"events":[],"next":6,"missed":0}'), 0);
  assert.equal(eventBytes('{"error":"since must be a whole number"}'), 0);
  assert.equal(eventBytes(''), 0);
});

test('TimeWindow.clear forgets every point', () => {
  const w = new TimeWindow(60_000);
  w.add(1_000, 30);
  w.add(2_000, 40);
  w.clear();
  assert.equal(w.summary(3_000).count, 0);
  w.add(4_000, 1);
  assert.deepEqual(w.summary(4_000), { count: 1, last: 1, median: 1, p95: 1 });
});

test('Ledger.startOver zeroes what only the page counts, and keeps where to resume', () => {
  const l = new Ledger();
  l.hello({ epoch: 'e', head: 0 });
  l.countRequest();
  l.countBytes(10);
  for (const seq of [1, 3, 3]) l.event({ seq });
  l.countReconnect();
  l.startOver();
  assert.deepEqual([l.missed, l.duplicates, l.resets, l.reconnects, l.replayed], [0, 0, 0, 0, 0]);
  assert.deepEqual([l.requests, l.received, l.bytes], [1, 2, 10], 'beside the server\'s: a baseline instead');
  assert.deepEqual(l.resume(), { since: 3, epoch: 'e' });
  l.event({ seq: 5 });
  assert.equal(l.missed, 1, 'gaps still counted from where it was');
});
