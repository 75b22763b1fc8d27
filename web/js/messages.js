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

/**
 * MessageLog holds the messages sent, newest first. Each entry:
 *   {text, via, sentAt, seq, error, arrivals: {poll, sse, ws}, onAtSend}
 * seq is the server's once known; error is {key?, message} when it was not
 * sent; arrivals[t] is how many ms after sentAt transport t brought it;
 * onAtSend is the set of transports on when it was sent (those still owe it).
 * version grows with every change, so a view redraws only when it moved.
 */
export class MessageLog {
  constructor(max = MAX_LOG) {
    this.max = max;
    this.entries = [];
    this.version = 0;
  }

  /** add records a message as it goes out and returns its entry. */
  add({ text, via, sentAt, onAtSend = [] }) {
    const entry = { text, via, sentAt, seq: null, error: null, arrivals: {}, onAtSend: new Set(onAtSend) };
    this.entries.unshift(entry);
    if (this.entries.length > this.max) this.entries.length = this.max;
    this.version++;
    return entry;
  }

  /** sent notes that the server took the message, as seq when it said. */
  sent(entry, seq) {
    if (Number.isInteger(seq)) entry.seq = seq;
    entry.error = null;
    this.version++;
  }

  /** failed notes why the message was not sent ({key?, message}, see errorOf). */
  failed(entry, error) {
    entry.error = error;
    this.version++;
  }

  /**
   * arrived takes a message event of this page's that transport t brought at
   * receivedAt, and gives it to the oldest message it can be: the same text,
   * not yet brought by t, the same seq once the server told it, and not
   * failed — unless its fate was unknown (a WebSocket closed before the
   * answer): then this arrival says it was sent. Returns the entry, or null.
   */
  arrived(t, ev, receivedAt) {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const m = this.entries[i];
      if (m.text !== ev.text || m.arrivals[t] !== undefined) continue;
      if (m.seq !== null && m.seq !== ev.seq) continue;
      if (m.error !== null && !m.error.unknown) continue;
      m.arrivals[t] = receivedAt - m.sentAt;
      if (m.seq === null && Number.isInteger(ev.seq)) m.seq = ev.seq;
      m.error = null;
      this.version++;
      return m;
    }
    return null;
  }
}

/**
 * errorOf keeps an error as {key?, message, refused?, unknown?}: a key when
 * the page itself knows the words (then they follow the page's language),
 * otherwise the server's or the browser's text; refused when the server said
 * no; unknown when no answer came, so it may have been sent after all.
 */
export function errorOf(err) {
  const e = { message: String(err?.message ?? err) };
  if (err?.key) e.key = err.key;
  if (err?.refused) e.refused = true;
  if (err?.unknown) e.unknown = true;
  return e;
}

/** errorText writes an error kept by errorOf, in the language of T. */
export function errorText(T, e) {
  return e.key ? T(e.key) : e.message;
}

/**
 * createSender returns send(text, via): it logs the message, sends it, and
 * settles when the server has answered — resolving with the log entry, or
 * rejecting with the error the entry shows. deps:
 *   log              a MessageLog
 *   now()            page time, ms
 *   on()             the transports on now (they should bring it back)
 *   sendWS(text)     the WebSocket's send: a promise of the echo (ws.js)
 *   post(text, via)  a promise of the seq: POST /api/messages (api.js)
 *   countRequest(t)  a POST is one more request of t, as the server counts it
 */
export function createSender({ log, now, on, sendWS, post, countRequest }) {
  return async function send(text, via) {
    const entry = log.add({ text, via, sentAt: now(), onAtSend: on() });
    try {
      let seq;
      if (via === 'ws') {
        seq = (await sendWS(text))?.seq; // over the open socket: no new request
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
