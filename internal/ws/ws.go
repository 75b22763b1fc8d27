// Package ws serves the feed over a WebSocket: one HTTP request upgraded to
// a connection that carries messages both ways for as long as it lives. The
// server pushes a hello and then every event; the client may send messages
// (published to the feed for every client to see) and pings (answered with a
// pong, for the round-trip time).
//
// Read Handler first, then conn.go (a connection's reader, and its writer,
// which runs only while it has something to write and frames what it
// writes itself: see internal/wsframe) and ping.go
// (the pings, on one clock for all connections). A session with websocat:
//
//	$ websocat 'ws://localhost:8005/ws'
//	{"kind":"hello","epoch":"5f0c9a3e7d21b4c8","head":41,"rate":5,"missed":0}
//	{"seq":42,"ts":1764150000123456,"kind":"quote","symbol":"ACME","price":101.37}
//	{"kind":"ping","id":7}
//	{"kind":"pong","id":7,"ts":1764150000223456}
//	{"kind":"message","text":"hello, class"}
//	{"seq":48,"ts":1764150000323456,"kind":"message","text":"hello, class","via":"ws"}
//	{"kind":"message","text":"hello, class","id":3}
//	{"kind":"ack","id":3,"seq":49}
//	{"seq":49,"ts":1764150000423456,"kind":"message","text":"hello, class","via":"ws"}
//
// A numbered message is answered with the seq it was published as (or an
// error with its id), so a client knows its own echo without comparing texts.
// The ack and the echo are written by different goroutines (the reader
// answers, the delivery pushes events), so they may come in either order:
// the ack before the echo, as above, or after it.
package ws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/hijack"
	"transportlab/internal/httpjson"
	"transportlab/internal/query"
	"transportlab/internal/ratelimit"
	"transportlab/internal/wire"
)

// Source is the part of the feed that the WebSocket needs: it both
// subscribes and publishes the messages clients send.
type Source interface {
	Subscribe(feed.Position) (*feed.Subscription, error)
	Publish(feed.Event) (*feed.Frame, error)
}

// Meter counts what this transport spends, for /api/stats.
type Meter interface {
	// Open counts one request of r's client. sent reports what was written in
	// answer: events, their JSON bytes (the body, as /api/stats counts it:
	// the same bytes on every transport) and all the body bytes written
	// (with the answer's envelope or framing); done is called when the
	// answer is finished.
	Open(r *http.Request) (sent func(events, eventBytes, written int), done func())
}

// Options tune the WebSocket endpoint.
type Options struct {
	// OriginPatterns are the hosts, besides the server's own, whose pages may
	// open a WebSocket (see websocket.AcceptOptions). Empty: same origin only.
	OriginPatterns []string
	// ReadLimit is the largest message a client may send, in bytes (4096).
	ReadLimit int64
	// Ping is how often the server pings each client, all on one clock,
	// the first time a whole period after it connected at the soonest;
	// one that has not answered by the next ping is gone, and its
	// connection is closed (15 s).
	Ping time.Duration
	// MessageRate caps the messages a connection may publish, a second,
	// after a burst of MessageBurst; 0: no limit. A message over the cap is
	// answered with {"kind":"error",...} and not published.
	MessageRate  float64
	MessageBurst int
	// The callbacks below that are called while the connection lives
	// (MayPublish, OnControl, OnClose) are given r as the stream keeps
	// it, once its handler has returned: its method, host, URL and remote
	// address, without its headers, body or context.
	//
	// MayPublish, when set, is asked before each message of r's client is
	// published. When it says no, with a code and a reason, the message
	// is answered {"kind":"error","code":code,"error":reason} and not
	// published, and the connection stays: the server may close the feed
	// to messages for a while (a class that should listen) without this
	// package knowing why.
	MayPublish func(r *http.Request) (ok bool, code, reason string)
	// OnControl, when set, is told of each ping the server sends, with the
	// pong that answered it, once it has: a browser shows its page
	// neither.
	OnControl func(r *http.Request, c Control)
	// OnClose, when set, is told why r's connection ended, once it has:
	// the delivery's end (feed.ErrTooSlow, feed.ErrClosed), ErrPeerGone,
	// or the error that ended it otherwise (nil: ended as it should). A
	// server counts its cut-offs by cause with it.
	OnClose func(r *http.Request, err error)
	// From, when set, names the client of r in the messages it publishes,
	// which every client sees, and in the log, which a screen may show:
	// the ?client= a page sends may be its secret, and the server that
	// knows how to name it in public says so here. Nil: the ?client= as sent.
	From func(r *http.Request) string
}

// Control is a ping the server sent or the pong that answered it.
type Control struct {
	Kind  string        // "ping" or "pong"
	Dir   string        // "out": sent by the server; "in": received
	At    time.Time     // when
	Bytes int           // the frame's size on the wire
	RTT   time.Duration // for a pong: how long after its ping it came
}

