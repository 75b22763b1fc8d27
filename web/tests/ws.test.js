import test from 'node:test';
import assert from 'node:assert/strict';
import { createWS, wsURL } from '../js/transports/ws.js';
import { fakeTime } from './fakes.js';

class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    this.sent = [];
    this.closedWith = null;
    FakeSocket.all.push(this);
  }
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  close(code, reason) {
    this.closedWith = { code, reason };
    this.readyState = FakeSocket.CLOSED;
  }
  serverOpen() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.({});
  }
  serverSend(obj) {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  serverClose(code, reason = '') {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
}

// createFakeWS makes the transport over FakeSocket and time's clock, with
// opts on top: every test's plumbing, written once.
function createFakeWS(time, opts) {
  return createWS({
    clientId: 'abc12345',
    WebSocket: FakeSocket,
    location: { protocol: 'http:', host: 'h:1' },
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    setInterval: time.setInterval,
    clearInterval: time.clearInterval,
    ...opts,
  });
}

test('wsURL follows the page scheme and host', () => {
  assert.equal(wsURL({ protocol: 'http:', host: 'localhost:8005' }, '/ws?client=a'), 'ws://localhost:8005/ws?client=a');
  assert.equal(wsURL({ protocol: 'https:', host: 'lab.example' }, '/ws'), 'wss://lab.example/ws');
});

test('ws: hello, events, ping/pong, send, reconnect with resume, stop with 1000', async () => {
  FakeSocket.all = [];
  const time = fakeTime();
  const log = { requests: 0, bytes: 0, probe: [], hellos: [], events: [], states: [], rtts: [] };
  let resume = null;
  const ws = createFakeWS(time, {
    resume: () => resume,
    onRequest: () => log.requests++,
    onBytes: (n) => (log.bytes += n),
    onProbe: (n, dir) => log.probe.push(`${dir} ${n}`),
    onHello: (h) => log.hellos.push(h),
    onEvent: (e) => log.events.push(e.seq),
    onStatus: (s) => log.states.push(s),
    onRtt: (ms) => log.rtts.push(ms),
  });
  ws.start();
  assert.equal(log.requests, 1);
  const s1 = FakeSocket.all[0];
  assert.equal(s1.url, 'ws://h:1/ws?client=abc12345');
  await assert.rejects(ws.send('early'), /not open/);
  s1.serverOpen();
  assert.equal(log.states.at(-1), 'open');
  assert.deepEqual(s1.sent[0], { kind: 'ping', id: 1 });
  await time.advance(7);
  s1.serverSend({ kind: 'pong', id: 1, ts: 5 });
  assert.deepEqual(log.rtts, [7]);
  s1.serverSend({ kind: 'hello', epoch: 'e1', head: 4, rate: 5 });
  s1.serverSend({ seq: 5, ts: 1, kind: 'quote' });
  assert.deepEqual(log.events, [5]);
  assert.equal(log.hellos[0].epoch, 'e1');
  const hi = ws.send('hi');
  assert.deepEqual(s1.sent.at(-1), { kind: 'message', text: 'hi', id: 1 });
  s1.serverSend({ seq: 6, ts: 2, kind: 'message', from: 'abc12345', via: 'ws', text: 'hi' });
  s1.serverSend({ kind: 'ack', id: 1, seq: 6 });
  assert.deepEqual(await hi, { seq: 6 }, 'send resolves with the seq the server acknowledged');
  assert.deepEqual(log.events, [5, 6], 'the echo is an event; the ack is not');
  const eventBytes = [{ seq: 5, ts: 1, kind: 'quote' }, { seq: 6, ts: 2, kind: 'message', from: 'abc12345', via: 'ws', text: 'hi' }]
    .reduce((n, e) => n + JSON.stringify(e).length, 0);
  assert.equal(log.bytes, eventBytes, 'the body is the events: not the hello, the pong or the ack');
  // The probe: each ping the page sent and each pong it read, by payload size.
  const pong = JSON.stringify({ kind: 'pong', id: 1, ts: 5 });
  assert.deepEqual(log.probe, [`up ${'{"kind":"ping","id":1}'.length}`, `down ${pong.length}`]);
  await time.advance(2000);
  assert.deepEqual(s1.sent.at(-1), { kind: 'ping', id: 2 });

  resume = { since: 5, epoch: 'e1' };
  s1.serverClose(1011, 'too slow');
  assert.equal(log.states.at(-1), 'reconnecting');
  await time.advance(5000);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(log.requests, 2);
  assert.equal(FakeSocket.all[1].url, 'ws://h:1/ws?client=abc12345&since=5&epoch=e1');

  const s2 = FakeSocket.all[1];
  s2.serverOpen();
  ws.stop();
  assert.deepEqual(s2.closedWith, { code: 1000, reason: 'turned off' });
  assert.equal(log.states.at(-1), 'off');
  await time.advance(60_000);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(time.pending(), 0);
});

test('ws: stop while connecting closes once open, without callbacks', () => {
  FakeSocket.all = [];
  const time = fakeTime();
  const states = [];
  const ws = createFakeWS(time, {
    clientId: 'x',
    location: { protocol: 'http:', host: 'h' },
    onStatus: (s) => states.push(s),
  });
  ws.start();
  ws.stop();
  const s = FakeSocket.all[0];
  assert.equal(s.closedWith, null);
  s.serverOpen();
  assert.deepEqual(s.closedWith, { code: 1000, reason: 'turned off' });
  assert.deepEqual(states, ['connecting', 'off']);
});

test('ws: a message the server refuses rejects its send, and is not taken for an event', async () => {
  FakeSocket.all = [];
  const time = fakeTime();
  const log = { events: [] };
  const ws = createFakeWS(time, {
    onEvent: (e) => log.events.push(e),
  });
  ws.start();
  const s = FakeSocket.all[0];
  s.serverOpen();
  const first = ws.send('fine');
  const sent = ws.send('one too many');
  // The refusal of the second comes before the ack of the first: the ids say whose it is.
  s.serverSend({ kind: 'error', id: 2, code: 'too_many_messages', error: 'too many messages: at most 2 a second; this one was not sent' });
  s.serverSend({ kind: 'error', code: 'too_many_messages', error: 'an answer to no message of this page' });
  s.serverSend({ kind: 'ack', id: 1, seq: 9 });
  await assert.rejects(sent, { refused: true, code: 'too_many_messages', key: 'serverError.too_many_messages', message: 'too many messages: at most 2 a second; this one was not sent' });
  assert.deepEqual(await first, { seq: 9 });
  const uncoded = ws.send('no words for this one');
  s.serverSend({ kind: 'error', id: 3, error: 'refused' });
  const err = await uncoded.then(() => null, (e) => e);
  assert.equal(err?.refused, true);
  assert.equal(err.key, undefined, 'no code: the page shows the server\'s reason');
  assert.deepEqual(log.events, []);
  const unanswered = ws.send('no answer yet');
  ws.stop();
  await assert.rejects(unanswered, { key: 'error.wsLost' });
});

test('ws: a connection back after a drop counts one reconnect; a fresh start none', async () => {
  FakeSocket.all = [];
  const time = fakeTime();
  let reconnects = 0;
  const ws = createFakeWS(time, {
    onReconnect: () => reconnects++,
  });
  ws.start();
  FakeSocket.all[0].serverOpen();
  FakeSocket.all[0].serverSend({ kind: 'hello', epoch: 'e', head: 1, rate: 5 });
  assert.equal(reconnects, 0);
  FakeSocket.all[0].serverClose(1006);
  await time.advance(10_000); // the longest first backoff is 0.5 s
  assert.equal(FakeSocket.all.length, 2);
  FakeSocket.all[1].serverOpen();
  FakeSocket.all[1].serverSend({ kind: 'hello', epoch: 'e', head: 1, rate: 5 });
  assert.equal(reconnects, 1);
  ws.stop();
  ws.start();
  FakeSocket.all[2].serverOpen();
  FakeSocket.all[2].serverSend({ kind: 'hello', epoch: 'e', head: 1, rate: 5 });
  assert.equal(reconnects, 1, 'turning it back on is no reconnect');
  ws.stop();
});

test('ws: onWire reports the upgrade, frames both ways and the close', async () => {
  FakeSocket.all = [];
  const time = fakeTime();
  const wire = [];
  const ws = createFakeWS(time, {
    onWire: (e) => wire.push(e),
  });
  ws.start();
  const s = FakeSocket.all[0];
  s.serverOpen();
  s.serverSend({ kind: 'hello', epoch: 'e1', head: 4, rate: 5 });
  const hi = ws.send('hi');
  s.serverClose(1001, 'going away');
  await assert.rejects(hi, { key: 'error.wsLost' }, 'no answer came before the close');
  assert.deepEqual(wire, [
    { kind: 'open', url: '/ws?client=abc12345' },
    { kind: 'frame', dir: 'up', data: '{"kind":"ping","id":1}' },
    { kind: 'frame', dir: 'down', data: '{"kind":"hello","epoch":"e1","head":4,"rate":5}' },
    { kind: 'frame', dir: 'up', data: '{"kind":"message","text":"hi","id":1}' },
    { kind: 'close', code: 1001, reason: 'going away', by: 'server' },
  ]);
  wire.length = 0;
  await time.advance(10_000); // reconnects
  FakeSocket.all[1].serverOpen();
  ws.stop();
  assert.deepEqual(wire.at(-1), { kind: 'close', code: 1000, reason: 'turned off', by: 'page' });
});

test('ws: off, then on with a failing first attempt, is no reconnect', async () => {
  FakeSocket.all = [];
  const time = fakeTime();
  let reconnects = 0;
  const ws = createFakeWS(time, { onReconnect: () => reconnects++ });
  ws.start();
  FakeSocket.all[0].serverOpen();
  FakeSocket.all[0].serverSend({ kind: 'hello', epoch: 'e', head: 1, rate: 5 });
  ws.stop();
  ws.start();
  FakeSocket.all[1].serverClose(1006); // refused before any hello
  await time.advance(10_000);
  FakeSocket.all[2].serverOpen();
  FakeSocket.all[2].serverSend({ kind: 'hello', epoch: 'e', head: 1, rate: 5 });
  assert.equal(reconnects, 0, 'the connection before stop() was never lost');
  ws.stop();
});
