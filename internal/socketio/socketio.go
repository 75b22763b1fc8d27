// Package socketio serves the feed to Socket.IO clients at /socket.io/:
// Engine.IO v4 (the sessions, their transports and heartbeats) and
// Socket.IO v5 (the connect, the events), namespace "/" only, so that the
// official socket.io-client 4 connects with its defaults. Such a client
// starts on HTTP long polling (GETs that wait for packets, POSTs that
// send), then probes a WebSocket and, when the probe comes back, moves
// the session onto it; nothing is lost or repeated on the way, because the
// packets waiting to go out belong to the session, not to a transport.
//
// Read Handler first, then session.go (the session, its queue, its
// heartbeat, whose goroutine also writes the session's WebSocket, the
// Socket.IO packets it takes), polling.go, websocket.go (the upgrade, and
// the WebSocket's reader, which goes on after the handler returns), and
// packet.go (the wire format). A session by hand,
// with curl and websocat (␞ is the separator, \x1e):
//
//	$ curl 'localhost:8005/socket.io/?EIO=4&transport=polling'
//	0{"sid":"Xp3…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
//	$ curl -d '40{"since":41}' 'localhost:8005/socket.io/?EIO=4&transport=polling&sid=Xp3…'
//	ok
//	$ curl 'localhost:8005/socket.io/?EIO=4&transport=polling&sid=Xp3…'
//	40{"sid":"aQ…"}␞42["hello",{"kind":"hello","epoch":"5f0c9a3e7d21b4c8","head":44,"rate":5,"missed":0}]␞42["event",{"seq":42,…}]␞…
//	$ websocat 'ws://localhost:8005/socket.io/?EIO=4&transport=websocket&sid=Xp3…'
//	2probe
//	3probe
//	5
//	42["event",{"seq":45,"ts":1764150000123456,"kind":"quote","symbol":"ACME","price":101.37}]
//	2
//	3
//	42["message",{"text":"hello, class"}]
//	42["event",{"seq":46,"ts":1764150000323456,"kind":"message","text":"hello, class","via":"socketio"}]
//
// The server pings (2) every ping interval; a client that has not answered
// (3) within the ping timeout, or that stopped polling, is gone, and its
// session closes. The events are the feed's own JSON, spliced into
// 42["event",…] as it was encoded once for every transport. A client may
// emit "message" {"text":"…"}, with an ack to learn the seq of its echo
// ([{"seq":S}]), and resumes with io(url, {auth: {since, epoch}}).
//
// Why this package, not a library: github.com/zishang520/socket.io v3
// speaks the protocol, but its server brings gorilla/websocket (a second
// WebSocket library beside coder/websocket), quic-go and webtransport-go
// (for a transport browsers of this page do not need), msgpack, brotli and
// klauspost/compress, a dozen modules in all, and it encodes every
// argument again where this server splices bytes encoded once. The part of
// the protocol a feed needs — one namespace, JSON events, polling and
// WebSocket — fits in a few hundred lines that a student can read beside
// the protocol's own documents, on the WebSocket library the /ws transport
// already uses.
package socketio

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/query"
	"transportlab/internal/wire"
	"transportlab/internal/wsframe"
)

// Source is the part of the feed that Socket.IO needs: it subscribes,
// publishes the messages clients send, and says when the server shuts
// down (a session that has not connected yet has no subscription to end).
type Source interface {
	Subscribe(feed.Position) (*feed.Subscription, error)
	Publish(feed.Event) (*feed.Frame, error)
	Done() <-chan struct{}
}

// Meter counts what this transport spends, for /api/stats.
type Meter interface {
	// Open counts one request of r's client: a poll, a POST, a WebSocket.
	// sent reports what was written in answer: events, their JSON bytes
	// (the body, as /api/stats counts it: the same bytes on every
	// transport) and all the body bytes written (with the framing); done
	// is called when the answer is finished.
	Open(r *http.Request) (sent func(events, eventBytes, written int), done func())
}

