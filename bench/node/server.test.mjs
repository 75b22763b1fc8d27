// server.test.mjs — the Node peer answers what `transportlab bench` asks,
// as transportlab does: run with `node --test` in bench/node.
//
// The bench itself runs against this server in ../compare.sh; these tests
// pin the wire format down one endpoint at a time, over loopback.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { start } from './server.mjs';

const RATE = 50; // an event every 20 ms: the tests wait little
let server;
let base;

before(async () => {
  server = await start({ port: 0, rate: RATE, history: 64 });
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function json(path, init) {
  const res = await fetch(base + path, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function key() {
  const { status, body } = await json('/api/pages', { method: 'POST' });
  assert.equal(status, 201);
  assert.match(body.key, /^[A-Za-z0-9_-]{32}$/);
  return body.key;
}

/** untilHead waits until the feed has published at least n events. */
async function untilHead(n) {
  for (;;) {
    const { body } = await json('/poll');
    if (body.head >= n) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const eventShape = /^\{"seq":\d+,"ts":\d{16},"kind":"quote","symbol":"[A-Z]+","price":[0-9.]+\}$/;

test('a page key, the clock, and keys that are not this server\'s', async () => {
  const k = await key();
  const { body: t } = await json(`/api/time?client=${k}`);
  assert.ok(Math.abs(t.ts - Date.now() * 1000) < 1e6, `ts ${t.ts} is the wall clock in µs`);
  const bad = await json('/poll?client=made-up');
  assert.deepEqual([bad.status, bad.body.code], [400, 'bad_key']);
});

test('a poll answers as transportlab\'s: envelope, events, next, more', async () => {
  const k = await key();
  const first = await untilHead(5);
  assert.equal(first.events.length, 1, 'without since: only the latest event');
  assert.match(JSON.stringify(first.events[0]), eventShape);
  const res = await fetch(`${base}/poll?client=${k}&since=${first.head - 3}&epoch=${first.epoch}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();
  assert.match(text, /^\{"epoch":"[0-9a-f]{16}","head":\d+,"events":\[.*\],"next":\d+,"missed":0\}\n$/);
  const answer = JSON.parse(text);
  assert.deepEqual(answer.events.map((e) => e.seq).slice(0, 3), [first.head - 2, first.head - 1, first.head]);
  assert.equal(answer.next, answer.events.at(-1).seq);

  const reset = (await json(`/poll?since=1&epoch=00`)).body;
  assert.equal(reset.reset, true, 'another epoch: a reset');
  const missed = (await json(`/poll?since=0&epoch=${first.epoch}`)).body;
  await untilHead(70);
  const far = (await json(`/poll?since=0&epoch=${first.epoch}`)).body;
  assert.equal(missed.missed, 0);
  assert.ok(far.missed > 0, 'history of 64: the first events are gone, and said so');
  for (const q of ['since=x', 'epoch=XYZ', 'wait=0s', 'wait=2x', 'wait=61s']) {
    const { status, body } = await json(`/poll?${q}`);
    assert.deepEqual([status, body.code], [400, 'bad_request'], q);
  }
});

test('a long poll is held until the next event', async () => {
  const { head, epoch } = await untilHead(1);
  const t0 = performance.now();
  const { body } = await json(`/poll?since=${head + 0}&epoch=${epoch}&wait=25s`);
  assert.ok(performance.now() - t0 < 5000, 'answered by the next event, not the wait');
  assert.ok(body.events.length >= 1 && body.events[0].seq === head + 1, `events after ${head}: ${JSON.stringify(body.events)}`);
  const quiet = await json(`/poll?since=${body.head + 100000}&epoch=${epoch}&wait=50ms`);
  assert.equal(quiet.body.reset, true, 'since beyond the head: a reset, at once');
});

/** sse reads events from /sse until n data events arrived, and returns them with the hello. */
async function sse(path, headers, n) {
  const res = await fetch(base + path, { headers });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { value } = await reader.read();
    text += value;
    const blocks = text.split('\n\n').slice(0, -1);
    if (blocks.filter((b) => b.startsWith('id: ')).length >= n) {
      await reader.cancel();
      return blocks;
    }
  }
}

test('SSE: retry, a hello, id: and data: per event, resumed after Last-Event-ID', async () => {
  const k = await key();
  const blocks = await sse(`/sse?client=${k}`, {}, 2);
  assert.equal(blocks[0], 'retry: 2000');
  const hello = JSON.parse(blocks[1].replace('event: hello\ndata: ', ''));
  assert.equal(hello.kind, 'hello');
  assert.equal(hello.retry, 2000);
  const [, id, data] = /^id: (\d+)\ndata: (.*)$/.exec(blocks[2]);
  assert.match(data, eventShape);
  assert.equal(JSON.parse(data).seq, Number(id));
  assert.equal(Number(id), hello.head + 1, 'the stream starts after the head');

  const again = await sse(`/sse?client=${k}&epoch=${hello.epoch}`, { 'Last-Event-ID': id }, 1);
  const resumed = /^id: (\d+)/.exec(again[2]);
  assert.equal(Number(resumed[1]), Number(id) + 1, 'resumed right after Last-Event-ID');
});

/** wsMessages reads the first n messages of /ws?query. */
async function wsMessages(query, n) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?${query}`);
  const messages = [];
  await new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      messages.push(data.toString());
      if (messages.length === n) resolve();
    });
  });
  ws.close();
  return messages;
}

test('WebSocket: a hello, then one text message per event, resumed with since', async () => {
  const k = await key();
  const messages = await wsMessages(`client=${k}`, 3);
  const hello = JSON.parse(messages[0]);
  assert.deepEqual(Object.keys(hello), ['kind', 'epoch', 'head', 'rate', 'missed']);
  assert.equal(hello.rate, RATE);
  assert.match(messages[1], eventShape);
  assert.equal(JSON.parse(messages[2]).seq, JSON.parse(messages[1]).seq + 1);

  const seq = JSON.parse(messages[2]).seq;
  const resumed = await wsMessages(`client=${k}&since=${seq - 2}&epoch=${hello.epoch}`, 2);
  assert.equal(JSON.parse(resumed[1]).seq, seq - 1, 'resumed right after since');

  const refused = new WebSocket(`${base.replace('http', 'ws')}/ws?since=nope`);
  const status = await new Promise((resolve) => refused.on('unexpected-response', (req, res) => resolve(res.statusCode)));
  assert.equal(status, 400);
});

test('/metrics: the process\'s CPU and RSS, as the bench reads them', async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /^process_cpu_seconds_total [0-9.e+-]+$/m);
  assert.match(text, /^process_resident_memory_bytes [0-9]+$/m);
});
