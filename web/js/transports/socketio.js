// socketio.js — Socket.IO, with the official client (socket.io-client 4.8.4,
// vendored unchanged in /vendor/): the code the tutorial's students write.
//
//   io(origin, {path: '/socket.io/', query: {client}, auth: {since, epoch},
//               transports, reconnection: false})
//   GET  /socket.io/?EIO=4&transport=polling             <- 0{"sid":…,"upgrades":["websocket"],…}
//   POST …&sid=…   40{"since":N,"epoch":"E"}             <- ok
//   GET  …&sid=…                                          <- 40{"sid":…}␞42["hello",{…}]␞42["event",{…}]…
//   GET  /socket.io/?EIO=4&transport=websocket&sid=…     (the upgrade) 2probe -> 3probe, 5
//   then 42["event",{"seq":…}] over the WebSocket, 2/3 heartbeats both ways
//
// Counting: one onRequest per HTTP request the client makes, which is what
// the server counts as transport socketio: each polling request (a GET
// that waits for packets, a POST that sends them) and each WebSocket's
// opening GET. The client builds its transports from the classes given in
// `transports`, so the lane gives it its own subclasses of the client's XHR
// and WebSocket transports (countedTransports), which count in request()
// (every polling GET and POST goes through it) and doOpen() (every WebSocket),
// and report every Engine.IO packet each transport sends (write) and
// receives (onPacket), the probe's included: the client's own 'packet' and
// 'packetCreate' events never see the probe, which runs on a transport of
// its own until the upgrade.
//
// Bytes (onBytes) are each event's JSON, the feed's object as the server
// spliced it into 42["event",…]: the body, as every lane counts it. The
// wire inspector gets the raw packets, {kind:'packet', dir, data, via}
// (packetText): `0{"sid":…}`, `40`, `2probe`, `3probe`, `5`, `42[…]`.
//
// One exception to the contract's silence after stop(): onRequest. A
// client told to disconnect says goodbye (41, then Engine.IO's 1), which on
// long polling is a POST or two that may leave after stop() returned, once
// the POST under way is answered; the server counts them, so the page
// does too.
//
// The client's own reconnection is off: the lane reconnects with the
// backoff every lane shares (shared.js createRetry), resuming from the
// lane's ledger through auth, with the page's key as of then.

import { contract, createRetry, keyOf, utf8Length } from './shared.js';
import { SIO_MODES } from '../url.js';
import { serverErrorKey } from '../i18n.js';

/** CLIENT_URL is the vendored client's ESM build, as the page serves it. */
export const CLIENT_URL = '/vendor/socket.io-client-4.8.4/socket.io.esm.min.js';

/** MODES are the `transports` choices the page offers (url.js SIO_MODES). */
export const MODES = SIO_MODES;

/** ACK_MS is how long a message waits for the server's ack. */
export const ACK_MS = 10_000;

// Engine.IO v4's packet types, by name (engine.io-parser).
const TYPES = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' };

/**
 * packetText rebuilds the text of an Engine.IO packet, {type, data}, as it
 * crossed the wire: its type's digit, then its data (a Socket.IO packet,
 * a handshake's JSON, "probe"). Binary data does not occur on this page.
 */
export function packetText({ type, data }) {
  return (TYPES[type] ?? '?') + (typeof data === 'string' ? data : '');
}

const EVENT_PREFIX = '2["event",';

/**
 * eventJSON returns the feed event's JSON inside a Socket.IO packet's text
 * (the data of an Engine.IO message, `2["event",{…}]`), or null when the
 * packet is no event: the bytes the server counted for it.
 */
export function eventJSON(data) {
  if (typeof data !== 'string' || !data.startsWith(EVENT_PREFIX) || !data.endsWith(']')) return null;
  return data.slice(EVENT_PREFIX.length, -1);
}

/** parseMode reads the `sio=` of a URL: one of MODES, else 'default'. */
export function parseMode(raw) {
  return MODES.includes(raw) ? raw : 'default';
}

/**
 * countedTransports returns subclasses of the client's XHR and WebSocket
 * transports, given as {XHR, WebSocket} (the client's exports), that call
 * onRequest for each HTTP request and onPacket(dir, packet, via) for each
 * Engine.IO packet, and the `transports` option for `mode` made of them.
 */
