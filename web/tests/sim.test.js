import test from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, LIMITS, presetOf, checkNet, parseNet, formatNet, badge, stallLeft, sameNet } from '../js/sim.js';
import { parseState, formatState } from '../js/url.js';

test('every preset is within the server\'s rule and named once', () => {
  const ids = new Set();
  for (const p of PRESETS) {
    assert.deepEqual(checkNet(p.delayMs, p.jitterMs), { net: { delayMs: p.delayMs, jitterMs: p.jitterMs } }, p.id);
    assert.ok(!ids.has(p.id), `${p.id} twice`);
    ids.add(p.id);
    assert.equal(presetOf(p), p.id);
  }
  assert.deepEqual(PRESETS.map((p) => [p.delayMs, p.jitterMs]), [[0, 0], [20, 5], [150, 50], [600, 0]]);
});

test('presetOf: anything else is custom', () => {
  assert.equal(presetOf({ delayMs: 150, jitterMs: 50 }), 'mobile');
  assert.equal(presetOf({ delayMs: 150, jitterMs: 0 }), 'custom');
  assert.equal(presetOf({ delayMs: 200, jitterMs: 0 }), 'custom');
  assert.equal(presetOf(null), 'custom');
});

test('checkNet: whole ms, 0 ≤ jitter ≤ delay ≤ the limit', async (t) => {
  const ok = [
    ['0', '0', 0, 0],
    ['', '', 0, 0],
    ['200', '', 200, 0],
    [' 150 ', '50', 150, 50],
    ['1000', '1000', 1000, 1000],
    [600, 0, 600, 0],
  ];
  for (const [d, j, delayMs, jitterMs] of ok) {
    await t.test(`ok ${JSON.stringify([d, j])}`, () => {
      assert.deepEqual(checkNet(d, j), { net: { delayMs, jitterMs } });
    });
  }
  const bad = [
    ['1001', '0', 'sim.error.delay'],
    ['-5', '0', 'sim.error.delay'],
    ['1.5', '0', 'sim.error.delay'],
    ['1e3', '0', 'sim.error.delay'],
    ['fast', '0', 'sim.error.delay'],
    [1.5, 0, 'sim.error.delay'],
    [undefined, 0, 'sim.error.delay'],
    ['100', '101', 'sim.error.jitter'],
    ['0', '5', 'sim.error.jitter'],
    ['100', '-1', 'sim.error.jitter'],
    ['100', 'x', 'sim.error.jitter'],
  ];
  for (const [d, j, key] of bad) {
    await t.test(`bad ${JSON.stringify([d, j])}`, () => {
      assert.equal(checkNet(d, j).error?.key, key);
      assert.equal(checkNet(d, j).net, undefined);
    });
  }
  assert.deepEqual(checkNet('1001', '0').error.params, { max: LIMITS.delayMs });
  assert.deepEqual(checkNet('100', '101').error.params, { delay: 100 });
  assert.equal(checkNet('500', '0', { delayMs: 400 }).error?.key, 'sim.error.delay', 'the server\'s own limit wins');
});

test('parseNet reads net= as the server would accept it, else null', () => {
  assert.deepEqual(parseNet('150,50'), { delayMs: 150, jitterMs: 50 });
  assert.deepEqual(parseNet('200'), { delayMs: 200, jitterMs: 0 });
  assert.deepEqual(parseNet('0,0'), { delayMs: 0, jitterMs: 0 });
  for (const raw of [null, undefined, '', ',', '150,', ',50', '150,50,1', '50,150', '1001,0', '-1', '1.5', 'abc', '1e3']) {
    assert.equal(parseNet(raw), null, JSON.stringify(raw));
  }
});

test('formatNet leaves out a network that adds nothing', () => {
  assert.equal(formatNet({ delayMs: 150, jitterMs: 50 }), '150,50');
  assert.equal(formatNet({ delayMs: 600, jitterMs: 0 }), '600,0');
  assert.equal(formatNet({ delayMs: 0, jitterMs: 0 }), null);
  assert.equal(formatNet(undefined), null);
});

test('the URL keeps the network, and a link re-applies it', () => {
  assert.deepEqual(parseState('?net=150,50').net, { delayMs: 150, jitterMs: 50 });
  assert.equal('net' in parseState('?net=50,150'), false);
  assert.equal('net' in parseState(''), false);
  assert.equal(formatState({ transports: ['sse'], interval: 500, net: { delayMs: 200, jitterMs: 0 } }),
    '?transports=sse&interval=500&net=200,0');
  assert.equal(formatState({ transports: ['sse'], interval: 500, lang: 'ko', net: { delayMs: 0, jitterMs: 0 } }),
    '?transports=sse&interval=500&lang=ko');
  for (const p of PRESETS.filter((p) => p.delayMs > 0)) {
    const state = { transports: ['poll', 'ws'], interval: 2000, lang: 'ko', net: { delayMs: p.delayMs, jitterMs: p.jitterMs } };
    assert.deepEqual(parseState(formatState(state)), state);
  }
});

test('badge says what the server adds', () => {
  assert.deepEqual(badge(null), { key: 'sim.badge.unknown' });
  assert.deepEqual(badge({ delayMs: 0, jitterMs: 0 }), { key: 'sim.badge.none' });
  assert.deepEqual(badge({ delayMs: 600, jitterMs: 0 }), { key: 'sim.badge.delay', params: { delay: 600, jitter: 0 } });
  assert.deepEqual(badge({ delayMs: 150, jitterMs: 50 }), { key: 'sim.badge.delayJitter', params: { delay: 150, jitter: 50 } });
});

test('stallLeft counts down to 0 from when the answer came', () => {
  const sim = { delayMs: 0, jitterMs: 0, stallEndsAt: 10_000 };
  assert.equal(stallLeft(sim, 5_800), 4_200);
  assert.equal(stallLeft(sim, 10_000), 0);
  assert.equal(stallLeft(sim, 12_000), 0);
  assert.equal(stallLeft({ delayMs: 0, jitterMs: 0 }, 1), 0);
  assert.equal(stallLeft(null, 1), 0);
});

test('sameNet', () => {
  assert.ok(sameNet({ delayMs: 1, jitterMs: 0 }, { delayMs: 1, jitterMs: 0, stalledMs: 5 }));
  assert.ok(sameNet(undefined, { delayMs: 0, jitterMs: 0 }));
  assert.ok(!sameNet({ delayMs: 1, jitterMs: 1 }, { delayMs: 1, jitterMs: 0 }));
});