// Options tune the Socket.IO endpoint. Zero values take the defaults of
// socket.io's own server.
type Options struct {
	// PingInterval is how often the server pings each session (25 s), and
	// PingTimeout how long it waits for the pong (20 s): a session that
	// stops answering, or stops polling, is closed after both.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// MaxPayload is the largest body a client may POST and the largest
	// WebSocket message it may send, in bytes (1e6, as socket.io). Over
	// it, the session closes.
	MaxPayload int
	// WriteTimeout bounds one write to a client: a poll's answer, or one
	// message on the WebSocket (feed.DefaultWriteTimeout). A client that
	// stops reading is cut off after it, and its session closes, rather
	// than hold a handler, and its place under the stream caps, forever.
	WriteTimeout time.Duration
	// OriginPatterns are the hosts, besides the server's own, whose pages
	// may open the WebSocket (see websocket.AcceptOptions).
	OriginPatterns []string
	// Admit, when set, is asked before a session opens, with the request
	// that opens it; when it says no, it has answered w itself (the
	// server's cap on open streams, say). The release it returns is
	// called once, when the session closes.
	Admit func(w http.ResponseWriter, r *http.Request) (release func(), ok bool)
	// MayPublish, when set, is asked before each message of r's client is
	// published (r is the POST, or the WebSocket's upgrade, that carried
	// it). When it says no, the message is refused with code and reason,
	// and the session stays.
	MayPublish func(r *http.Request) (ok bool, code, reason string)
	// From, when set, names the client of r in the messages it publishes
	// and in the log (see ws.Options.From). Nil: the ?client= as sent.
	From func(r *http.Request) string

	// pollWaits, when set, is called each time a poll finds nothing to
	// answer and waits: a test's way to know a poll is held.
	pollWaits func()
}

// Defaults of Options, as socket.io's server has them.
const (
	DefaultPingInterval = 25 * time.Second
	DefaultPingTimeout  = 20 * time.Second
	DefaultMaxPayload   = 1_000_000
)

// upgradeTimeout bounds how long a probed WebSocket may take to complete
// its upgrade (socket.io's default).
const upgradeTimeout = 10 * time.Second

// handler serves /socket.io/ and keeps its sessions.
type handler struct {
	src  Source
	m    Meter
	log  *slog.Logger
	opts Options

	mu       sync.Mutex
	sessions map[string]*session
}

// Handler serves /socket.io/?EIO=4&transport=polling|websocket[&sid=…]:
// a GET without sid opens a session (the handshake), on long polling or
// straight on a WebSocket; with a sid, a GET polls, a POST sends, and a
// WebSocket GET upgrades.
func Handler(src Source, m Meter, log *slog.Logger, opts Options) http.Handler {
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = DefaultPingTimeout
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = DefaultMaxPayload
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = feed.DefaultWriteTimeout
	}
	return &handler{src: src, m: m, log: log, opts: opts, sessions: make(map[string]*session)}
}

// ServeHTTP checks the protocol's query and sends the request where it
// belongs. Every request is counted, the errors too.
//
// A WebSocket, once upgraded, goes on after ServeHTTP returns, on a
// goroutine of its own (wire.HandOff): see serveWebSocket.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sent, done := h.m.Open(r)
	st := h.serve(w, r, sent)
	if st == nil {
		done()
		return
	}
	st.done = done // the answer is finished when the WebSocket is
	end, ok := wire.HandOff(r)
	if !ok { // no counting connection under r (a test's server): serve it here
		st.serve()
		return
	}
	go st.serveHandedOff(end)
}

// serve answers r, or upgrades it to a WebSocket that carries a session,
// which it returns for ServeHTTP to serve.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, sent func(events, eventBytes, written int)) *wsStream {
	if query.Get(r, "EIO") != "4" {
		fail(w, errVersion)
		return nil
	}
	t := query.Get(r, "transport")
	if t != transportPolling && t != transportWebSocket {
		fail(w, errTransport)
		return nil
	}
	sid := query.Get(r, "sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			fail(w, errHandshakeMethod)
			return nil
		}
		if t == transportWebSocket {
			return h.upgrade(w, r, nil, sent)
		}
		h.handshake(w, r, sent)
		return nil
	}
	s := h.lookup(sid)
	switch {
	case s == nil:
		fail(w, errUnknownSession)
	case t == transportWebSocket && r.Method == http.MethodGet:
		return h.upgrade(w, r, s, sent)
	case t == transportPolling && r.Method == http.MethodGet:
		s.poll(w, r, sent)
	case t == transportPolling && r.Method == http.MethodPost:
		s.post(w, r, sent)
	default:
		fail(w, errBadRequest)
	}
	return nil
}

