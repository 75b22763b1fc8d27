// ws.js — WebSocket: one HTTP request upgraded into a connection that carries
// both directions.
//
//   GET /ws?client=ID  (+ &since=N&epoch=E when resuming)   Upgrade: websocket
//   <- {"kind":"hello",...}  then one text message per event
//   -> {"kind":"message","text":"...","id":3}   published with "via":"ws":
//   <- {"kind":"ack","id":3,"seq":S}              its echo is the event S;
//   <- {"kind":"error","id":3,"code":"...","error":"..."}   or refused
//   -> {"kind":"ping","id":7}  <- {"kind":"pong","id":7,"ts":...}
//
// One request per `new WebSocket` (the upgrade). Bytes are the UTF-8 length
// of each event received: the body, as every transport counts it. A ping
// goes out every 2 s while open, for the round-trip time. On an unexpected
// close the module reconnects after a full-jitter exponential backoff
// (0.5–10 s), resuming with since/epoch.
//
// For the wire inspector, onWire(entry) reports what the page sees of the
// connection: {kind:'open', url} after the upgrade (url: the request target),
// {kind:'frame', dir, data} for each message received ('down') or sent
// ('up'), and {kind:'close', code, reason, by:'server'|'page'}. The
// protocol's own pings and pongs are control frames that a browser never
// shows; only the server can report them.

import { contract, createRetry, keyOf, utf8Length, withQuery } from './shared.js';
import { Answers } from './answers.js';
import { serverErrorKey } from '../i18n.js';

/** PING_EVERY_MS is how often an open socket measures its round trip. */
export const PING_EVERY_MS = 2000;

/**
 * wsURL derives the WebSocket URL from the page's location: ws: for http:,
 * wss: for https:, same host.
 */
export function wsURL(loc, pathWithQuery) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${pathWithQuery}`;
}

/**
 * createWS returns a WebSocket transport that keeps the transport contract
 * (shared.js), with onRtt(ms) for each pong, onProbe(payloadBytes, 'up'|'down')
 * for each ping it sends and pong it receives (the page's measuring, not the
 * feed's cost: a frame of that payload each), and injectable WebSocket,
 * location, setInterval/clearInterval.
 * send(text) sends a chat message over the open socket and returns a
 * promise of what the server did with it (see answers.js): {seq} once
 * published, or an error — {refused: true, code} when the server refused it.
 */
export function createWS(opts) {
  opts = contract(opts);
  const { clientId, resume, onHello, onEvent, onStatus, onRequest, onBytes, onRtt, onProbe, onReconnect, onWire, now } = opts;
  const WS = opts.WebSocket ?? globalThis.WebSocket;
  const loc = opts.location ?? globalThis.location;
  const setTicker = opts.setInterval ?? ((...a) => globalThis.setInterval(...a));
  const clearTicker = opts.clearInterval ?? ((...a) => globalThis.clearInterval(...a));
  const retry = createRetry(opts); // up at each hello

  let ws = null;
  let running = false;
  let pingTimer = null;
  let pingId = 0;
  const pending = new Map(); // ping id -> sent at (ms)
  const answers = new Answers(); // the chat messages sent, until the server answers

  function connect() {
    const from = resume();
    const target = withQuery('/ws', { client: keyOf(clientId), since: from?.since, epoch: from?.epoch });
    const url = wsURL(loc, target);
    const socket = new WS(url);
    ws = socket;
    onRequest();

    socket.onopen = () => {
      onWire({ kind: 'open', url: target });
      onStatus('open', { key: 'detail.ws.open' });
      pending.clear();
      ping();
      pingTimer = setTicker(ping, PING_EVERY_MS);
    };
    socket.onmessage = (e) => {
      const receivedAt = now();
      if (typeof e.data !== 'string') return; // the contract only has text messages
      onWire({ kind: 'frame', dir: 'down', data: e.data });
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.kind === 'hello') {
        if (retry.up()) onReconnect();
        onHello(msg);
      } else if (msg.kind === 'ack' || msg.kind === 'error') {
        // published as seq, or refused (e.g. over the rate limit)
        answers.answer(msg, serverErrorKey(msg.code));
      } else if (msg.kind === 'pong') {
        onProbe(utf8Length(e.data), 'down');
        const sentAt = pending.get(msg.id);
        if (sentAt !== undefined) {
          pending.delete(msg.id);
          onRtt(receivedAt - sentAt);
        }
      } else {
        // The body is the events' JSON; hellos, pongs and answers are not events.
        if (Number.isInteger(msg.seq)) onBytes(utf8Length(e.data));
        onEvent(msg, receivedAt);
      }
    };
    socket.onclose = (e) => {
      if (socket !== ws) return;
      onWire({ kind: 'close', code: e.code, reason: e.reason ?? '', by: 'server' });
      clearTicker(pingTimer);
      pingTimer = null;
      ws = null;
      answers.fail(lost());
      retry.lost();
      const delay = retry.delay();
      const seconds = (delay / 1000).toFixed(1);
      onStatus('reconnecting', e.reason
        ? { key: 'detail.ws.closedReason', params: { code: e.code, reason: e.reason, seconds } }
        : { key: 'detail.ws.closed', params: { code: e.code, seconds } });
      retry.later(connect, delay);
    };
  }

  function ping() {
    if (!ws || ws.readyState !== WS.OPEN) return;
    const id = ++pingId;
    pending.set(id, now());
    if (pending.size > 10) pending.delete(pending.keys().next().value); // never answered
    const data = JSON.stringify({ kind: 'ping', id });
    sendText(data);
    onProbe(utf8Length(data), 'up');
  }

  // lost is why the messages still waiting get no answer: whether the
  // server took them is not known (a reconnect replays those it published).
  function lost() {
    return { key: 'error.wsLost', message: 'the connection closed before the server answered', unknown: true };
  }

  function sendText(data) {
    ws.send(data);
    onWire({ kind: 'frame', dir: 'up', data });
  }

  return {
    name: 'ws',

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
      clearTicker(pingTimer);
      pingTimer = null;
      const socket = ws;
      ws = null;
      if (socket) {
        socket.onmessage = socket.onclose = null;
        if (socket.readyState === WS.CONNECTING) {
          // Closing a socket that is still connecting makes browsers log a
          // warning; close it properly as soon as it opens instead.
          socket.onopen = () => socket.close(1000, 'turned off');
        } else {
          socket.onopen = null;
          socket.close(1000, 'turned off');
          onWire({ kind: 'close', code: 1000, reason: 'turned off', by: 'page' });
        }
      }
      answers.fail(lost());
      onStatus('off', '');
    },

    /**
     * send publishes a chat message over the open socket, numbered so that
     * the server's answer names it. The promise resolves with {seq} (the seq
     * its echo carries) and rejects when the server refused it ({refused:
     * true, code, message: the server's reason}) or the connection closed
     * before the server answered.
     */
    send(text) {
      if (!ws || ws.readyState !== WS.OPEN) {
        return Promise.reject(Object.assign(new Error('the WebSocket is not open'), { key: 'error.wsNotOpen' }));
      }
      return new Promise((resolve, reject) => {
        const id = answers.add(({ seq, error }) => (error ? reject(Object.assign(new Error(error.message), error)) : resolve({ seq })));
        sendText(JSON.stringify({ kind: 'message', text, id }));
      });
    },
  };
}
