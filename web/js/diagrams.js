// diagrams.js — a small sequence diagram per transport: the page and the
// server as two lifelines, and the messages between them in the order they
// go, drawn as inline SVG.
//
//   polling    request/response pairs, one per interval; an event published
//              between two requests waits for the next one
//   long       request/response pairs too, but the server holds each request
//   polling    until an event (answered at once) or the wait passes (empty)
//   SSE        one request, then one long response carrying the events and,
//              while idle, a heartbeat comment
//   WebSocket  an upgrade (101), then frames both ways, pings included
//   Socket.IO  Engine.IO's handshake and first events on long polling, the
//              probe over a new WebSocket, the noop that ends the held poll,
//              the upgrade (5), then packets as frames
//
// sequence(transport) is pure: it lays the diagram out as plain data (what
// the tests check). renderDiagram turns that into SVG elements; colours come
// from the stylesheet (classes seq-*), so it follows the light or dark theme.
// Words are i18n keys; protocol text is shown as it is on the wire.

const SVG = 'http://www.w3.org/2000/svg';

/** WIDTH is the viewBox width; lifelines sit at PAGE_X and SERVER_X. */
export const WIDTH = 400;
const PAGE_X = 52;
const SERVER_X = 322;
const TOP = 48; // first message
const STEP = 29; // between messages
const SLANT = 6; // an arrow drops a little: travel takes time

/**
 * The messages of each diagram, top to bottom. from: who sends; text: as on
 * the wire; style: request | response | event | control | heartbeat;
 * mark: an i18n key for a note on the server's side of the step instead;
 * holds: the server holds this request until the next answer, noted with
 * that i18n key (long polling).
 */
const STEPS = {
  poll: [
    { from: 'page', text: 'GET /poll?since=41', style: 'request' },
    { from: 'server', text: '200 {"events":[]}', style: 'response' },
    { mark: 'diagram.published', text: 'seq 42' },
    { from: 'page', text: 'GET /poll?since=41', style: 'request' },
    { from: 'server', text: '200 {"events":[42]}', style: 'response' },
    { from: 'page', text: 'GET /poll?since=42', style: 'request' },
    { from: 'server', text: '200 {"events":[]}', style: 'response' },
  ],
  longpoll: [
    { from: 'page', text: 'GET /poll?since=41&wait=25s', style: 'request', holds: 'diagram.held' },
    { mark: 'diagram.published', text: 'seq 42' },
    { from: 'server', text: '200 {"events":[42]}', style: 'response' },
    { from: 'page', text: 'GET /poll?since=42&wait=25s', style: 'request', holds: 'diagram.heldWait' },
    { from: 'server', text: '200 {"events":[]}', style: 'response' },
    { from: 'page', text: 'GET /poll?since=42&wait=25s', style: 'request' },
  ],
  sse: [
    { from: 'page', text: 'GET /sse', style: 'request' },
    { from: 'server', text: '200 text/event-stream', style: 'response', opens: true },
    { from: 'server', text: 'retry: 2000', style: 'event' },
    { from: 'server', text: 'event: hello · data: {…}', style: 'event' },
    { from: 'server', text: 'id: 42 · data: {…}', style: 'event' },
    { from: 'server', text: 'id: 43 · data: {…}', style: 'event' },
    { from: 'server', text: ': heartbeat', style: 'heartbeat' },
    { from: 'server', text: 'id: 44 · data: {…}', style: 'event' },
  ],
  ws: [
    { from: 'page', text: 'GET /ws Upgrade: websocket', style: 'request' },
    { from: 'server', text: '101 Switching Protocols', style: 'response', opens: true },
    { from: 'server', text: 'text {"kind":"hello",…}', style: 'event' },
    { from: 'server', text: 'text {"seq":42,…}', style: 'event' },
    { from: 'page', text: 'text {"kind":"message",…}', style: 'event' },
    { from: 'server', text: 'ping', style: 'control' },
    { from: 'page', text: 'pong', style: 'control' },
    { from: 'server', text: 'text {"seq":43,…}', style: 'event' },
  ],
  socketio: [
    { from: 'page', text: 'GET /socket.io/ polling', style: 'request' },
    { from: 'server', text: '0{"sid":…,"upgrades":[…]}', style: 'response' },
    { from: 'page', text: 'POST 40', style: 'request' },
    { from: 'page', text: 'GET …&sid=…', style: 'request', holds: 'diagram.held' },
    { from: 'server', text: '40␞42["hello"]␞42["event"]', style: 'response' },
    { from: 'page', text: 'GET …&transport=websocket', style: 'request' },
    { from: 'server', text: '101 Switching Protocols', style: 'response', opens: true },
    { from: 'page', text: '2probe', style: 'control' },
    { from: 'server', text: '3probe', style: 'control' },
    { from: 'server', text: '6 (noop: held GET ends)', style: 'response' },
    { from: 'page', text: '5 (upgrade)', style: 'control' },
    { from: 'server', text: '42["event",{…43}]', style: 'event' },
  ],
};

/** The note under each diagram's open span: what the span is. */
const SPAN_NOTE = { sse: 'diagram.oneResponse', ws: 'diagram.oneConnection', socketio: 'diagram.oneConnection' };

