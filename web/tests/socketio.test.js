import test from 'node:test';
import assert from 'node:assert/strict';
import { countedTransports, createSocketIO, eventJSON, packetText, parseMode } from '../js/transports/socketio.js';
import { formatState, parseState } from '../js/url.js';
import { fakeTime } from './fakes.js';

test('packetText rebuilds each Engine.IO packet as it crossed the wire', () => {
  assert.equal(packetText({ type: 'open', data: '{"sid":"x"}' }), '0{"sid":"x"}');
  assert.equal(packetText({ type: 'message', data: '0' }), '40');
  assert.equal(packetText({ type: 'ping', data: 'probe' }), '2probe');
  assert.equal(packetText({ type: 'pong', data: 'probe' }), '3probe');
  assert.equal(packetText({ type: 'upgrade' }), '5');
  assert.equal(packetText({ type: 'noop' }), '6');
  assert.equal(packetText({ type: 'message', data: '2["event",{"seq":1}]' }), '42["event",{"seq":1}]');
});

test('eventJSON is the feed event\'s bytes inside 2["event",…], and nothing else\'s', () => {
  assert.equal(eventJSON('2["event",{"seq":7,"price":101.30}]'), '{"seq":7,"price":101.30}');
  assert.equal(eventJSON('2["hello",{"kind":"hello"}]'), null);
  assert.equal(eventJSON('0{"sid":"x"}'), null);
  assert.equal(eventJSON(undefined), null);
});

test('the transports switch: in the URL only when not the default', () => {
  assert.equal(parseMode('websocket'), 'websocket');
  assert.equal(parseMode('polling'), 'polling');
  assert.equal(parseMode('h3'), 'default');
  assert.equal(parseMode(undefined), 'default');
  assert.equal(parseState('?sio=polling').sio, 'polling');
  assert.equal('sio' in parseState('?sio=default'), false);
  assert.equal('sio' in parseState('?sio=nonsense'), false);
  assert.match(formatState({ transports: ['socketio'], interval: 1000, sio: 'websocket' }), /&sio=websocket$/);
  assert.doesNotMatch(formatState({ transports: ['socketio'], interval: 1000 }), /sio=/);
  assert.deepEqual(parseState('?transports=poll,longpoll,sse,ws,socketio').transports, ['poll', 'longpoll', 'sse', 'ws', 'socketio']);
  assert.deepEqual(parseState('').transports, ['poll', 'sse', 'ws'], 'the design card stays the default');
});

// fakeLib stands for the client's transports: request() is one HTTP
// request of a polling transport, doOpen() a WebSocket's opening.
function fakeLib() {
  class XHR {
    get name() { return 'polling'; }
    request() { return 'req'; }
    write() {}
    onPacket() {}
  }
  class WebSocket {
    get name() { return 'websocket'; }
    doOpen() {}
    write() {}
    onPacket() {}
  }
  return { XHR, WebSocket };
}

test('countedTransports: one count per HTTP request, every packet both ways, the mode\'s transports', () => {
  const log = { requests: 0, packets: [] };
  const hooks = { onRequest: () => log.requests++, onPacket: (dir, p, via) => log.packets.push([dir, packetText(p), via]) };
  const [P, W] = countedTransports(fakeLib(), 'default', hooks);
  assert.equal(P.prototype.name, 'polling', 'the client finds a transport by its prototype\'s name');
  assert.equal(W.prototype.name, 'websocket');
  const p = new P();
  p.request();
  p.request({ method: 'POST' });
  p.onPacket({ type: 'open', data: '{}' });
  p.write([{ type: 'message', data: '0' }]);
  const w = new W();
  w.doOpen();
  w.write([{ type: 'ping', data: 'probe' }]);
  w.onPacket({ type: 'pong', data: 'probe' });
  assert.equal(log.requests, 3, 'two polling requests and the upgrade');
  assert.deepEqual(log.packets, [
    ['down', '0{}', 'polling'], ['up', '40', 'polling'], ['up', '2probe', 'websocket'], ['down', '3probe', 'websocket'],
  ]);
  assert.deepEqual(countedTransports(fakeLib(), 'websocket', hooks).map((t) => t.prototype.name), ['websocket']);
  assert.deepEqual(countedTransports(fakeLib(), 'polling', hooks).map((t) => t.prototype.name), ['polling']);
});