export function countedTransports({ XHR, WebSocket }, mode, { onRequest, onPacket }) {
  class Polling extends XHR {
    request(opts) {
      onRequest();
      return super.request(opts);
    }
    write(packets) {
      for (const p of packets) onPacket('up', p, 'polling');
      super.write(packets);
    }
    onPacket(p) {
      onPacket('down', p, 'polling');
      super.onPacket(p);
    }
  }
  class Socket extends WebSocket {
    doOpen() {
      onRequest();
      super.doOpen();
    }
    write(packets) {
      for (const p of packets) onPacket('up', p, 'websocket');
      super.write(packets);
    }
    onPacket(p) {
      onPacket('down', p, 'websocket');
      super.onPacket(p);
    }
  }
  if (mode === 'websocket') return [Socket];
  if (mode === 'polling') return [Polling];
  return [Polling, Socket];
}

/**
 * createSocketIO returns the Socket.IO transport: the contract of shared.js,
 * with send(text) (a message, emitted with an ack: a promise of {seq}, as
 * ws.js's) and opts.mode (MODES; setMode changes it from the next
 * connection on). opts.client is the client module ({io, XHR, WebSocket}),
 * loaded from CLIENT_URL when left out; opts.onTransport(name) hears which
 * Engine.IO transport carries the session now ('polling', 'websocket').
 */
export function createSocketIO(opts) {
  opts = contract(opts);
  const { clientId, resume, onHello, onEvent, onStatus, onRequest, onBytes, onReconnect, onWire, onGone, now } = opts;
  const onTransport = opts.onTransport ?? (() => {});
  const loc = opts.location ?? globalThis.location;
  const retry = createRetry(opts);
  let mode = parseMode(opts.mode);
  let client = opts.client ?? null;
  let socket = null;
  let running = false;
  let generation = 0; // a connection's callbacks after stop() or a newer connection do nothing

  async function load() {
    client ??= await import(CLIENT_URL);
    return client;
  }

  async function connect() {
    const mine = ++generation;
    let lib;
    try {
      lib = await load();
    } catch (err) {
      if (mine !== generation) return;
      onStatus('reconnecting', { key: 'detail.socketio.noClient', params: { error: String(err?.message ?? err) } });
      return;
    }
    if (mine !== generation) return;
    const live = () => mine === generation;
    const report = (dir, p, via) => {
      if (!live()) return;
      const data = packetText(p);
      if (dir === 'down' && p.type === 'message') {
        const json = eventJSON(p.data);
        if (json !== null) onBytes(utf8Length(json)); // before the event it brings: the lane counts them together
      }
      onWire({ kind: 'packet', dir, data, via });
    };
    const from = resume();
    // Nothing to resume: no auth, and the client's connect is a bare 40.
    const auth = from ? { since: from.since, ...(from.epoch ? { epoch: from.epoch } : {}) } : undefined;
    const s = lib.io(loc.origin, {
      path: '/socket.io/',
      query: { client: keyOf(clientId) },
      auth,
      // Every request counts, a client's goodbye after stop() too (below).
      transports: countedTransports(lib, mode, { onRequest, onPacket: report }),
      reconnection: false,
      forceNew: true,
    });
    socket = s;
    const engineNow = () => s.io.engine;

    s.io.on('open', () => {
      if (!live()) return;
      const engine = engineNow();
      onTransport(engine.transport.name);
      onStatus('open', { key: `detail.socketio.${engine.transport.name}` });
      engine.on('upgrading', (t) => live() && onStatus('open', { key: 'detail.socketio.upgrading', params: { to: t.name } }));
      engine.on('upgrade', (t) => {
        if (!live()) return;
        onTransport(t.name);
        onStatus('open', { key: `detail.socketio.${t.name}` });
      });
      engine.on('upgradeError', () => {
        if (!live()) return;
        onStatus('open', { key: 'detail.socketio.stayed', params: { on: engine.transport.name } });
      });
    });
    s.on('hello', (info) => {
      if (!live()) return;
      if (retry.up()) onReconnect();
      onHello(info);
    });
    s.on('event', (ev) => {
      if (!live()) return;
      onEvent(ev, now());
    });
    s.on('connect_error', (err) => {
      if (!live()) return;
      if (refusedForGood(err)) {
        gone(err);
        return;
      }
      lost({ key: 'detail.socketio.failed', params: { reason: String(err?.message ?? err) } });
    });
    s.on('disconnect', (reason) => live() && lost({ key: 'detail.socketio.closed', params: { reason } }));
  }

  // gone stops for good: the server refused the page (403 disconnected),
  // and asking again would only be refused; main.js stops the other lanes.
  function gone(err) {
    running = false;
    generation++;
    const s = socket;
    socket = null;
    s?.disconnect();
    retry.stop();
    onStatus('off', { key: 'serverError.disconnected' });
    onGone(err);
  }

  // lost closes what is left of the connection and retries after the backoff.
  function lost(why) {
    const s = socket;
    socket = null;
    generation++; // what the old client still says is past
    s?.disconnect();
    retry.lost();
    const delay = retry.delay();
    onStatus('reconnecting', { key: why.key, params: { ...why.params, seconds: (delay / 1000).toFixed(1) } });
    retry.later(() => {
      if (running) connect();
    }, delay);
  }

  return {
    name: 'socketio',

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
      generation++;
      const s = socket;
      socket = null;
      s?.disconnect();
      onStatus('off', '');
    },

    /** setMode sets the client's `transports` (MODES) from the next connection on. */
    setMode(m) {
      mode = parseMode(m);
    },

    get mode() {
      return mode;
    },

    /**
     * send emits a chat message with an ack. The promise resolves with
     * {seq} (its echo's) and rejects when the server refused it ({refused:
     * true, code}), or no ack came (the connection closed, or ACK_MS passed).
     */
    send(text) {
      const s = socket;
      if (!s?.connected) {
        return Promise.reject(Object.assign(new Error('the Socket.IO connection is not open'), { key: 'error.sioNotOpen' }));
      }
      return new Promise((resolve, reject) => {
        s.timeout(ACK_MS).emit('message', { text }, (err, answer) => {
          if (err) {
            reject(Object.assign(new Error(String(err.message ?? err)), { key: 'error.sioNoAck', unknown: true }));
          } else if (Number.isInteger(answer?.seq)) {
            resolve({ seq: answer.seq });
          } else {
            const key = serverErrorKey(answer?.code);
            reject(Object.assign(new Error(String(answer?.error ?? 'refused')), { refused: true, code: answer?.code, ...(key ? { key } : {}) }));
          }
        });
      });
    },
  };
}

