// Package sse serves the feed as Server-Sent Events: one long HTTP response
// that the server keeps writing to, server to client only. Each event carries
// its seq as the SSE id, so a browser's EventSource that loses the stream
// reconnects by itself with a Last-Event-ID header, and the stream resumes
// right after the last event it saw.
//
// Read Handler first, then frame.go for the wire format. A session with curl:
//
//	$ curl -N 'localhost:8005/sse'
//	retry: 2000
//
//	event: hello
//	data: {"kind":"hello","epoch":"5f0c9a3e7d21b4c8","head":41,"rate":5,"missed":0}
//
//	id: 42
//	data: {"seq":42,"ts":1764150000123456,"kind":"quote","symbol":"ACME","price":101.37}
//
//	$ curl -N -H 'Last-Event-ID: 42' 'localhost:8005/sse?epoch=5f0c9a3e7d21b4c8'
package sse

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
)

// Source is the part of the feed that SSE needs.
type Source interface {
	Subscribe(feed.Position) (*feed.Subscription, error)
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

// Options tune the stream. Zero fields take their defaults.
type Options struct {
	// Retry is the reconnection delay sent to clients in the retry: line (2 s).
	Retry time.Duration
	// Heartbeat is how long a stream may stay silent before a comment line
	// is sent, so proxies do not cut it as idle (15 s).
	Heartbeat time.Duration
	// OnHeartbeat, when set, is told of each heartbeat once it is flushed:
	// an EventSource shows its page no comment line.
	OnHeartbeat func(r *http.Request)
	// Name, when set, is how the log names the client of r: the ?client=
	// a page sends may be its secret, and a log is read on a screen that
	// others may see. Nil: the ?client= as sent.
	Name func(r *http.Request) string
}

// goodbyeGrace is how long a stream may take to write its last bytes once its
// delivery has ended; a writer that needs longer is stuck on a client that
// stopped reading, and its connection is cut.
const goodbyeGrace = time.Second

// Handler serves GET /sse: a retry: line, a hello event, the events the
// client missed (after Last-Event-ID, or ?since= on a first connection) and
// then every new event as it is published, until either side goes away.
func Handler(src Source, m Meter, log *slog.Logger, opts Options) http.Handler {
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	return &handler{src: src, m: m, log: log, opts: opts}
}

// handler is Handler's: a type rather than a func, for one frame less
// below each stream's loop (see ServeHTTP).
type handler struct {
	src  Source
	m    Meter
	log  *slog.Logger
	opts Options
}

// ServeHTTP answers one request to Handler.
//
// The goroutine that serves a stream waits in the stream's loop for as
// long as the stream lives, below some thirty frames of net/http and
// middleware. The runtime keeps a goroutine's stack at more than four
// times the part in use, and per connection the frames on that path
// decide between a stack of 8 KB and one of 16 KB: what is done before
// and after the loop (the subscription, the log, the hello and backlog)
// is done in functions that have returned by then, the loop is here
// rather than a frame further, and the frames on the path keep few locals.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &streamer{w: w, r: r, opts: &h.opts}
	s.sent, s.done = h.m.Open(r)
	defer s.finish()
	if !s.open(h.src, h.log) {
		return
	}
	// Every new event, and a heartbeat when the stream was silent, until
	// the stream ends; what is written is put together in deliver and
	// heartbeat. Ticking at half the period, a stream that wrote nothing
	// during a whole tick sends a heartbeat: it is never silent for longer
	// than the period.
	s.tick = time.NewTicker(s.opts.Heartbeat / 2) // stopped by finish
	idle := true                                  // nothing written since the last tick
	for {
		var err error
		select {
		case <-r.Context().Done():
			err = r.Context().Err()
		case <-s.sub.Done():
			err = s.sub.Err()
		case <-s.tick.C:
			if !idle {
				idle = true
				continue
			}
			err = s.heartbeat()
		case <-s.sub.Ready():
			idle = false
			err = s.deliver()
		}
		if err != nil {
			s.err = err
			return
		}
	}
}

// streamer is one stream's state while it lives; see ServeHTTP for why it
// is kept out of the frames of the goroutine that serves it.
type streamer struct {
	w    http.ResponseWriter
	r    *http.Request
	rc   *http.ResponseController
	sub  *feed.Subscription
	log  *slog.Logger
	opts *Options
	sent func(events, eventBytes, written int) // the Meter's
	done func()                                // the Meter's: the answer is finished
	buf  []byte                                // what is being written
	take []*feed.Frame                         // deliver's, reused: the events it writes
	stop func()                                // stops the watcher that AfterEnd set; nil: none
	err  error                                 // why the stream ended
	tick *time.Ticker                          // loop's, for the heartbeat
}

