import test from 'node:test';
import assert from 'node:assert/strict';
import { MessageLog, createSender, errorOf, errorText } from '../js/messages.js';

const ev = (text, seq) => ({ seq, kind: 'message', from: 'me', via: 'poll', text });

test('MessageLog: newest first, at most max, and every change moves version', () => {
  const log = new MessageLog(2);
  const v0 = log.version;
  log.add({ text: 'a', via: 'poll', sentAt: 0 });
  log.add({ text: 'b', via: 'poll', sentAt: 1 });
  log.add({ text: 'c', via: 'poll', sentAt: 2, onAtSend: ['poll', 'ws'] });
  assert.deepEqual(log.entries.map((m) => m.text), ['c', 'b']);
  assert.deepEqual([...log.entries[0].onAtSend], ['poll', 'ws']);
  assert.ok(log.version > v0);
});

test('MessageLog: an echo is its message\'s by seq, never by text', () => {
  const log = new MessageLog();
  const first = log.add({ text: 'hi', via: 'poll', sentAt: 1000 });
  log.sent(first, 7);
  const second = log.add({ text: 'hi', via: 'poll', sentAt: 1100 });
  log.sent(second, 8);
  assert.equal(log.arrived('sse', ev('hi', 8), 1250), second);
  assert.equal(second.arrivals.sse, 150);
  assert.equal(first.arrivals.sse, undefined, 'the same text is not the same message');
  // A reconnect replays the first echo on ws after the second's: still the first's.
  assert.equal(log.arrived('ws', ev('hi', 8), 1300), second);
  assert.equal(log.arrived('ws', ev('hi', 7), 1400), first);
  assert.equal(first.arrivals.ws, 400);
  assert.equal(log.arrived('ws', ev('hi', 7), 1500), first, 'a repeat');
  assert.equal(first.arrivals.ws, 400, 'a repeat changes nothing');
});

test('MessageLog: a replayed echo does not settle a newer message with the same text', () => {
  const log = new MessageLog();
  const old = log.add({ text: 'hi', via: 'ws', sentAt: 0 });
  log.sent(old, 3);
  const waiting = log.add({ text: 'hi', via: 'ws', sentAt: 1000 });
  assert.equal(log.arrived('sse', ev('hi', 3), 1010), old);
  assert.deepEqual(waiting.arrivals, {});
  assert.equal(waiting.seq, null);
});

test('MessageLog: an echo before the answer waits for its seq', () => {
  const log = new MessageLog();
  const m = log.add({ text: 'fast', via: 'poll', sentAt: 1000 });
  assert.equal(log.arrived('sse', ev('fast', 12), 1004), null, 'its seq is not known yet');
  assert.equal(log.arrived('sse', ev('someone', 11), 1003), null);
  log.sent(m, 12);
  assert.deepEqual(m.arrivals, { sse: 4 });
});

test('MessageLog: after a server restart, an old message takes no echo of the new run\'s seq', () => {
  const log = new MessageLog();
  const old = log.add({ text: 'hi', via: 'poll', sentAt: 0 });
  log.sent(old, 5);
  log.newRun(); // the new run counts from 1 again
  const fresh = log.add({ text: 'hi', via: 'poll', sentAt: 1000 });
  assert.equal(log.arrived('sse', ev('hi', 5), 1003), null, 'not the old run\'s seq 5');
  log.sent(fresh, 5);
  assert.deepEqual(fresh.arrivals, { sse: 3 });
  assert.deepEqual(old.arrivals, {});
});

test('MessageLog: a failed message takes no arrival, nor one of unknown fate', () => {
  const log = new MessageLog();
  const refused = log.add({ text: 'x', via: 'ws', sentAt: 0 });
  log.failed(refused, errorOf(Object.assign(new Error('too many'), { refused: true, code: 'too_many_messages' })));
  assert.deepEqual(refused.error, { message: 'too many', code: 'too_many_messages', refused: true });
  assert.equal(log.arrived('sse', ev('x', 3), 10), null);
  const lost = log.add({ text: 'y', via: 'ws', sentAt: 0 });
  log.failed(lost, errorOf({ key: 'error.wsLost', message: 'closed', unknown: true }));
  assert.equal(log.arrived('sse', ev('y', 4), 10), null, 'its seq was never told');
  assert.deepEqual(refused.arrivals, {});
  assert.deepEqual(lost.arrivals, {});
});

test('errorOf and errorText: a key follows the language, a server text stays', () => {
  const T = (key) => `[${key}]`;
  assert.equal(errorText(T, errorOf(Object.assign(new Error('x'), { key: 'error.wsNotOpen' }))), '[error.wsNotOpen]');
  assert.equal(errorText(T, errorOf(new Error('too many messages'))), 'too many messages');
  assert.deepEqual(errorOf('plain'), { message: 'plain' });
});

test('createSender: the log shows what the server answered, and the caller learns it', async () => {
  const log = new MessageLog();
  const requests = [];
  let answerWS;
  const send = createSender({
    log,
    now: () => 500,
    on: () => ['poll', 'ws'],
    sendWS: (text) => new Promise((resolve, reject) => (answerWS = { resolve, reject, text })),
    post: async (text, via) => (text === 'bad' ? Promise.reject(new Error('nope (HTTP 400)')) : 41),
    countRequest: (t) => requests.push(t),
  });

  const posted = await send('hi', 'poll');
  assert.equal(posted.seq, 41);
  assert.deepEqual(requests, ['poll'], 'a POST is one more request of its transport');
  await assert.rejects(send('bad', 'sse'), /nope/);
  assert.equal(log.entries[0].error.message, 'nope (HTTP 400)');

  const overWS = send('over ws', 'ws');
  assert.equal(log.entries[0].error, null, 'waiting: not failed yet');
  assert.equal(answerWS.text, 'over ws');
  assert.deepEqual(requests, ['poll', 'sse'], 'the WebSocket sends on its own connection');
  answerWS.reject(Object.assign(new Error('too many messages'), { refused: true }));
  await assert.rejects(overWS, { refused: true });
  assert.deepEqual(log.entries[0].error, { message: 'too many messages', refused: true });

  const echoed = send('echo me', 'ws');
  answerWS.resolve({ seq: 43 });
  assert.equal((await echoed).seq, 43);
  assert.deepEqual([...log.entries[0].onAtSend], ['poll', 'ws']);
});
