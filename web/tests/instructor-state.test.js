import test from 'node:test';
import assert from 'node:assert/strict';
import {
  actNote, ARM_MS, checkRate, controlValues, createArm, droppedNote, failure, isStale, transportNames, withTransport,
} from '../js/instructor-state.js';
import { HTTPError } from '../js/api.js';
import { t } from '../js/i18n.js';

// STATE is GET /api/class as the contract shows it.
const STATE = Object.freeze({
  version: 4, run: 1, transports: ['poll', 'sse'], interval: 1000, rate: 1, paused: false, messages: true,
  network: { delayMs: 150, jitterMs: 50 }, tutorial: false,
  server: { uptimeSeconds: 12.5, transports: { poll: {}, sse: {}, ws: {} } },
});

test('controlValues: each control shows the state the server answered', () => {
  assert.deepEqual(controlValues(STATE), {
    transports: { poll: true, longpoll: false, sse: true, ws: false, socketio: false },
    interval: 1000, rate: 1, rateLocked: false, tutorial: false, paused: false, messages: true,
    network: 'mobile', run: 1,
  });
  const tutorial = controlValues({ ...STATE, tutorial: true, rate: 1 / 3, paused: true, messages: false, network: { delayMs: 7, jitterMs: 0 } });
  assert.equal(tutorial.rateLocked, true, 'the tutorial sets the rate: the field waits');
  assert.equal(tutorial.paused, true);
  assert.equal(tutorial.messages, false);
  assert.equal(tutorial.network, 'custom', 'a network no preset names');
  assert.equal(controlValues({ ...STATE, network: { delayMs: 0, jitterMs: 0 } }).network, 'localhost');
});

test('transportNames: the page\'s order, then any lane the server adds', () => {
  assert.deepEqual(transportNames(STATE), ['poll', 'longpoll', 'sse', 'ws', 'socketio']);
  assert.deepEqual(transportNames({ transports: ['h3'], server: { transports: { poll: {}, quic: {} } } }), ['poll', 'longpoll', 'sse', 'ws', 'socketio', 'quic', 'h3']);
  assert.deepEqual(transportNames(null), ['poll', 'longpoll', 'sse', 'ws', 'socketio']);
});

test('withTransport: one field, the state\'s list changed by one name, in display order', () => {
  assert.deepEqual(withTransport(STATE, 'ws', true), { transports: ['poll', 'sse', 'ws'] });
  assert.deepEqual(withTransport(STATE, 'poll', false), { transports: ['sse'] });
  assert.deepEqual(withTransport({ ...STATE, transports: ['ws'] }, 'poll', true), { transports: ['poll', 'ws'] });
  assert.deepEqual(withTransport({ ...STATE, transports: ['sse'] }, 'sse', false), { transports: [] }, 'all off is a state too');
});

test('checkRate: what the hub takes, said before the server says it', () => {
  assert.deepEqual(checkRate('5'), { rate: 5 });
  assert.deepEqual(checkRate(' 0.5 '), { rate: 0.5 });
  assert.deepEqual(checkRate('0,5'), { rate: 0.5 }, 'a decimal comma');
  assert.deepEqual(checkRate(10_000), { rate: 10_000 });
  for (const bad of ['', '0', '0.05', '10001', 'fast', '1e3', '-1', 'NaN', null]) {
    assert.equal(checkRate(bad).error?.key, 'instructor.error.rate', JSON.stringify(bad));
  }
  const { error } = checkRate('0');
  assert.equal(t('en', error.key, error.params), 'The rate is a number of events a second from 0.1 to 10000.');
});

