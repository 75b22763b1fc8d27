// messages.js — the messages this page sends, and how long each took to come
// back on each transport.
//
// A message goes out over one transport (the form's "via"): over the open
// WebSocket, or as one more request, POST /api/messages, for polling and
// SSE, which cannot send on their own channel. The server publishes it to
// everyone, so it comes back on every transport that is on; the log keeps,
// per message, how long after sending each one brought it.
//
// The model is pure (MessageLog, errorOf, errorText); createSender takes
// the transports and the API as arguments. The DOM is in
// message-log-view.js. Read MessageLog first.

/** MAX_LOG is how many messages the log keeps, newest first. */
export const MAX_LOG = 50;

/** MAX_CHARS is the longest message the server takes, in characters. */
export const MAX_CHARS = 280;

/** MAX_EARLY is how many of its echoes the page keeps while their message's seq is not yet known. */
export const MAX_EARLY = 256;

/**
 * MessageLog holds the messages sent, newest first. Each entry:
 *   {text, via, sentAt, seq, error, arrivals: {poll, sse, ws}, onAtSend}
 * seq is the server's once it answered (POST /api/messages' 202, the
 * WebSocket's ack); error is {key?, message} when it was not sent;
 * arrivals[t] is how many ms after sentAt transport t brought it; onAtSend
 * is the set of transports on when it was sent (those still owe it).
 * version grows with every change, so a view redraws only when it moved.
 *
 * An echo is its message's by seq alone, never by text: two messages with
 * the same text, or an old one replayed after a reconnect, are never taken
 * for each other. An echo may come before the answer that tells its seq (a
 * stream is faster than the POST's answer): it waits in `early` until then.
 * A seq names an event only within one server run: after newRun (a restart)
 * the messages of the old run take no more echoes.
 */
export class MessageLog {
  #early = new Map(); // seq -> {t: receivedAt}: echoes whose message is not yet known
  #run = 0; // the server run that the seqs told from now on belong to

  constructor(max = MAX_LOG) {
    this.max = max;
    this.entries = [];
    this.version = 0;
  }

  /** add records a message as it goes out and returns its entry. */
  add({ text, via, sentAt, onAtSend = [] }) {
    const entry = { text, via, sentAt, seq: null, run: null, error: null, arrivals: {}, onAtSend: new Set(onAtSend) };
    this.entries.unshift(entry);
    if (this.entries.length > this.max) this.entries.length = this.max;
    this.version++;
    return entry;
  }

  /**
   * sent notes that the server took the message as seq, and gives it the
   * echoes of that seq that came before this answer.
   */
  sent(entry, seq) {
    entry.error = null;
    if (Number.isInteger(seq)) {
      entry.seq = seq;
      entry.run = this.#run;
      for (const [t, receivedAt] of Object.entries(this.#early.get(seq) ?? {})) {
        entry.arrivals[t] ??= receivedAt - entry.sentAt;
      }
      this.#early.delete(seq);
    }
    this.version++;
  }

  /** failed notes why the message was not sent ({key?, message}, see errorOf). */
  failed(entry, error) {
    entry.error = error;
    this.version++;
  }

  /**
   * arrived takes a message event of this page's that transport t brought
   * at receivedAt and gives it to the message with its seq. Returns the
   * entry, or null: then the echo waits for its message's answer (or is an
   * echo of a message whose answer never came, and is let go in time).
   */
  arrived(t, ev, receivedAt) {
    if (!Number.isInteger(ev?.seq)) return null;
    const m = this.entries.find((e) => e.seq === ev.seq && e.run === this.#run);
    if (m === undefined) {
      this.#keepEarly(t, ev.seq, receivedAt);
      return null;
    }
    if (m.arrivals[t] !== undefined) return m; // a repeat (a replay after a reconnect)
    m.arrivals[t] = receivedAt - m.sentAt;
    this.version++;
    return m;
  }

  /** newRun notes that the server restarted: its seqs start over, and name other events. */
  newRun() {
    this.#run++;
    this.#early.clear();
  }

  #keepEarly(t, seq, receivedAt) {
    const arrivals = this.#early.get(seq) ?? {};
    arrivals[t] ??= receivedAt;
    this.#early.delete(seq); // re-inserted as the newest
    this.#early.set(seq, arrivals);
    if (this.#early.size > MAX_EARLY) this.#early.delete(this.#early.keys().next().value);
  }
}

/**
 * errorOf keeps an error as {key?, params?, message, code?, refused?, unknown?}: a key when
 * the page itself knows the words (then they follow the page's language),
 * otherwise the server's or the browser's text; refused when the server said
 * no; unknown when no answer came, so it may have been sent after all.
 */
export function errorOf(err) {
  const e = { message: String(err?.message ?? err) };
  if (err?.key) e.key = err.key;
  if (err?.params) e.params = err.params; // the words' {placeholders}, e.g. a bare status
  if (typeof err?.code === 'string') e.code = err.code; // the server's, e.g. too_many_messages
  if (err?.refused) e.refused = true;
  if (err?.unknown) e.unknown = true;
  return e;
}

/** errorText writes an error kept by errorOf, in the language of T. */
export function errorText(T, e) {
  return e.key ? T(e.key, e.params) : e.message;
}

/**
 * createSender returns send(text, via): it logs the message, sends it, and
 * settles when the server has answered — resolving with the log entry, or
 * rejecting with the error the entry shows. deps:
 *   log              a MessageLog
 *   now()            page time, ms
 *   on()             the transports on now (they should bring it back)
 *   sendWS(text)     the WebSocket's send: a promise of {seq} (ws.js)
 *   sendSIO(text)    Socket.IO's: an emit with an ack, {seq} (socketio.js);
 *                    the client counts its own requests (a POST while on polling)
 *   post(text, via)  a promise of the seq: POST /api/messages (api.js)
 *   countRequest(t)  a POST is one more request of t, as the server counts it
 */
export function createSender({ log, now, on, sendWS, sendSIO, post, countRequest }) {
  return async function send(text, via) {
    const entry = log.add({ text, via, sentAt: now(), onAtSend: on() });
    try {
      let seq;
      if (via === 'ws') {
        seq = (await sendWS(text))?.seq; // over the open socket: no new request
      } else if (via === 'socketio') {
        seq = (await sendSIO(text))?.seq;
      } else {
        countRequest(via);
        seq = await post(text, via);
      }
      log.sent(entry, seq);
      return entry;
    } catch (err) {
      log.failed(entry, errorOf(err));
      throw err;
    }
  };
}
