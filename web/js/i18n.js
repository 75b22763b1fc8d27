// i18n.js — every string the page shows, in English and Korean, keyed by
// stable ids; which language to use; and t() to look a string up.
//
// Pure: no DOM, no globals. The Korean is written the way a Korean instructor
// says it in class (폴링, 서버 센트 이벤트(SSE), 웹 소켓), not word for word.

/** LANGS lists the languages the page speaks, the default first. */
export const LANGS = Object.freeze(['en', 'ko']);

/** LANG_NAMES is how each language names itself on the toggle. */
export const LANG_NAMES = Object.freeze({ en: 'EN', ko: '한국어' });

const en = {
  'doc.title': 'transportlab — polling, SSE and WebSocket side by side',
  'subtitle': 'One live feed delivered three ways — what each costs, and how late each event arrives.',
  'lang.label': 'Language',

  'meta.epoch': 'server epoch',
  'meta.feed': 'feed',
  'meta.head': 'head seq',
  'meta.clockOffset': 'clock offset',
  'meta.rtt': 'best round trip',
  'meta.page': 'this page',
  'unit.eventsPerSec': 'events/s',
  'unit.ms': 'ms',

  'controls.label': 'Controls',
  'controls.transports': 'Transports',
  'controls.solo': 'solo',
  'controls.soloTitle': 'Only {name}',
  'controls.turnOn': 'Turn {name} on',
  'controls.turnOff': 'Turn {name} off',
  'controls.pollEvery': 'Poll every',
  'controls.message': 'Message',
  'controls.placeholder': 'Say hello to every open page…',
  'controls.placeholderNone': 'Turn a transport on to send a message',
  'controls.sendOver': 'Send over',
  'controls.via': 'via {name}',
  'controls.send': 'Send',
  'interval.ms': '{n} ms',
  'interval.s': '{n} s',

  'name.poll': 'Polling',
  'name.sse': 'SSE',
  'name.ws': 'WebSocket',
  'title.poll': 'Polling',
  'title.sse': 'Server-Sent Events',
  'title.ws': 'WebSocket',
  'how.poll': 'Asks “anything since N?” every interval: one request each time, and a new event waits for the next ask.',
  'how.sse': 'One long HTTP response the server keeps writing to; after a drop the browser reconnects with Last-Event-ID.',
  'how.ws': 'One request upgraded into a connection that carries events down and messages up, both ways.',
  'bytes.poll': 'body bytes',
  'bytes.sse': 'data bytes',
  'bytes.ws': 'message bytes',

  'state.off': 'off',
  'state.connecting': 'connecting',
  'state.open': 'open',
  'state.reconnecting': 'reconnecting',

  'detail.off': 'off: no requests; the numbers stay as they were',
  'detail.restarted': 'server restarted: history gone, starting over at the head',
  'detail.historyGone': 'history gone: starting over at the head',
  'detail.poll.open': 'one request every {interval} ms',
  'detail.poll.retry': '{error}; retry in {seconds} s',
  'detail.sse.open': 'one response, still streaming',
  'detail.sse.openRetry': 'one response, still streaming; the server asks for a retry after {retry} ms',
  'detail.sse.refused': 'stream refused; new stream in {seconds} s',
  'detail.sse.reconnecting': 'browser reconnects with Last-Event-ID',
  'detail.ws.open': 'one connection, both directions',
  'detail.ws.closed': 'closed ({code}); retry in {seconds} s',
  'detail.ws.closedReason': 'closed ({code} {reason}); retry in {seconds} s',

  'panel.latencyLabel': 'latency over the last minute',
  'panel.latencyLast': 'latency, last',
  'panel.median': 'median',
  'panel.p95': 'p95',
  'panel.chartLabel': '{name}: latency of each event over the last minute',
  'panel.colPage': 'page',
  'panel.colServer': 'server',
  'panel.requests': 'HTTP requests',
  'panel.events': 'events',
  'fact.missed': 'missed',
  'fact.duplicates': 'duplicates',
  'fact.resets': 'resets',
  'fact.reconnects': 'reconnects',
  'fact.replayed': 'replayed',
  'fact.openServer': 'open (server)',
  'fact.pollEmpty': 'empty answers',
  'fact.wsRtt': 'round trip',
  'fact.wsRttMedian': 'round trip, median',

  'chart.now': 'now',
  'chart.secondsAgo': '−{s} s',
  'chart.empty': 'no events in the last minute',

  'log.title': 'Messages from this page',
  'log.hint': 'How long after sending each message it came back over each transport that is on. Polling and SSE must send with an extra {post}; WebSocket sends over the connection it already has.',
  'log.sent': 'sent',
  'log.text': 'text',
  'log.via': 'via',
  'log.seq': 'seq',
  'log.empty': 'No messages yet — type one above.',
  'log.off': 'off',

  'error.notSent': 'Not sent: {error}',
  'error.tooLong': 'At most 280 characters.',
  'error.wsNotOpen': 'the WebSocket is not open',

  'foot.note': 'Latency = time received here + clock offset − the server\'s publish time ({ts}). Requests, events and bytes are counted twice: by this page as they happen, and by the server for this page only (its column refreshes once a second, and starts over when the server restarts).',

  // Charts, byte costs and export (issue 4, items 2, 4 and 7): compare.js, index.html.
  'compare.title': 'Side by side',
  'compare.timeline': 'Latency of every event in the last minute, all on one clock',
  'compare.cdf': 'How latencies are spread: the share of events that arrived within a given time',
  'compare.bars': 'What each transport spends',
  'compare.axisLatencyLog': 'latency (ms, log scale)',
  'compare.axisShare': 'events that arrived within (%)',
  'compare.percent': '{n} %',
  'compare.medianValue': 'median {v} ms',
  'compare.barRequests': 'HTTP requests in the last minute',
  'compare.barWirePerEvent': 'bytes on the wire per event',
  'compare.barMedian': 'median latency',
  'compare.bytes': '{n} B',
  'compare.ms': '{v} ms',
  'costs.requestsMinute': 'HTTP requests, last minute',
  'costs.wireMinute': 'bytes on the wire, last minute',
  'costs.wireEvent': 'bytes on the wire per event',
  'costs.bodyEvent': 'body bytes per event',
  'costs.overhead': 'headers & framing, share',
  'costs.median': 'median latency (ms)',
  'costs.note': 'Bytes on the wire are counted by the server at the socket, both ways: request and status lines, headers, chunk and frame headers, pings and pongs (not TCP/IP headers). Per event: since this page opened, so polling\'s empty answers count too. Requests: counted by this page.',
  'export.label': 'Download this run',
  'export.json': 'JSON (everything)',
  'export.csv': 'CSV (one row per event)',

  // Network simulation and the tutorial preset (netsim.js, sim.js)
  'sim.meta': 'simulated network',
  'sim.label': 'Network, this page only',
  'sim.preset.localhost': 'localhost',
  'sim.preset.wifi': 'good Wi-Fi',
  'sim.preset.mobile': 'mobile 3G',
  'sim.preset.satellite': 'satellite',
  'sim.preset.custom': 'custom',
  'sim.delay': 'delay',
  'sim.jitter': '± jitter',
  'sim.apply': 'Apply',
  'sim.stall': 'Stall for',
  'sim.seconds': '{n} s',
  'sim.stallNote': 'The server cuts a stream whose write stays blocked longer than {seconds} s (its write timeout).',
  'sim.stallNoCut': 'This server never cuts a stream whose write is blocked: it has no write timeout.',
  'sim.drop': 'drop the connection',
  'sim.dropTitle': 'Have the server close this page\'s {name} connection now, without a goodbye',
  'sim.dropped': 'the server dropped {n} connection(s)',
  'sim.badge.unknown': '—',
  'sim.badge.none': 'none',
  'sim.badge.delay': '+{delay} ms',
  'sim.badge.delayJitter': '+{delay} ± {jitter} ms',
  'sim.stalled': 'stalled, {seconds} s left',
  'sim.error.delay': 'Delay: a whole number of ms from 0 to {max}.',
  'sim.error.jitter': 'Jitter: a whole number of ms from 0 up to the delay ({delay} ms).',
  'sim.error.server': 'The server refused: {error}',
  'tutorial.button': 'Tutorial: one event every 3 s, the page replies to each',
  'tutorial.normal': 'back to normal',
  'tutorial.normalRate': 'back to normal ({rate} events/s)',
  'tutorial.hint': 'Sets the feed for every page; allowed only from the server\'s own machine.',
  'tutorial.forbidden': 'Not allowed from here: the feed rate is the same for every page, so the server takes a change only from its own machine. Open the page there (localhost), or start the server with -rate {rate}.',
  'tutorial.refused': 'The feed rate was not changed: {error}',
  'tutorial.tooFast': 'Not replying: the feed runs at {rate} events/s, and the page replies only up to {max} event/s, since the server takes at most 2 messages a second from one page.',
  'tutorial.replies': 'Replies sent, each over the transport that brought the event: {list}',
  'tutorial.repliesRefused': '({n} not sent: {error})',
};

