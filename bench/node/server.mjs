// server.mjs — a lean Node.js peer of transportlab, for `transportlab bench`.
//
// It speaks the part of transportlab's protocol that the bench uses, and
// nothing more, so that the same load client can measure both servers:
//
//   POST /api/pages          201 {"key","name"}: a page's key, its client= from then on
//   GET  /api/time           {"ts": µs}: the clock the bench corrects latencies with
//   GET  /poll?since&epoch   the events after since, at most 500 (short polling)
//   GET  /poll?…&wait=25s    the same, held until an event or the wait passes (long polling)
//   GET  /sse                text/event-stream: retry:, a hello, id:/data: per event, Last-Event-ID
//   GET  /ws                 WebSocket (npm ws): a hello, then one text message per event
//   GET  /metrics            process_cpu_seconds_total, process_resident_memory_bytes
//
// The feed is transportlab's: simulated quotes at a rate (5 a second by
// default, as `transportlab`), each event
// {"seq":42,"ts":1764150000123456,"kind":"quote","symbol":"ACME","price":101.37}
// with ts in Unix µs, a history of 4096 events to resume from, an epoch a
// run, and a hello that says where a delivery starts (missed, reset).
//
// Written as a Node programmer would write a fan-out server: one event loop,
// each event stringified once and turned into one Buffer per transport that
// every client shares; a Set of streams per transport written in a loop at
// each publish; one interval for all WebSocket pings and one for all SSE
// heartbeats, no timer per stream; a client whose socket buffer grows
// past a bound (it stopped reading) is cut off rather than buffered.
//
//   node server.mjs --port 8006 --rate 5      (or PORT=8006 RATE=5 node server.mjs)
//
// It listens on 127.0.0.1 only: a benchmark peer, not a service.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer, WebSocket } from 'ws';

const HOST = '127.0.0.1';
const MAX_POLL_EVENTS = 500; // polling.MaxPollEvents
const MAX_WAIT_MS = 60_000; // polling.MaxWait
const RETRY_MS = 2000; // SSE's retry: line
const HEARTBEAT_MS = 15_000; // an SSE stream silent this long gets a comment
const PING_MS = 15_000; // every WebSocket is pinged this often; no pong by the next, it is closed
// A client whose unsent bytes pass this has stopped reading: about 500
// events of SSE, where transportlab's hub lets a subscriber fall 256
// events behind (after its socket's buffers) before it cuts it off.
const MAX_BUFFERED = 64 * 1024;

// nowUs is the clock of ts and /api/time, in Unix µs: the wall clock at
// start plus a monotonic clock, finer than Date.now()'s milliseconds.
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

// ---- the feed ----

/** Feed is the event history and its head: one producer, every client the same sequence. */
class Feed {
  constructor(rate, history) {
    this.rate = rate;
    this.epoch = randomBytes(8).toString('hex');
    this.head = 0;
    this.ring = new Array(history); // events by seq % history
  }

  /** publish stamps an event, encodes it once for every transport, and keeps it. */
  publish(fields) {
    const seq = ++this.head;
    const json = JSON.stringify({ seq, ts: nowUs(), ...fields });
    const event = {
      seq,
      json,
      sse: Buffer.from(`id: ${seq}\ndata: ${json}\n\n`),
      ws: Buffer.from(json),
    };
    this.ring[seq % this.ring.length] = event;
    return event;
  }

  /** oldest is the seq of the oldest event kept (head+1 when none). */
  oldest() {
    return Math.max(1, this.head - this.ring.length + 1);
  }

  /**
   * locate answers a resume point as the hub's locate does: the first seq
   * to deliver and the hello that explains it. position is null for a new
   * client, else {since, epoch}.
   */
  locate(position) {
    const hello = { kind: 'hello', epoch: this.epoch, head: this.head, rate: this.rate, missed: 0 };
    if (position === null) return { from: this.head + 1, hello };
    if ((position.epoch !== '' && position.epoch !== this.epoch) || position.since > this.head) {
      hello.reset = true;
      return { from: this.head + 1, hello };
    }
    let from = position.since + 1;
    const oldest = this.oldest();
    if (from < oldest) {
      hello.missed = oldest - from;
      from = oldest;
    }
    return { from, hello };
  }

