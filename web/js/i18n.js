// i18n.js — every string the page shows, in English and Korean, keyed by
// stable ids; which language to use; and t() to look a string up.
//
// Pure: no DOM, no globals. The Korean is written the way a Korean instructor
// says it in class (폴링, 서버 전송 이벤트(SSE) as MDN has it, 웹 소켓), not word
// for word. Units are written one way in each language: a symbol follows
// the number after a space (250 ms, 120 B, 10 이벤트/초), and a Korean
// counter joins it (3초, 5개, 2건), as does %.

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
  'meta.rtt': 'shortest round trip',
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
  // One per transport, so that each language can join the name its own way
  // (Korean picks 으로 or 로 by the name's last syllable).
  'via.poll': 'via Polling',
  'via.sse': 'via SSE',
  'via.ws': 'via WebSocket',
  'controls.send': 'Send',
  'controls.jump': 'Side by side ↓',
  'interval.ms': '{n} ms',
  'interval.s': '{n} s',

  'name.poll': 'Polling',
  'name.sse': 'SSE',
  'name.ws': 'WebSocket',
  'title.poll': 'Polling',
  'title.sse': 'Server-Sent Events',
  'title.ws': 'WebSocket',
  'how.poll': 'Asks “anything since N?” every interval: one request each time, and a new event waits for the next request.',
  'how.sse': 'One long HTTP response the server keeps writing to; after a drop the browser reconnects with Last-Event-ID.',
  'how.ws': 'One request, upgraded into a connection that carries events down and messages up.',
  'bytes.poll': 'body bytes (events)',
  'bytes.sse': 'body bytes (events)',
  'bytes.ws': 'body bytes (events)',

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
  'detail.sse.openRetry': 'one response, still streaming; after a drop, reconnect in {retry} ms (set by the server)',
  'detail.sse.refused': 'stream refused; new stream in {seconds} s',
  'detail.sse.reconnecting': 'the browser is reconnecting with Last-Event-ID',
  'detail.ws.open': 'one connection, both directions',
  'detail.ws.closed': 'closed ({code}); retry in {seconds} s',
  'detail.ws.closedReason': 'closed ({code} {reason}); retry in {seconds} s',

  'panel.latencyLabel': 'latency over the last minute',
  'panel.latencyLast': 'latency, last',
  'panel.latencyMedian': 'latency, median',
  'panel.p95': 'p95',
  'panel.clockError': 'clock ±',
  'panel.withinClock': 'Inside the clock offset\'s uncertainty (±{error} ms): the latency is somewhere from 0 to this, no closer known.',
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
  // What the server counts as open: a connection for SSE and WebSocket, a
  // request it is still answering for polling. English says "open" of both;
  // Korean needs a word for each.
  'fact.inFlightServer': 'open (server)',
  'fact.pollEmpty': 'empty responses',
  'fact.wsRtt': 'round trip',
  'fact.wsRttMedian': 'round trip, median',

  'chart.now': 'now',
  'chart.secondsAgo': '−{s} s',
  'chart.empty': 'no events in the last minute',

  'log.title': 'Messages from this page',
  'log.hint': 'How long each message took to come back over each transport that is on. Polling and SSE send it as an extra {post} request; WebSocket sends it over the connection it already has.',
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

  // Charts, byte costs and export: compare.js, index.html.
  'compare.title': 'Side by side',
  'compare.timeline': 'Latency of every event in the last minute, all on one clock',
  'compare.cdf': 'How latencies are spread: the share of events that arrived within a given time',
  'compare.bars': 'What each transport spends',
  'compare.axisLatencyLog': 'latency (ms, log scale)',
  'compare.axisShare': 'events that arrived within (%)',
  'compare.percent': '{n} %',
  'compare.medianValue': '{name} median {v} ms',
  'compare.barRequests': 'HTTP requests in the last minute',
  'compare.barWirePerEvent': 'bytes on the wire per event',
  'compare.barMedian': 'median latency',
  'compare.bytes': '{n} B',
  'compare.ms': '{v} ms',
  'costs.requestsMinute': 'HTTP requests, last minute',
  'costs.wireMinute': 'bytes on the wire, last minute',
  'costs.wireEvent': 'bytes on the wire per event',
  'costs.bodyEvent': 'body bytes per event',
  'costs.overhead': 'all but the body (share)',
  'costs.probeEvent': 'the page\'s probe per event, apart',
  'costs.median': 'median latency (ms)',
  'costs.note': 'Bytes on the wire are counted by the server at the socket, both ways: request and status lines, headers, chunk and frame headers, pings and pongs (not TCP/IP headers). Per event: since this page opened, so polling\'s empty responses count too. The page\'s own WebSocket pings and their pongs (every 2 s, for the round trip) are its measuring, not the transport\'s cost: their frames, sized exactly as RFC 6455 frames what the page sent and read, are left out of the per-event bytes and shown apart. Body: the events\' JSON. All but the body: headers, SSE framing and heartbeats, the poll answer\'s envelope, the server\'s own pings, and the POSTs of messages. Requests: counted by this page.',
  'export.label': 'Download this run',
  'export.json': 'JSON (everything)',
  'export.csv': 'CSV (one row per event)',

  // Wire inspector, explanations, sequence diagrams and live hints.
  'inspector.title': 'Wire inspector: the last {n} exchanges',
  'inspector.pause': 'Pause',
  'inspector.resume': 'Resume',
  'inspector.resumeWaiting': 'Resume ({n} new)',
  'inspector.paused': 'paused: {n} more arrived meanwhile',
  'inspector.empty': 'Nothing has crossed the wire yet.',
  'inspector.sources': 'page: what this page\'s code received, with sizes worked out from it · server: counted by the server on the wire, for what the browser hides',
  'inspector.legend.poll': 'Each request this page made, with its response. Body: the bytes the page received. Headers: the request\'s and the response\'s, counted by the server on the wire, since the browser does not report them.',
  'inspector.legend.sse': 'The page never sees the stream\'s lines: its id:, event: and data: lines are rebuilt from what EventSource handed over (each event\'s data, type and id). The retry: line comes from the hello, which repeats it; heartbeats and POSTs are counted by the server on the wire.',
  'inspector.legend.ws': 'Messages both ways, as this page sent and received them. Their size as a frame is worked out from the payload by RFC 6455 (2 to 10 bytes of header, plus a 4-byte mask from the page), not measured. Pings and pongs, which the browser hides, are counted by the server on the wire.',
  'inspector.noWire': 'The server does not report its side (no /api/wire): header bytes, heartbeats and pings show as —.',
  'inspector.badge.page': 'page',
  'inspector.badge.server': 'server',
  'inspector.dir.up': 'page → server',
  'inspector.dir.down': 'server → page',
  'inspector.events': '{n} events',
  'inspector.body': 'body {n} B',
  'inspector.headers': 'headers {n} B',
  'inspector.wire': 'on the wire {n} B',
  'inspector.data': 'data {n} B',
  'inspector.payload': 'payload {n} B',
  'inspector.frame': 'frame {n} B',
  'inspector.failed': 'failed: {error}',
  'inspector.ping': 'ping (control frame)',
  'inspector.pong': 'pong (control frame)',
  'inspector.rtt': 'round trip {ms} ms',
  'inspector.close': 'close {code} {reason}',
  'inspector.drop': 'the server dropped this connection (simulated)',
  'inspector.stall': 'the server stopped writing for {ms} ms (simulated)',
  'inspector.missed': '{n} older rows of the server\'s log not shown (of any transport): it keeps only the last {keep} per page',

  'explain.title': 'How it works',
  'explain.poll': 'The page sends a short GET /poll every interval, asking for the events after the last seq it saw; the server answers at once, with events or with none. Each time, a whole HTTP request and response go back and forth, headers and all, even when the response is empty. An event published between two requests waits for the next one, half an interval on average, and then for the response to travel back.',
  'explain.sse': 'The page sends one GET /sse and the server never finishes its response: it keeps writing each event into it as id: and data: lines, and a comment as a heartbeat while idle. Data flows from server to page only; to send, the page makes a separate POST. When the stream drops, the browser waits the retry: delay, reconnects by itself with Last-Event-ID, and the server resumes right after that event.',
  'explain.ws': 'The page sends one GET /ws with Upgrade: websocket; the server answers 101 Switching Protocols, and from then on the connection carries WebSocket frames instead of HTTP. Frames go both ways at any time, each with 2 to 10 bytes of header (and a 4-byte mask from the page). The server pings now and then to notice a vanished peer; the browser answers with a pong by itself.',
  'diagram.label': 'Sequence diagram: {name}',
  'diagram.page': 'page',
  'diagram.server': 'server',
  'diagram.published': 'published',
  'diagram.waits': 'waits',
  'diagram.oneResponse': 'one response, still open',
  'diagram.oneConnection': 'one connection, frames both ways',

  'hint.title': 'What to look for now',
  'hint.waiting': 'Waiting for the first events…',
  'hint.resumed': 'It reconnected {seconds} s ago and resumed with nothing missed and nothing twice.',
  'hint.resumedLoss': 'It reconnected {seconds} s ago: since the drop, {missed} events were missed and {duplicates} came twice.',
  'hint.poll.median': 'Median latency ≈ half the interval + the response\'s trip back: now {median} ms, and half the interval is {half} ms.',
  'hint.poll.medianDelay': 'Median latency ≈ half the interval + the response\'s trip back: now {median} ms; half the interval is {half} ms, and the simulated network holds each response {delay} ms more.',
  'hint.poll.empty': '{share}% of the responses were empty ({empty} of {answers}): a whole request, headers and all, for nothing.',
  'hint.push.one': 'One request for {events} events: the server writes each one as it happens.',
  'hint.sse.many': '{requests} requests for {events} events: one per connection and one per message sent, none per event.',
  'hint.ws.many': '{requests} requests for {events} events: one upgrade per connection; messages go up without one.',
  'hint.push.vsPoll': 'Median {median} ms here, {pollMedian} ms for polling: nothing waits for the next request.',
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
  'tutorial.tooFast': 'Not replying: the feed runs at {rate} events/s, and the page replies only up to {max} events/s, since the server takes at most {messageRate} messages a second from one page (after a burst of {burst}).',
  'tutorial.tooFastPace': 'Not replying: the feed runs at {rate} events/s, and the page replies only up to {max} events/s, the tutorial\'s pace: faster replies from every open page would flood everyone\'s feed.',
  'tutorial.replies': 'Replies sent, each over the transport that brought the event: {list}',
  'tutorial.repliesRefused': '({n} not sent: {error})',
  // Stale server counts and a tab that was in the background.
  'meta.statsError': 'The server\'s counts could not be read ({error}); its columns show — until they can.',
  'detail.backgrounded': 'This tab was in the background: the browser slowed polling to about once a second; the numbers settle within a minute.',

  // Messages answered by the server, the Network strip's drop button and the tutorial's state
  // (messages.js, message-log-view.js, netsim.js)
  'error.wsLost': 'the WebSocket closed before the server answered: it may have been sent',
  // Errors without the server's words: no answer at all, or a bare status.
  'error.network': 'no answer from the server (network error)',
  'error.http': 'the server answered HTTP {status}',
  'error.noDefaultRate': 'the server did not say its usual rate',
  'sim.dropLabel': 'Drop the {name} connection',
  'tutorial.on': 'On: the page replies to every event.',

  // Catch-up shown as such, on every transport (lanes.js, render.js)
  'fact.catchUp': 'catch-up latency, median',

  // Page and server counts of the same moment and the same run (lanes.js, render.js)
  'panel.colPageRun': 'page, this server run',
  'panel.allRuns': '{n} in all, with the server\'s earlier runs',

  // The server's refusals, by the code of its JSON error answer
  // ({"error": "<English reason>", "code": "<code>"}, serverErrorKey).
  'serverError.bad_request': 'the server found a malformed value in the request',
  'serverError.unauthorized': 'only the instructor may do this: open the instructor link that transportlab printed',
  'serverError.forbidden': 'not allowed from here',
  'serverError.not_found': 'the server has no such endpoint',
  'serverError.method_not_allowed': 'the server does not take that method there',
  'serverError.too_large': 'too large for the server',
  'serverError.too_many_messages': 'too many messages from this page: wait a moment',
  'serverError.too_many_guesses': 'too many wrong instructor tokens from this address: wait a moment',
  'serverError.too_many_streams': 'the server has as many streams open as it allows',
  'serverError.too_many_pages': 'the server has as many pages open as it allows',
  'serverError.shutting_down': 'the server is shutting down',
  'serverError.internal': 'the server failed on its side',

  // The instructor page (instructor.html), in classroom mode.
  'instructor.title': 'transportlab — instructor',
  'instructor.heading': 'for the class',
  'instructor.open': 'Students, open:',
  'instructor.scan': 'or scan the code with a phone\'s camera.',
  'instructor.qrLabel': 'QR code of the first address',
  'instructor.noAddress': 'This machine has no network address that another laptop could reach: connect it to the room\'s network and start transportlab again.',
  'instructor.join': 'How to join',
  'instructor.status.waiting': 'Asking the server…',
  'instructor.status.live': 'live, updated {time}',
  'instructor.status.error': 'The server did not answer: {error}. Asking again…',
  'instructor.dashboard': 'The class now',
  'instructor.pages': 'pages open',
  'instructor.following': 'following the instructor',
  'instructor.chart.title': 'Requests a second, per transport: the last 5 minutes',
  'instructor.chart.label': 'Chart of the requests a second the server answered, one line per transport, over the last 5 minutes',
  'instructor.chart.now': 'now',
  'instructor.chart.minutesAgo': '−{m} min',
  'instructor.chart.why': 'Polling costs pages × 1/interval requests a second, whether or not anything happened; a stream costs one request, and then only the events.',
  'instructor.col.transport': 'Transport',
  'instructor.col.pagesOn': 'pages on it',
  'instructor.col.requests': 'requests/s',
  'instructor.col.wire': 'wire bytes/s (in + out)',
  'instructor.col.open': 'open now',
  'instructor.col.events': 'events/s',
  'instructor.col.latency': 'latency p50 · p95 (ms)',
  'instructor.reportedBy': 'reported by {n} pages',
  'instructor.reportedByOne': 'reported by 1 page',
  'instructor.noReports': 'no page reported yet',
  'instructor.server': 'The server',
  'instructor.goroutines': 'goroutines',
  'instructor.cpu': 'CPU',
  'instructor.heap': 'heap',
  'instructor.rss': 'memory (RSS)',
  'instructor.controls': 'Class controls',
  'instructor.controlsHelp': 'Every page that follows the instructor applies these within 2 s.',
  'instructor.transports': 'Transports on every page',
  'instructor.interval': 'Polling interval',
  'instructor.rate': 'Feed rate (events/s)',
  'instructor.setRate': 'Set',
  'instructor.rateLocked': 'The tutorial sets the rate: one event every 3 s.',
  'instructor.tutorial': 'Tutorial: one event every 3 s, pages reply',
  'instructor.tutorialOff': 'Back to normal',
  'instructor.tutorialOn': 'The tutorial is on: one event every 3 s, and every following page replies to each.',
  'instructor.pause': 'Pause the feed',
  'instructor.resume': 'Resume the feed',
  'instructor.pausedNote': 'The feed is paused: no new events (messages still go).',
  'instructor.messages': 'Students may send messages',
  'instructor.network': 'Network of every page',
  'instructor.drop': 'Drop a transport for everyone',
  'instructor.dropOne': 'Drop {name}',
  'instructor.dropped': 'Closed {n} connections.',
  'instructor.droppedOne': 'Closed 1 connection.',
  'instructor.run': 'New run',
  'instructor.runHelp': 'Every following page starts its numbers from zero.',
  'instructor.runStarted': 'Run {n} started.',
  'instructor.sending': 'sending…',
  'instructor.failed': 'Not changed: {error}',
  'instructor.error.rate': 'The rate is a number of events a second from {min} to {max}.',
  'instructor.error.tooMany': 'too many changes at once: wait a moment',
  'instructor.list': 'Pages',
  'instructor.listMore': 'The {shown} pages seen last, of {n}.',
  'instructor.noPages': 'No page has joined yet.',
  'instructor.col.name': 'Page',
  'instructor.col.student': 'Student',
  'instructor.col.transports': 'Transports',
  'instructor.col.following': 'Following',
  'instructor.col.pageLatency': 'Latency p50 (ms)',
  'instructor.yes': 'yes',
  'instructor.alone': 'exploring alone',
};

