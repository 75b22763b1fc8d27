// page-state.js — the page's state, in one place: who it is (its key and
// public name, page-key.js), what its URL asks for (transports, interval,
// language, network), what it knows of the server (its run, rate, head and
// counts) and of the clock offset. Other modules read it; the few that change it say so.

import { parseState, formatState } from './url.js';
import { pickLang, t as translate } from './i18n.js';
import { createApi } from './api.js';
import { askIdentity, identityOf, loadIdentity, saveIdentity } from './page-key.js';
import { StatsHistory } from './costs.js';

/** WINDOW_MS is the page's minute: latencies, requests and charts cover it. */
export const WINDOW_MS = 60_000;

/** nowMs is the page's clock, in Unix ms, monotonic within the page. */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * createPage returns the page's state from its URL and the browser's
 * languages:
 *   clientId                 this page's key, its ?client= (null until identify())
 *   name                     its public name, what other pages see (null until identify())
 *   identify(opts)           the key and name this tab kept (sessionStorage: a
 *                            reload is the same page), else asks the server for
 *                            both, until it gives them (page-key.js)
 *   renewKey(refused)        a new key and name, when the server refused the key
 *                            refused as bad_key (it restarted); onRenewed(fn) hears of it
 *   noteName(name)           takes the name /api/stats gives: true when it is new
 *   api                      the page's requests, each naming it by its key (api.js)
 *   state                    what the URL keeps (url.js), with state.lang
 *   clock                    {offsetMs, rttMs, at}: server − page, the
 *                            estimate in use (clock.js; server-reader.js keeps it)
 *   server                   {epoch, rate, head, stats, statsAt, statsError, pageCounts}
 *   statsHistory             the server's counts for this page, once a second
 *   T(key, params)           a word in the page's language (i18n.js)
 *   saveState()              writes state back into the URL
 *   setEpoch(epoch)          notes the server run; onNewEpoch(fn) hears of a new one
 *   disconnected             true once the server said the instructor
 *                            disconnected the page (403 disconnected): its key
 *                            is refused for the rest of the server's run, and
 *                            the page asks the server nothing more
 *   disconnect()             notes it, from any request that was told so;
 *                            onDisconnect(fn) hears of it, once
 */
export function createPage({ search = location.search, languages = navigator.languages, session = globalThis.sessionStorage } = {}) {
  const state = parseState(search);
  state.lang = pickLang(search, languages);
  // stats is the last answer of /api/stats, read at statsAt; pageCounts the
  // page's own counts as of the server's read (lanes.js pageCounts).
  const server = { epoch: null, rate: null, head: null, stats: null, statsAt: null, statsError: null, pageCounts: null };
  const newEpoch = [];
  const renewed = [];
  let renewing = null; // the one request for a new key under way, if any
  const gone = [];
  const page = {
    // The key is secret to this page: it goes into its own requests only,
    // never on screen, in a file name or to another page. The name is
    // what the feed calls the page, for everyone.
    clientId: null,
    name: null,
    // A reload of the tab keeps its key, so that it stays the page the
    // instructor muted or disconnected; renew asks for a new one all the
    // same (the kept key was refused as bad_key: the server restarted).
    async identify({ renew = false, ...opts } = {}) {
      // Asking for a key names no page: the old key, if any, is no longer one.
      const post = () => page.api.call('POST', '/api/pages', { query: { client: null } });
      const { key, name } = (!renew && loadIdentity(session)) || (await askIdentity({ post, ...opts }));
      page.clientId = key;
      page.name = name;
      saveIdentity(session, { key, name });
    },
    // A server that restarted has a new secret: the page's key is of the
    // run before, refused as bad_key wherever it goes. The page asks for a
    // key of this run, once however many requests were refused, and goes
    // on with it: every request from then on carries the new key (the
    // lanes' next connection too), and the page has a new name.
    renewKey(refused) {
      if (refused !== page.clientId) return renewing ?? Promise.resolve(); // renewed since that request left
      renewing ??= page
        .identify({ renew: true })
        .then(() => {
          for (const fn of renewed) fn();
        })
        .finally(() => (renewing = null));
      return renewing;
    },
    onRenewed(fn) {
      renewed.push(fn);
    },
    // A restarted server names every page anew (its secret is new): the
    // page learns its name of this run from /api/stats, which answers it.
    noteName(name) {
      if (page.clientId === null || identityOf({ key: page.clientId, name }) === null || name === page.name) return false;
      page.name = name;
      saveIdentity(session, { key: page.clientId, name });
      return true;
    },
    // The api asks for the key at each request: it exists before the key
    // does, and outlives it when the server restarts.
    api: createApi({
      clientId: () => page.clientId,
      onBadKey: (key) => page.renewKey(key),
      onRefused: (err) => {
        if (err.code === 'disconnected') page.disconnect();
      },
    }),
    disconnected: false,
    disconnect() {
      if (page.disconnected) return;
      page.disconnected = true;
      for (const fn of gone) fn();
    },
    onDisconnect(fn) {
      gone.push(fn);
    },
    state,
    clock: { offsetMs: null, rttMs: null, at: null },
    server,
    statsHistory: new StatsHistory(WINDOW_MS),
    // Every word the page shows comes from i18n.js, in the page's language
    // (state.lang). A transport's panel title is T('title.' + t).
    T: (key, params) => translate(state.lang, key, params),
    saveState() {
      history.replaceState(history.state, '', formatState(state) + location.hash);
    },
    setEpoch(epoch) {
      if (server.epoch !== null && epoch !== server.epoch) for (const fn of newEpoch) fn(epoch);
      server.epoch = epoch;
    },
    onNewEpoch(fn) {
      newEpoch.push(fn);
    },
    /** noteHead raises the newest seq known to exist. */
    noteHead(head) {
      if (Number.isInteger(head)) server.head = Math.max(server.head ?? 0, head);
    },
  };
  return page;
}