/**
 * refusedForGood tells a connect_error that is the server refusing the
 * page: a polling request answered 403, which on /socket.io/ only a
 * disconnected page gets (the client keeps the status as the error's
 * description, and hides the body). A refused WebSocket is no such answer:
 * a browser never learns its status.
 */
export function refusedForGood(err) {
  return err?.type === 'TransportError' && err?.description === 403;
}

// MILESTONES are the steps of a session's life, in the order they come:
// which packet marks each (dir, and a test of its text).
const MILESTONES = [
  { step: 'handshake', dir: 'down', is: (d) => d.startsWith('0{') },
  { step: 'connect', dir: 'down', is: (d) => d.startsWith('40') },
  { step: 'firstEvent', dir: 'down', is: (d) => d.startsWith('42["event",') },
  { step: 'probe', dir: 'up', is: (d) => d === '2probe' },
  { step: 'probed', dir: 'down', is: (d) => d === '3probe' },
  { step: 'upgrade', dir: 'up', is: (d) => d === '5' },
];

/**
 * lifeOf returns the milestones of a session from its first packets
 * ({at, dir, data, via}, oldest first, as lanes.js keeps them): each step
 * seen, once, as {step, ms: since the handshake, via: the transport that
 * carried it}. On ['websocket'] there is no probe and no upgrade; on
 * ['polling'], or when the upgrade is refused, neither.
 */
export function lifeOf(session) {
  const life = [];
  const t0 = session[0]?.at ?? 0;
  for (const m of MILESTONES) {
    const p = session.find((x) => x.dir === m.dir && m.is(x.data));
    if (p) life.push({ step: m.step, ms: Math.round(p.at - t0), via: p.via });
  }
  return life.sort((a, b) => a.ms - b.ms);
}