// emitter is the part of the client's Emitter the lane uses.
function emitter() {
  const on = new Map();
  return {
    on(name, fn) { on.set(name, [...(on.get(name) ?? []), fn]); return this; },
    fire(name, ...a) { for (const fn of on.get(name) ?? []) fn(...a); },
  };
}

// fakeClient is io() over no network: the test plays the server.
function fakeClient() {
  const made = [];
  const lib = {
    ...fakeLib(),
    io(url, opts) {
      const engine = Object.assign(emitter(), { transport: { name: opts.transports[0].prototype.name } });
      const s = Object.assign(emitter(), {
        url, opts, connected: false, disconnected: 0,
        io: Object.assign(emitter(), { engine }),
        disconnect() { this.disconnected++; this.connected = false; },
        emits: [],
        timeout() { return { emit: (...a) => s.emits.push(a) }; },
      });
      made.push(s);
      return s;
    },
  };
  return { lib, made };
}

test('socketio: io() as the tutorial writes it; hello, events, the upgrade, a message, resume after a drop', async () => {
  const time = fakeTime();
  const { lib, made } = fakeClient();
  const log = { states: [], events: [], hellos: 0, reconnects: 0, via: [], bytes: [], wire: [] };
  let from = null;
  const sio = createSocketIO({
    client: lib, clientId: 'k1', location: { origin: 'http://lab:8005' }, resume: () => from,
    now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0,
    onStatus: (s, d) => log.states.push([s, d?.key ?? '']),
    onHello: () => log.hellos++, onEvent: (e) => log.events.push(e.seq), onReconnect: () => log.reconnects++,
    onTransport: (t) => log.via.push(t), onBytes: (n) => log.bytes.push(n), onWire: (e) => log.wire.push(e.data),
  });
  sio.start();
  await Promise.resolve();
  const s = made[0];
  assert.equal(s.url, 'http://lab:8005');
  assert.equal(s.opts.path, '/socket.io/');
  assert.deepEqual(s.opts.query, { client: 'k1' });
  assert.equal(s.opts.auth, undefined, 'nothing to resume: a bare 40');
  assert.equal(s.opts.reconnection, false, 'the lane retries as every lane does');
  assert.deepEqual(s.opts.transports.map((t) => t.prototype.name), ['polling', 'websocket']);

  s.io.fire('open');
  assert.deepEqual(log.states.at(-1), ['open', 'detail.socketio.polling']);
  s.connected = true;
  // A packet carrying an event counts its JSON's bytes before the event lands.
  const down = new s.opts.transports[0]();
  down.onPacket({ type: 'message', data: '2["event",{"seq":5}]' });
  assert.deepEqual(log.bytes, [9]);
  assert.deepEqual(log.wire, ['42["event",{"seq":5}]']);
  s.fire('hello', { epoch: 'e1', head: 5 });
  s.fire('event', { seq: 5 });
  s.io.engine.fire('upgrade', { name: 'websocket' });
  assert.deepEqual(log.via, ['polling', 'websocket']);
  assert.deepEqual(log.states.at(-1), ['open', 'detail.socketio.websocket']);

  const sent = sio.send('hi');
  const [name, body, ack] = s.emits[0];
  assert.equal(name, 'message');
  assert.deepEqual(body, { text: 'hi' });
  ack(null, { seq: 6 });
  assert.deepEqual(await sent, { seq: 6 });
  const refused = sio.send('again');
  s.emits[1][2](null, { code: 'too_many_messages', error: 'slow down' });
  await assert.rejects(refused, (e) => e.refused === true && e.code === 'too_many_messages');

  // The server goes away: the lane waits its backoff, then resumes by auth.
  from = { since: 5, epoch: 'e1' };
  s.fire('disconnect', 'transport close');
  assert.equal(log.states.at(-1)[0], 'reconnecting');
  assert.equal(s.disconnected, 1);
  s.fire('event', { seq: 99 }); // the old client is past: nothing of it counts
  await time.advance(10_000);
  await Promise.resolve();
  const again = made[1];
  assert.deepEqual(again.opts.auth, { since: 5, epoch: 'e1' });
  again.connected = true;
  again.fire('hello', { epoch: 'e1', head: 7 });
  assert.equal(log.reconnects, 1);
  assert.deepEqual(log.events, [5]);

  sio.stop();
  assert.equal(again.disconnected, 1);
  assert.deepEqual(log.states.at(-1), ['off', '']);
  again.fire('event', { seq: 8 });
  assert.deepEqual(log.events, [5], 'nothing after stop');
  await assert.rejects(sio.send('late'), (e) => e.key === 'error.sioNotOpen');
});

