// fakes.js — a manual clock and timers for the transport tests (test-only).

export function fakeTime(start = 1_000_000) {
  let now = start;
  let nextId = 1;
  const timers = new Map(); // id -> {at, fn, every}
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn, every: 0 });
      return id;
    },
    clearTimeout: (id) => timers.delete(id),
    setInterval: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn, every: ms });
      return id;
    },
    clearInterval: (id) => timers.delete(id),
    pending: () => timers.size,
    /** advance moves the clock, firing due timers in order, awaiting microtasks between. */
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        await flush();
        let due = null;
        for (const [id, t] of timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
        if (!due) break;
        const [id, t] = due;
        now = t.at;
        if (t.every) t.at += t.every;
        else timers.delete(id);
        t.fn();
      }
      now = end;
      await flush();
    },
  };
}

export async function flush() {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
