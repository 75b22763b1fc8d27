import test from 'node:test';
import assert from 'node:assert/strict';
import { ARRIVAL_FIELDS, ArrivalLog, buildRun, csvField, fileName, runToCSV } from '../js/export.js';

const arrival = (seq, extra = {}) => ({
  seq, kind: 'quote', ts: 1764150000123456 + seq, receivedAt: 1764150000200.5 + seq, latencyMs: 0.6, replayed: false, ...extra,
});

test('ArrivalLog keeps the last `limit`, oldest first, and counts the rest', () => {
  const log = new ArrivalLog(3);
  assert.deepEqual(log.list(), []);
  for (let seq = 1; seq <= 2; seq++) log.add({ seq });
  assert.deepEqual(log.list().map((a) => a.seq), [1, 2]);
  for (let seq = 3; seq <= 7; seq++) log.add({ seq });
  assert.deepEqual(log.list().map((a) => a.seq), [5, 6, 7]);
  assert.equal(log.dropped, 4);
});

test('buildRun has the shape a write-up reads, and survives JSON', () => {
  const poll = new ArrivalLog();
  poll.add(arrival(1, { replayed: true, latencyMs: null }));
  poll.add(arrival(2));
  const ws = new ArrivalLog();
  const settings = { name: 'quiet otter 17', transports: ['poll'], intervalMs: 1000, lang: 'ko' };
  const run = buildRun({
    exportedAt: Date.UTC(2026, 10, 26, 14, 27, 15),
    settings,
    ledgers: { poll: { received: 2 }, ws: { received: 0 } },
    serverStats: { epoch: 'abc', client: { poll: { requests: 2 } } },
    logs: { poll, ws },
  });
  const back = JSON.parse(JSON.stringify(run));
  assert.equal(back.format, 'transportlab run, version 1');
  assert.equal(back.exportedAt, '2026-11-26T14:27:15.000Z');
  assert.deepEqual(back.settings, settings);
  assert.deepEqual(back.ledgers.poll, { received: 2 });
  assert.equal(back.serverStats.epoch, 'abc');
  assert.deepEqual(Object.keys(back.arrivals), ['poll', 'ws']);
  assert.equal(back.arrivals.poll.dropped, 0);
  assert.deepEqual(back.arrivals.poll.events, [arrival(1, { replayed: true, latencyMs: null }), arrival(2)]);
  assert.deepEqual(back.arrivals.ws.events, []);
  for (const f of ['ts', 'receivedAt', 'latencyMs', 'replayed']) assert.ok(back.units[f], `units.${f}`);
  assert.equal(buildRun({ exportedAt: 0, logs: {} }).serverStats, null, 'no stats yet: null');
});

test('csvField quotes only what needs it, RFC 4180 style', () => {
  const cases = [
    [42, '42'],
    [-0.25, '-0.25'],
    [1764150000123456, '1764150000123456'],
    [true, 'true'],
    [false, 'false'],
    [null, ''],
    [undefined, ''],
    [NaN, ''],
    ['quote', 'quote'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['', ''],
  ];
  for (const [v, want] of cases) assert.equal(csvField(v), want, `csvField(${JSON.stringify(v)})`);
});

test('runToCSV writes a header and one row per arrival, per transport', () => {
  const poll = new ArrivalLog();
  poll.add(arrival(1, { replayed: true, latencyMs: null }));
  poll.add(arrival(2, { kind: 'odd,"kind"' }));
  const sse = new ArrivalLog();
  sse.add(arrival(2));
  const csv = runToCSV(buildRun({ exportedAt: 0, logs: { poll, sse } }));
  assert.ok(csv.endsWith('\r\n'));
  const lines = csv.split('\r\n').slice(0, -1);
  assert.deepEqual(lines, [
    `transport,${ARRIVAL_FIELDS.join(',')}`,
    'poll,1,quote,1764150000123457,1764150000201.5,,true',
    'poll,2,"odd,""kind""",1764150000123458,1764150000202.5,0.6,false',
    'sse,2,quote,1764150000123458,1764150000202.5,0.6,false',
  ]);
});

test('fileName names the page by its public name, slugged, and the local time', () => {
  const at = new Date(2026, 10, 26, 9, 5, 7);
  assert.equal(fileName('quiet otter 17', at, 'csv'), 'transportlab-quiet-otter-17-20261126-090507.csv');
  assert.equal(fileName(null, at, 'json'), 'transportlab-20261126-090507.json');
  assert.equal(fileName(' ../Quiet  Otter/ 7 ', at, 'json'), 'transportlab-quiet-otter-7-20261126-090507.json');
});
