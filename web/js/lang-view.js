// lang-view.js — applying the page's language (i18n.js) to the DOM: every
// fixed word of index.html and of the panels. Numbers and live states are
// left to render.js, which writes them in the same language.

import { TRANSPORTS } from './url.js';
import { $, setText, setWithCode } from './dom.js';

/**
 * applyLang writes every fixed word on the page in lang: the elements marked
 * data-i18n (text; a {name} listed in data-i18n-code="name:text" becomes a
 * <code>), data-i18n-aria-label, and the panels' own words; then each view
 * in `views` relabels itself. It returns the chart's labels in that language.
 */
export function applyLang({ lang, T, lanes, views }) {
  document.documentElement.lang = lang;
  document.title = T('doc.title');
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = T(el.dataset.i18n);
    if (el.dataset.i18nCode) setWithCode(el, text, el.dataset.i18nCode);
    else setText(el, text);
  }
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', T(el.dataset.i18nAriaLabel));
  }
  for (const t of TRANSPORTS) {
    const node = lanes[t].els.panel;
    const title = T(`title.${t}`);
    node.setAttribute('aria-label', title);
    setText($('.name', node), title);
    setText($('.how', node), T(`how.${t}`));
    setText($('.bytes-label', node), T(`bytes.${t}`));
    $('canvas', node).setAttribute('aria-label', T('panel.chartLabel', { name: title }));
    $(`#solo-${t}`).title = T('controls.soloTitle', { name: title });
    for (const view of [lanes[t].explain, lanes[t].hints, lanes[t].inspectorView]) view.relabel();
  }
  for (const o of $('#interval').options) {
    const ms = Number(o.value);
    o.textContent = ms < 1000 ? T('interval.ms', { n: ms }) : T('interval.s', { n: ms / 1000 });
  }
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }
  for (const view of views) view.relabel();
  return {
    now: T('chart.now'),
    secondsAgo: (s) => T('chart.secondsAgo', { s }),
    empty: T('chart.empty'),
  };
}
