// run-counts.js — a lane's counts since the server's current run began.
//
// The server counts what it spent for this page from zero at each start (a
// run, named by its epoch); the page counts from its own start. After a
// restart the two columns would compare different things, so the page
// shows its counts since the run began — the request that brought the run's
// first answer, and that answer's bytes, are the run's — and keeps its
// total across runs beside them.
//
// Pure: no DOM, no clock. Read begin first.

/** COUNTS are the counts a panel shows beside the server's. */
export const COUNTS = Object.freeze(['requests', 'received', 'bytes']);

export class RunCounts {
  /** epoch is the run the counts are kept for; null before the first. */
  epoch = null;
  #base = { requests: 0, received: 0, bytes: 0 };

  /**
   * begin notes that run `epoch` began when the counts were `counts`, less
   * `carried`: counts already taken that belong to the new run (the request
   * whose answer said so, and its bytes). Nothing changes when it is the run
   * already kept; it returns whether it began one.
   */
  begin(epoch, counts, carried = {}) {
    if (epoch === this.epoch) return false;
    this.epoch = epoch;
    this.#base = Object.fromEntries(COUNTS.map((k) => [k, Math.max(0, counts[k] - (carried[k] ?? 0))]));
    return true;
  }

  /**
   * restart starts the counts of the run kept over from `counts`: the class
   * began a new run within the server's (its numbers start from zero), and
   * counts are the page's as of the server's read that the server's own
   * start over from (lanes.js takeZero).
   */
  restart(counts) {
    this.#base = Object.fromEntries(COUNTS.map((k) => [k, counts[k]]));
  }

  /** thisRun returns counts less what came before the run began. */
  thisRun(counts) {
    return Object.fromEntries(COUNTS.map((k) => [k, counts[k] - this.#base[k]]));
  }

  /** carriedOver reports whether counts from before the run are left out. */
  get carriedOver() {
    return COUNTS.some((k) => this.#base[k] !== 0);
  }
}
