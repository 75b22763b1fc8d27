import test from 'node:test';
import assert from 'node:assert/strict';
import { countsAsked, createLanes, noteServerRun, pageCounts, startOver, takeZero } from '../js/lanes.js';

// fakePage is the part of page-state.js that lanes read and write.
function fakePage() {
  const server = { epoch: null, rate: null, head: null };
  return {
    clientId: 'abc12345',
    state: { interval: 1000 },
    server,
    clock: { offsetMs: 0 },
    setEpoch: (e) => (server.epoch = e),
    noteHead: () => {},
  };
}

// lanesWith makes the lanes over transports that only keep their callbacks,
// so that a test plays the transport's part.
function lanesWith(now = () => 10_000) {
  const cb = {};
  const makers = Object.fromEntries(['poll', 'longpoll', 'sse', 'ws', 'socketio'].map((t) => [t, (callbacks) => {
    cb[t] = callbacks;
    return { start() {}, stop() {} };
  }]));
  return { lanes: createLanes(fakePage(), { now, makers }), cb };
}

// ev is an event published at ms (page time; the offset is 0).
const ev = (seq, ms) => ({ seq, ts: ms * 1000, kind: 'quote' });

test('lanes: catch-up latency is shown apart from live latency, on every transport alike', () => {
  const { lanes, cb } = lanesWith();
  for (const t of ['sse', 'ws']) {
    cb[t].onHello({ kind: 'hello', epoch: 'e', head: 5 });
    cb[t].onEvent(ev(5, 2_000), 10_000); // published before the hello: catch-up, 8 s late
    cb[t].onEvent(ev(6, 9_990), 10_000); // live, 10 ms
  }
  // Polling, short or long: the first answer, then an answer after failed requests.
  for (const t of ['poll', 'longpoll']) {
    cb[t].onHello({ epoch: 'e', head: 5, first: true, catchUp: true });
    cb[t].onEvent(ev(5, 2_000), 10_000);
    cb[t].onHello({ epoch: 'e', head: 6, first: false, catchUp: false });
    cb[t].onEvent(ev(6, 9_990), 10_000);
    cb[t].onHello({ epoch: 'e', head: 9, first: false, catchUp: true }); // back after failures
    cb[t].onEvent(ev(9, 4_000), 10_000);
  }
  for (const t of ['poll', 'longpoll', 'sse', 'ws']) {
    const live = lanes[t].latency.points.map((p) => p.v);
    const catchUp = lanes[t].catchUp.points.map((p) => p.v);
    assert.deepEqual(live, [10], `${t}: live latency`);
    assert.ok(catchUp.length >= 1 && catchUp.every((v) => v >= 6_000), `${t}: catch-up latency ${catchUp}`);
    assert.ok(lanes[t].arrivals.list().filter((a) => a.replayed).every((a) => a.latencyMs >= 6_000), `${t}: the export has it, marked`);
  }
  assert.deepEqual(lanes.poll.catchUp.points.map((p) => p.v), [8_000, 6_000]);
  assert.deepEqual(lanes.longpoll.catchUp.points.map((p) => p.v), [8_000, 6_000], 'a long poll\'s answer in between is live, as a poll\'s');
});

test("lanes: after a server restart the latencies are the new run's alone", () => {
  let at = 0;
  const { lanes, cb } = lanesWith(() => at);
  for (const t of ['poll', 'sse', 'ws']) {
    const hello = (epoch, head, reset) => (t === 'poll'
      ? cb[t].onHello({ epoch, head, first: head === 0, catchUp: false, reset })
      : cb[t].onHello({ kind: 'hello', epoch, head, reset }));
    // The old run: events 30 ms late, 20 a second for 50 s.
    at = 0;
    hello('old', 0);
    for (let seq = 1; seq <= 1000; seq++) {
      at = seq * 50;
      cb[t].onEvent(ev(seq, at - 30), at);
    }
    // A new run, counting from 1 again: events 1 ms late, for 10 s.
    hello('new', 0, true);
    for (let seq = 1; seq <= 200; seq++) {
      at = 50_000 + seq * 50;
      cb[t].onEvent(ev(seq, at - 1), at);
    }
    const { median, count } = lanes[t].latency.summary(at);
    assert.equal(count, 200, `${t}: the window holds the new run's events only`);
    assert.equal(median, 1, `${t}: the median is the new run's, not the old run's 30 ms`);
  }
});