const ko = {
  'doc.title': 'transportlab — 폴링, SSE, 웹 소켓 나란히 비교',
  'subtitle': '하나의 실시간 피드를 세 가지 방식으로 받아 봅니다 — 방식마다 드는 비용과, 이벤트가 얼마나 늦게 도착하는지 비교합니다.',
  'lang.label': '언어',

  'meta.epoch': '서버 에포크',
  'meta.feed': '피드',
  'meta.head': '최신 seq',
  'meta.clockOffset': '시계 차이',
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
  // Beside the 보내기 button: the way alone, not a second 보내기.
  'via.poll': '폴링으로',
  'via.sse': 'SSE로',
  'via.ws': '웹 소켓으로',
  'controls.send': '보내기',
  'controls.jump': '나란히 비교 ↓',
  'interval.ms': '{n} ms',
  'interval.s': '{n}초',

  'name.poll': '폴링',
  'name.sse': 'SSE',
  'name.ws': '웹 소켓',
  'title.poll': '폴링',
  'title.sse': '서버 전송 이벤트(SSE)',
  'title.ws': '웹 소켓',
  'how.poll': '주기마다 “N번 이후로 새로 온 거 있나요?” 하고 묻습니다. 물을 때마다 요청이 하나씩 나가고, 새 이벤트는 다음 요청 때까지 기다려야 합니다.',
  'how.sse': '서버가 하나의 긴 HTTP 응답에 계속 이어서 씁니다. 연결이 끊기면 브라우저가 Last-Event-ID를 보내며 재연결합니다.',
  'how.ws': '요청 하나를 업그레이드해 만든 연결로, 이벤트는 내려오고 메시지는 올라가는 양방향 통신입니다.',
  'bytes.poll': '본문 바이트(이벤트)',
  'bytes.sse': '본문 바이트(이벤트)',
  'bytes.ws': '본문 바이트(이벤트)',

  'state.off': '꺼짐',
  'state.connecting': '연결 중',
  'state.open': '연결됨',
  'state.reconnecting': '재연결 중',

  'detail.off': '꺼짐: 요청을 보내지 않고, 숫자는 그대로 둡니다',
  'detail.restarted': '서버 재시작: 이전 기록이 사라져 최신 지점부터 다시 받습니다',
  'detail.historyGone': '기록 없음: 최신 지점부터 다시 받습니다',
  'detail.poll.open': '{interval} ms마다 요청 1회',
  'detail.poll.retry': '{error}, {seconds}초 후 재시도',
  'detail.sse.open': '응답 하나로 계속 스트리밍 중',
  'detail.sse.openRetry': '응답 하나로 계속 스트리밍 중, 끊기면 {retry} ms 후 재연결(서버가 지정)',
  'detail.sse.refused': '스트림 거부됨, {seconds}초 후 새 스트림 요청',
  'detail.sse.reconnecting': '브라우저가 Last-Event-ID를 보내며 재연결 중',
  'detail.ws.open': '연결 하나로 양방향 통신 중',
  'detail.ws.closed': '연결 종료({code}), {seconds}초 후 재시도',
  'detail.ws.closedReason': '연결 종료({code} {reason}), {seconds}초 후 재시도',

  'panel.latencyLabel': '최근 1분간 지연 시간',
  'panel.latencyLast': '마지막 지연 시간',
  'panel.latencyMedian': '지연 시간 중앙값',
  'panel.p95': 'p95',
  'panel.clockError': '시계 ±',
  'panel.withinClock': '시계 오차(±{error} ms) 범위 안: 지연 시간은 0부터 이 값 사이 어딘가이며, 더 정확히는 알 수 없습니다.',
  'panel.chartLabel': '{name}: 최근 1분간 이벤트별 지연 시간',
  'panel.colPage': '페이지',
  'panel.colServer': '서버',
  'panel.requests': 'HTTP 요청',
  'panel.events': '이벤트',
  'fact.missed': '누락',
  'fact.duplicates': '중복',
  'fact.resets': '초기화(리셋)',
  'fact.reconnects': '재연결',
  'fact.replayed': '지난 기록에서 받음',
  'fact.openServer': '열린 연결(서버)',
  'fact.inFlightServer': '처리 중인 요청(서버)',
  'fact.pollEmpty': '빈 응답',
  'fact.wsRtt': '왕복 시간',
  'fact.wsRttMedian': '왕복 시간, 중앙값',

  'chart.now': '지금',
  'chart.secondsAgo': '−{s}초',
  'chart.empty': '최근 1분간 이벤트 없음',

  'log.title': '이 페이지에서 보낸 메시지',
  'log.hint': '메시지를 보낸 뒤, 켜져 있는 전송 방식마다 되돌아오기까지 걸린 시간입니다. 폴링과 SSE는 {post} 요청을 따로 보내고, 웹 소켓은 이미 열린 연결로 보냅니다.',
  'log.sent': '보낸 시각',
  'log.text': '내용',
  'log.via': '보낸 방식',
  'log.seq': 'seq',
  'log.empty': '아직 메시지가 없습니다 — 위에서 입력해 보세요.',
  'log.off': '꺼짐',

  'error.notSent': '보내지 못함: {error}',
  'error.tooLong': '280자까지만 보낼 수 있습니다.',
  'error.wsNotOpen': '웹 소켓이 열려 있지 않습니다',

  'foot.note': '지연 시간 = 이 페이지에서 받은 시각 + 시계 차이 − 서버가 발행한 시각({ts}). 요청, 이벤트, 바이트는 두 번 셉니다. 한 번은 이 페이지가 그때그때 세고, 한 번은 서버가 이 페이지 몫만 따로 셉니다(서버 열은 1초마다 갱신되고, 서버가 재시작하면 처음부터 다시 셉니다).',

  // 차트, 바이트 비용, 내보내기: compare.js, index.html.
  'compare.title': '나란히 비교',
  'compare.timeline': '최근 1분간 모든 이벤트의 지연 시간 — 세 방식을 같은 시계로',
  'compare.cdf': '지연 시간 분포: 주어진 시간 안에 도착한 이벤트의 비율',
  'compare.bars': '방식별로 드는 비용',
  'compare.axisLatencyLog': '지연 시간(ms, 로그 눈금)',
  'compare.axisShare': '이 시간 안에 도착한 이벤트(%)',
  'compare.percent': '{n}%',
  'compare.medianValue': '{name} 중앙값 {v} ms',
  'compare.barRequests': '최근 1분간 HTTP 요청 수',
  'compare.barWirePerEvent': '이벤트당 실제 전송 바이트',
  'compare.barMedian': '지연 시간 중앙값',
  'compare.bytes': '{n} B',
  'compare.ms': '{v} ms',
  'costs.requestsMinute': 'HTTP 요청(최근 1분)',
  'costs.wireMinute': '실제 전송 바이트(최근 1분)',
  'costs.wireEvent': '이벤트당 실제 전송 바이트',
  'costs.bodyEvent': '이벤트당 본문 바이트',
  'costs.overhead': '본문 외 비중',
  'costs.probeEvent': '이벤트당 페이지 측정 바이트(따로 셈)',
  'costs.median': '지연 시간 중앙값(ms)',
  'costs.note': '실제 전송 바이트는 서버가 소켓에서 직접 센 값이고, 보내고 받은 양방향을 모두 포함합니다. 요청 줄과 상태 줄, 헤더, 청크와 프레임 헤더, 핑과 퐁까지 들어갑니다(TCP/IP 헤더는 빠집니다). 이벤트당 값은 이 페이지를 연 뒤부터 센 것이라 폴링의 빈 응답도 들어 있습니다. 페이지가 왕복 시간을 재려고 2초마다 보내는 웹 소켓 핑과 그 퐁은 전송 방식의 비용이 아니라 측정이므로, RFC 6455 프레임 크기 그대로 정확히 세어 이벤트당 바이트에서 빼고 따로 보여 줍니다. 본문은 이벤트의 JSON입니다. 본문 외 비중에는 헤더, SSE 프레이밍과 하트비트, 폴링 응답의 봉투, 서버 자신의 핑, 메시지를 보낸 POST가 모두 들어갑니다. 요청 수는 이 페이지가 직접 셉니다.',
  'export.label': '이번 실행 결과 내려받기',
  'export.json': 'JSON(전체)',
  'export.csv': 'CSV(이벤트마다 한 줄)',

  // Wire inspector, explanations, sequence diagrams and live hints.
  'inspector.title': '통신 내용 보기: 최근 {n}건',
  'inspector.pause': '일시 정지',
  'inspector.resume': '계속',
  'inspector.resumeWaiting': '계속(새 항목 {n}건)',
  'inspector.paused': '일시 정지됨: 그사이 {n}건이 더 도착했습니다',
  'inspector.empty': '아직 오간 데이터가 없습니다.',
  'inspector.sources': '페이지: 이 페이지의 코드가 받은 값(크기는 그 값으로 계산) · 서버: 브라우저가 감추는 부분을 서버가 소켓에서 센 값',
  'inspector.legend.poll': '이 페이지가 보낸 요청과 그 응답입니다. 본문은 페이지가 받은 바이트 수입니다. 헤더는 요청 헤더와 응답 헤더의 크기로, 브라우저가 알려 주지 않아서 서버가 소켓에서 센 값입니다.',
  'inspector.legend.sse': '페이지는 스트림의 줄을 직접 보지 못합니다. id:, event:, data: 줄은 EventSource가 넘겨준 것(이벤트마다 데이터, 타입, id)으로 다시 구성했습니다. retry: 줄은 같은 값을 함께 보내는 hello 이벤트에서 가져왔고, 하트비트와 POST 요청은 서버가 소켓에서 센 값입니다.',
  'inspector.legend.ws': '이 페이지가 주고받은 양방향 메시지입니다. 프레임 크기는 잰 값이 아니라 페이로드로부터 RFC 6455에 따라 계산한 값입니다(헤더 2~10 B, 페이지가 보내는 프레임에는 마스크 4 B 추가). 핑과 퐁은 브라우저가 감추기 때문에 서버가 소켓에서 센 값입니다.',
  'inspector.noWire': '서버가 자기 쪽 기록을 알려 주지 않습니다(/api/wire 없음). 헤더 바이트, 하트비트, 핑은 표시할 수 없습니다(—).',
  'inspector.badge.page': '페이지',
  'inspector.badge.server': '서버',
  'inspector.dir.up': '페이지 → 서버',
  'inspector.dir.down': '서버 → 페이지',
  'inspector.events': '이벤트 {n}개',
  'inspector.body': '본문 {n} B',
  'inspector.headers': '헤더 {n} B',
  'inspector.wire': '실제 전송 {n} B',
  'inspector.data': '데이터 {n} B',
  'inspector.payload': '페이로드 {n} B',
  'inspector.frame': '프레임 {n} B',
  'inspector.failed': '실패: {error}',
  'inspector.ping': '핑(제어 프레임)',
  'inspector.pong': '퐁(제어 프레임)',
  'inspector.rtt': '왕복 {ms} ms',
  'inspector.close': '연결 종료 {code} {reason}',
  'inspector.drop': '서버가 이 연결을 끊었습니다(시뮬레이션)',
  'inspector.stall': '서버가 {ms} ms 동안 쓰기를 멈췄습니다(시뮬레이션)',
  'inspector.missed': '서버 기록 중 오래된 {n}건은 표시하지 않았습니다(전송 방식과 무관). 서버는 페이지마다 최근 {keep}건만 보관합니다',

  'explain.title': '동작 원리',
  'explain.poll': '페이지가 주기마다 짧은 GET /poll 요청을 보내 마지막으로 본 seq 이후의 이벤트를 묻고, 서버는 이벤트가 있든 없든 바로 응답합니다. 응답이 비어 있어도 매번 헤더까지 갖춘 HTTP 요청과 응답이 한 번씩 오갑니다. 두 요청 사이에 발행된 이벤트는 다음 요청까지 평균 주기의 절반을 기다리고, 그 응답이 페이지로 돌아오는 시간만큼 더 늦게 도착합니다.',
  'explain.sse': '페이지가 GET /sse 요청을 한 번 보내면 서버는 응답을 끝내지 않고, 같은 응답에 이벤트마다 id:와 data: 줄을 이어서 쓰며, 한가할 때는 하트비트 주석을 보냅니다. 데이터는 서버에서 페이지 쪽으로만 흐르기 때문에 메시지를 보내려면 따로 POST 요청을 해야 합니다. 스트림이 끊기면 브라우저는 retry: 줄에 적힌 시간만큼 기다렸다가 Last-Event-ID를 보내며 알아서 재연결하고, 서버는 그 이벤트 바로 다음부터 이어서 보냅니다.',
  'explain.ws': '페이지가 Upgrade: websocket 헤더를 담아 GET /ws 요청을 한 번 보내면 서버가 101 Switching Protocols로 응답하고, 그때부터 그 연결에는 HTTP 대신 웹 소켓 프레임이 오갑니다. 프레임은 언제든 양방향으로 보낼 수 있고, 프레임마다 헤더가 2~10 B 붙습니다(페이지가 보내는 프레임에는 마스크 4 B가 더 붙습니다). 서버는 상대가 사라지지 않았는지 가끔 핑을 보내 확인하고, 브라우저는 알아서 퐁으로 답합니다.',
  'diagram.label': '시퀀스 다이어그램: {name}',
  'diagram.page': '페이지',
  'diagram.server': '서버',
  'diagram.published': '발행',
  'diagram.waits': '대기',
  'diagram.oneResponse': '응답 하나가 계속 열려 있음',
  'diagram.oneConnection': '연결 하나로 양방향 프레임',

  'hint.title': '지금 눈여겨볼 것',
  'hint.waiting': '첫 이벤트를 기다리는 중…',
  'hint.resumed': '{seconds}초 전에 재연결됐고, 누락도 중복도 없이 그대로 이어서 받았습니다.',
  'hint.resumedLoss': '{seconds}초 전에 재연결됐습니다. 끊긴 뒤로 이벤트 {missed}개가 누락되고 {duplicates}개가 중복됐습니다.',
  'hint.poll.median': '지연 시간 중앙값 ≈ 주기의 절반 + 응답이 돌아오는 시간: 지금 {median} ms이고, 주기의 절반은 {half} ms입니다.',
  'hint.poll.medianDelay': '지연 시간 중앙값 ≈ 주기의 절반 + 응답이 돌아오는 시간: 지금 {median} ms입니다. 주기의 절반이 {half} ms이고, 네트워크 시뮬레이션이 응답마다 {delay} ms씩 더 늦춥니다.',
  'hint.poll.empty': '응답의 {share}%가 빈 응답이었습니다({answers}개 중 {empty}개). 헤더까지 다 갖춘 요청을 헛걸음시킨 셈입니다.',
  'hint.push.one': '요청 한 번으로 이벤트 {events}개: 서버가 이벤트가 생기는 즉시 보냅니다.',
  'hint.sse.many': '이벤트 {events}개에 요청 {requests}번: 연결마다 한 번, 보낸 메시지마다 한 번이고, 이벤트마다 드는 요청은 없습니다.',
  'hint.ws.many': '이벤트 {events}개에 요청 {requests}번: 연결마다 업그레이드 한 번뿐이고, 메시지는 요청 없이 올라갑니다.',
  'hint.push.vsPoll': '여기 중앙값은 {median} ms, 폴링은 {pollMedian} ms: 다음 요청을 기다릴 일이 없습니다.',
  // Network simulation and the tutorial preset (netsim.js, sim.js)
  'sim.meta': '네트워크 시뮬레이션',
  'sim.label': '네트워크(이 페이지만)',
  'sim.preset.localhost': '로컬호스트',
  'sim.preset.wifi': '빠른 와이파이',
  'sim.preset.mobile': '모바일 3G',
  'sim.preset.satellite': '위성 인터넷',
  'sim.preset.custom': '직접 입력',
  'sim.delay': '지연',
  'sim.jitter': '± 지터',
  'sim.apply': '적용',
  'sim.stall': '멈추기',
  'sim.seconds': '{n}초',
  'sim.stallNote': '쓰기가 {seconds}초(서버의 쓰기 제한 시간) 넘게 막힌 스트림은 서버가 끊습니다.',
  'sim.stallNoCut': '이 서버는 쓰기 제한 시간이 없어서, 쓰기가 막힌 스트림을 끊지 않습니다.',
  'sim.drop': '연결 끊기',
  'sim.dropTitle': '서버가 이 페이지의 {name} 연결을 지금 바로 끊게 합니다(종료 절차 없이)',
  'sim.dropped': '서버가 연결 {n}개를 끊었습니다',
  'sim.badge.unknown': '—',
  'sim.badge.none': '없음',
  'sim.badge.delay': '+{delay} ms',
  'sim.badge.delayJitter': '+{delay} ± {jitter} ms',
  'sim.stalled': '멈춤, {seconds}초 남음',
  'sim.error.delay': '지연은 0부터 {max}까지의 정수(ms)로 입력해 주세요.',
  'sim.error.jitter': '지터는 0부터 지연 값({delay} ms)까지의 정수(ms)로 입력해 주세요.',
  'sim.error.server': '서버가 거부했습니다: {error}',
  'tutorial.button': '튜토리얼: 3초마다 이벤트 하나, 페이지가 하나하나 답장',
  'tutorial.normal': '원래대로',
  'tutorial.normalRate': '원래대로({rate} 이벤트/초)',
  'tutorial.hint': '모든 페이지의 피드 속도가 바뀝니다. 서버가 돌아가는 컴퓨터에서만 바꿀 수 있습니다.',
  'tutorial.forbidden': '여기서는 바꿀 수 없습니다. 피드 속도는 모든 페이지에 똑같이 적용되기 때문에, 서버는 자기 컴퓨터에서 온 요청만 받아들입니다. 서버 컴퓨터에서 localhost로 페이지를 열거나, 서버를 -rate {rate} 옵션으로 실행하세요.',
  'tutorial.refused': '피드 속도를 바꾸지 못했습니다: {error}',
  'tutorial.tooFast': '답장 안 함: 지금 피드가 {rate} 이벤트/초입니다. 서버는 한 페이지에서 메시지를 초당 {messageRate}개까지만(처음 {burst}개는 한꺼번에) 받기 때문에, 페이지는 {max} 이벤트/초 이하일 때만 답장합니다.',
  'tutorial.tooFastPace': '답장 안 함: 지금 피드가 {rate} 이벤트/초입니다. 페이지는 튜토리얼 속도인 {max} 이벤트/초 이하일 때만 답장합니다. 열려 있는 모든 페이지가 더 빨리 답장하면 모두의 피드가 답장으로 넘쳐 버립니다.',
  'tutorial.replies': '이벤트를 받은 전송 방식으로 그대로 보낸 답장: {list}',
  'tutorial.repliesRefused': '({n}개 보내지 못함: {error})',
  // Stale server counts and a tab that was in the background.
  'meta.statsError': '서버 집계를 읽지 못했습니다({error}). 다시 읽을 때까지 서버 칸은 —로 표시합니다.',
  'detail.backgrounded': '이 탭이 백그라운드에 있었습니다. 그동안 브라우저가 폴링을 1초에 한 번 정도로 늦췄기 때문에, 1분쯤 지나야 숫자가 정상으로 돌아옵니다.',

  // 서버가 답한 메시지, 네트워크 줄의 끊기 버튼, 튜토리얼의 상태 (messages.js, message-log-view.js, netsim.js)
  'error.wsLost': '서버가 답하기 전에 웹 소켓이 닫혔습니다. 전송됐을 수도 있습니다',
  // 서버의 설명이 없는 오류: 아예 답이 없거나 상태 코드만 온 경우
  'error.network': '서버에서 답이 오지 않았습니다(네트워크 오류)',
  'error.http': '서버 응답: HTTP {status}',
  'error.noDefaultRate': '서버가 기본 피드 속도를 알려 주지 않았습니다',
  'sim.dropLabel': '{name} 연결 끊기',
  'tutorial.on': '켜짐: 이벤트마다 답장하고 있습니다.',

  // 모든 전송 방식에서 따라잡기를 따로 표시 (lanes.js, render.js)
  'fact.catchUp': '따라잡기 지연 시간 중앙값',

  // 같은 순간, 같은 서버 실행의 페이지 집계와 서버 집계 (lanes.js, render.js)
  'panel.colPageRun': '페이지(이번 서버 실행)',
  'panel.allRuns': '서버의 이전 실행까지 합치면 {n}',

  // 서버가 거절한 이유, JSON 오류 응답의 code별 (serverErrorKey)
  'serverError.bad_request': '요청에 잘못된 값이 있어 서버가 받지 않았습니다',
  'serverError.unauthorized': '강사만 할 수 있습니다. transportlab이 출력한 강사용 링크를 여세요',
  'serverError.forbidden': '여기서는 허용되지 않습니다',
  'serverError.not_found': '서버에 그런 엔드포인트가 없습니다',
  'serverError.method_not_allowed': '서버가 그 주소에서 이 메서드를 받지 않습니다',
  'serverError.too_large': '서버가 받기에는 너무 큽니다',
  'serverError.too_many_messages': '이 페이지에서 보낸 메시지가 너무 많습니다. 잠시 기다려 주세요',
  'serverError.too_many_guesses': '이 주소에서 틀린 강사 토큰이 너무 많았습니다. 잠시 기다려 주세요',
  'serverError.too_many_streams': '서버가 허용하는 스트림 수가 다 찼습니다',
  'serverError.too_many_pages': '서버가 허용하는 페이지 수가 다 찼습니다',
  'serverError.shutting_down': '서버가 종료하는 중입니다',
  'serverError.internal': '서버 내부에서 오류가 났습니다',

  // 강사 페이지 (instructor.html), 수업 모드
  'instructor.title': 'transportlab — 강사',
  'instructor.heading': '수업용',
  'instructor.open': '학생 여러분, 이 주소를 여세요:',
  'instructor.scan': '또는 휴대폰 카메라로 코드를 찍으세요.',
  'instructor.qrLabel': '첫 번째 주소의 QR 코드',
  'instructor.noAddress': '이 컴퓨터에는 다른 노트북이 접속할 수 있는 네트워크 주소가 없습니다. 교실 네트워크에 연결한 뒤 transportlab을 다시 시작하세요.',
  'instructor.join': '접속 방법',
  'instructor.status.waiting': '서버에 묻는 중…',
  'instructor.status.live': '실시간, {time} 갱신',
  'instructor.status.error': '서버가 답하지 않았습니다: {error}. 다시 묻는 중…',
  'instructor.dashboard': '지금 우리 반',
  'instructor.pages': '열린 페이지',
  'instructor.following': '강사 설정을 따르는 페이지',
  'instructor.chart.title': '전송 방식별 초당 요청 수: 최근 5분',
  'instructor.chart.label': '서버가 처리한 초당 요청 수를 전송 방식마다 선 하나로 그린 최근 5분 차트',
  'instructor.chart.now': '지금',
  'instructor.chart.minutesAgo': '−{m}분',
  'instructor.chart.why': '폴링은 아무 일이 없어도 초마다 페이지 수 × 1/간격만큼 요청합니다. 스트림은 처음 요청 한 번 뒤로는 이벤트가 있을 때만 비용이 듭니다.',
  'instructor.col.transport': '전송 방식',
  'instructor.col.pagesOn': '사용 중인 페이지',
  'instructor.col.requests': '요청/초',
  'instructor.col.wire': '전송 바이트/초 (받기 + 보내기)',
  'instructor.col.open': '지금 열린 연결',
  'instructor.col.events': '이벤트/초',
  'instructor.col.latency': '지연 시간 p50 · p95 (ms)',
  'instructor.reportedBy': '페이지 {n}개가 보고',
  'instructor.reportedByOne': '페이지 1개가 보고',
  'instructor.noReports': '아직 보고한 페이지 없음',
  'instructor.server': '서버',
  'instructor.goroutines': '고루틴',
  'instructor.cpu': 'CPU',
  'instructor.heap': '힙',
  'instructor.rss': '메모리(RSS)',
  'instructor.controls': '수업 제어',
  'instructor.controlsHelp': '강사 설정을 따르는 페이지는 모두 2초 안에 이대로 바뀝니다.',
  'instructor.transports': '모든 페이지의 전송 방식',
  'instructor.interval': '폴링 간격',
  'instructor.rate': '피드 속도 (이벤트/초)',
  'instructor.setRate': '적용',
  'instructor.rateLocked': '튜토리얼이 속도를 정합니다: 3초마다 이벤트 1개.',
  'instructor.tutorial': '튜토리얼: 3초마다 이벤트 1개, 페이지가 답장',
  'instructor.tutorialOff': '원래대로',
  'instructor.tutorialOn': '튜토리얼 진행 중: 3초마다 이벤트 1개, 따르는 페이지가 모두 답장합니다.',
  'instructor.pause': '피드 일시 정지',
  'instructor.resume': '피드 다시 시작',
  'instructor.pausedNote': '피드가 멈춰 있습니다. 새 이벤트가 나오지 않습니다(메시지는 오갑니다).',
  'instructor.messages': '학생 메시지 허용',
  'instructor.network': '모든 페이지의 네트워크',
  'instructor.drop': '모든 페이지의 연결 끊기',
  'instructor.dropOne': '{name} 끊기',
  'instructor.dropped': '연결 {n}개를 끊었습니다.',
  'instructor.droppedOne': '연결 1개를 끊었습니다.',
  'instructor.run': '새로 측정',
  'instructor.runHelp': '따르는 페이지가 모두 숫자를 0부터 다시 셉니다.',
  'instructor.runStarted': '{n}번째 측정을 시작했습니다.',
  'instructor.sending': '보내는 중…',
  'instructor.failed': '바뀌지 않았습니다: {error}',
  'instructor.error.rate': '속도는 초당 이벤트 수로 {min}부터 {max}까지 입력해 주세요.',
  'instructor.error.tooMany': '변경이 너무 잦습니다. 잠시 기다려 주세요',
  'instructor.list': '페이지 목록',
  'instructor.listMore': '전체 {n}개 중 최근에 본 {shown}개입니다.',
  'instructor.noPages': '아직 들어온 페이지가 없습니다.',
  'instructor.col.name': '페이지',
  'instructor.col.student': '학생',
  'instructor.col.transports': '전송 방식',
  'instructor.col.following': '따르는 중',
  'instructor.col.pageLatency': '지연 시간 p50 (ms)',
  'instructor.yes': '예',
  'instructor.alone': '혼자 살펴보는 중',
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
 * replaced by params[name]. Unknown {names} are left as they are. A value
 * that carries a key of its own ({key, params}, or an error the page or
 * api.js named) is said in `lang` too; another error is its message.
 */
export function t(lang, key, params) {
  const table = MESSAGES[lang] ?? MESSAGES.en;
  const text = table[key] ?? MESSAGES.en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (Object.hasOwn(params, name) ? paramText(lang, params[name]) : m));
}

function paramText(lang, v) {
  if (typeof v?.key === 'string') return t(lang, v.key, v.params);
  if (v instanceof Error) return v.message;
  return String(v);
}

/**
 * serverErrorKey returns the key of the page's words for a server error's
 * code ("too_many_messages"), or null for a code it does not know, or none:
 * then the page shows the server's own (English) reason.
 */
export function serverErrorKey(code) {
  const key = `serverError.${code}`;
  return typeof code === 'string' && Object.hasOwn(MESSAGES.en, key) ? key : null;
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
