import test from 'node:test';
import assert from 'node:assert/strict';
import { Answers } from '../js/transports/answers.js';

const echo = (text, seq, from = 'me') => ({ seq, kind: 'message', from, via: 'ws', text });

// sent adds messages to answers and returns what each was settled with, by text.
function sent(answers, ...texts) {
  const got = {};
  for (const text of texts) answers.add(text, (outcome) => (got[text] = outcome.event ? `seq ${outcome.event.seq}` : `refused: ${outcome.error.message}`));
  return got;
}

test('answers: an echo settles its message; another page\'s or transport\'s does not', () => {
  const a = new Answers('me');
  const got = sent(a, 'hi');
  assert.equal(a.echo(echo('hi', 7, 'someone else')), false);
  assert.equal(a.echo({ ...echo('hi', 7), via: 'sse' }), false);
  assert.equal(a.echo({ seq: 8, kind: 'quote' }), false);
  assert.deepEqual(got, {});
  assert.equal(a.echo(echo('hi', 9)), true);
  assert.deepEqual(got, { hi: 'seq 9' });
  assert.equal(a.waiting, 0);
});

test('answers: a refusal with one message waiting is that message\'s', () => {
  const a = new Answers('me');
  const got = sent(a, 'one too many');
  a.refusal('too many messages');
  assert.deepEqual(got, { 'one too many': 'refused: too many messages' });
});

test('answers: a refusal keeps the key of the page\'s words for its code, when there is one', () => {
  const a = new Answers('me');
  const outcomes = [];
  a.add('one', (o) => outcomes.push(o.error));
  a.add('two', (o) => outcomes.push(o.error));
  a.refusal('too many messages', 'serverError.too_many_messages');
  a.refusal('no words for this one');
  assert.deepEqual(outcomes, [
    { message: 'too many messages', refused: true, key: 'serverError.too_many_messages' },
    { message: 'no words for this one', refused: true },
  ]);
});

test('answers: a refusal that overtakes an older echo waits for it, and blames the right message', () => {
  const a = new Answers('me');
  const got = sent(a, 'A', 'B');
  a.refusal('too many'); // B's, written before A's echo left the feed's queue
  assert.deepEqual(got, {}, 'not yet known whose refusal it is');
  a.echo(echo('A', 1));
  assert.deepEqual(got, { A: 'seq 1', B: 'refused: too many' });
});

test('answers: an echo tells that the older messages still waiting were refused', () => {
  const a = new Answers('me');
  const got = sent(a, 'A', 'B', 'C');
  a.refusal('too many'); // A's, or B's: not known yet
  assert.deepEqual(got, {});
  a.echo(echo('C', 3)); // C came back: A and B were refused, and one refusal is still to come
  assert.deepEqual(got, { A: 'refused: too many', C: 'seq 3' });
  a.refusal('too many');
  assert.deepEqual(got, { A: 'refused: too many', B: 'refused: too many', C: 'seq 3' });
});

test('answers: in order, refusals settle oldest first', () => {
  const a = new Answers('me');
  const got = sent(a, 'A', 'B');
  a.echo(echo('A', 1));
  a.refusal('r');
  assert.deepEqual(got, { A: 'seq 1', B: 'refused: r' });
  a.refusal('stray'); // nothing waits: dropped, and not held for the next message
  const later = sent(a, 'D');
  a.echo(echo('D', 4));
  assert.deepEqual(later, { D: 'seq 4' });
});

test('answers: fail settles every message still waiting', () => {
  const a = new Answers('me');
  const got = sent(a, 'A', 'B');
  a.refusal('r');
  a.fail({ message: 'closed' });
  assert.deepEqual(got, { A: 'refused: closed', B: 'refused: closed' });
  assert.equal(a.waiting, 0);
});
