// explain-view.js — the lesson beside each panel's numbers: "how it works"
// (a few sentences and a sequence diagram, collapsible) and "what to look
// for now" (hints.js, from the live numbers).
//
// DOM only; every word comes from i18n.js through T, the diagram's layout
// from diagrams.js.

import { sequence, renderDiagram } from './diagrams.js';

const EXPLAIN = { poll: 'explain.poll', longpoll: 'explain.longpoll', sse: 'explain.sse', ws: 'explain.ws', socketio: 'explain.socketio' };
const TITLE = { poll: 'title.poll', longpoll: 'title.longpoll', sse: 'title.sse', ws: 'title.ws', socketio: 'title.socketio' };

/** mountExplain returns {el, relabel()}: a <details> with the explanation and the diagram. */
export function mountExplain(transport, { T }) {
  const details = document.createElement('details');
  details.className = 'explain';
  const summary = document.createElement('summary');
  const text = document.createElement('p');
  text.className = 'explain-text';
  const figure = document.createElement('div');
  figure.className = 'diagram';
  details.append(summary, text, figure);
  const layout = sequence(transport);

  function relabel() {
    summary.textContent = T('explain.title');
    text.textContent = T(EXPLAIN[transport]);
    const title = T('diagram.label', { name: T(TITLE[transport]) });
    figure.replaceChildren(renderDiagram(document, layout, T, title));
  }
  return { el: details, relabel };
}

/** mountHints returns {el, relabel(), render(hints)} for a list of {key, params}. */
export function mountHints({ T }) {
  const box = document.createElement('div');
  box.className = 'hints';
  const title = document.createElement('span');
  title.className = 'hints-title';
  const list = document.createElement('ul');
  list.className = 'hint-list';
  box.append(title, list);
  let shown = null;

  function render(hints) {
    const texts = hints.map((h) => T(h.key, h.params));
    const joined = texts.join('\n');
    if (joined === shown) return;
    shown = joined;
    box.hidden = texts.length === 0;
    list.replaceChildren(
      ...texts.map((t) => {
        const li = document.createElement('li');
        li.textContent = t;
        return li;
      }),
    );
  }
  return {
    el: box,
    relabel() {
      title.textContent = T('hint.title');
      shown = null;
    },
    render,
  };
}