// open subscribes the client and starts the stream, and says whether it
// did; when it could not subscribe it answers the error.
func (s *streamer) open(src Source, log *slog.Logger) bool {
	w, r, opts := s.w, s.r, s.opts
	p, err := position(r)
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return false
	}
	sub, err := src.Subscribe(p)
	if err != nil {
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.ShuttingDown, errors.New("server shutting down"))
		return false
	}
	client := r.URL.Query().Get("client")
	if opts.Name != nil {
		client = opts.Name(r)
	}
	log = log.With("transport", "sse", "remote", r.RemoteAddr, "client", client)
	log.Info("stream opened", "since", p.Since, "resume", p.Resume, "missed", sub.Hello.Missed, "reset", sub.Hello.Reset)
	s.rc, s.sub, s.log = http.NewResponseController(w), sub, log
	s.err = s.start()
	return s.err == nil
}

// finish ends the answer: for a stream, no more goodbye, a line in the
// log and the subscription let go; then the Meter is told.
func (s *streamer) finish() {
	defer s.done()
	if s.sub == nil {
		return // never opened
	}
	if s.stop != nil {
		s.stop()
	}
	if s.tick != nil {
		s.tick.Stop()
	}
	s.log.Info("stream closed", "reason", closeReason(s.err, s.sub))
	s.sub.Close()
}

// beat tells of a heartbeat once it is flushed.
func (s *streamer) beat() {
	if s.opts.OnHeartbeat != nil {
		s.opts.OnHeartbeat(s.r)
	}
}

// position reads where the client wants to start. On its own reconnects an
// EventSource sends the last id it saw in the Last-Event-ID header, which
// then wins over the since= of the URL it keeps reusing.
func position(r *http.Request) (feed.Position, error) {
	q := r.URL.Query()
	since := q.Get("since")
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		since = id
	}
	return feed.ParsePosition(since, q.Get("epoch"))
}

// start writes the response's header, the retry: line, the hello and the
// backlog; ServeHTTP then writes every new event. The stream ends when the
// client goes away (the request's context is done), a write fails, or the
// subscription ends (sub.Err says why).
func (s *streamer) start() error {
	// A stream must outlive any server-wide WriteTimeout. Once the delivery
	// ends, the last writes get a short grace; a writer still blocked after it
	// is on a client that stopped reading, and the deadline unblocks it.
	if err := s.rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	s.stop = s.sub.AfterEnd(func() { s.rc.SetWriteDeadline(time.Now().Add(goodbyeGrace)) })

	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // ask proxies such as nginx not to buffer
	s.w.WriteHeader(http.StatusOK)

	data, err := json.Marshal(hello{Hello: s.sub.Hello, Retry: s.opts.Retry.Milliseconds()})
	if err != nil {
		return err
	}
	buf := appendRetry(nil, s.opts.Retry)
	buf = appendEvent(buf, "hello", data)
	events, size := 0, 0 // the events in buf, and their JSON bytes
	for _, f := range s.sub.Backlog {
		buf = appendFrame(buf, f)
		events, size = events+1, size+len(f.JSON)
	}
	s.buf = buf
	return send(s.w, s.rc, s.sub, buf, events, size, s.sent)
}

// deliver writes every event that queued up, in one flush.
func (s *streamer) deliver() error {
	s.take = s.sub.Take(s.take[:0])
	if len(s.take) == 0 {
		return nil
	}
	buf := s.buf[:0]
	events, size := 0, 0 // the events in buf, and their JSON bytes
	for _, f := range s.take {
		buf = appendFrame(buf, f)
		events, size = events+1, size+len(f.JSON)
	}
	s.buf = buf
	return send(s.w, s.rc, s.sub, buf, events, size, s.sent)
}

// heartbeat writes a comment, which keeps a silent stream alive.
func (s *streamer) heartbeat() error {
	s.buf = appendComment(s.buf[:0], "heartbeat")
	if err := send(s.w, s.rc, s.sub, s.buf, 0, 0, s.sent); err != nil {
		return err
	}
	s.beat()
	return nil
}

// hello is SSE's hello event: the feed's hello, and the retry: line's
// delay in milliseconds repeated for pages, whose EventSource hides that line.
type hello struct {
	feed.Hello
	Retry int64 `json:"retry,omitempty"`
}

// send writes b, which holds events of size JSON bytes, and flushes it to
// the client at once. The hub watches how long that takes
// (feed.Hub.Watch): a client that stopped reading is cut off.
func send(w http.ResponseWriter, rc *http.ResponseController, sub *feed.Subscription, b []byte, events, size int, sent func(events, eventBytes, written int)) error {
	sub.StartWrite()
	defer sub.EndWrite()
	if _, err := w.Write(b); err != nil {
		return err
	}
	sent(events, size, len(b))
	return rc.Flush()
}

// closeReason says in a word why a stream ended, for the log.
func closeReason(err error, sub *feed.Subscription) string {
	// The delivery's end explains a write error that followed it.
	if cause := sub.Err(); cause != nil && !errors.Is(cause, feed.ErrUnsubscribed) {
		err = cause
	}
	switch {
	case errors.Is(err, feed.ErrTooSlow):
		return "client too slow: cut off"
	case errors.Is(err, feed.ErrClosed):
		return "server shutting down"
	case err != nil:
		return "client went away"
	}
	return "ended"
}