  /** events returns the kept events from seq from to seq to, oldest first. */
  events(from, to) {
    const out = [];
    for (let seq = from; seq <= to; seq++) out.push(this.ring[seq % this.ring.length]);
    return out;
  }
}

/** quotes publishes a simulated quote at the feed's rate, as feed.Quotes does, until the returned stop. */
function quotes(feed, onEvent) {
  const stocks = [
    ['ACME', 101.37], ['GLOBX', 54.2], ['INITE', 12.85],
    ['UMBRL', 230.1], ['STARK', 412.64], ['WAYNE', 88.02],
  ].map(([symbol, price]) => ({ symbol, price }));
  const period = 1000 / feed.rate;
  let i = 0;
  let due = performance.now() + period;
  let timer;
  const tick = () => {
    const q = stocks[i++ % stocks.length];
    q.price = Math.max(0.01, Math.round(q.price * (1 + normal() * 0.002) * 100) / 100);
    onEvent(feed.publish({ kind: 'quote', symbol: q.symbol, price: q.price }));
    // The next one a period after this one was due, not after it ran: no
    // drift. A loop held up past a whole period skips, as a Go ticker does.
    const now = performance.now();
    due = Math.max(due + period, now);
    timer = setTimeout(tick, due - now);
  };
  timer = setTimeout(tick, period);
  return () => clearTimeout(timer);
}

