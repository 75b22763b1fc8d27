import test from 'node:test';
import assert from 'node:assert/strict';
import { Ring, createInspector, frameSize, sseLines, abbreviate, requestLine, SLACK_MS } from '../js/inspector.js';

test('frameSize: RFC 6455 header sizes, and the client\'s mask', () => {
  const cases = [
    // payload, fromClient, want
    [0, false, 2],
    [125, false, 127],
    [126, false, 130],
    [65535, false, 65539],
    [65536, false, 65546],
    [0, true, 6],
    [125, true, 131],
    [126, true, 134],
    [65536, true, 65550],
    [22, true, 28], // {"kind":"ping","id":1}
  ];
  for (const [payload, fromClient, want] of cases) {
    assert.equal(frameSize(payload, fromClient), want, `frameSize(${payload}, ${fromClient})`);
  }
});

test('sseLines rebuilds event:, id: and one data: line per line of data', () => {
  assert.deepEqual(sseLines({ type: 'message', data: '{"seq":4}', lastEventId: '4' }, '3'), ['id: 4', 'data: {"seq":4}']);
  // The hello has no id: line; its MessageEvent keeps the previous id.
  assert.deepEqual(sseLines({ type: 'hello', data: '{"kind":"hello"}', lastEventId: '' }, ''), ['event: hello', 'data: {"kind":"hello"}']);
  assert.deepEqual(sseLines({ type: 'hello', data: '{}', lastEventId: '41' }, '41'), ['event: hello', 'data: {}']);
  assert.deepEqual(sseLines({ type: 'message', data: 'a\nb', lastEventId: '7' }, ''), ['id: 7', 'data: a', 'data: b']);
  assert.deepEqual(sseLines({ type: 'message', data: '', lastEventId: '' }, ''), ['data: ']);
});

test('abbreviate and requestLine', () => {
  assert.equal(abbreviate('short', 10), 'short');
  assert.equal(abbreviate('0123456789', 10), '0123456789');
  assert.equal(abbreviate('0123456789a', 10), '012345678…');
  assert.equal(abbreviate('가나다라마', 3), '가나…', 'counts characters, not UTF-16 units or bytes');
  assert.equal(requestLine('GET', '/poll?since=4', 'HTTP/1.1'), 'GET /poll?since=4 HTTP/1.1');
  assert.equal(requestLine('GET', '/poll', null), 'GET /poll');
  assert.equal(requestLine('GET', '/poll?since=4&client=px-DHs_IBa&n=1', 'HTTP/1.1'), 'GET /poll?since=4&client=<key>&n=1 HTTP/1.1');
  assert.equal(requestLine('POST', '/api/messages?client=k3y', null), 'POST /api/messages?client=<key>');
  assert.equal(requestLine('GET', '/sse?clientele=1', null), 'GET /sse?clientele=1');
});

test('Ring keeps the newest rows first, at most size', () => {
  const ring = new Ring(3);
  for (const at of [1, 2, 3, 4]) ring.add({ at });
  assert.deepEqual(ring.view().rows.map((r) => r.at), [4, 3, 2]);
  ring.add({ at: 2.5, late: true }); // a server report that came late goes in its place
  assert.deepEqual(ring.view().rows.map((r) => r.at), [4, 3, 2.5]);
  ring.add({ at: 0 }); // older than everything kept: counted, not shown
  assert.deepEqual(ring.view().rows.map((r) => r.at), [4, 3, 2.5]);
  assert.equal(ring.view().total, 6);
  ring.add({ at: 4, second: true });
  assert.equal(ring.view().rows[0].second, true, 'of two rows at the same time the later one is newer');
});

test('Ring pause: the view holds still and counts what arrives; resume shows it', () => {
  const ring = new Ring(30);
  ring.add({ at: 1, headers: null });
  ring.add({ at: 2, headers: null });
  ring.pause();
  const v0 = ring.version;
  const paused = ring.view();
  assert.equal(paused.paused, true);
  assert.equal(paused.waiting, 0);
  ring.add({ at: 3 });
  ring.add({ at: 4 });
  ring.rows[2].headers = 99; // a late detail for the row at 2, which is shown
  ring.changed();
  const still = ring.view();
  assert.deepEqual(still.rows.map((r) => r.at), [2, 1]);
  assert.equal(still.rows[0].headers, null, 'paused rows do not change either');
  assert.equal(still.waiting, 2);
  assert.equal(ring.version, v0 + 2, 'only the count of waiting rows to redraw while paused');
  ring.pause(); // twice is once
  assert.equal(ring.view().waiting, 2);
  ring.resume();
  const live = ring.view();
  assert.equal(live.paused, false);
  assert.equal(live.waiting, 0);
  assert.deepEqual(live.rows.map((r) => r.at), [4, 3, 2, 1]);
  assert.equal(live.rows[2].headers, 99);
  assert.ok(ring.version > v0);
});

