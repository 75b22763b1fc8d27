import test from 'node:test';
import assert from 'node:assert/strict';
import { bestSample, estimateOffset, offsetOf } from '../js/clock.js';

test('offsetOf assumes the server read its clock half-way', () => {
  // Local 1000 -> 1010 ms; server said 2005 ms (in µs): offset +1000 ms.
  assert.deepEqual(offsetOf({ t0: 1000, serverTs: 2_005_000, t1: 1010 }), { offsetMs: 1000, rttMs: 10 });
});

test('bestSample keeps the smallest round trip', () => {
  const samples = [
    { t0: 0, serverTs: 60_000, t1: 100 }, // rtt 100, offset +10
    { t0: 200, serverTs: 203_000, t1: 204 }, // rtt 4, offset +1
    { t0: 300, serverTs: 340_000, t1: 320 }, // rtt 20, offset +30
  ];
  assert.deepEqual(bestSample(samples), { offsetMs: 1, rttMs: 4 });
});

test('bestSample ignores broken samples and returns null for none', () => {
  assert.equal(bestSample([]), null);
  assert.equal(bestSample([{ t0: 5, serverTs: NaN, t1: 6 }, { t0: 9, serverTs: 1, t1: 3 }]), null);
});

test('estimateOffset samples sequentially with the injected fetch and clock', async () => {
  // The local clock is 500 ms behind the server; round trips vary.
  let local = 10_000;
  const rtts = [40, 8, 30, 2, 50];
  let i = 0;
  const now = () => local;
  const fetchServerTs = async () => {
    const rtt = rtts[i++];
    local += rtt / 2;
    const serverMs = local + 500;
    local += rtt / 2;
    return serverMs * 1000;
  };
  const got = await estimateOffset(fetchServerTs, now, 5);
  assert.equal(i, 5);
  assert.equal(got.samples.length, 5);
  assert.equal(got.rttMs, 2);
  assert.equal(got.offsetMs, 500);
});

test('estimateOffset skips failed samples and throws when all fail', async () => {
  let calls = 0;
  const flaky = async () => {
    calls++;
    if (calls % 2) throw new Error('boom');
    return 1_000_000;
  };
  const got = await estimateOffset(flaky, () => 0, 4);
  assert.equal(got.samples.length, 2);
  assert.equal(got.offsetMs, 1000);

  await assert.rejects(estimateOffset(async () => { throw new Error('down'); }, () => 0, 3), /down/);
});
