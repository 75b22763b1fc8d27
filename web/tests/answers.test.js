import test from 'node:test';
import assert from 'node:assert/strict';
import { Answers } from '../js/transports/answers.js';

// sent adds messages to answers and returns their ids and what each was settled with.
function sent(answers, n) {
  const got = {};
  const ids = Array.from({ length: n }, () => {
    const id = answers.add((outcome) => (got[id] = outcome.error ? `refused: ${outcome.error.code ?? ''} ${outcome.error.message}` : `seq ${outcome.seq}`));
    return id;
  });
  return { ids, got };
}

test('answers: each message gets its own id, and an ack settles it with its seq', () => {
  const a = new Answers();
  const { ids, got } = sent(a, 2);
  assert.deepEqual(ids, [1, 2]);
  assert.equal(a.answer({ kind: 'ack', id: 2, seq: 41 }), true);
  assert.deepEqual(got, { 2: 'seq 41' });
  assert.equal(a.waiting, 1);
});

test('answers: a refusal settles the message it names, in whatever order the answers come', () => {
  const a = new Answers();
  const { got } = sent(a, 2);
  a.answer({ kind: 'error', id: 2, code: 'too_many_messages', error: 'too many' }); // overtook the ack of 1
  assert.deepEqual(got, { 2: 'refused: too_many_messages too many' });
  a.answer({ kind: 'ack', id: 1, seq: 7 });
  assert.deepEqual(got, { 1: 'seq 7', 2: 'refused: too_many_messages too many' });
});

test('answers: events, replies without an id and answers to nothing waiting settle nothing', () => {
  const a = new Answers();
  const { got } = sent(a, 1);
  assert.equal(a.answer({ seq: 8, kind: 'message', text: 'same text', via: 'ws' }), false);
  assert.equal(a.answer({ kind: 'error', error: 'no id' }), false);
  assert.equal(a.answer({ kind: 'ack', id: 99, seq: 3 }), false);
  assert.equal(a.answer({ kind: 'pong', id: 1 }), false);
  assert.deepEqual(got, {});
  assert.equal(a.answer({ kind: 'ack', id: 1, seq: 3 }), true);
  assert.equal(a.answer({ kind: 'ack', id: 1, seq: 3 }), false, 'answered once');
});

test('answers: a refusal keeps the key of the page\'s words for its code, when there is one', () => {
  const a = new Answers();
  const outcomes = [];
  const one = a.add((o) => outcomes.push(o.error));
  const two = a.add((o) => outcomes.push(o.error));
  a.answer({ kind: 'error', id: one, code: 'too_many_messages', error: 'too many messages' }, 'serverError.too_many_messages');
  a.answer({ kind: 'error', id: two, error: 'no words for this one' });
  assert.deepEqual(outcomes, [
    { message: 'too many messages', refused: true, code: 'too_many_messages', key: 'serverError.too_many_messages' },
    { message: 'no words for this one', refused: true },
  ]);
});

test('answers: fail settles every message still waiting', () => {
  const a = new Answers();
  const { got } = sent(a, 2);
  a.fail({ message: 'closed', unknown: true });
  assert.deepEqual(got, { 1: 'refused:  closed', 2: 'refused:  closed' });
  assert.equal(a.waiting, 0);
});
