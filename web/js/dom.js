// dom.js — the page's one small DOM helper: find an element, set its text
// only when it changed (a render four times a second must not make a screen
// reader announce the same words, nor the browser lay out again), and set a
// text with <code> words in it. Text always goes in as text, never as HTML.

/** $ returns the first element under root that matches sel, or null. */
export const $ = (sel, root = document) => root.querySelector(sel);

/** setText sets el's text to text when it differs; a missing el is skipped. */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * setWithCode sets el's text to `text`, turning each {name} listed in
 * `spec` ("name:shown,name2:shown2") into <code>shown</code>.
 */
export function setWithCode(el, text, spec) {
  const codes = Object.fromEntries(spec.split(',').map((p) => p.split(':')));
  const parts = text.split(/\{(\w+)\}/);
  el.replaceChildren(
    ...parts.map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement('code');
      code.textContent = codes[part] ?? part;
      return code;
    }),
  );
}

/**
 * setCounter writes a count that stays zero until something happens
 * (missed, resets, …); a zero folds its row away (.is-zero in style.css),
 * so that what did happen stands out.
 */
export function setCounter(el, n) {
  setText(el, String(n));
  foldWhenNone(el, n === 0);
}

/** foldWhenNone folds el's row of facts away while none is true. */
export function foldWhenNone(el, none) {
  el.closest('.facts > div').classList.toggle('is-zero', none);
}
