import test from 'node:test';
import assert from 'node:assert/strict';
import { createServerReader } from '../js/server-reader.js';
import { createPage } from '../js/page-state.js';
import { fakeTime, flush } from './fakes.js';

// readerWith makes a reader over a real page-state whose /api/stats answers
// come from `answers` (one taken per read), and whose /api/time is
// timeFetch(url) (by default an answer at once).
function readerWith({ answers, timeFetch }) {
  const time = fakeTime();
  const page = createPage({ search: '', languages: ['en'] });
  page.api = { get: async () => answers.shift() };
  const timeAsked = [];
  const fetch = (url) => {
    timeAsked.push(url);
    return timeFetch ? timeFetch(url) : answerTime(time.now());
  };
  const reader = createServerReader(page, {
    now: time.now,
    fetch,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    setInterval: time.setInterval,
    hidden: () => false,
  });
  return { page, reader, time, timeAsked };
}

// answerTime is /api/time's answer: the server's clock, in µs.
const answerTime = (ms) => Promise.resolve({ ok: true, url: '/api/time', json: async () => ({ ts: ms * 1000 }) });

test("server-reader: the server's head never steps back within a run, and starts over with a new one", async () => {
  const answers = [
    { epoch: 'a', head: 8, rate: 5 },
    { epoch: 'b', head: 2, rate: 5 },
  ];
  const { page, reader, time } = readerWith({ answers });
  page.setEpoch('a');
  page.noteHead(10); // a lane saw event 10 while /api/stats was on its way
  reader.wake();
  await flush();
  assert.equal(page.server.head, 10, 'the server read its head before the lane saw 10');
  await time.advance(1_000);
  assert.equal(page.server.epoch, 'b');
  assert.equal(page.server.head, 2, 'a new run counts from its own head');
});

test('server-reader: a new run found during a clock round measures the clock again when the round ends', async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  let first = true;
  const { page, reader, time, timeAsked } = readerWith({
    answers: [{ epoch: 'b', head: 2, rate: 5 }],
    // The round's first sample waits: the round is under way as the new run is found.
    timeFetch: (url) => {
      if (!first) return answerTime(time.now());
      first = false;
      return gate.then(() => answerTime(time.now()));
    },
  });
  page.setEpoch('a');
  reader.wake(); // a clock round, and a stats read that finds run b
  await flush();
  assert.equal(page.server.epoch, 'b');
  assert.equal(timeAsked.length, 1, 'the round is still on its first sample');
  release();
  await flush();
  assert.equal(timeAsked.length, 10, 'the round, then one more for the new run: 5 samples each');
  assert.ok(Number.isFinite(page.clock.offsetMs));
});