// Opens reports whether r opens a session or a WebSocket: what a server
// limits as it limits new streams. A session's polls and POSTs do not:
// each poll waits for the feed, and a second one at once ends the session.
func Opens(r *http.Request) bool {
	return query.Get(r, "sid") == "" || Upgrades(r)
}

// Upgrades reports whether r asks for a WebSocket, which answers 101 and
// then stays open.
func Upgrades(r *http.Request) bool {
	return query.Get(r, "transport") == transportWebSocket
}

// handshake opens a session on long polling and answers with its open
// packet.
func (h *handler) handshake(w http.ResponseWriter, r *http.Request, sent func(events, eventBytes, written int)) {
	release, ok := h.admit(w, r)
	if !ok {
		return
	}
	s := h.open(r, transportPolling, release)
	body := []byte(s.handshake(transportPolling))
	if err := writePlain(w, http.StatusOK, body); err != nil {
		s.close(err)
		return
	}
	sent(0, 0, len(body))
}

// admit asks Options.Admit, and the feed, whether a session may open. When
// not, w has been answered.
func (h *handler) admit(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case <-h.src.Done():
		fail(w, errShuttingDown)
		return nil, false
	default:
	}
	if h.opts.Admit == nil {
		return func() {}, true
	}
	return h.opts.Admit(w, r)
}

// open starts a session on transport t, for the client of r.
func (h *handler) open(r *http.Request, t string, release func()) *session {
	from := query.Get(r, "client")
	if h.opts.From != nil {
		from = h.opts.From(r)
	}
	s := &session{
		id:        newSessionID(),
		h:         h,
		from:      from,
		release:   release,
		pong:      make(chan struct{}, 1),
		connected: make(chan *feed.Subscription, 1),
		done:      make(chan struct{}),
		transport: t,
		changed:   make(chan struct{}),
		attached:  make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	s.log = h.log.With("transport", "socketio", "remote", r.RemoteAddr, "client", from, "sid", s.id)
	h.mu.Lock()
	h.sessions[s.id] = s
	h.mu.Unlock()
	go s.run()
	s.log.Info("session opened", "on", t)
	return s
}

// lookup returns the session sid, or nil when there is none. After the
// feed shuts down there are none: a session whose goroutine has not seen
// the shutdown yet is closed here, so that every request after it is told
// its session is unknown, whichever goroutine gets there first.
func (h *handler) lookup(sid string) *session {
	h.mu.Lock()
	s := h.sessions[sid]
	h.mu.Unlock()
	if s == nil {
		return nil
	}
	select {
	case <-h.src.Done():
		s.close(feed.ErrClosed)
		return nil
	default:
		return s
	}
}

func (h *handler) remove(sid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.sessions, sid)
}

// protocolError is an error answer of Engine.IO: an HTTP status and the
// body {"code":N,"message":"…"}, with the codes and messages of the
// reference server, which clients and the protocol's test suite know.
type protocolError struct {
	status  int
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *protocolError) Error() string { return e.Message }

// The protocol's error answers.
var (
	errTransport       = &protocolError{http.StatusBadRequest, 0, "Transport unknown"}
	errUnknownSession  = &protocolError{http.StatusBadRequest, 1, "Session ID unknown"}
	errHandshakeMethod = &protocolError{http.StatusBadRequest, 2, "Bad handshake method"}
	errBadRequest      = &protocolError{http.StatusBadRequest, 3, "Bad request"}
	errVersion         = &protocolError{http.StatusBadRequest, 5, "Unsupported protocol version"}
	errTooLarge        = &protocolError{http.StatusRequestEntityTooLarge, 3, "Payload too large"}
	errShuttingDown    = &protocolError{http.StatusServiceUnavailable, 3, "Server shutting down"}
)

// fail answers with e.
func fail(w http.ResponseWriter, e *protocolError) {
	httpjson.Write(w, e.status, e)
}

// closeStatus says why a session ended, as the close frame of its WebSocket.
func closeStatus(cause error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(cause, feed.ErrTooSlow):
		return websocket.StatusTryAgainLater, "too slow to keep up: reconnect and resume from your last seq"
	case errors.Is(cause, feed.ErrClosed):
		return websocket.StatusGoingAway, "server shutting down"
	case cause == nil, errors.Is(cause, errClientClosed):
		return websocket.StatusNormalClosure, ""
	case errors.Is(cause, errPanic):
		return websocket.StatusInternalError, "internal error"
	}
	return websocket.StatusPolicyViolation, wsframe.CloseReason(cause.Error())
}