/** normal is a standard normal variate (Box–Muller). */
function normal() {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

// ---- requests ----

/** BadRequest is a client's mistake: a 400 with {"error","code"}. */
class BadRequest extends Error {
  constructor(message, code = 'bad_request') {
    super(message);
    this.code = code;
  }
}

/**
 * position reads a resume point (since, epoch) as feed.ParsePosition does:
 * null for a new client; a BadRequest for a malformed one.
 */
function position(since, epoch) {
  epoch ??= '';
  if (!/^[0-9a-f]{0,64}$/.test(epoch)) throw new BadRequest('epoch must be at most 64 hex digits');
  if (since === null || since === undefined || since === '') return null;
  if (!/^[0-9]{1,20}$/.test(since)) throw new BadRequest(`since must be a seq, a whole number >= 0: ${JSON.stringify(since)}`);
  return { since: Number(since), epoch }; // beyond 2^53: beyond the head, a reset
}

const units = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** waitMs reads wait= as Go's time.ParseDuration does (25s, 500ms, 1m30s): ms, or 0 when absent. */
function waitMs(query) {
  if (!query.has('wait')) return 0;
  const text = query.get('wait');
  let ms = 0;
  let rest = text;
  const part = /^([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/;
  for (let m; rest !== '' && (m = part.exec(rest)); rest = rest.slice(m[0].length)) {
    ms += Number(m[1]) * units[m[2]];
  }
  if (text === '' || rest !== '') throw new BadRequest('wait must be a duration such as 25s or 500ms');
  if (!(ms > 0)) throw new BadRequest('wait must be more than zero');
  if (ms > MAX_WAIT_MS) throw new BadRequest('wait must be at most 1m0s');
  return ms;
}

/** Pages are the keys minted by POST /api/pages: a client= must be one of them. */
class Pages {
  keys = new Set();

  mint() {
    const key = randomBytes(24).toString('base64url'); // 32 characters, as transportlab's
    this.keys.add(key);
    return { key, name: `page ${this.keys.size}` };
  }

  /** check throws unless client is absent or a minted key. */
  check(client) {
    if (client !== null && !this.keys.has(client)) {
      throw new BadRequest('client is not a key of this server: ask POST /api/pages for a key', 'bad_key');
    }
  }
}

function sendJSON(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendError(res, err) {
  if (!(err instanceof BadRequest)) throw err;
  sendJSON(res, 400, { error: err.message, code: err.code });
}

// ---- the transports ----

/**
 * pollAnswer is transportlab's poll answer for a resume point:
 * {"epoch","head","events":[…],"next","missed"[,"reset"][,"more"]}, the
 * events' JSON copied in as published.
 */
function pollAnswer(feed, pos) {
  const { from: first, hello } = feed.locate(pos);
  let from = first;
  if ((pos === null || hello.reset) && feed.head > 0) from = feed.head; // the latest event only
  const to = Math.min(feed.head, from + MAX_POLL_EVENTS - 1);
  const events = from <= to ? feed.events(from, to) : [];
  const next = events.length > 0 ? events[events.length - 1].seq : feed.head;
  let body = `{"epoch":"${feed.epoch}","head":${feed.head},"events":[`;
  for (let i = 0; i < events.length; i++) body += (i > 0 ? ',' : '') + events[i].json;
  body += `],"next":${next},"missed":${hello.missed}`;
  if (hello.reset) body += ',"reset":true';
  if (next < feed.head) body += `,"more":${feed.head - next}`;
  return { body: body + '}\n', count: events.length };
}

function answerPoll(res, body) {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Polls answers GET /poll; long polls with nothing to answer wait in held,
 * each with the timer of its wait, as transportlab's held polls have (Node
 * keeps the timers of one duration in one list, under one handle), and
 * every one is answered at the next publish.
 */
class Polls {
  held = new Set();

  constructor(feed) {
    this.feed = feed;
  }

  serve(req, res, query) {
    const pos = position(query.get('since'), query.get('epoch'));
    const wait = waitMs(query);
    const { body, count } = pollAnswer(this.feed, pos);
    if (wait === 0 || count > 0) return answerPoll(res, body);
    const poll = { res, pos, timer: null };
    poll.timer = setTimeout(() => this.answer(poll), wait);
    this.held.add(poll);
    res.on('close', () => this.drop(poll)); // the client went away: nobody to answer
  }

  answer(poll) {
    this.drop(poll);
    answerPoll(poll.res, pollAnswer(this.feed, poll.pos).body);
  }

  drop(poll) {
    clearTimeout(poll.timer);
    this.held.delete(poll);
  }

  /** published answers every held poll: each has an event after its since now. */
  published() {
    for (const poll of this.held) this.answer(poll);
  }
}

/** Streams serves GET /sse: one Set of responses, each event's frame written to all. */
class Streams {
  clients = new Set();
  lastWrite = performance.now();

  constructor(feed) {
    this.feed = feed;
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  serve(req, res, query) {
    const header = req.headers['last-event-id'];
    const pos = position(header ?? query.get('since'), query.get('epoch'));
    const { from, hello } = this.feed.locate(pos);
    hello.retry = RETRY_MS;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    let start = `retry: ${RETRY_MS}\n\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`;
    for (const e of this.feed.events(from, this.feed.head)) start += `id: ${e.seq}\ndata: ${e.json}\n\n`;
    res.write(start);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  published(event) {
    this.lastWrite = performance.now();
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy(); // too slow: it resumes from history when it comes back
        continue;
      }
      res.write(event.sse);
    }
  }

  /** heartbeat keeps idle streams from being cut as idle: only when the feed is quiet. */
  heartbeat() {
    if (performance.now() - this.lastWrite < HEARTBEAT_MS) return;
    for (const res of this.clients) res.write(': heartbeat\n\n');
  }
}

/** Sockets serves GET /ws with the npm ws package: a hello, the backlog, then every event. */
class Sockets {
  wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096 });

  constructor(feed, pages) {
    this.feed = feed;
    this.pages = pages;
    this.timer = setInterval(() => this.ping(), PING_MS);
  }

  /** upgrade checks the request as a handler would, then hands it to ws. */
  upgrade(req, socket, head, query) {
    socket.on('error', () => socket.destroy());
    let pos;
    try {
      this.pages.check(query.get('client'));
      pos = position(query.get('since'), query.get('epoch'));
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      const body = JSON.stringify({ error: err.message, code: err.code });
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, pos));
  }

  /** open runs in the tick ws added the client to wss.clients: no event falls between. */
  open(ws, pos) {
    const { from, hello } = this.feed.locate(pos);
    ws.isAlive = true;
    ws.on('pong', () => { ws.isAlive = true; });
    ws.on('error', () => {}); // a close follows; nothing to do but let it
    ws.send(JSON.stringify(hello));
    for (const e of this.feed.events(from, this.feed.head)) ws.send(e.ws, { binary: false });
  }

  published(event) {
    for (const ws of this.wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED) {
        ws.terminate(); // too slow: it resumes with since= when it comes back
        continue;
      }
      ws.send(event.ws, { binary: false });
    }
  }

  /** ping is the ws README's heartbeat: one interval for every connection. */
  ping() {
    for (const ws of this.wss.clients) {
      if (!ws.isAlive) {
        ws.terminate();
        continue;
      }
      ws.isAlive = false;
      ws.ping();
    }
  }
}

