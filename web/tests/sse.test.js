import test from 'node:test';
import assert from 'node:assert/strict';
import { createSSE } from '../js/transports/sse.js';
import { fakeTime } from './fakes.js';

class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = FakeEventSource.CONNECTING;
    this.listeners = {};
    this.closed = false;
    FakeEventSource.all.push(this);
  }
  addEventListener(type, fn) {
    this.listeners[type] = fn;
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  serverOpen() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.({});
  }
  serverEvent(type, data) {
    const e = { data: JSON.stringify(data) };
    if (type === 'message') this.onmessage?.(e);
    else this.listeners[type]?.(e);
  }
  drop(fatal) {
    this.readyState = fatal ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.({});
  }
}

test('sse: one request per successful connection, data bytes, resume on a fresh start', async () => {
  FakeEventSource.all = [];
  const time = fakeTime();
  const log = { requests: 0, bytes: 0, hellos: [], events: [], states: [] };
  let resume = null;
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    resume: () => resume,
    epoch: () => 'e1',
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    onRequest: () => log.requests++,
    onBytes: (n) => (log.bytes += n),
    onHello: (h) => log.hellos.push(h),
    onEvent: (e) => log.events.push(e.seq),
    onStatus: (s) => log.states.push(s),
  });
  sse.start();
  const es = FakeEventSource.all[0];
  assert.equal(es.url, '/sse?client=abc12345&epoch=e1');
  assert.equal(log.requests, 0);
  es.serverOpen();
  assert.equal(log.requests, 1);
  es.serverEvent('hello', { kind: 'hello', epoch: 'e1', head: 3, rate: 5 });
  es.serverEvent('message', { seq: 4, ts: 1, kind: 'quote' });
  assert.deepEqual(log.events, [4]);
  assert.equal(log.bytes, JSON.stringify({ seq: 4, ts: 1, kind: 'quote' }).length, 'the body is the events\' data, not the hello');

  // The browser reconnects by itself: the same EventSource opens again.
  es.drop(false);
  assert.equal(log.states.at(-1), 'reconnecting');
  es.serverOpen();
  assert.equal(log.requests, 2);
  assert.equal(FakeEventSource.all.length, 1);

  // The browser gives up: the module starts a new stream after a backoff.
  resume = { since: 4, epoch: 'e1' };
  es.drop(true);
  await time.advance(5000);
  assert.equal(FakeEventSource.all.length, 2);
  assert.equal(FakeEventSource.all[1].url, '/sse?client=abc12345&since=4&epoch=e1');

  sse.stop();
  assert.equal(FakeEventSource.all[1].closed, true);
  assert.equal(log.states.at(-1), 'off');
  await time.advance(60_000);
  assert.equal(FakeEventSource.all.length, 2);
});

test('sse: a hello from another epoch than the URL names opens a new stream', () => {
  FakeEventSource.all = [];
  let known = 'old';
  let resume = { since: 40, epoch: 'old' };
  const log = { requests: 0, hellos: [] };
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    resume: () => resume,
    epoch: () => known,
    onRequest: () => log.requests++,
    onHello: (h) => {
      log.hellos.push(h);
      // The ledger forgets the old run's seq on a reset.
      if (h.reset) resume = null;
      known = h.epoch;
    },
  });
  sse.start();
  const first = FakeEventSource.all[0];
  assert.equal(first.url, '/sse?client=abc12345&since=40&epoch=old');
  first.serverOpen();
  // The server restarted: every reconnect of this EventSource, with this URL,
  // would be a reset. The module starts over with the new epoch.
  first.serverEvent('hello', { kind: 'hello', epoch: 'new', head: 7, rate: 5, missed: 0, reset: true });
  assert.equal(first.closed, true);
  assert.equal(FakeEventSource.all.length, 2);
  const second = FakeEventSource.all[1];
  // Right after the head the new run announced: nothing in between is skipped.
  assert.equal(second.url, '/sse?client=abc12345&since=7&epoch=new');
  second.serverOpen();
  second.serverEvent('hello', { kind: 'hello', epoch: 'new', head: 7, rate: 5, missed: 0 });
  assert.equal(FakeEventSource.all.length, 2, 'a hello of the URL\'s epoch is kept');
  assert.equal(log.requests, 2);
  sse.stop();
});

test('sse: a page that knows no server run yet keeps its one stream: the hello names the run', () => {
  // A page opened in a background tab may start its stream before it has
  // read the server's epoch: the URL names none, and the hello's is the run.
  FakeEventSource.all = [];
  const time = fakeTime();
  const log = { requests: 0, reconnects: 0 };
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    epoch: () => null,
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    onRequest: () => log.requests++,
    onReconnect: () => log.reconnects++,
  });
  sse.start();
  const es = FakeEventSource.all[0];
  assert.equal(es.url, '/sse?client=abc12345');
  es.serverOpen();
  es.serverEvent('hello', { kind: 'hello', epoch: 'e1', head: 3, rate: 5 });
  assert.equal(FakeEventSource.all.length, 1, 'one EventSource');
  assert.equal(es.closed, false);
  assert.deepEqual(log, { requests: 1, reconnects: 0 });
  sse.stop();
});

test('sse: the browser\'s own reconnect counts one reconnect', () => {
  FakeEventSource.all = [];
  let reconnects = 0;
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    epoch: () => 'e1',
    onReconnect: () => reconnects++,
  });
  sse.start();
  const es = FakeEventSource.all[0];
  es.serverOpen();
  assert.equal(reconnects, 0);
  es.drop(false);
  es.serverOpen();
  assert.equal(reconnects, 1);
  sse.stop();
});

test('sse: onWire reports each open with the Last-Event-ID sent, and each event as the browser gave it', () => {
  FakeEventSource.all = [];
  const wire = [];
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    epoch: () => 'e1',
    onWire: (e) => wire.push(e),
  });
  sse.start();
  const es = FakeEventSource.all[0];
  es.serverOpen();
  es.listeners.hello({ data: '{"kind":"hello","epoch":"e1","head":3,"retry":2000}', lastEventId: '' });
  es.onmessage({ data: '{"seq":4}', lastEventId: '4' });
  es.drop(false);
  es.serverOpen(); // the browser's own reconnect sends Last-Event-ID: 4
  assert.deepEqual(wire, [
    { kind: 'open', url: '/sse?client=abc12345&epoch=e1', lastEventId: '' },
    { kind: 'event', type: 'hello', data: '{"kind":"hello","epoch":"e1","head":3,"retry":2000}', lastEventId: '' },
    { kind: 'event', type: 'message', data: '{"seq":4}', lastEventId: '4' },
    { kind: 'open', url: '/sse?client=abc12345&epoch=e1', lastEventId: '4' },
  ]);
  sse.stop();
});

test('sse: off, then on with a failing first attempt, is no reconnect', async () => {
  FakeEventSource.all = [];
  const time = fakeTime();
  let reconnects = 0;
  const sse = createSSE({
    clientId: 'abc12345',
    EventSource: FakeEventSource,
    epoch: () => 'e1',
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    onReconnect: () => reconnects++,
  });
  sse.start();
  FakeEventSource.all[0].serverOpen();
  sse.stop();
  sse.start();
  FakeEventSource.all[1].drop(true); // refused: the browser gives up at once
  await time.advance(10_000);
  FakeEventSource.all[2].serverOpen();
  assert.equal(reconnects, 0, 'the connection before stop() was never lost');
  sse.stop();
});
