import test from 'node:test';
import assert from 'node:assert/strict';
import { askIdentity, identityOf, loadIdentity } from '../js/page-key.js';
import { createPage } from '../js/page-state.js';
import { fakeTime, flush } from './fakes.js';

const KEY = 'px-DHsPIBaVNU-A-RgRmS45gUp0TfVef';

test('identityOf takes a key of the client alphabet and a name with a space', () => {
  assert.deepEqual(identityOf({ key: KEY, name: 'quiet otter 17' }), { key: KEY, name: 'quiet otter 17' });
  for (const bad of [
    null,
    {},
    { key: KEY },
    { name: 'quiet otter 17' },
    { key: 'a b', name: 'quiet otter 17' }, // a name where the key goes
    { key: '', name: 'quiet otter 17' },
    { key: 'x'.repeat(65), name: 'quiet otter 17' },
    { key: KEY, name: KEY }, // a key where the name goes: it would be shown
    { key: KEY, name: ' quiet otter 17' },
    { key: 7, name: 'quiet otter 17' },
  ]) {
    assert.equal(identityOf(bad), null, JSON.stringify(bad));
  }
});

test('askIdentity asks again, backing off, until the server gives a key and a name', async () => {
  const time = fakeTime(0);
  const answers = [
    () => Promise.reject(new TypeError('Failed to fetch')),
    () => Promise.resolve({ key: 'no key here' }),
    () => Promise.resolve({ key: KEY, name: 'quiet otter 17' }),
  ];
  const asked = [];
  const retries = [];
  let result = null;
  askIdentity({
    post: () => {
      asked.push(time.now());
      return answers.shift()();
    },
    random: () => 0, // the shortest wait of each step: minMs
    backoff: { minMs: 500, maxMs: 10_000 },
    setTimeout: time.setTimeout,
    onRetry: (attempt, err) => retries.push([attempt, err.message]),
  }).then((id) => (result = id));
  await flush();
  assert.deepEqual(asked, [0]);
  assert.equal(result, null);
  await time.advance(500);
  assert.deepEqual(asked, [0, 500]);
  await time.advance(500);
  assert.deepEqual(asked, [0, 500, 1000]);
  assert.deepEqual(result, { key: KEY, name: 'quiet otter 17' });
  assert.deepEqual(retries.map(([a]) => a), [0, 1]);
  assert.match(retries[0][1], /Failed to fetch/);
  assert.equal(time.pending(), 0);
});

test('a page names itself by its key in requests only once identify() got one', async () => {
  const page = createPage({ search: '', languages: ['en'] });
  assert.equal(page.clientId, null);
  assert.equal(page.name, null);
  const urls = [];
  const fetch = async (url, init) => {
    urls.push(`${init.method} ${url}`);
    const body = url.startsWith('/api/pages') ? { key: KEY, name: 'quiet otter 17' } : {};
    return { ok: true, status: url.startsWith('/api/pages') ? 201 : 200, json: async () => body };
  };
  const real = globalThis.fetch;
  globalThis.fetch = fetch;
  try {
    await page.identify();
    await page.api.get('/api/sim');
  } finally {
    globalThis.fetch = real;
  }
  assert.equal(page.clientId, KEY);
  assert.equal(page.name, 'quiet otter 17');
  assert.deepEqual(urls, ['POST /api/pages', `GET /api/sim?client=${KEY}`]);
});

test('noteName takes the name of a new run, and nothing that is not a name', async () => {
  const page = createPage({ search: '', languages: ['en'] });
  assert.equal(page.noteName('quiet otter 17'), false, 'no key yet: nothing to name');
  page.clientId = KEY;
  page.name = 'quiet otter 17';
  assert.equal(page.noteName('quiet otter 17'), false);
  assert.equal(page.noteName(undefined), false);
  assert.equal(page.noteName(KEY), false, 'a key is no name');
  assert.equal(page.name, 'quiet otter 17');
  assert.equal(page.noteName('brave lynx 3'), true);
  assert.equal(page.name, 'brave lynx 3');
});