/** metrics is Prometheus text with the process's CPU and memory, as prom-client names them. */
function metrics(res) {
  const cpu = process.cpuUsage();
  const body =
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n' +
    '# TYPE process_cpu_seconds_total counter\n' +
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}\n` +
    '# HELP process_resident_memory_bytes Resident memory size in bytes.\n' +
    '# TYPE process_resident_memory_bytes gauge\n' +
    `process_resident_memory_bytes ${process.memoryUsage.rss()}\n`;
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// ---- the server ----

/** listenBacklog is the kernel's bound on pending connections, as Go's net.Listen asks for it. */
function listenBacklog() {
  try {
    return Number.parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'), 10) || 511;
  } catch {
    return 511;
  }
}

/**
 * start runs the server on port (0: any free one) and resolves to its
 * http.Server; closing it stops the feed and its timers.
 */
export function start({ port = 8006, rate = 5, history = 4096 } = {}) {
  const feed = new Feed(rate, history);
  const pages = new Pages();
  const polls = new Polls(feed);
  const streams = new Streams(feed);
  const sockets = new Sockets(feed, pages);

  const routes = {
    'POST /api/pages': (req, res) => sendJSON(res, 201, pages.mint()),
    'GET /api/time': (req, res) => sendJSON(res, 200, { ts: nowUs() }),
    'GET /poll': (req, res, query) => polls.serve(req, res, query),
    'GET /sse': (req, res, query) => streams.serve(req, res, query),
    'GET /metrics': (req, res) => metrics(res),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return sendJSON(res, 404, { error: 'not found', code: 'not_found' });
    try {
      pages.check(url.searchParams.get('client'));
      route(req, res, url.searchParams);
    } catch (err) {
      sendError(res, err);
    }
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/ws') return socket.destroy();
    sockets.upgrade(req, socket, head, url.searchParams);
  });
  server.keepAliveTimeout = 120_000; // transportlab's IdleTimeout: a poller every few seconds keeps its connection

  const stop = quotes(feed, (event) => {
    streams.published(event);
    sockets.published(event);
    polls.published();
  });
  server.on('close', () => {
    stop();
    clearInterval(streams.timer);
    clearInterval(sockets.timer);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port, backlog: listenBacklog() }, () => resolve(server));
  });
}

function config(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: env.PORT ?? '8006' },
      rate: { type: 'string', default: env.RATE ?? '5' },
      history: { type: 'string', default: env.HISTORY ?? '4096' },
    },
  });
  const port = Number(values.port);
  const rate = Number(values.rate);
  const history = Number(values.history);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number, 0 for any');
  if (!(rate >= 0.1 && rate <= 10000)) throw new Error('--rate must be from 0.1 to 10000 events a second');
  if (!Number.isInteger(history) || history < 1 || history > 1 << 20) throw new Error('--history must be from 1 to 1048576');
  return { port, rate, history };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let cfg;
  try {
    cfg = config(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`server.mjs: ${err.message}\nusage: node server.mjs [--port 8006] [--rate 5] [--history 4096] (or PORT, RATE, HISTORY)`);
    process.exit(2);
  }
  const server = await start(cfg);
  const { port } = server.address();
  console.log(`node peer: open http://${HOST}:${port} (rate ${cfg.rate}/s, node ${process.version})`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}
