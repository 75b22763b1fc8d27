// instructor.js — the instructor page's words, in the page's language.
// What it shows (the students' addresses and the QR code of the first) the
// server wrote into instructor.html; this module only says it in English
// or Korean, as the main page does (i18n.js), and keeps ?lang= in the
// address so that a reload keeps the choice.

import { LANGS, pickLang, t } from './i18n.js';

function apply(lang) {
  document.documentElement.lang = lang;
  document.title = t(lang, 'instructor.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(lang, el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(lang, el.dataset.i18nAriaLabel));
  }
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }
}

function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  const url = new URL(location.href);
  url.searchParams.set('lang', lang);
  history.replaceState(null, '', url);
  apply(lang);
}

for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => setLang(b.dataset.lang));
}
apply(pickLang(location.search, navigator.languages));
