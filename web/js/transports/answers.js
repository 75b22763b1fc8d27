// answers.js — which of the page's WebSocket messages the server took.
//
// `ws.send` returns at once: the socket has no answer to a send. So the page
// numbers each chat message it sends ({"kind":"message","text":…,"id":N}),
// and the server answers that number on the same connection:
//   {"kind":"ack","id":N,"seq":S}                  published as event S
//   {"kind":"error","id":N,"code":…,"error":…}     refused (e.g. too many)
// The echo of message N is then the event with seq S, whatever its text:
// two messages with the same text, or a replayed echo of an older one, can
// never be taken for each other.
//
// Pure: no DOM, no timers, no promises. Read add and answer first.

export class Answers {
  #next = 0;
  #waiting = new Map(); // id -> settle

  /**
   * add numbers a message about to be sent and returns its id. settle is
   * called once, with {seq} (published) or {error: {message, code?, key?, refused?}}.
   */
  add(settle) {
    const id = ++this.#next;
    this.#waiting.set(id, settle);
    return id;
  }

  /** waiting is how many messages have no answer yet. */
  get waiting() {
    return this.#waiting.size;
  }

  /**
   * answer takes a message the socket received; it returns true when it was
   * an ack or an error reply to a message waiting here. An error reply
   * without an id (or an unknown one) answers nothing that is waiting. key
   * is that of the page's words for an error reply's code (i18n.js
   * serverErrorKey), or null.
   */
  answer(msg, key = null) {
    if (msg?.kind !== 'ack' && msg?.kind !== 'error') return false;
    const settle = this.#waiting.get(msg.id);
    if (settle === undefined) return false;
    this.#waiting.delete(msg.id);
    if (msg.kind === 'ack' && Number.isInteger(msg.seq)) {
      settle({ seq: msg.seq });
    } else {
      const error = { message: String(msg.error ?? 'refused'), refused: true };
      if (typeof msg.code === 'string') error.code = msg.code;
      if (key !== null) error.key = key;
      settle({ error });
    }
    return true;
  }

  /** fail settles every message still waiting with error: no answer will come. */
  fail(error) {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const settle of waiting) settle({ error });
  }
}
