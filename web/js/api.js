// api.js — the page's one way to ask the server: every /api/ request names
// this page (?client=), is never cached, sends and reads JSON, and a refusal
// becomes an error that says what the server said:
//   "rate must be at most 50 (HTTP 400)", or "HTTP 502" when it said nothing;
// and, when the answer has a code the page has words for, or none at all,
// or no answer came, the key of the page's words (i18n.js), so that the
// page says it in its own language.
//
// Pure apart from fetch, which can be injected for tests.

import { serverErrorKey } from './i18n.js';
import { noAnswer, statusKey, withQuery } from './transports/shared.js';

/**
 * HTTPError is an answer that is not 2xx: its status, JSON body (or {}) and
 * code ("too_many_messages", or null). It is a refusal (refused: true): the
 * server answered, and said no. key (and params) name the page's words for
 * the code (i18n.js), or for the bare status when the server gave no reason;
 * they are absent for a code the page does not know: the server's reason stands.
 */
export class HTTPError extends Error {
  constructor(status, data) {
    super(data?.error ? `${data.error} (HTTP ${status})` : `HTTP ${status}`);
    this.name = 'HTTPError';
    this.status = status;
    this.data = data;
    this.code = typeof data?.code === 'string' ? data.code : null;
    this.refused = true;
    const key = serverErrorKey(this.code);
    const bare = statusKey(status, data?.error);
    if (key !== null) this.key = key;
    else if (bare !== null) Object.assign(this, bare);
  }
}

/**
 * createApi returns {get(path, query), post(path, body), call(method, path, {query, body})};
 * clientId is the page's key, or a function that returns it at each request
 * (the page makes its api before the server gave it a key: page-state.js);
 * a query's own client (null: none) takes its place. Each resolves to the
 * answer's JSON ({} when it has none) or rejects with an HTTPError, or with
 * fetch's own error when there was no answer at all (with key
 * error.network: shared.js noAnswer).
 *
 * onBadKey(key), when given, hears of a key the server refused as bad_key
 * (one of an earlier run: the server restarted). The request is made once
 * more when the promise it returns settles, with the key clientId gives
 * then: the page has a new one (page-state.js renewKey).
 *
 * onRefused(err) hears every other HTTPError first, wherever it was asked:
 * a refusal that concerns the whole page (403 disconnected) is the page's
 * to act on, not one request's.
 */
export function createApi({ clientId, onBadKey, onRefused = () => {}, fetch: fetchFn = (...a) => globalThis.fetch(...a) }) {
  const keyOf = typeof clientId === 'function' ? clientId : () => clientId;
  async function call(method, path, { query = {}, body } = {}, again = true) {
    const key = keyOf();
    const res = await fetchFn(withQuery(path, { client: key, ...query }), {
      method,
      cache: 'no-store',
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((err) => {
      throw noAnswer(err);
    });
    let data = {};
    try {
      data = await res.json();
    } catch {
      // Not JSON: the status says enough.
    }
    if (!res.ok) {
      const err = new HTTPError(res.status, data);
      if (err.code === 'bad_key' && onBadKey && again) {
        await onBadKey(key);
        return call(method, path, { query, body }, false);
      }
      onRefused(err);
      throw err;
    }
    return data ?? {};
  }
  return {
    get: (path, query) => call('GET', path, { query }),
    post: (path, body) => call('POST', path, { body }),
    call: (method, path, opts) => call(method, path, opts),
  };
}
