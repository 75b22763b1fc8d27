// message-log-view.js — the message form and the log of messages this page
// sent: the DOM side of messages.js.
//
// mountMessageForm takes over #message-form: it checks the text, sends it,
// and says under the form why a message of the student's was not sent.
// mountMessageLog draws #message-rows from a MessageLog, only when it
// changed (or the language did). Words come from T; text goes in with
// textContent.

import { TRANSPORTS } from './url.js';
import { MAX_CHARS, errorOf, errorText } from './messages.js';
import { timeOfDay } from './format.js';
import { $, setText } from './dom.js';

/**
 * mountMessageForm wires the form. deps: T(key, params); send(text, via), a
 * promise that settles when the server has answered (messages.js
 * createSender); isOn(t). Returns {relabel} for a language switch.
 */
export function mountMessageForm({ T, send, isOn }) {
  const input = $('#message-text');
  const via = $('#message-via');
  const line = $('#message-error');
  let shown = null; // {key, error?}: kept so a language switch rewrites it

  function show(key, error) {
    shown = key === null ? null : { key, error };
    relabel();
  }

  function relabel() {
    setText(line, shown === null ? '' : T(shown.key, shown.error ? { error: errorText(T, shown.error) } : undefined));
  }

  $('#message-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    const t = via.value;
    show(null);
    if (!text || !isOn(t)) return;
    if ([...text].length > MAX_CHARS) {
      show('error.tooLong');
      return;
    }
    input.value = '';
    try {
      await send(text, t);
    } catch (err) {
      const e = errorOf(err);
      // Muted: not this message's fault, and the next would fare the same.
      show(e.code === 'muted' ? 'follow.muted' : 'error.notSent', e);
    }
  });

  return { relabel };
}

/**
 * mountMessageLog draws the log. deps: log (a MessageLog), T, isOn(t).
 * Returns {render, relabel}: render() redraws when the log changed;
 * relabel() makes the next render redraw in the new language.
 */
export function mountMessageLog({ log, T, isOn }) {
  const rows = $('#message-rows');
  let drawn = -1; // the log's version last drawn

  function render() {
    if (drawn === log.version) return;
    drawn = log.version;
    if (log.entries.length === 0) return; // the markup's "no messages yet" stays
    rows.replaceChildren(...log.entries.map(row));
  }

  function row(m) {
    const tr = document.createElement('tr');
    if (m.error) tr.className = 'failed';
    tr.append(
      cell(timeOfDay(m.sentAt), 'time-col'),
      cell(m.text, 'text-col'),
      cell(T(`name.${m.via}`), ''),
      cell(m.error ? errorText(T, m.error) : m.seq === null ? '…' : String(m.seq), m.error ? 'error-col' : 'num-col'),
    );
    for (const t of TRANSPORTS) tr.append(arrival(m, t));
    return tr;
  }

  function arrival(m, t) {
    const td = document.createElement('td');
    td.className = 'num-col arrival';
    td.dataset.arrival = t;
    const ms = m.arrivals[t];
    if (ms === undefined) {
      td.textContent = m.error ? '—' : m.onAtSend.has(t) || isOn(t) ? '…' : T('log.off');
      return td;
    }
    const num = document.createElement('span');
    num.className = 'num';
    num.textContent = ms.toFixed(0);
    const unit = document.createElement('span');
    unit.className = 'unit';
    unit.textContent = T('unit.ms');
    td.append(num, unit);
    return td;
  }

  return {
    render,
    relabel() {
      drawn = -1;
    },
  };
}

function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  return td;
}