test('renewKey: a key refused as bad_key is renewed once, and the page goes on with the new one', async () => {
  const page = createPage({ search: '', languages: ['en'] });
  const NEW = 'nw-DHsPIBaVNU-A-RgRmS45gUp0TfVef';
  const urls = [];
  let run = 1; // the server's run: keys of run 1 are refused once it restarts
  const fetch = async (url, init) => {
    urls.push(`${init.method} ${url}`);
    if (url.startsWith('/api/pages')) {
      const body = run === 1 ? { key: KEY, name: 'quiet otter 17' } : { key: NEW, name: 'brave lynx 3' };
      return { ok: true, status: 201, json: async () => body };
    }
    const key = new URL(url, 'http://x').searchParams.get('client');
    const good = key === (run === 1 ? KEY : NEW);
    const body = good ? { name: page.name } : { error: 'client is not a key of this server', code: 'bad_key' };
    return { ok: good, status: good ? 200 : 400, json: async () => body };
  };
  const real = globalThis.fetch;
  globalThis.fetch = fetch;
  let renewed = 0;
  page.onRenewed(() => renewed++);
  try {
    await page.identify();
    run = 2; // the server restarts
    const answers = await Promise.all([page.api.get('/api/stats'), page.api.get('/api/sim')]);
    assert.equal(answers.length, 2);
  } finally {
    globalThis.fetch = real;
  }
  assert.equal(page.clientId, NEW);
  assert.equal(page.name, 'brave lynx 3');
  assert.equal(renewed, 1, 'two refusals, one new key');
  assert.equal(urls.filter((u) => u.startsWith('POST /api/pages')).length, 2);
  assert.ok(urls.includes('POST /api/pages'), 'the page asks for its key without the old one');
  assert.deepEqual(urls.slice(-2).sort(), [`GET /api/sim?client=${NEW}`, `GET /api/stats?client=${NEW}`]);
});

// memoryStorage is a Storage of one tab, for tests.
function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
}

test('a reload of the tab keeps its key and name (sessionStorage); bad_key still renews it', async () => {
  const session = memoryStorage();
  const NEW = 'nw-DHsPIBaVNU-A-RgRmS45gUp0TfVef';
  const urls = [];
  let run = 1;
  const real = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    urls.push(`${init.method} ${url}`);
    if (url.startsWith('/api/pages')) {
      const body = run === 1 ? { key: KEY, name: 'quiet otter 17' } : { key: NEW, name: 'brave lynx 3' };
      return { ok: true, status: 201, json: async () => body };
    }
    const key = new URL(url, 'http://x').searchParams.get('client');
    if (key === (run === 1 ? KEY : NEW)) return { ok: true, status: 200, json: async () => ({}) };
    return { ok: false, status: 400, json: async () => ({ error: 'not a key', code: 'bad_key' }) };
  };
  try {
    await createPage({ search: '', languages: ['en'], session }).identify();
    const reloaded = createPage({ search: '', languages: ['en'], session });
    await reloaded.identify();
    assert.equal(reloaded.clientId, KEY, 'the reload is the same page');
    assert.equal(reloaded.name, 'quiet otter 17');
    assert.deepEqual(urls, ['POST /api/pages'], 'one key asked for, by the first load alone');

    const otherTab = createPage({ search: '', languages: ['en'], session: memoryStorage() });
    run = 2; // the server restarted: the kept key is of its run before
    await otherTab.identify();
    assert.equal(otherTab.clientId, NEW, 'a new tab asks for its own key');

    const again = createPage({ search: '', languages: ['en'], session });
    await again.identify();
    assert.equal(again.clientId, KEY, 'the tab kept the old key');
    await again.api.get('/api/sim');
    assert.equal(again.clientId, NEW, 'refused as bad_key, it is renewed');
    assert.equal(loadIdentity(session)?.key, NEW, 'and the tab keeps the new one');
    assert.equal(loadIdentity(session)?.name, 'brave lynx 3');
  } finally {
    globalThis.fetch = real;
  }
  assert.equal(loadIdentity(memoryStorage()), null);
  assert.equal(loadIdentity({ getItem: () => '{"key":"a b","name":"x y"}' }), null, 'a stored key is checked as an answer is');
  assert.equal(loadIdentity({ getItem: () => { throw new Error('denied'); } }), null);
});