const ko = {
  'doc.title': 'transportlab — 폴링, SSE, 웹 소켓 나란히 비교',
  'subtitle': '하나의 실시간 피드를 세 가지 방식으로 받아 봅니다 — 방식마다 드는 비용과 이벤트가 늦게 도착하는 정도를 비교합니다.',
  'lang.label': '언어',

  'meta.epoch': '서버 에포크',
  'meta.feed': '피드',
  'meta.head': '최신 seq',
  'meta.clockOffset': '시계 오차',
  'meta.rtt': '최소 왕복 시간',
  'meta.page': '이 페이지',
  'unit.eventsPerSec': '이벤트/초',
  'unit.ms': 'ms',

  'controls.label': '설정',
  'controls.transports': '전송 방식',
  'controls.solo': '단독',
  'controls.soloTitle': '{name}만 켜기',
  'controls.turnOn': '{name} 켜기',
  'controls.turnOff': '{name} 끄기',
  'controls.pollEvery': '폴링 주기',
  'controls.message': '메시지',
  'controls.placeholder': '열려 있는 모든 페이지에 인사해 보세요…',
  'controls.placeholderNone': '메시지를 보내려면 전송 방식을 하나 켜세요',
  'controls.sendOver': '보낼 방식',
  'controls.via': '{name}로 보내기',
  'controls.send': '보내기',
  'interval.ms': '{n} ms',
  'interval.s': '{n}초',

  'name.poll': '폴링',
  'name.sse': 'SSE',
  'name.ws': '웹 소켓',
  'title.poll': '폴링',
  'title.sse': '서버 센트 이벤트(SSE)',
  'title.ws': '웹 소켓',
  'how.poll': '주기마다 “N번 이후로 새로 온 거 있나요?” 하고 묻습니다. 물을 때마다 요청이 하나씩 나가고, 새 이벤트는 다음 요청 때까지 기다려야 합니다.',
  'how.sse': '서버가 하나의 긴 HTTP 응답에 계속 이어서 씁니다. 연결이 끊기면 브라우저가 Last-Event-ID를 보내며 재연결합니다.',
  'how.ws': '요청 하나를 업그레이드해 만든 연결로, 이벤트는 내려오고 메시지는 올라가는 양방향 통신입니다.',
  'bytes.poll': '본문 바이트',
  'bytes.sse': '데이터 바이트',
  'bytes.ws': '메시지 바이트',

  'state.off': '꺼짐',
  'state.connecting': '연결 중',
  'state.open': '연결됨',
  'state.reconnecting': '재연결 중',

  'detail.off': '꺼짐: 요청을 보내지 않으며, 숫자는 그대로 유지됩니다',
  'detail.restarted': '서버 재시작: 이전 기록이 사라져 최신 지점부터 다시 받습니다',
  'detail.historyGone': '기록 없음: 최신 지점부터 다시 받습니다',
  'detail.poll.open': '{interval} ms마다 요청 1회',
  'detail.poll.retry': '{error}; {seconds}초 후 재시도',
  'detail.sse.open': '응답 하나로 계속 스트리밍 중',
  'detail.sse.openRetry': '응답 하나로 계속 스트리밍 중; 서버가 재연결 간격을 {retry} ms로 지정',
  'detail.sse.refused': '스트림 거부됨; {seconds}초 후 새 스트림',
  'detail.sse.reconnecting': '브라우저가 Last-Event-ID로 재연결합니다',
  'detail.ws.open': '연결 하나로 양방향 통신 중',
  'detail.ws.closed': '연결 종료({code}); {seconds}초 후 재시도',
  'detail.ws.closedReason': '연결 종료({code} {reason}); {seconds}초 후 재시도',

  'panel.latencyLabel': '최근 1분간 지연 시간',
  'panel.latencyLast': '지연 시간, 최근',
  'panel.median': '중앙값',
  'panel.p95': 'p95',
  'panel.chartLabel': '{name}: 최근 1분간 이벤트별 지연 시간',
  'panel.colPage': '페이지',
  'panel.colServer': '서버',
  'panel.requests': 'HTTP 요청',
  'panel.events': '이벤트',
  'fact.missed': '누락',
  'fact.duplicates': '중복',
  'fact.resets': '초기화(리셋)',
  'fact.reconnects': '재연결',
  'fact.replayed': '다시 받음',
  'fact.openServer': '열린 연결(서버)',
  'fact.pollEmpty': '빈 응답',
  'fact.wsRtt': '왕복 시간',
  'fact.wsRttMedian': '왕복 시간, 중앙값',

  'chart.now': '지금',
  'chart.secondsAgo': '−{s}초',
  'chart.empty': '최근 1분간 이벤트 없음',

  'log.title': '이 페이지에서 보낸 메시지',
  'log.hint': '메시지를 보낸 뒤 켜져 있는 각 전송 방식으로 되돌아오기까지 걸린 시간입니다. 폴링과 SSE는 따로 {post} 요청을 한 번 더 보내야 하지만, 웹 소켓은 이미 열려 있는 연결로 보냅니다.',
  'log.sent': '보낸 시각',
  'log.text': '내용',
  'log.via': '보낸 방식',
  'log.seq': 'seq',
  'log.empty': '아직 메시지가 없습니다 — 위에서 입력해 보세요.',
  'log.off': '꺼짐',

  'error.notSent': '보내지 못함: {error}',
  'error.tooLong': '280자까지만 보낼 수 있습니다.',
  'error.wsNotOpen': '웹 소켓이 열려 있지 않습니다',

  'foot.note': '지연 시간 = 이 페이지에서 받은 시각 + 시계 오차 − 서버가 발행한 시각({ts}). 요청, 이벤트, 바이트는 두 번 셉니다. 한 번은 이 페이지가 받는 즉시 세고, 한 번은 서버가 이 페이지 몫만 따로 셉니다(서버 열은 1초마다 갱신되며, 서버가 재시작하면 처음부터 다시 셉니다).',

  // 차트, 바이트 비용, 내보내기 (이슈 4, 2·4·7번): compare.js, index.html.
  'compare.title': '나란히 비교',
  'compare.timeline': '최근 1분간 모든 이벤트의 지연 시간 — 세 방식을 같은 시계로',
  'compare.cdf': '지연 시간 분포: 주어진 시간 안에 도착한 이벤트의 비율',
  'compare.bars': '방식별로 드는 비용',
  'compare.axisLatencyLog': '지연 시간(ms, 로그 눈금)',
  'compare.axisShare': '이 시간 안에 도착한 이벤트(%)',
  'compare.percent': '{n}%',
  'compare.medianValue': '중앙값 {v} ms',
  'compare.barRequests': '최근 1분간 HTTP 요청 수',
  'compare.barWirePerEvent': '이벤트당 실제 전송 바이트',
  'compare.barMedian': '지연 시간 중앙값',
  'compare.bytes': '{n}바이트',
  'compare.ms': '{v} ms',
  'costs.requestsMinute': 'HTTP 요청(최근 1분)',
  'costs.wireMinute': '실제 전송 바이트(최근 1분)',
  'costs.wireEvent': '이벤트당 실제 전송 바이트',
  'costs.bodyEvent': '이벤트당 본문 바이트',
  'costs.overhead': '헤더·프레이밍 비중',
  'costs.median': '지연 시간 중앙값(ms)',
  'costs.note': '실제 전송 바이트는 서버가 소켓에서 직접 센 값으로, 주고받은 양쪽을 모두 포함합니다. 요청 줄과 상태 줄, 헤더, 청크와 프레임 헤더, 핑과 퐁까지 들어갑니다(TCP/IP 헤더는 빠집니다). 이벤트당 값은 이 페이지를 연 뒤부터 센 것이라 폴링의 빈 응답도 들어 있습니다. 요청 수는 이 페이지가 직접 셉니다.',
  'export.label': '이번 실행 결과 내려받기',
  'export.json': 'JSON(전체)',
  'export.csv': 'CSV(이벤트마다 한 줄)',

  // Network simulation and the tutorial preset (netsim.js, sim.js)
  'sim.meta': '네트워크 시뮬레이션',
  'sim.label': '네트워크 (이 페이지만)',
  'sim.preset.localhost': '로컬호스트',
  'sim.preset.wifi': '좋은 와이파이',
  'sim.preset.mobile': '모바일 3G',
  'sim.preset.satellite': '위성 인터넷',
  'sim.preset.custom': '직접 입력',
  'sim.delay': '지연',
  'sim.jitter': '± 지터',
  'sim.apply': '적용',
  'sim.stall': '멈추기',
  'sim.seconds': '{n}초',
  'sim.stallNote': '서버는 쓰기가 {seconds}초(쓰기 제한 시간)보다 오래 막힌 스트림을 끊어 버립니다.',
  'sim.stallNoCut': '이 서버는 쓰기 제한 시간이 없어서, 쓰기가 막힌 스트림도 끊지 않습니다.',
  'sim.drop': '연결 끊기',
  'sim.dropTitle': '이 페이지의 {name} 연결을 서버가 지금 바로, 종료 인사 없이 끊게 합니다',
  'sim.dropped': '서버가 연결 {n}개를 끊었습니다',
  'sim.badge.unknown': '—',
  'sim.badge.none': '없음',
  'sim.badge.delay': '+{delay} ms',
  'sim.badge.delayJitter': '+{delay} ± {jitter} ms',
  'sim.stalled': '멈춤, {seconds}초 남음',
  'sim.error.delay': '지연은 0부터 {max}까지 정수(ms)로 넣어 주세요.',
  'sim.error.jitter': '지터는 0부터 지연 값({delay} ms)까지 정수(ms)로 넣어 주세요.',
  'sim.error.server': '서버가 거부했습니다: {error}',
  'tutorial.button': '튜토리얼: 3초마다 이벤트 하나, 페이지가 하나하나 답장',
  'tutorial.normal': '원래대로',
  'tutorial.normalRate': '원래대로 (초당 {rate}개)',
  'tutorial.hint': '모든 페이지의 피드 속도가 바뀝니다. 서버가 돌아가는 컴퓨터에서만 바꿀 수 있습니다.',
  'tutorial.forbidden': '여기서는 바꿀 수 없습니다. 피드 속도는 모든 페이지에 똑같이 적용되기 때문에, 서버는 자기 컴퓨터에서 온 요청만 받아 줍니다. 서버 컴퓨터에서 localhost로 페이지를 열거나, 서버를 -rate {rate} 옵션으로 실행하세요.',
  'tutorial.refused': '피드 속도를 바꾸지 못했습니다: {error}',
  'tutorial.tooFast': '답장 안 함: 지금 피드가 초당 {rate}개입니다. 서버는 한 페이지에서 메시지를 초당 2개까지만 받기 때문에, 페이지는 초당 {max}개 이하일 때만 답장합니다.',
  'tutorial.replies': '이벤트를 받은 전송 방식으로 그대로 보낸 답장: {list}',
  'tutorial.repliesRefused': '({n}개 보내지 못함: {error})',
};

