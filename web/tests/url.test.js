import test from 'node:test';
import assert from 'node:assert/strict';
import { parseState, formatState, DEFAULT_STATE } from '../js/url.js';

test('parseState', async (t) => {
  const all = ['poll', 'sse', 'ws'];
  const cases = [
    ['', all, 1000],
    ['?transports=poll,sse,ws&interval=1000', all, 1000],
    ['?transports=ws,poll', ['poll', 'ws'], 1000],
    ['?transports=sse,sse', ['sse'], 1000],
    ['?transports=SSE', ['sse'], 1000],
    ['?transports=', [], 1000],
    ['?transports=poll,carrier-pigeon', all, 1000],
    ['?interval=250', all, 250],
    ['?interval=5000', all, 5000],
    ['?interval=2000&transports=poll', ['poll'], 2000],
    ['?interval=249', all, 1000],
    ['?interval=5001', all, 1000],
    ['?interval=1e3', all, 1000],
    ['?interval=-500', all, 1000],
    ['?interval=fast', all, 1000],
    ['?interval=', all, 1000],
    ['?interval=750', all, 750],
    ['?transports=poll,longpoll,sse,ws', ['poll', 'longpoll', 'sse', 'ws'], 1000],
    ['?transports=ws,longpoll', ['longpoll', 'ws'], 1000],
  ];
  for (const [search, transports, interval] of cases) {
    await t.test(search || '(empty)', () => {
      assert.deepEqual(parseState(search), { transports, interval });
    });
  }
});

test('formatState writes both keys in display order', () => {
  assert.equal(formatState({ transports: ['ws', 'poll'], interval: 500 }), '?transports=poll,ws&interval=500');
  assert.equal(formatState({ transports: [], interval: 1000 }), '?transports=&interval=1000');
});

test('formatState and parseState round-trip', () => {
  for (const transports of [[], ['poll'], ['sse', 'ws'], ['poll', 'sse', 'ws'], ['poll', 'longpoll', 'sse', 'ws']]) {
    for (const interval of [250, 500, 1000, 2000, 5000]) {
      const state = { transports, interval };
      assert.deepEqual(parseState(formatState(state)), state);
    }
  }
});

test('DEFAULT_STATE cannot be changed by a caller', () => {
  const s = parseState('');
  s.transports.push('extra');
  assert.deepEqual([...DEFAULT_STATE.transports], ['poll', 'sse', 'ws']);
});

test('lang: in the state only when the URL names a known one, and round-trips', () => {
  assert.equal(parseState('?lang=ko').lang, 'ko');
  assert.equal(parseState('?lang=EN').lang, 'en');
  assert.equal('lang' in parseState('?lang=fr'), false);
  assert.equal('lang' in parseState(''), false);
  assert.equal(formatState({ transports: ['sse'], interval: 500, lang: 'ko' }), '?transports=sse&interval=500&lang=ko');
  assert.equal(formatState({ transports: ['sse'], interval: 500, lang: 'xx' }), '?transports=sse&interval=500');
  for (const lang of ['en', 'ko']) {
    const state = { transports: ['poll', 'ws'], interval: 2000, lang };
    assert.deepEqual(parseState(formatState(state)), state);
  }
});