test('pageCounts: this run beside the server, the total kept', () => {
  let at = 10_000;
  const { lanes, cb } = lanesWith(() => at);
  lanes.sse.on = true;
  // As sse.js does: the request on open, a hello with no body, then each
  // event's data bytes as it arrives.
  const event = (seq, bytes) => {
    cb.sse.onBytes(bytes);
    cb.sse.onEvent(ev(seq, at - 1), at);
  };
  cb.sse.onRequest();
  cb.sse.onHello({ kind: 'hello', epoch: 'a', head: 1 });
  event(2, 40);
  event(3, 60);
  at = 11_000;
  assert.deepEqual(pageCounts(lanes, { epoch: 'a', head: 3 }, countsAsked(lanes, at)).sse, {
    run: { requests: 1, received: 2, bytes: 100 },
    total: { requests: 1, received: 2, bytes: 100 },
    carriedOver: false,
    probe: 0,
    server: undefined,
    classRun: false,
  });
  // The server restarts: the stream is refused twice, then opens on run b.
  at = 12_000;
  assert.equal(pageCounts(lanes, { epoch: 'b', head: 0 }, countsAsked(lanes, at)).sse.run, null,
    'not yet heard of run b: nothing to compare');
  cb.sse.onRequest();
  cb.sse.onHello({ kind: 'hello', epoch: 'b', head: 0, reset: true });
  event(1, 70);
  at = 13_000;
  const asked = countsAsked(lanes, at);
  assert.equal(pageCounts(lanes, { epoch: 'b', head: 1 }, asked).poll.run, null, 'pageCounts changes nothing');
  noteServerRun(lanes, 'b', at); // as main.js does with each answer, first
  const counts = pageCounts(lanes, { epoch: 'b', head: 1 }, asked);
  assert.deepEqual(counts.sse.run, { requests: 1, received: 1, bytes: 70 });
  assert.deepEqual(counts.sse.total, { requests: 2, received: 3, bytes: 170 });
  assert.equal(counts.sse.carriedOver, true);
  assert.deepEqual(counts.poll.run, { requests: 0, received: 0, bytes: 0 }, 'a lane that is off is in the server\'s run');
});

test('pageCounts: the page counts what the server could have counted when it was read', () => {
  let at = 10_000;
  const { lanes, cb } = lanesWith(() => at);
  lanes.ws.on = lanes.poll.on = true;
  // wsEvent plays ws.js: an event's JSON bytes are counted as it arrives.
  const wsEvent = (seq, ms, receivedAt) => {
    cb.ws.onBytes(50);
    cb.ws.onEvent(ev(seq, ms), receivedAt);
  };
  cb.ws.onRequest();
  cb.ws.onHello({ kind: 'hello', epoch: 'a', head: 0 });
  cb.poll.onRequest();
  cb.poll.onBytes(150); // an answer's body comes before its metadata (poll.js)
  cb.poll.onHello({ epoch: 'a', head: 3, catchUp: true });
  for (const seq of [1, 2, 3]) cb.poll.onEvent(ev(seq, 9_000), 10_000);
  at = 10_250;
  cb.poll.onRequest(); // answered before the page asks the server
  cb.poll.onBytes(50);
  cb.poll.onHello({ epoch: 'a', head: 4, catchUp: false });
  cb.poll.onEvent(ev(4, 10_200), 10_250);
  for (const seq of [1, 2, 3]) wsEvent(seq, 9_000, 10_250);
  at = 10_300;
  const asked = countsAsked(lanes, at); // the page asks for the server's counts
  // Before the answer comes: an event the server had counted (seq 4, its
  // head), then one past that head, and a poll sent after the page asked.
  at = 10_350;
  wsEvent(4, 10_200, 10_350);
  at = 10_400;
  wsEvent(5, 10_390, 10_400);
  at = 10_500;
  cb.poll.onRequest();
  cb.poll.onBytes(50);
  cb.poll.onHello({ epoch: 'a', head: 5, catchUp: false });
  cb.poll.onEvent(ev(5, 10_390), 10_500);
  const counts = pageCounts(lanes, { epoch: 'a', head: 4 }, asked);
  // The bytes are of the same moment as the events: four events, 50 bytes each.
  assert.deepEqual(counts.ws.run, { requests: 1, received: 4, bytes: 200 });
  assert.deepEqual(counts.poll.run, { requests: 2, received: 4, bytes: 200 });
});

test('pageCounts: a stream\'s hello is no body: a new run begins with none of the old run\'s bytes', () => {
  let at = 10_000;
  const { lanes, cb } = lanesWith(() => at);
  lanes.ws.on = true;
  cb.ws.onRequest();
  cb.ws.onHello({ kind: 'hello', epoch: 'a', head: 0 });
  cb.ws.onBytes(50); // the event's JSON, as ws.js counts it
  cb.ws.onEvent(ev(1, 9_990), 10_000);
  // The server restarts; the socket comes back on run b, its hello counting no bytes.
  at = 12_000;
  cb.ws.onRequest();
  cb.ws.onHello({ kind: 'hello', epoch: 'b', head: 0, reset: true });
  at = 13_000;
  const counts = pageCounts(lanes, { epoch: 'b', head: 0 }, countsAsked(lanes, at));
  assert.deepEqual(counts.ws.run, { requests: 1, received: 0, bytes: 0 });
  assert.deepEqual(counts.ws.total, { requests: 2, received: 1, bytes: 50 });
});