/** MESSAGES holds the tables, by language. */
export const MESSAGES = Object.freeze({ en: Object.freeze(en), ko: Object.freeze(ko) });

/**
 * pickLang chooses the page's language: a valid ?lang=ko|en in `search`
 * wins; otherwise Korean when the browser's first language
 * (navigator.languages[0]) starts with "ko"; otherwise English.
 */
export function pickLang(search, navigatorLanguages = []) {
  const q = parseLang(new URLSearchParams(search ?? '').get('lang'));
  if (q !== null) return q;
  const first = Array.from(navigatorLanguages ?? [])[0];
  return typeof first === 'string' && first.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** parseLang returns 'en' or 'ko' for a query value naming one, else null. */
export function parseLang(raw) {
  if (typeof raw !== 'string') return null;
  const v = raw.trim().toLowerCase();
  return LANGS.includes(v) ? v : null;
}

/**
 * t returns the string `key` in `lang` (English when the language or the key
 * is unknown there, the key itself when unknown everywhere), with each {name}
 * replaced by params[name]. Unknown {names} are left as they are.
 */
export function t(lang, key, params) {
  const table = MESSAGES[lang] ?? MESSAGES.en;
  const text = table[key] ?? MESSAGES.en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (Object.hasOwn(params, name) ? String(params[name]) : m));
}

/**
 * detailText turns a transport's status detail into text: a {key, params}
 * object is looked up, a string is shown as it is, nothing is ''.
 */
export function detailText(lang, detail) {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail === 'string') return detail;
  return t(lang, detail.key, detail.params);
}
