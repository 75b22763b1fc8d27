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

test('MessageLog: an arrival goes to the oldest message it can be', () => {
  const log = new MessageLog();
  const first = log.add({ text: 'hi', via: 'poll', sentAt: 1000 });
  const second = log.add({ text: 'hi', via: 'poll', sentAt: 1100 });
  assert.equal(log.arrived('sse', ev('hi', 7), 1250), first);
  assert.equal(first.arrivals.sse, 250);
  assert.equal(first.seq, 7, 'the seq the event carried');
  assert.equal(log.arrived('sse', ev('hi', 8), 1300), second, 'sse already brought the first');
  assert.equal(second.arrivals.sse, 200);
  assert.equal(log.arrived('sse', ev('other', 9), 1300), null);
  assert.equal(log.arrived('ws', ev('hi', 8), 1400), second, 'the seq decides once known');
});

test('MessageLog: a failed message takes no arrival, one of unknown fate does', () => {
  const log = new MessageLog();
  const refused = log.add({ text: 'x', via: 'ws', sentAt: 0 });
  log.failed(refused, errorOf(Object.assign(new Error('too many'), { refused: true })));
  assert.equal(log.arrived('sse', ev('x', 3), 10), null);
  const lost = log.add({ text: 'y', via: 'ws', sentAt: 0 });
  log.failed(lost, errorOf({ key: 'error.wsLost', message: 'closed', unknown: true }));
  assert.equal(log.arrived('sse', ev('y', 4), 10), lost);
  assert.equal(lost.error, null, 'it came back: it was sent');
  assert.equal(lost.seq, 4);
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
