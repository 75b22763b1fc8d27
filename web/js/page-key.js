// page-key.js — how a page learns who it is: it asks the server for a key
// and a public name (POST /api/pages → 201 {"key","name"}), before anything
// else, since every request of the page names it by that key (?client=).
//
// The key is the page's secret: whoever holds it sets the page's network,
// stalls it or drops its connections. So it goes only into this page's own
// requests, never on screen nor into a file name. The name is what every
// other page sees of this one (the feed's `from`): the page shows it, and
// knows its own messages by it.
//
// The key and name last for the tab's life (sessionStorage, loadIdentity).
// Pure apart from the request and the storage, which are injected (page-state.js gives both).

import { backoffDelay } from './transports/shared.js';

/** KEY is the server's pattern for ?client=: a key that does not match is no key. */
const KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * identityOf returns {key, name} from the server's answer, or null when it
 * is not one: a key of the ?client= alphabet, and a name with a space (a
 * name never passes for a key, nor a key for a name).
 */
export function identityOf(data) {
  const { key, name } = data ?? {};
  if (typeof key !== 'string' || !KEY.test(key)) return null;
  if (typeof name !== 'string' || !name.includes(' ') || name.trim() !== name) return null;
  return { key, name };
}

/**
 * IDENTITY_KEY is where a tab keeps its key and name (sessionStorage): a
 * reload of the tab is the same page to the server, so that a reload does
 * not escape what the instructor did to it (mute, disconnect). A new tab
 * starts without one, and asks for its own.
 */
const IDENTITY_KEY = 'transportlab-page';

/** loadIdentity returns the {key, name} storage keeps for this tab, or null. */
export function loadIdentity(storage) {
  try {
    return identityOf(JSON.parse(storage?.getItem(IDENTITY_KEY) ?? 'null'));
  } catch {
    return null; // storage refused (a private window), or not JSON
  }
}

/** saveIdentity keeps {key, name} for this tab; a browser that refuses storage forgets it. */
export function saveIdentity(storage, id) {
  try {
    storage?.setItem(IDENTITY_KEY, JSON.stringify({ key: id.key, name: id.name }));
  } catch {
    // The next load asks for a new key; nothing else depends on it.
  }
}

/**
 * askIdentity resolves to {key, name}, asking post() (POST /api/pages) until
 * the server gives one: a page cannot start without it, so it asks again
 * after each failure, backing off with jitter (shared.js backoffDelay) so
 * that a classroom of pages opened while the server was down does not come
 * back all at once. onRetry(attempt, error) is told of each failure.
 */
export async function askIdentity({
  post,
  backoff = { minMs: 500, maxMs: 10_000 },
  random = Math.random,
  setTimeout: setTimer = (...a) => globalThis.setTimeout(...a),
  onRetry = () => {},
}) {
  for (let attempt = 0; ; attempt++) {
    let error;
    try {
      const id = identityOf(await post());
      if (id !== null) return id;
      error = new Error('the server answered POST /api/pages without a key and a name');
    } catch (err) {
      error = err;
    }
    onRetry(attempt, error);
    await new Promise((resolve) => setTimer(resolve, backoffDelay(attempt, { ...backoff, random })));
  }
}
