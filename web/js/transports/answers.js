// answers.js — which of the page's WebSocket messages the server took.
//
// `ws.send` returns at once: the socket has no answer to a send. The server
// answers each chat message in its own way: it publishes it, and the message
// comes back as an event from this page (its echo), or it refuses it (over
// the rate limit) with {"kind":"error","error":"..."}. Echoes come back in
// the order the messages went out, and so do refusals — but by two roads: a
// refusal is written at once, an echo passes through the feed's queue first.
// So a refusal can overtake the echo of an older message, and "the oldest
// message still waiting" is not always the one refused.
//
// Answers therefore settles a message only when it is sure:
//   - an echo settles its message (the oldest waiting with the same text),
//     and every older message still waiting was refused: the refusals
//     already received are theirs, oldest first;
//   - a refusal settles the oldest message waiting once no echo can be older
//     than it: when there are as many refusals as messages waiting.
// Each message gets exactly one answer, so every message is settled in the
// end; a closed connection settles the rest with fail().
//
// Pure: no DOM, no timers, no promises. Read echo and refusal first.

export class Answers {
  #from;
  #waiting = []; // {text, settle}, oldest first
  #refusals = []; // the server's reasons not yet given to a message, oldest first

  /** from is this page's client id: only its own messages are its echoes. */
  constructor(from) {
    this.#from = from;
  }

  /**
   * add waits for the answer to a message just sent. settle is called once,
   * with {event} (the echo) or {error: {message, refused?, key?}}.
   */
  add(text, settle) {
    this.#waiting.push({ text, settle });
  }

  /** waiting is how many messages have no answer yet. */
  get waiting() {
    return this.#waiting.length;
  }

  /**
   * echo takes an event the socket received; it returns true when it was
   * the echo of a message waiting here.
   */
  echo(ev) {
    if (ev?.kind !== 'message' || ev.via !== 'ws' || ev.from !== this.#from) return false;
    const i = this.#waiting.findIndex((m) => m.text === ev.text);
    if (i < 0) return false;
    // The older ones were refused; their refusals came before this echo.
    for (let j = 0; j < i && this.#refusals.length > 0; j++) {
      this.#waiting.shift().settle({ error: this.#refusals.shift() });
    }
    const k = this.#waiting.findIndex((m) => m.text === ev.text);
    this.#waiting.splice(k, 1)[0].settle({ event: ev });
    this.#settleRefused();
    return true;
  }

  /**
   * refusal takes the server's {"kind":"error"} message: its reason, and the
   * key of the page's words for its code (i18n.js serverErrorKey), or null.
   */
  refusal(reason, key = null) {
    const error = { message: String(reason ?? 'refused'), refused: true };
    if (key !== null) error.key = key;
    this.#refusals.push(error);
    this.#settleRefused();
  }

  /** fail settles every message still waiting with error: no answer will come. */
  fail(error) {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#refusals = [];
    for (const m of waiting) m.settle({ error });
  }

  #settleRefused() {
    while (this.#refusals.length > 0 && this.#refusals.length >= this.#waiting.length) {
      const m = this.#waiting.shift();
      const error = this.#refusals.shift();
      m?.settle({ error }); // a refusal with nothing waiting (sent before a reconnect) is dropped
    }
  }
}
