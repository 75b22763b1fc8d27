// Clients that transportlab did not write — the npm ws and eventsource
// packages, and Node's own fetch — against a running server, whose URL
// interop_test.go passes in TRANSPORTLAB_URL. They must all receive the same
// bytes for the same seq, resume where they left off, and get clear errors
// for bad input.
import test from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';

const base = process.env.TRANSPORTLAB_URL;
const wsBase = base.replace(/^http/, 'ws');

// poll returns the body of GET /poll with query, as text.
async function poll(query = '') {
  const res = await fetch(`${base}/poll${query}`);
  assert.equal(res.status, 200);
  return res.text();
}

// The events of a poll answer as raw JSON texts, cut out of the body itself
// so that the comparison is of bytes, not of re-encoded objects.
function rawEvents(body) {
  const start = body.indexOf('"events":[') + '"events":['.length;
  const end = body.indexOf('],"next":');
  const raw = [];
  let depth = 0, from = start, inString = false;
  for (let i = start; i < end; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) { raw.push(body.slice(from, i + 1)); from = i + 2; }
  }
  return raw;
}

// Collects the raw texts of events from a ws client until one of seq `last`
// or later.
function collectWS(url, last, opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    const got = { hello: null, events: new Map() };
    ws.on('message', (data) => {
      const text = data.toString();
      const msg = JSON.parse(text);
      if (msg.kind === 'hello') { got.hello = msg; return; }
      if (got.done) return; // already in flight when we closed
      got.events.set(msg.seq, text);
      if (msg.seq >= last) { got.done = true; ws.close(1000); resolve(got); }
    });
    ws.on('error', reject);
  });
}

// Collects the raw texts of events from an EventSource until one of seq
// `last` or later.
function collectSSE(url, last, init) {
  return new Promise((resolve, reject) => {
    const es = new EventSource(url, init);
    const got = { hello: null, events: new Map(), ids: [] };
    es.addEventListener('hello', (e) => { got.hello = JSON.parse(e.data); });
    es.addEventListener('message', (e) => {
      const seq = JSON.parse(e.data).seq;
      assert.equal(e.lastEventId, String(seq), 'the SSE id is the seq');
      if (got.done) return;
      got.events.set(seq, e.data);
      if (seq >= last) { got.done = true; es.close(); resolve(got); }
    });
    es.addEventListener('error', (e) => { es.close(); reject(new Error(`eventsource: ${e.message ?? e.code}`)); });
  });
}

test('every client receives the same bytes for the same seq', async () => {
  const first = JSON.parse(await poll());
  const since = first.next;
  const last = since + 10;
  const query = `?since=${since}&epoch=${first.epoch}`;
  const [ws, sse] = await Promise.all([
    collectWS(`${wsBase}/ws${query}`, last),
    collectSSE(`${base}/sse${query}`, last),
  ]);
  const polled = rawEvents(await poll(query));
  assert.ok(polled.length >= 10, `poll returned ${polled.length} events`);
  for (const [hello, name] of [[ws.hello, 'ws'], [sse.hello, 'sse']]) {
    assert.equal(hello.epoch, first.epoch, `${name} hello epoch`);
    assert.equal(hello.missed, 0, `${name} hello missed`);
  }
  for (let seq = since + 1; seq <= last; seq++) {
    const raw = polled[seq - since - 1];
    assert.equal(JSON.parse(raw).seq, seq, 'poll events are in order, none missing');
    assert.equal(ws.events.get(seq), raw, `ws bytes of seq ${seq}`);
    assert.equal(sse.events.get(seq), raw, `sse bytes of seq ${seq}`);
  }
});

test('each client resumes after the last seq it saw', async () => {
  const { epoch, next } = JSON.parse(await poll());
  const since = next - 5;
  const query = `?since=${since}&epoch=${epoch}`;
  const ws = await collectWS(`${wsBase}/ws${query}`, since + 1);
  assert.deepEqual([...ws.events.keys()], [since + 1]);
  // An EventSource resumes with the Last-Event-ID header on its reconnects;
  // here it is sent on the first connection, as a reconnect would.
  const sse = await collectSSE(`${base}/sse?epoch=${epoch}`, since + 1, {
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, 'Last-Event-ID': String(since) } }),
  });
  assert.deepEqual([...sse.events.keys()], [since + 1]);
  const polled = JSON.parse(await poll(query));
  assert.equal(polled.events[0].seq, since + 1);
  assert.equal(polled.missed, 0);
});

test('a resume from another server run is a reset, never silence', async () => {
  const query = '?since=3&epoch=0123456789abcdef';
  const polled = JSON.parse(await poll(query));
  assert.equal(polled.reset, true);
  const { next } = polled;
  const ws = await collectWS(`${wsBase}/ws${query}`, next + 1);
  assert.equal(ws.hello.reset, true);
  const sse = await collectSSE(`${base}/sse${query}`, next + 1);
  assert.equal(sse.hello.reset, true);
});

test('bad input gets a clear error', async () => {
  for (const path of ['/poll?since=abc', '/sse?since=-1', '/poll?epoch=NOT-HEX']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.ok((await res.json()).error, `${path} says why`);
  }
  const sseError = await new Promise((resolve) => {
    const es = new EventSource(`${base}/sse?since=abc`);
    es.addEventListener('error', (e) => { es.close(); resolve(e); });
  });
  assert.equal(sseError.code, 400, 'eventsource sees the 400 and stops');

  const closed = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws`);
    ws.on('open', () => ws.send('{"kind":'));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
  assert.equal(closed.code, 1007);
  assert.match(closed.reason, /malformed/);

  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase}/ws`, { origin: 'http://evil.example' });
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
    ws.on('error', () => {});
  });
  assert.equal(refused, 403);
});

test('a message sent over ws arrives over sse with via ws', async () => {
  const { next, epoch } = JSON.parse(await poll());
  const text = `hello from ws ${Date.now()}`;
  const arrived = new Promise((resolve, reject) => {
    const es = new EventSource(`${base}/sse?since=${next}&epoch=${epoch}`);
    es.addEventListener('message', (e) => {
      const ev = JSON.parse(e.data);
      if (ev.kind === 'message' && ev.text === text) { es.close(); resolve(ev); }
    });
    es.addEventListener('error', (e) => { es.close(); reject(new Error(e.message)); });
  });
  // A page's key is its secret; the feed names the sender by its public name.
  const page = await fetch(`${base}/api/pages`, { method: 'POST' });
  assert.equal(page.status, 201);
  const { key, name } = await page.json();
  const ws = new WebSocket(`${wsBase}/ws?client=${key}`);
  await new Promise((resolve) => ws.on('open', resolve));
  ws.send(JSON.stringify({ kind: 'message', text }));
  const ev = await arrived;
  ws.close(1000);
  assert.equal(ev.via, 'ws');
  assert.equal(ev.from, name);
  assert.ok(!JSON.stringify(ev).includes(key), 'the key stays with its page');
});
