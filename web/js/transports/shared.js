// shared.js — the two small helpers every transport needs: how many bytes a
// body really was, and how long to wait before trying again.

const encoder = new TextEncoder();

/** utf8Length returns the byte length of s as UTF-8, i.e. as it travelled. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/**
 * backoffDelay returns how long to wait before retry number `attempt`
 * (0 for the first retry): a step that doubles from 2 × minMs up to maxMs,
 * and "full jitter" — a random delay anywhere between minMs and that step —
 * so a classroom of pages that lost the server at the same moment does not
 * come back at the same moment either, not even on the first retry.
 */
export function backoffDelay(attempt, { minMs = 500, maxMs = 10_000, random = Math.random } = {}) {
  const step = Math.min(maxMs, minMs * 2 ** (Math.max(0, attempt) + 1));
  return minMs + random() * (step - minMs);
}

/**
 * HEALTHY_MS is how long a connection must stay up before the backoff starts
 * again from its smallest step: a server that accepts and then drops at once
 * must not be hammered at the fastest pace.
 */
export const HEALTHY_MS = 60_000;

/** withQuery appends query parameters (skipping undefined/null) to a path. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