test('socketio: a failed connection retries; the mode applies from the next connection', async () => {
  const time = fakeTime();
  const { lib, made } = fakeClient();
  const sio = createSocketIO({
    client: lib, clientId: 'k', location: { origin: 'http://x' }, mode: 'polling', random: () => 0,
    now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout,
  });
  sio.start();
  await Promise.resolve();
  assert.deepEqual(made[0].opts.transports.map((t) => t.prototype.name), ['polling']);
  sio.setMode('websocket');
  made[0].fire('connect_error', new Error('websocket error'));
  await time.advance(10_000);
  await Promise.resolve();
  assert.equal(made.length, 2);
  assert.deepEqual(made[1].opts.transports.map((t) => t.prototype.name), ['websocket']);
  sio.stop();
});

test('lifeOf: the session\'s steps from its packets, once each, timed from the handshake', async () => {
  const { lifeOf } = await import('../js/transports/socketio.js');
  const p = (at, dir, data, via = 'polling') => ({ at, dir, data, via });
  const session = [
    p(100, 'down', '0{"sid":"a"}'), p(104, 'up', '40'), p(110, 'down', '40{"sid":"b"}'), p(110, 'down', '42["hello",{}]'),
    p(111, 'down', '42["event",{"seq":1}]'), p(115, 'up', '2probe', 'websocket'), p(117, 'down', '3probe', 'websocket'),
    p(118, 'down', '6'), p(119, 'up', '5', 'websocket'), p(150, 'down', '42["event",{"seq":2}]', 'websocket'),
  ];
  assert.deepEqual(lifeOf(session), [
    { step: 'handshake', ms: 0, via: 'polling' }, { step: 'connect', ms: 10, via: 'polling' },
    { step: 'firstEvent', ms: 11, via: 'polling' }, { step: 'probe', ms: 15, via: 'websocket' },
    { step: 'probed', ms: 17, via: 'websocket' }, { step: 'upgrade', ms: 19, via: 'websocket' },
  ]);
  assert.deepEqual(lifeOf(session.slice(0, 5)).map((s) => s.step), ['handshake', 'connect', 'firstEvent'], 'no upgrade: polling only');
  assert.deepEqual(lifeOf([]), []);
});

test('socketio: a page the server refused (403 on polling) stops for good and says so', async () => {
  const time = fakeTime();
  const { lib, made } = fakeClient();
  const log = { gone: 0, states: [] };
  const sio = createSocketIO({
    client: lib, clientId: 'k', location: { origin: 'http://x' }, random: () => 0,
    now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout,
    onGone: () => log.gone++, onStatus: (s, d) => log.states.push([s, d?.key ?? '']),
  });
  sio.start();
  await Promise.resolve();
  made[0].fire('connect_error', Object.assign(new Error('xhr poll error'), { type: 'TransportError', description: 403 }));
  assert.equal(log.gone, 1);
  assert.deepEqual(log.states.at(-1), ['off', 'serverError.disconnected']);
  await time.advance(30_000);
  assert.equal(made.length, 1, 'no retry');
});