/**
 * sequence returns the layout of a transport's diagram:
 *   {width, height, lifelines: [{x, key}], arrows: [{x1, y1, x2, y2, text, style, up}],
 *    marks: [{x, y, key, text}], waits: [{x, y1, y2, key}], spans: [{x, y1, y2}],
 *    notes: [{x, y, key}]}
 * up: the arrow goes from the page to the server. A wait is an event's wait
 * for the next request (diagram.waits), or a request's at the server until
 * its answer (diagram.held: a long poll).
 */
export function sequence(transport) {
  const steps = STEPS[transport];
  if (!steps) throw new Error(`no diagram for ${transport}`);
  const d = {
    width: WIDTH,
    lifelines: [{ x: PAGE_X, key: 'diagram.page' }, { x: SERVER_X, key: 'diagram.server' }],
    arrows: [], marks: [], waits: [], spans: [], notes: [],
  };
  let y = TOP;
  let published = null; // polling: where an event was published, until a request takes it
  let held = null; // long polling: {y, key} of a held request at the server, until its answer
  let opened = null;
  for (const s of steps) {
    if (s.mark) {
      d.marks.push({ x: SERVER_X, y: y + SLANT / 2, key: s.mark, text: s.text });
      published = y + SLANT / 2;
    } else {
      const up = s.from === 'page';
      const [x1, x2] = up ? [PAGE_X, SERVER_X] : [SERVER_X, PAGE_X];
      d.arrows.push({ x1, y1: y, x2, y2: y + SLANT, text: s.text, style: s.style, up });
      if (published !== null && up) {
        d.waits.push({ x: SERVER_X, y1: published, y2: y + SLANT, key: 'diagram.waits' });
      }
      if (!up && held !== null) d.waits.push({ x: SERVER_X, y1: held.y, y2: y, key: held.key });
      if (published !== null) published = null; // taken by a request, or answered at once by a held one
      if (s.holds) held = { y: y + SLANT, key: s.holds };
      else if (!up) held = null;
      if (s.opens) opened = y;
    }
    y += STEP;
  }
  if (opened !== null) {
    d.spans.push({ x: SERVER_X, y1: opened, y2: y - STEP / 2 });
    if (transport === 'ws' || transport === 'socketio') d.spans.push({ x: PAGE_X, y1: opened + SLANT, y2: y - STEP / 2 });
    d.notes.push({ x: (PAGE_X + SERVER_X) / 2, y: y + 4, key: SPAN_NOTE[transport] });
    y += STEP;
  }
  d.height = y;
  return d;
}

/**
 * renderDiagram builds the SVG for a layout from sequence(); T(key) looks a
 * word up in the page's language, `title` names the diagram for screen readers.
 */
export function renderDiagram(doc, d, T, title) {
  const el = (name, attrs, text) => {
    const node = doc.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const svg = el('svg', { viewBox: `0 0 ${d.width} ${d.height}`, class: 'seq', role: 'img', 'aria-label': title });
  svg.append(el('title', {}, title));

  for (const l of d.lifelines) {
    svg.append(el('line', { class: 'seq-life', x1: l.x, y1: 28, x2: l.x, y2: d.height - 4 }));
    svg.append(el('rect', { class: 'seq-head', x: l.x - 46, y: 2, width: 92, height: 26, rx: 5 }));
    svg.append(el('text', { class: 'seq-head-text', x: l.x, y: 20, 'text-anchor': 'middle' }, T(l.key)));
  }
  for (const s of d.spans) {
    svg.append(el('rect', { class: 'seq-span', x: s.x - 5, y: s.y1, width: 10, height: s.y2 - s.y1, rx: 2 }));
  }
  for (const w of d.waits) {
    // A bracket right of the server's lifeline, from publish to pick-up.
    const x = w.x + 10;
    svg.append(el('path', { class: 'seq-wait', d: `M${x} ${w.y1} h5 V${w.y2} h-5` }));
    svg.append(el('text', { class: 'seq-note', x: x + 9, y: (w.y1 + w.y2) / 2 + 4 }, T(w.key)));
  }
  for (const m of d.marks) {
    svg.append(el('circle', { class: 'seq-mark', cx: m.x, cy: m.y, r: 5 }));
    svg.append(el('text', { class: 'seq-note', x: m.x - 12, y: m.y + 4, 'text-anchor': 'end' }, `${T(m.key)} ${m.text}`));
  }
  for (const a of d.arrows) {
    const g = el('g', { class: `seq-msg seq-${a.style}` });
    const dir = Math.sign(a.x2 - a.x1);
    const tip = a.x2 - dir * 6; // the line ends where the head starts
    g.append(el('line', { class: 'seq-line', x1: a.x1 + dir * 6, y1: a.y1, x2: tip, y2: a.y2 }));
    g.append(el('path', { class: 'seq-head-arrow', d: `M${a.x2 - dir} ${a.y2} L${tip - dir * 4} ${a.y2 - 5} L${tip - dir * 4} ${a.y2 + 5} Z` }));
    g.append(el('text', { class: 'seq-label', x: (a.x1 + a.x2) / 2, y: Math.min(a.y1, a.y2) - 4, 'text-anchor': 'middle' }, a.text));
    svg.append(g);
  }
  for (const n of d.notes) {
    svg.append(el('text', { class: 'seq-note', x: n.x, y: n.y, 'text-anchor': 'middle' }, T(n.key)));
  }
  return svg;
}