test('poll inspector: request line, answer, and header bytes once the server reports them', () => {
  const ins = createInspector('poll', { proto: 'HTTP/1.1' });
  const target = '/poll?since=4&epoch=e1&client=abc';
  ins.fromPage({ kind: 'poll', target, status: 200, events: 0, body: 60 }, 10);
  ins.fromPage({ kind: 'poll', target, status: 200, events: 2, body: 260 }, 20);
  ins.fromPage({ kind: 'poll', target: '/poll?since=6&epoch=e1&client=abc', status: null, events: null, body: null, error: 'Failed to fetch' }, 30);
  let [failed, second, first] = ins.ring.view().rows;
  assert.equal(first.line, `GET ${target.replace('client=abc', 'client=<key>')} HTTP/1.1`); // the key is not shown
  assert.equal(first.headers, null, '— until the server reports it');
  assert.equal(failed.error, 'Failed to fetch');

  // The server's entries for the two answered polls (same target: oldest first).
  const entry = (out, body) => ({ n: 1, transport: 'poll', kind: 'request', method: 'GET', target, status: 200, in: 300, out, body, events: 0 });
  ins.fromServer(entry(180, 60), 11);
  ins.fromServer(entry(380, 260), 21);
  ins.fromServer({ transport: 'sse', kind: 'heartbeat', bytes: 14 }, 22); // another transport's: ignored
  [failed, second, first] = ins.ring.view().rows;
  assert.equal(first.headers, 300 + 180 - 60);
  assert.equal(first.wire, 480);
  assert.equal(second.headers, 300 + 380 - 260);
  assert.equal(failed.headers, null, 'a request that got no answer is never matched');
  assert.equal(ins.ring.view().rows.length, 3, 'a GET the page shows is not shown twice');
});

test('poll inspector: a server entry that comes before the page\'s answer waits for it', () => {
  const ins = createInspector('poll');
  ins.fromServer({ transport: 'poll', kind: 'request', method: 'GET', target: '/poll?client=a', status: 200, in: 200, out: 150, body: 100 }, 5);
  assert.equal(ins.ring.view().rows.length, 0);
  ins.fromPage({ kind: 'poll', target: '/poll?client=a', status: 200, events: 1, body: 100 }, 4);
  assert.equal(ins.ring.view().rows[0].headers, 250);
  assert.equal(ins.ring.view().rows[0].line, 'GET /poll?client=<key>', 'no version when it is not known');
});

test('poll inspector: a POST counted to polling shows as the server reported it', () => {
  const ins = createInspector('poll', { proto: 'HTTP/1.1' });
  ins.fromServer({ transport: 'poll', kind: 'request', method: 'POST', target: '/api/messages?client=a', status: 202, in: 400, out: 150, body: 10, events: 0 }, 5);
  const [row] = ins.ring.view().rows;
  assert.equal(row.source, 'server');
  assert.equal(row.line, 'POST /api/messages?client=<key> HTTP/1.1');
  assert.equal(row.status, 202);
  assert.equal(row.wire, 550);
});

test('sse inspector: retry from the hello, rebuilt lines, heartbeats from the server', () => {
  const ins = createInspector('sse', { proto: 'HTTP/1.1' });
  ins.fromPage({ kind: 'open', url: '/sse?client=a&epoch=e1', lastEventId: '' }, 1);
  ins.fromPage({ kind: 'event', type: 'hello', data: '{"kind":"hello","retry":2000}', lastEventId: '' }, 2);
  ins.fromPage({ kind: 'event', type: 'message', data: '{"seq":42}', lastEventId: '42' }, 3);
  ins.fromServer({ transport: 'sse', kind: 'heartbeat', dir: 'out', bytes: 14 }, 4);
  ins.fromServer({ transport: 'sse', kind: 'request', method: 'GET', target: '/sse?client=a&epoch=e1', status: 200, in: 300, out: 0 }, 1);
  // The browser reconnects by itself, sending Last-Event-ID: 42; the new
  // hello carries no id: line, the next event does.
  ins.fromPage({ kind: 'open', url: '/sse?client=a&epoch=e1', lastEventId: '42' }, 5);
  ins.fromPage({ kind: 'event', type: 'hello', data: '{"kind":"hello","retry":2000}', lastEventId: '42' }, 6);
  ins.fromPage({ kind: 'event', type: 'message', data: '{"seq":43}', lastEventId: '43' }, 7);

  const rows = ins.ring.view().rows;
  const show = rows.map((r) => [r.source, r.kind, ...(r.lines ?? [r.line])]);
  assert.deepEqual(show, [
    ['page', 'event', 'id: 43', 'data: {"seq":43}'],
    ['page', 'event', 'event: hello', 'data: {"kind":"hello","retry":2000}'],
    ['server', 'retry', 'retry: 2000'],
    ['page', 'open', 'GET /sse?client=<key>&epoch=e1 HTTP/1.1'],
    ['server', 'heartbeat', ': heartbeat'],
    ['page', 'event', 'id: 42', 'data: {"seq":42}'],
    ['page', 'event', 'event: hello', 'data: {"kind":"hello","retry":2000}'],
    ['server', 'retry', 'retry: 2000'],
    ['page', 'open', 'GET /sse?client=<key>&epoch=e1 HTTP/1.1'],
  ]);
  assert.equal(rows[3].lastEventId, '42');
  assert.equal(rows[8].lastEventId, null);
  assert.equal(rows[4].wire, 14);
  assert.equal(rows[0].body, 10);
});