// Handler serves GET /ws?since=N&epoch=E: it upgrades the request, sends a
// hello and the events the client missed, then every new event, while it
// reads the client's messages and pings.
func Handler(src Source, m Meter, log *slog.Logger, opts Options) http.Handler {
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 4096
	}
	if opts.Ping <= 0 {
		opts.Ping = 15 * time.Second
	}
	return &handler{src: src, m: m, log: log, opts: opts, pings: pinger{every: opts.Ping}}
}

// handler is Handler's.
type handler struct {
	src   Source
	m     Meter
	log   *slog.Logger
	opts  Options
	pings pinger // one clock for every connection's pings
}

// unlimited is the bucket of every connection when Options.MessageRate
// sets none: it lets every message through, and has nothing to change.
var unlimited = ratelimit.New(0, 0)

// Buffer sizes of a connection, kept for its whole life by coder/websocket
// (see hijack): what it reads, which holds a pong or a client's usual
// message whole (a longer one takes more reads: clients send a few a
// minute), and what it writes itself, control frames only (at most 2 +
// 125 bytes, so each goes out whole in one write: see wsframe.Out). Events and
// replies are framed here and written in one write a batch, with no buffer
// kept between writes.
const (
	readBuffer  = 128
	writeBuffer = 128
)

// ServeHTTP answers one request to Handler: it upgrades the connection and
// subscribes its client, then hands the connection to a goroutine of its
// own and returns (wire.HandOff). The stream then costs one goroutine
// with a shallow stack (its reader; a writer runs only while it has
// something to write: conn.go), small buffers, and none of net/http's
// serving goroutine, buffers or request. On a connection that cannot be
// handed off (a server without wire.Install) the stream runs the same
// way, its reader on this goroutine.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cn := &conn{h: h}
	cn.sent, cn.done = h.m.Open(r)
	if !h.open(w, r, cn) {
		cn.done()
		return
	}
	end, ok := wire.HandOff(r)
	if !ok { // no counting connection under r (a test's server): serve it here
		cn.serve()
		return
	}
	go cn.serveHandedOff(end)
}

// open upgrades the request and subscribes its client to cn, and says
// whether it did; when it could not, it answered or closed with the error.
func (h *handler) open(w http.ResponseWriter, r *http.Request, cn *conn) bool {
	opts := &h.opts
	p, err := feed.ParsePosition(query.Get(r, "since"), query.Get(r, "epoch"))
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return false
	}
	from := query.Get(r, "client")
	if opts.From != nil {
		from = opts.From(r)
	}
	cn.from, cn.remote, cn.target = from, r.RemoteAddr, target{r.Host, r.URL.Path, r.URL.RawQuery}
	// Accept checks that the page comes from this server's origin (or an
	// allowed one) and answers 403 otherwise. The pongs that the upgraded
	// connection receives are reported to cn.
	c, err := websocket.Accept(&hijack.ResponseWriter{
		ResponseWriter: w,
		ReadSize:       readBuffer,
		WriteSize:      writeBuffer,
		Out:            cn.out.On,
	}, r, &websocket.AcceptOptions{
		OriginPatterns: opts.OriginPatterns,
		OnPongReceived: func(_ context.Context, payload []byte) { cn.ponged(payload) },
	})
	if err != nil {
		cn.logInfo("upgrade refused", "err", err)
		return false
	}
	c.SetReadLimit(opts.ReadLimit)

	sub, err := h.src.Subscribe(p)
	if err != nil {
		c.Close(websocket.StatusGoingAway, "server shutting down")
		c.CloseNow()
		return false
	}
	cn.logInfo("stream opened", "since", p.Since, "resume", p.Resume, "missed", sub.Hello.Missed, "reset", sub.Hello.Reset)
	cn.c, cn.sub = c, sub
	cn.limit = unlimited
	if opts.MessageRate > 0 {
		cn.limit = ratelimit.New(opts.MessageRate, opts.MessageBurst)
	}
	return true
}

// finish ends the answer: for a connection that was served, a line in
// the log, OnClose told why, the subscription let go and the connection
// closed; then the Meter is told.
func (cn *conn) finish() {
	defer cn.done()
	defer cn.c.CloseNow()
	defer cn.sub.Close()
	cn.logInfo("stream closed", "reason", closeReason(cn.err))
	if cn.h.opts.OnClose != nil {
		cn.h.opts.OnClose(cn.request(), cn.err)
	}
}

// logInfo logs msg with args about cn's connection.
func (cn *conn) logInfo(msg string, args ...any) {
	cn.h.log.Info(msg, append([]any{"transport", "ws", "remote", cn.remote, "client", cn.from}, args...)...)
}

// closeReason says in a few words why a connection ended, for the log.
func closeReason(err error) string {
	if s := websocket.CloseStatus(err); s != -1 {
		return "closed: " + s.String()
	}
	switch {
	case errors.Is(err, feed.ErrTooSlow):
		return "client too slow: cut off"
	case errors.Is(err, feed.ErrClosed):
		return "server shutting down"
	case errors.Is(err, errPanic):
		return "ended by a panic"
	case err == nil:
		return "ended"
	}
	return err.Error()
}
