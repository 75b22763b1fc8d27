import test from 'node:test';
import assert from 'node:assert/strict';
import { sequence, WIDTH } from '../js/diagrams.js';
import { MESSAGES } from '../js/i18n.js';

const summary = (d) => d.arrows.map((a) => `${a.up ? '→' : '←'} ${a.text}`);

test('polling: request/response pairs, and the event waits for the next request', () => {
  const d = sequence('poll');
  const arrows = summary(d);
  assert.equal(arrows.length, 6);
  for (let i = 0; i < arrows.length; i += 2) {
    assert.match(arrows[i], /^→ GET \/poll\?since=\d+$/, 'a request');
    assert.match(arrows[i + 1], /^← 200 /, 'its answer, at once');
  }
  assert.equal(d.marks.length, 1);
  assert.equal(d.waits.length, 1);
  const [mark, wait] = [d.marks[0], d.waits[0]];
  const pickup = d.arrows.find((a) => a.up && a.y1 > mark.y);
  assert.equal(wait.y1, mark.y, 'the wait starts when the event is published');
  assert.equal(wait.y2, pickup.y2, 'and ends when the next request reaches the server');
  assert.match(d.arrows[d.arrows.indexOf(pickup) + 1].text, /\[42\]/, 'whose answer carries it');
  assert.equal(d.spans.length, 0, 'no connection stays open');
});

test('SSE: one request, then one long response with events and a heartbeat', () => {
  const d = sequence('sse');
  const up = d.arrows.filter((a) => a.up);
  assert.deepEqual(up.map((a) => a.text), ['GET /sse']);
  const down = d.arrows.filter((a) => !a.up).map((a) => a.style);
  assert.equal(down[0], 'response');
  assert.ok(down.filter((s) => s === 'event').length >= 3);
  assert.ok(down.includes('heartbeat'));
  assert.equal(d.spans.length, 1, 'the server\'s side of one open response');
  const [span] = d.spans;
  assert.ok(d.arrows.slice(1).every((a) => a.y1 >= span.y1 && a.y2 <= span.y2), 'every event inside the one response');
});

test('WebSocket: upgrade 101, then frames both ways', () => {
  const d = sequence('ws');
  const arrows = summary(d);
  assert.match(arrows[0], /^→ GET \/ws .*Upgrade: websocket/);
  assert.equal(arrows[1], '← 101 Switching Protocols');
  const frames = d.arrows.slice(2);
  assert.ok(frames.some((a) => a.up && a.style === 'event'), 'a message up');
  assert.ok(frames.some((a) => !a.up && a.style === 'event'), 'events down');
  assert.deepEqual(frames.filter((a) => a.style === 'control').map((a) => a.text), ['ping', 'pong']);
  assert.equal(d.spans.length, 2, 'the connection is open at both ends');
});

test('layout: inside the box, top to bottom, every word in every language', () => {
  for (const t of ['poll', 'longpoll', 'sse', 'ws', 'socketio']) {
    const d = sequence(t);
    let last = 0;
    for (const a of d.arrows) {
      assert.ok(a.y1 > last, `${t}: arrows go down`);
      last = a.y1;
      for (const x of [a.x1, a.x2]) assert.ok(x > 0 && x < WIDTH);
      assert.ok(a.y2 < d.height);
      assert.ok([...a.text].length <= 30, `${t}: "${a.text}" fits between the lifelines`);
    }
    const keys = [...d.lifelines, ...d.marks, ...d.waits, ...d.notes].map((x) => x.key);
    for (const lang of Object.keys(MESSAGES)) {
      for (const key of keys) assert.ok(Object.hasOwn(MESSAGES[lang], key), `${lang}: ${key}`);
    }
  }
  assert.throws(() => sequence('carrier-pigeon'));
});

test('long polling: each request held at the server until an event, answered at once, or empty after the wait', () => {
  const d = sequence('longpoll');
  const arrows = summary(d);
  for (let i = 0; i < arrows.length - 1; i += 2) {
    assert.match(arrows[i], /^→ GET \/poll\?since=\d+&wait=25s$/, 'a request with a wait');
    assert.match(arrows[i + 1], /^← 200 /, 'its answer');
  }
  assert.deepEqual(d.waits.map((w) => w.key), ['diagram.held', 'diagram.heldWait'], 'both requests held, the second for the whole wait; no event waits for a request');
  const [mark] = d.marks;
  const [held] = d.waits;
  const answer = d.arrows.find((a) => !a.up && a.y1 > mark.y);
  assert.ok(held.y1 < mark.y && mark.y < held.y2, 'the event is published while the request is held');
  assert.equal(held.y2, answer.y1, 'and the held request is answered with it at once');
  assert.match(answer.text, /\[42\]/);
  assert.equal(d.spans.length, 0, 'no connection stays open between answers');
});

test('Socket.IO: the handshake and first events on polling, the probe, the noop, the upgrade, then frames', () => {
  const d = sequence('socketio');
  const texts = d.arrows.map((a) => a.text);
  const at = (re) => texts.findIndex((t) => re.test(t));
  assert.ok(at(/^0\{"sid"/) === 1, 'the handshake answers the first GET');
  assert.ok(at(/42\["event"\]/) < at(/^2probe$/), 'events come on polling before the probe');
  assert.ok(at(/^2probe$/) < at(/^3probe$/) && at(/^3probe$/) < at(/^6 /) && at(/^6 /) < at(/^5 /), 'probe, noop, then the upgrade');
  assert.ok(d.arrows.at(-1).text.startsWith('42["event"') && !d.arrows.at(-1).up, 'then events as frames');
  assert.equal(d.spans.length, 2, 'the WebSocket is open at both ends');
});
