import test from 'node:test';
import assert from 'node:assert/strict';
import { DRIFT, bestSample, chooseEstimate, errorBound, estimateOffset, latencyText, offsetOf, sampleClock, wireTimes } from '../js/clock.js';

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
  assert.deepEqual(bestSample(samples), { offsetMs: 1, rttMs: 4, at: 204 });
});

test('bestSample ignores broken samples and returns null for none', () => {
  assert.equal(bestSample([]), null);
  assert.equal(bestSample([{ t0: 5, serverTs: NaN, t1: 6 }, { t0: 9, serverTs: 1, t1: 3 }]), null);
});

// answer is a fetch Response of /api/time whose body takes parseMs of the
// page's time to read: the page is busy, or the body is slow.
function answer(ts, clock, parseMs = 0) {
  return {
    ok: true,
    status: 200,
    json: async () => {
      clock.local += parseMs;
      return { ts };
    },
  };
}

test('sampleClock reads the return time before parsing the body', async () => {
  const clock = { local: 1000 };
  const fetchTime = async () => {
    clock.local += 1; // there and back: 2 ms, the server read its clock half-way
    const ts = (clock.local + 500) * 1000;
    clock.local += 1;
    return answer(ts, clock, 30); // 30 ms of parsing must not count
  };
  const s = await sampleClock(fetchTime, () => clock.local);
  assert.deepEqual(offsetOf(s), { offsetMs: 500, rttMs: 2 });
  await assert.rejects(sampleClock(async () => ({ ok: false, status: 503 }), () => 0), /HTTP 503/);
  await assert.rejects(sampleClock(async () => answer(undefined, clock), () => 0), /no ts/);
});

test('sampleClock narrows the round trip to what the network stack saw, never widens it', async () => {
  const clock = { local: 1000 };
  const fetchTime = async () => {
    clock.local += 3; // 3 ms before the request left (the page was busy)
    const ts = (clock.local + 0.2 + 500) * 1000; // the server read its clock 0.2 ms later
    clock.local += 5; // and 4.6 ms passed before the page noticed the answer
    return answer(ts, clock);
  };
  const wire = () => wireTimes({ requestStart: 1003 - 900, responseStart: 1003.4 - 900 }, 900);
  const s = await sampleClock(fetchTime, () => clock.local, wire);
  assert.ok(Math.abs(offsetOf(s).offsetMs - 500) < 1e-9, `offset ${offsetOf(s).offsetMs}`);
  assert.ok(Math.abs(offsetOf(s).rttMs - 0.4) < 1e-9);
  // Times outside the page's own are not believed.
  const outside = () => ({ t0: 990, t1: 1100 });
  clock.local = 1000;
  assert.equal(offsetOf(await sampleClock(fetchTime, () => clock.local, outside)).rttMs, 8);
  assert.equal(wireTimes({ requestStart: 0, responseStart: 5 }, 0), null, 'no timing: a cross-origin or cached answer');
  assert.equal(wireTimes(undefined, 0), null);
});

test('estimateOffset samples sequentially with the injected fetch and clock', async () => {
  // The local clock is 500 ms behind the server; round trips vary.
  const clock = { local: 10_000 };
  const rtts = [40, 8, 30, 2, 50];
  let i = 0;
  const fetchTime = async () => {
    const rtt = rtts[i++];
    clock.local += rtt / 2;
    const serverMs = clock.local + 500;
    clock.local += rtt / 2;
    return answer(serverMs * 1000, clock);
  };
  const got = await estimateOffset(fetchTime, () => clock.local, 5);
  assert.equal(i, 5);
  assert.equal(got.samples.length, 5);
  assert.equal(got.rttMs, 2);
  assert.equal(got.offsetMs, 500);
});

test('estimateOffset skips failed samples and throws when all fail', async () => {
  let calls = 0;
  const clock = { local: 0 };
  const flaky = async () => {
    calls++;
    if (calls % 2) throw new Error('boom');
    return answer(1_000_000, clock);
  };
  const got = await estimateOffset(flaky, () => 0, 4);
  assert.equal(got.samples.length, 2);
  assert.equal(got.offsetMs, 1000);

  await assert.rejects(estimateOffset(async () => { throw new Error('down'); }, () => 0, 3), /down/);
});

test('errorBound is half the round trip, growing with the drift since', () => {
  assert.equal(errorBound({ rttMs: 2, at: 0 }, 0), 1);
  assert.equal(errorBound({ rttMs: 2, at: 0 }, 100_000), 1 + DRIFT * 100_000);
  assert.ok(Number.isNaN(errorBound(null, 0)));
});

test('chooseEstimate: a loose estimate taken across a server restart never replaces a tight one', () => {
  // A tight estimate from page load; six minutes later a round whose samples
  // straddled a restart: the request waited for the new server, so the
  // server read its clock late, +30 ms, inside its own ±35 ms.
  const tight = { offsetMs: 0, rttMs: 1, at: 0 };
  const acrossRestart = { offsetMs: 30, rttMs: 70, at: 360_000 };
  assert.deepEqual(chooseEstimate(tight, acrossRestart, 360_000), { estimate: tight, why: 'kept' });
  // The next round, 30 s later, is tight again and agrees.
  const next = { offsetMs: 0.2, rttMs: 0.8, at: 390_000 };
  assert.equal(chooseEstimate(tight, next, 390_000).why, 'tighter');
});

test('chooseEstimate: the first estimate is taken; a tighter one replaces; a disagreeing one replaces', () => {
  const a = { offsetMs: 1, rttMs: 4, at: 0 };
  assert.deepEqual(chooseEstimate(null, a, 0), { estimate: a, why: 'first' });
  assert.equal(chooseEstimate(a, { offsetMs: 2, rttMs: 2, at: 10 }, 10).why, 'tighter');
  assert.equal(chooseEstimate(a, { offsetMs: 2.5, rttMs: 6, at: 10 }, 10).why, 'kept');
  // The laptop slept and its clock was stepped by 2 s: a looser estimate
  // that disagrees beyond both bounds is the true one now.
  const stepped = { offsetMs: 2001, rttMs: 20, at: 600_000 };
  assert.deepEqual(chooseEstimate(a, stepped, 600_000), { estimate: stepped, why: 'disagrees' });
  // An old estimate's bound has grown by its age: a looser new one may win on bound alone.
  const old = { offsetMs: 0, rttMs: 0.4, at: 0 };
  assert.equal(chooseEstimate(old, { offsetMs: 0.1, rttMs: 6, at: 3_600_000 }, 3_600_000).why, 'tighter');
});

test('latencyText marks a latency inside the clock bound and never shows a negative one', () => {
  assert.deepEqual(latencyText(12.34, 0.8), { text: '12.3', within: false, impossible: false });
  assert.deepEqual(latencyText(0.6, 0.8), { text: '≤ 1.4', within: true, impossible: false });
  assert.deepEqual(latencyText(-0.04, 3.3), { text: '≤ 3.3', within: true, impossible: false }, 'not "-0.0"');
  assert.deepEqual(latencyText(-5, 0.8), { text: '—', within: false, impossible: true });
  assert.deepEqual(latencyText(NaN, 0.8), { text: '—', within: false, impossible: false });
  assert.equal(latencyText(0.5, NaN).text, '0.5');
});
