import test from 'node:test';
import assert from 'node:assert/strict';
import { createApi, HTTPError } from '../js/api.js';
import { t } from '../js/i18n.js';

function fakeFetch(status, body) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return {
      ok: status >= 200 && status < 300,
      status,
      json: async () => (body === undefined ? JSON.parse('not json') : body),
    };
  };
  return { fetch, calls };
}

test('api: GET names the page, is never cached, and returns the JSON', async () => {
  const { fetch, calls } = fakeFetch(200, { next: 3 });
  const api = createApi({ clientId: 'abc', fetch });
  assert.deepEqual(await api.get('/api/wire', { after: 2 }), { next: 3 });
  assert.equal(calls[0].url, '/api/wire?client=abc&after=2');
  assert.equal(calls[0].init.method, 'GET');
  assert.equal(calls[0].init.cache, 'no-store');
  assert.equal(calls[0].init.body, undefined);
});

test('api: a clientId function is asked at each request; none leaves client= out', async () => {
  const { fetch, calls } = fakeFetch(200, {});
  let key = null;
  const api = createApi({ clientId: () => key, fetch });
  await api.post('/api/pages');
  key = 'k3y';
  await api.get('/api/sim');
  assert.deepEqual(calls.map((c) => c.url), ['/api/pages', '/api/sim?client=k3y']);
});

test('api: a key refused as bad_key is renewed, and the request made once more with the new one', async () => {
  const calls = [];
  const answers = [
    [400, { error: 'client is not a key of this server', code: 'bad_key' }],
    [200, { ok: 1 }],
  ];
  const fetch = async (url) => {
    calls.push(url);
    const [status, body] = answers.shift() ?? [400, { error: 'again', code: 'bad_key' }];
    return { ok: status < 300, status, json: async () => body };
  };
  let key = 'old';
  const refused = [];
  const api = createApi({
    clientId: () => key,
    fetch,
    onBadKey: async (k) => {
      refused.push(k);
      key = 'new';
    },
  });
  assert.deepEqual(await api.get('/api/stats'), { ok: 1 });
  assert.deepEqual(calls, ['/api/stats?client=old', '/api/stats?client=new']);
  assert.deepEqual(refused, ['old']);

  // Refused again with the new key: said, not asked over and over.
  await assert.rejects(api.get('/api/stats'), (err) => err.code === 'bad_key');
  assert.equal(calls.length, 4);
  assert.deepEqual(refused, ['old', 'new']);

  // Without onBadKey, bad_key is an error like any other.
  const plain = createApi({ clientId: 'old', fetch: fakeFetch(400, { error: 'no', code: 'bad_key' }).fetch });
  await assert.rejects(plain.get('/api/stats'), (err) => err.code === 'bad_key' && err.key === 'serverError.bad_key');
});

test('api: a query\'s own client, null, leaves the page\'s key out', async () => {
  const { fetch, calls } = fakeFetch(201, {});
  const api = createApi({ clientId: 'abc', fetch });
  await api.call('POST', '/api/pages', { query: { client: null } });
  assert.equal(calls[0].url, '/api/pages');
});

test('api: POST sends JSON', async () => {
  const { fetch, calls } = fakeFetch(201, { seq: 7 });
  const api = createApi({ clientId: 'abc', fetch });
  assert.deepEqual(await api.post('/api/messages', { text: 'hi', via: 'sse' }), { seq: 7 });
  assert.equal(calls[0].url, '/api/messages?client=abc');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, '{"text":"hi","via":"sse"}');
});

test('api: a refusal says what the server said, with the status', async () => {
  const api = createApi({ clientId: 'abc', fetch: fakeFetch(400, { error: 'text too long' }).fetch });
  const err = await api.post('/api/messages', { text: 'x' }).catch((e) => e);
  assert.ok(err instanceof HTTPError);
  assert.equal(err.message, 'text too long (HTTP 400)');
  assert.equal(err.status, 400);
  assert.deepEqual(err.data, { error: 'text too long' });
});

test('api: a refusal without JSON is the status alone; a 2xx without JSON is {}', async () => {
  const refused = createApi({ clientId: 'abc', fetch: fakeFetch(502).fetch });
  await assert.rejects(refused.get('/api/stats'), { name: 'HTTPError', message: 'HTTP 502', status: 502, key: 'error.http' });
  const empty = createApi({ clientId: 'abc', fetch: fakeFetch(204).fetch });
  assert.deepEqual(await empty.call('DELETE', '/api/sim'), {});
});

test('api: no answer at all is fetch\'s own error, said in the page\'s language', async () => {
  const api = createApi({ clientId: 'abc', fetch: async () => { throw new TypeError('Failed to fetch'); } });
  const err = await api.get('/api/time').catch((e) => e);
  assert.equal(err.name, 'TypeError');
  assert.equal(err.message, 'Failed to fetch');
  assert.equal(err.key, 'error.network');
  assert.equal(t('ko', 'meta.statsError', { error: err }).includes('Failed'), false, 'no English on the Korean page');
});

test('api: a refusal with a code the page knows names its words; another keeps the server\'s', async () => {
  const known = createApi({ clientId: 'abc', fetch: fakeFetch(429, { error: 'too many messages', code: 'too_many_messages' }).fetch });
  const err = await known.post('/api/messages', { text: 'x' }).catch((e) => e);
  assert.equal(err.code, 'too_many_messages');
  assert.equal(err.key, 'serverError.too_many_messages');
  assert.equal(err.message, 'too many messages (HTTP 429)', 'the English reason stays for logs');

  const unknown = createApi({ clientId: 'abc', fetch: fakeFetch(418, { error: 'short and stout', code: 'teapot' }).fetch });
  const other = await unknown.get('/api/time').catch((e) => e);
  assert.equal(other.code, 'teapot');
  assert.equal(other.key, undefined, 'no words of its own: the server\'s reason is shown');

  const none = createApi({ clientId: 'abc', fetch: fakeFetch(400, { error: 'bad since' }).fetch });
  const bare = await none.get('/poll').catch((e) => e);
  assert.equal(bare.code, null);
  assert.equal(bare.key, undefined, 'the server\'s reason stands');

  const silent = createApi({ clientId: 'abc', fetch: fakeFetch(503, {}).fetch });
  const status = await silent.get('/api/stats').catch((e) => e);
  assert.equal(t('ko', status.key, status.params), '서버 응답: HTTP 503', 'a bare status, in the page\'s language');
});

test('api: onRefused hears every refusal before the caller does, and nothing else', async () => {
  const heard = [];
  const api = createApi({ clientId: 'abc', onRefused: (e) => heard.push(e.code), fetch: fakeFetch(403, { error: 'gone', code: 'disconnected' }).fetch });
  const err = await api.get('/api/stats').catch((e) => e);
  assert.equal(err.code, 'disconnected');
  assert.equal(t('en', err.key), 'the instructor disconnected this page');
  assert.deepEqual(heard, ['disconnected']);
  const fine = createApi({ clientId: 'abc', onRefused: (e) => heard.push(e.code), fetch: fakeFetch(200, {}).fetch });
  await fine.get('/api/stats');
  assert.deepEqual(heard, ['disconnected'], 'an answer that is not a refusal is not heard');
});
