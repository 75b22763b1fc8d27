// sse.js — Server-Sent Events: one long HTTP response the server keeps
// writing to.
//
//   GET /sse?client=ID                      a fresh stream
//   GET /sse?client=ID&since=N&epoch=E      a fresh start that resumes after N
//
// After a dropped connection the BROWSER reconnects on its own (after the
// server's `retry:` delay) to the same URL and sends the last `id:` it saw as
// the Last-Event-ID header; the server resumes from there. Only when the
// EventSource gives up for good (readyState CLOSED, e.g. a non-200 answer)
// does this module open a new one itself, after a jittered backoff.
//
// The URL always names the server run (`epoch=`) that the ids belong to, so
// that after a server restart the new server sees the old id is not its own
// and answers with a reset instead of resuming at the wrong place. Since an
// EventSource keeps its URL, a hello from another epoch than the URL's means
// every later reconnect would be refused the same way: the module then opens
// a new EventSource with the new epoch (one more request, counted).
//
// Counting rule: one request per SUCCESSFUL connection, counted on each
// `open` event (the first connection and every automatic reconnect that got
// through). EventSource does not tell the page about attempts that fail
// before a response, so those cannot be counted honestly here.
//
// Bytes: EventSource hides the framing (`id:`, `data:`, `retry:`, comments),
// so the page counts the UTF-8 length of each message's data only.
//
// For the wire inspector, onWire(entry) reports what the EventSource shows:
//   {kind:'open', url, lastEventId}   a connection got its 200 (lastEventId:
//                                     the Last-Event-ID header the browser
//                                     sent, '' for none)
//   {kind:'event', type, data, lastEventId}   each event, as the MessageEvent
//                                     has it; inspector.js rebuilds its lines

import { contract, createRetry, keyOf, utf8Length, withQuery } from './shared.js';

/**
 * createSSE returns an SSE transport that keeps the transport contract
 * (shared.js), with epoch() for the URL when resume() has none, and an
 * injectable EventSource.
 */
export function createSSE(opts) {
  opts = contract(opts);
  const { clientId, resume, epoch: knownEpoch, onHello, onEvent, onStatus, onRequest, onBytes, onReconnect, onWire, now } = opts;
  const ES = opts.EventSource ?? globalThis.EventSource;
  const retry = createRetry(opts);

  let es = null;
  let running = false;

  // connect opens an EventSource that resumes from `from` ({since, epoch}),
  // by default what the page last saw.
  function connect(from = resume()) {
    const epoch = from?.epoch ?? knownEpoch();
    const url = withQuery('/sse', { client: keyOf(clientId), since: from?.since, epoch });
    const source = new ES(url);
    es = source;
    // The EventSource's last event id: it sends it as Last-Event-ID when it
    // reconnects by itself; a new EventSource starts without one.
    let lastId = '';
    const wire = (type, e) => {
      lastId = e.lastEventId ?? '';
      onWire({ kind: 'event', type, data: e.data, lastEventId: lastId });
    };

    source.onopen = () => {
      onWire({ kind: 'open', url, lastEventId: lastId });
      onRequest();
      if (retry.up()) onReconnect();
      onStatus('open', { key: 'detail.sse.open' });
    };
    source.addEventListener('hello', (e) => {
      wire('hello', e);
      const hello = parse(e.data);
      if (!hello) return;
      onHello(hello);
      if (Number.isFinite(hello.retry)) {
        onStatus('open', { key: 'detail.sse.openRetry', params: { retry: hello.retry } });
      }
      if (epoch != null && hello.epoch !== epoch && source === es) {
        // The URL names a server run that is gone: start over with this
        // one, right after the head this hello announced, so that nothing
        // published in between is skipped. A URL that names no run asked
        // for the current one, and this hello is it.
        source.close();
        connect({ since: hello.head, epoch: hello.epoch });
      }
    });
    source.onmessage = (e) => {
      const receivedAt = now();
      wire('message', e);
      onBytes(utf8Length(e.data));
      const ev = parse(e.data);
      if (ev) onEvent(ev, receivedAt);
    };
    source.onerror = () => {
      if (source !== es) return;
      retry.lost();
      if (source.readyState === ES.CLOSED) {
        // The browser gave up (e.g. an HTTP error): start over ourselves.
        source.close();
        es = null;
        const delay = retry.delay();
        onStatus('reconnecting', { key: 'detail.sse.refused', params: { seconds: (delay / 1000).toFixed(1) } });
        retry.later(connect, delay);
      } else {
        onStatus('reconnecting', { key: 'detail.sse.reconnecting' });
      }
    };
  }

  return {
    name: 'sse',

    start() {
      if (running) return;
      running = true;
      retry.start();
      onStatus('connecting', '');
      connect();
    },

    stop() {
      if (!running) return;
      running = false;
      retry.stop();
      if (es) {
        es.onopen = es.onmessage = es.onerror = null;
        es.close();
        es = null;
      }
      onStatus('off', '');
    },
  };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