test("pageCounts: the page's probe is counted per server run, as the server counts its wire bytes", () => {
  let at = 10_000;
  const { lanes, cb } = lanesWith(() => at);
  lanes.ws.on = true;
  // The socket opens: its first ping (22 bytes of payload) leaves in onopen, before the hello (ws.js).
  cb.ws.onRequest();
  cb.ws.onProbe(22, 'up');
  cb.ws.onHello({ kind: 'hello', epoch: 'a', head: 0 });
  for (let i = 0; i < 10; i++) {
    cb.ws.onProbe(22, 'down');
    cb.ws.onProbe(22, 'up');
  }
  const oldRun = lanes.ws.ledger.probe;
  assert.equal(pageCounts(lanes, { epoch: 'a', head: 0 }, countsAsked(lanes, at)).ws.probe, oldRun);
  // The server restarts: the socket comes back on run b, whose wire bytes start at zero.
  at = 12_000;
  cb.ws.onRequest();
  cb.ws.onProbe(22, 'up');
  cb.ws.onHello({ kind: 'hello', epoch: 'b', head: 0, reset: true });
  cb.ws.onProbe(22, 'down');
  at = 13_000;
  const probe = pageCounts(lanes, { epoch: 'b', head: 0 }, countsAsked(lanes, at)).ws.probe;
  assert.equal(probe, lanes.ws.ledger.probe - oldRun, "the new run's ping and pong, none of the old run's");
  assert.ok(probe > 0);
});

test('startOver: a class run starts the numbers from zero, page and server from one read', () => {
  let at = 10_000;
  const { lanes, cb } = lanesWith(() => at);
  lanes.sse.on = true;
  const event = (seq, bytes) => {
    cb.sse.onBytes(bytes);
    cb.sse.onEvent(ev(seq, at - 5), at);
  };
  cb.sse.onRequest();
  cb.sse.onHello({ kind: 'hello', epoch: 'a', head: 1 });
  event(2, 40);
  event(4, 60); // 3 is missed
  cb.sse.onReconnect();
  const server = (events, bytes, wire) => ({ sse: { requests: 1, open: 1, events, bytes, wireIn: 300, wireOut: wire } });

  startOver(lanes);
  const sse = lanes.sse;
  assert.deepEqual([sse.ledger.missed, sse.ledger.reconnects, sse.latency.points.length, sse.requestTimes.points.length], [0, 0, 0, 0],
    'what only the page keeps starts over at once');
  assert.equal(sse.ledger.received, 2, 'the counts beside the server\'s wait for its next read');

  // The read that is the zero: the server had counted up to seq 4, and the
  // page got seq 5 before the answer came: it is the new run's.
  at = 11_000;
  const asked = countsAsked(lanes, at);
  event(5, 50);
  const stats = { epoch: 'a', head: 4, client: server(2, 100, 900) };
  takeZero(lanes, stats, asked);
  let c = pageCounts(lanes, stats, asked);
  assert.deepEqual(c.sse.run, { requests: 0, received: 0, bytes: 0 });
  assert.deepEqual(c.sse.server, { requests: 0, open: 1, events: 0, bytes: 0, wireIn: 0, wireOut: 0 }, 'open is a state, not a count');
  assert.deepEqual(c.sse.total, { requests: 1, received: 2, bytes: 100 }, 'the total across runs is kept');

  at = 12_000;
  const later = { epoch: 'a', head: 5, client: server(3, 150, 1000) };
  c = pageCounts(lanes, later, countsAsked(lanes, at));
  assert.deepEqual(c.sse.run, { requests: 0, received: 1, bytes: 50 });
  assert.deepEqual(c.sse.server, { requests: 0, open: 1, events: 1, bytes: 50, wireIn: 0, wireOut: 100 });
  assert.equal(c.sse.carriedOver, true, 'the panel says the page column is this run\'s');
  assert.equal(c.sse.classRun, true, '… the class\'s');

  // A later server restart starts both over by the server's run: the zero is dropped.
  cb.sse.onRequest();
  cb.sse.onHello({ kind: 'hello', epoch: 'b', head: 0, reset: true });
  at = 13_000;
  const restarted = { epoch: 'b', head: 0, client: { sse: { requests: 1, open: 1, events: 0, bytes: 0, wireIn: 200, wireOut: 80 } } };
  takeZero(lanes, restarted, countsAsked(lanes, at));
  c = pageCounts(lanes, restarted, countsAsked(lanes, at));
  assert.deepEqual(c.sse.server, restarted.client.sse);
  assert.equal(c.sse.classRun, false);
  assert.deepEqual(c.sse.run, { requests: 1, received: 0, bytes: 0 });
});

test('takeZero: a lane not yet in the server\'s run waits for a later answer', () => {
  const { lanes, cb } = lanesWith();
  lanes.ws.on = true;
  cb.ws.onRequest();
  cb.ws.onHello({ kind: 'hello', epoch: 'a', head: 0 });
  startOver(lanes);
  const asked = countsAsked(lanes, 10_000);
  takeZero(lanes, { epoch: 'b', head: 0, client: {} }, asked);
  assert.equal(lanes.ws.zeroPending, true);
  assert.equal(lanes.ws.serverZero, null);
  takeZero(lanes, { epoch: 'a', head: 0, client: {} }, asked);
  assert.equal(lanes.ws.zeroPending, false);
  assert.deepEqual(lanes.ws.serverZero, { epoch: 'a', counts: { requests: 0, events: 0, bytes: 0, wireIn: 0, wireOut: 0 } });
});
