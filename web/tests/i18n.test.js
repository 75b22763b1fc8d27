import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { MESSAGES, LANGS, pickLang, parseLang, t, detailText, serverErrorKey } from '../js/i18n.js';

const read = (rel) => readFileSync(new URL(rel, import.meta.url), 'utf8');

test('every language has exactly the same keys, none empty', () => {
  assert.deepEqual(Object.keys(MESSAGES).sort(), [...LANGS].sort());
  const keys = Object.keys(MESSAGES.en).sort();
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(MESSAGES[lang]).sort(), keys, `${lang}: keys differ from en`);
    for (const [key, text] of Object.entries(MESSAGES[lang])) {
      assert.equal(typeof text, 'string', `${lang}.${key}`);
      assert.notEqual(text.trim(), '', `${lang}.${key} is empty`);
    }
  }
});

test('every language uses the same {placeholders} in each string', () => {
  const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(MESSAGES.en)) {
    assert.deepEqual(names(MESSAGES.ko[key]), names(MESSAGES.en[key]), key);
  }
});

test('the Korean says it the way the class does', () => {
  assert.equal(t('ko', 'title.poll'), '폴링');
  assert.equal(t('ko', 'title.sse'), '서버 전송 이벤트(SSE)'); // as MDN says it
  assert.equal(t('ko', 'title.ws'), '웹 소켓');
  assert.match(t('ko', 'detail.restarted'), /서버 재시작/);
  // The particle follows the name's last syllable: 폴링으로, SSE로, 웹 소켓으로;
  // the 보내기 button beside it says the verb.
  assert.equal(t('ko', 'via.poll'), '폴링으로');
  assert.equal(t('ko', 'via.sse'), 'SSE로');
  assert.equal(t('ko', 'via.ws'), '웹 소켓으로');
  assert.equal(t('ko', 'meta.clockOffset'), '시계 차이'); // a difference between clocks, not a mistake
  assert.equal(t('ko', 'panel.latencyLast'), '마지막 지연 시간');
  assert.equal(t('ko', 'fact.catchUp'), '따라잡기 지연 시간 중앙값'); // a latency is 지연 시간, as in every label
  assert.equal(t('ko', 'sim.preset.wifi'), '빠른 와이파이');
  assert.match(t('ko', 'fact.inFlightServer'), /요청/); // polling keeps requests open, not connections
});

test('no Korean particle is glued to a {placeholder}: its form depends on the word', () => {
  // 을/를, 이/가, 은/는, 과/와 and 으로/로 change with the last syllable of the
  // word before them, which a {name} hides; counters (개, 초, 건, …) do not.
  const glued = /\{\w+\}(을|를|이|가|은|는|과|와|으로|로)(?![가-힣])/;
  for (const [key, text] of Object.entries(MESSAGES.ko)) assert.doesNotMatch(text, glued, key);
});

test('every key the page, its HTML and its modules name is in the tables', () => {
  const used = new Set();
  for (const page of ['../index.html', '../instructor.html']) {
    for (const m of read(page).matchAll(/data-i18n(?:-aria-label)?="([^"]+)"/g)) used.add(m[1]);
  }
  const modules = (dir) => readdirSync(new URL(dir, import.meta.url)).filter((f) => f.endsWith('.js')).map((f) => read(dir + f));
  const sources = [...modules('../js/'), ...modules('../js/transports/')];
  for (const src of sources) {
    // Any 'word.word' literal starting in lower case is a key (the other
    // dotted literals are names, as 'Socket.IO').
    for (const m of src.matchAll(/'([a-z][a-zA-Z]*(?:\.[a-zA-Z]+)+)'/g)) used.add(m[1]);
  }
  // Keys built from a transport or state name.
  for (const tr of ['poll', 'longpoll', 'sse', 'ws', 'socketio']) for (const p of ['name', 'title', 'how', 'bytes', 'via']) used.add(`${p}.${tr}`);
  for (const s of ['off', 'connecting', 'open', 'reconnecting']) used.add(`state.${s}`);
  assert.ok(used.size > 50, `found only ${used.size} keys: is the scan broken?`);
  for (const key of used) assert.ok(Object.hasOwn(MESSAGES.en, key), `${key} is used but not in the tables`);
});