test('ws inspector: frames both ways with their size on the wire, pings and pongs from the server', () => {
  const ins = createInspector('ws', { proto: 'HTTP/1.1' });
  ins.fromPage({ kind: 'open', url: '/ws?client=a' }, 1);
  ins.fromPage({ kind: 'frame', dir: 'up', data: '{"kind":"ping","id":1}' }, 2);
  const long = JSON.stringify({ seq: 5, ts: 1764150000123456, kind: 'quote', symbol: 'ACME', price: 101.37, pad: 'x'.repeat(80) });
  ins.fromPage({ kind: 'frame', dir: 'down', data: long }, 3);
  ins.fromServer({ transport: 'ws', kind: 'ping', dir: 'out', bytes: 2 }, 4);
  ins.fromServer({ transport: 'ws', kind: 'pong', dir: 'in', bytes: 6, rttMs: 0.4 }, 5);
  ins.fromPage({ kind: 'close', code: 1006, reason: '', by: 'server' }, 6);

  const [close, pong, ping, down, up, open] = ins.ring.view().rows;
  assert.equal(open.line, 'GET /ws?client=<key> HTTP/1.1');
  assert.equal(open.status, 101);
  assert.deepEqual([up.dir, up.payload, up.frame, up.source], ['up', 22, 28, 'page']);
  assert.equal(down.dir, 'down');
  assert.equal(down.payload, long.length);
  assert.equal(down.frame, long.length + 4, 'over 125 bytes: a 4-byte header');
  assert.equal([...down.text].length, 60);
  assert.ok(down.text.endsWith('…'));
  assert.deepEqual([ping.source, ping.kind, ping.dir, ping.frame], ['server', 'ping', 'down', 2]);
  assert.deepEqual([pong.source, pong.kind, pong.dir, pong.frame, pong.rttMs], ['server', 'pong', 'up', 6, 0.4]);
  assert.deepEqual([close.kind, close.code, close.dir], ['close', 1006, 'down']);
});

test('poll inspector: a server entry matches only a request it could be the answer to', () => {
  const ins = createInspector('poll');
  const target = '/poll?since=9&epoch=e1&client=a';
  const entry = { transport: 'poll', kind: 'request', method: 'GET', target, status: 200, in: 300, out: 150, body: 100 };
  // An older poll with the same target, whose page row is long gone.
  ins.fromServer({ ...entry, out: 999 }, 1000 - SLACK_MS - 1);
  ins.fromPage({ kind: 'poll', at: 1000, doneAt: 1010, target, status: 200, events: 0, body: 100 }, 1000);
  assert.equal(ins.ring.view().rows[0].headers, null, 'logged before the page sent it: not its answer');
  ins.fromServer(entry, 1008);
  assert.equal(ins.ring.view().rows[0].headers, 350);
  // Clocks not known yet: target and status alone decide.
  ins.fromPage({ kind: 'poll', at: 2000, doneAt: 2010, target, status: 200, events: 0, body: 100 }, 2000);
  ins.fromServer(entry, null, 5000);
  assert.equal(ins.ring.view().rows[0].headers, 350);
});

test('a stall, which names no transport, shows in every inspector; a drop only in its own', () => {
  for (const t of ['poll', 'sse', 'ws']) {
    const ins = createInspector(t);
    ins.fromServer({ n: 1, ts: 1, transport: '', kind: 'stall', ms: 5000 }, 10);
    ins.fromServer({ n: 2, ts: 2, transport: 'sse', kind: 'drop', dropped: 1 }, 20);
    const kinds = ins.ring.view().rows.map((r) => r.kind);
    assert.deepEqual(kinds, t === 'sse' ? ['drop', 'stall'] : ['stall'], t);
    assert.equal(ins.ring.view().rows.at(-1).ms, 5000);
  }
});

test('entries the server dropped show as one row, below the entries that follow them', () => {
  const ins = createInspector('sse');
  ins.fromServer({ n: 1, ts: 1, transport: 'sse', kind: 'heartbeat', bytes: 14 }, 10);
  ins.missed(0, 20);
  assert.equal(ins.ring.view().rows.length, 1, 'nothing dropped: no row');
  ins.missed(37, 20);
  ins.fromServer({ n: 39, ts: 2, transport: 'sse', kind: 'heartbeat', bytes: 14 }, 20);
  const rows = ins.ring.view().rows;
  assert.deepEqual(rows.map((r) => r.kind), ['heartbeat', 'missed', 'heartbeat']);
  assert.deepEqual({ source: rows[1].source, n: rows[1].n }, { source: 'server', n: 37 });
});