test('isStale: an answer older than the state shown is left out, unless the server restarted', () => {
  const shown = { version: 5, server: { uptimeSeconds: 30 } };
  assert.equal(isStale(null, shown), false);
  assert.equal(isStale(shown, { version: 4, server: { uptimeSeconds: 31 } }), true, 'a GET answered after a PUT');
  assert.equal(isStale(shown, { version: 5, server: { uptimeSeconds: 31 } }), false, 'the same state, newer numbers');
  assert.equal(isStale(shown, { version: 6, server: { uptimeSeconds: 31 } }), false);
  assert.equal(isStale(shown, { version: 1, server: { uptimeSeconds: 2 } }), false, 'a new server starts at 1');
});

test('failure: the server\'s refusal in the page\'s language', () => {
  const bad = new HTTPError(400, { error: 'interval must be from 250 to 5000 ms', code: 'bad_request' });
  assert.equal(t('ko', 'instructor.failed', { error: failure(bad) }), '바뀌지 않았습니다: 요청에 잘못된 값이 있어 서버가 받지 않았습니다');
  const flood = new HTTPError(429, { error: 'too many changes', code: 'too_many_requests' });
  assert.equal(t('en', 'instructor.failed', { error: failure(flood) }), 'Not changed: too many requests in a short time: wait a moment');
  const odd = new HTTPError(418, { error: 'a teapot', code: 'teapot' });
  assert.equal(t('en', 'instructor.failed', { error: failure(odd) }), 'Not changed: a teapot (HTTP 418)');
  const net = Object.assign(new TypeError('Failed to fetch'), { key: 'error.network' });
  assert.equal(t('ko', 'instructor.failed', { error: failure(net) }), '바뀌지 않았습니다: 서버에서 답이 오지 않았습니다(네트워크 오류)');
});

test('droppedNote: how many connections the drop closed', () => {
  assert.equal(t('en', droppedNote({ transport: 'sse', dropped: 1 }).key, { n: 1 }), 'Closed 1 connection.');
  const many = droppedNote({ transport: 'sse', dropped: 12 });
  assert.equal(t('en', many.key, many.params), 'Closed 12 connections.');
  const none = droppedNote({});
  assert.equal(t('ko', none.key, none.params), '연결 0개를 끊었습니다.');
});

test('actNote: what a mute, an unmute or a disconnect did, and to how many pages of the name', () => {
  const say = (answer, lang = 'en') => actNote(answer).map((n) => t(lang, n.key, n.params)).join(' ');
  assert.equal(say({ name: 'quiet otter 17', muted: true, pages: 1 }), 'quiet otter 17: messages muted.');
  assert.equal(say({ name: 'quiet otter 17', muted: false, pages: 1 }), 'quiet otter 17: messages allowed again.');
  assert.equal(say({ name: 'quiet otter 17', muted: true, pages: 2 }), 'quiet otter 17: messages muted. 2 pages share this name: all of them.');
  assert.match(say({ name: 'quiet otter 17', dropped: 3, pages: 1 }), /^quiet otter 17: disconnected, 3 connections closed/);
  assert.match(say({ name: 'quiet otter 17', dropped: 1, pages: 1 }), /^quiet otter 17: disconnected, 1 connection closed;/);
  assert.match(say({ name: 'quiet otter 17', dropped: 0, pages: 1 }, 'ko'), /연결 0개/);
  assert.equal(actNote({}).length, 1);
});

test('createArm: a Disconnect needs a second click within ARM_MS, for the same page', () => {
  let now = 0;
  const arm = createArm({ now: () => now });
  assert.equal(arm.click('a'), false, 'the first click arms');
  assert.equal(arm.armed('a'), true);
  assert.equal(arm.armed('b'), false, 'another page is not armed');
  assert.equal(arm.click('b'), false);
  now = ARM_MS - 1;
  assert.equal(arm.click('a'), true, 'the second click in time confirms');
  assert.equal(arm.armed('a'), false, 'and disarms');
  now += 1;
  assert.equal(arm.armed('b'), false, 'b\'s arming ran out');
  assert.equal(arm.click('b'), false, 'a click after it arms again, and does not confirm');
  arm.disarm('b');
  assert.equal(arm.armed('b'), false);
});