test('pickLang: ?lang wins, else the browser\'s first language, else English', () => {
  const cases = [
    ['?lang=ko', ['en-US'], 'ko'],
    ['?lang=en', ['ko-KR', 'ko'], 'en'],
    ['?lang=KO', [], 'ko'],
    ['?interval=500&lang=ko', ['en'], 'ko'],
    ['?lang=fr', ['ko-KR'], 'ko'],
    ['?lang=', ['en-GB'], 'en'],
    ['', ['ko-KR', 'en-US'], 'ko'],
    ['', ['ko'], 'ko'],
    ['', ['en-US', 'ko-KR'], 'en'],
    ['', ['ja-JP'], 'en'],
    ['', [], 'en'],
    ['', undefined, 'en'],
  ];
  for (const [search, langs, want] of cases) {
    assert.equal(pickLang(search, langs), want, `pickLang(${JSON.stringify(search)}, ${JSON.stringify(langs)})`);
  }
});

test('parseLang accepts only known languages', () => {
  assert.equal(parseLang('ko'), 'ko');
  assert.equal(parseLang(' EN '), 'en');
  assert.equal(parseLang('kr'), null);
  assert.equal(parseLang(null), null);
});

test('t substitutes {names} and falls back sensibly', () => {
  assert.equal(t('en', 'detail.poll.open', { interval: 250 }), 'one request every 250 ms');
  assert.equal(t('ko', 'detail.poll.open', { interval: 250 }), '250 ms마다 요청 1회');
  assert.equal(t('ko', 'detail.ws.closed', { code: 1006, seconds: '1.5' }), '연결 종료(1006), 1.5초 후 재시도');
  assert.equal(t('en', 'controls.turnOn', { name: 'SSE' }), 'Turn SSE on');
  assert.equal(t('en', 'detail.poll.open'), 'one request every {interval} ms', 'no params: left as is');
  assert.equal(t('en', 'detail.poll.open', {}), 'one request every {interval} ms', 'unknown name: left as is');
  assert.equal(t('en', 'controls.turnOn', { name: '{name}$&' }), 'Turn {name}$& on', 'a value is inserted literally');
  assert.equal(t('xx', 'state.open'), 'open', 'unknown language: English');
  assert.equal(t('ko', 'no.such.key'), 'no.such.key');
});

test('detailText renders what the transports report', () => {
  assert.equal(detailText('ko', ''), '');
  assert.equal(detailText('ko', undefined), '');
  assert.equal(detailText('en', 'plain'), 'plain');
  assert.equal(detailText('ko', { key: 'detail.sse.open' }), '응답 하나로 계속 스트리밍 중');
  assert.equal(detailText('en', { key: 'detail.sse.refused', params: { seconds: '2.0' } }), 'stream refused; new stream in 2.0 s');
});

test('Korean writes each unit one way: a symbol after a space, a counter joined', () => {
  for (const [key, text] of Object.entries(MESSAGES.ko)) {
    assert.doesNotMatch(text, /[\d}](ms|B)\b/, `${key}: a symbol follows the number after a space`);
    assert.doesNotMatch(text, /\d\s*바이트|\}\s*바이트/, `${key}: bytes are B`);
    assert.doesNotMatch(text, /초당 \{(rate|max)\}/, `${key}: a feed rate is written {n} 이벤트/초`);
  }
});

test('serverErrorKey: the page\'s words for every code the server sends, else null', () => {
  // Every code the server sends: the string constants of internal/httpjson.
  const source = read('../../internal/httpjson/httpjson.go');
  const codes = [...source.matchAll(/^\t\w+\s*=\s*"([a-z_]+)"/gm)].map((m) => m[1]);
  assert.ok(codes.includes('unauthorized') && codes.length >= 12, `codes read from httpjson.go: ${codes}`);
  for (const code of codes) {
    const key = serverErrorKey(code);
    assert.equal(key, `serverError.${code}`, code);
    assert.notEqual(t('ko', key), t('en', key), `${code}: said in Korean too`);
  }
  for (const code of ['no_such_code', '', undefined, null, 42, 'toString', '__proto__']) {
    assert.equal(serverErrorKey(code), null, JSON.stringify(code));
  }
});

test('t says a named error in the page\'s language, another by its message', () => {
  const refused = Object.assign(new Error('too many messages (HTTP 429)'), { key: 'serverError.too_many_messages' });
  assert.equal(t('ko', 'error.notSent', { error: refused }), '보내지 못함: 이 페이지에서 보낸 메시지가 너무 많습니다. 잠시 기다려 주세요');
  assert.equal(t('en', 'error.notSent', { error: refused }), 'Not sent: too many messages from this page: wait a moment');
  const unknown = new Error('a reason the page has no words for (HTTP 418)');
  assert.equal(t('ko', 'error.notSent', { error: unknown }), '보내지 못함: a reason the page has no words for (HTTP 418)');
  assert.equal(t('en', 'sim.error.server', { error: { key: 'serverError.shutting_down' } }), 'The server refused: the server is shutting down');
});
