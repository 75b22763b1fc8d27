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
	"context"
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent, done := m.Open(r)
		defer done()
		p, err := position(r)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, err)
			return
		}
		sub, err := src.Subscribe(p)
		if err != nil {
			httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.ShuttingDown, errors.New("server shutting down"))
			return
		}
		defer sub.Close()

		client := r.URL.Query().Get("client")
		if opts.Name != nil {
			client = opts.Name(r)
		}
		log := log.With("transport", "sse", "remote", r.RemoteAddr, "client", client)
		log.Info("stream opened", "since", p.Since, "resume", p.Resume, "missed", sub.Hello.Missed, "reset", sub.Hello.Reset)
		beat := func() {
			if opts.OnHeartbeat != nil {
				opts.OnHeartbeat(r)
			}
		}
		err = stream(r.Context(), w, sub, sent, beat, opts)
		log.Info("stream closed", "reason", closeReason(err, sub))
	})
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

// stream writes the whole response. It returns when the client goes away
// (ctx is done), a write fails, or the subscription ends (sub.Err says why).
func stream(ctx context.Context, w http.ResponseWriter, sub *feed.Subscription, sent func(events, eventBytes, written int), beat func(), opts Options) error {
	rc := http.NewResponseController(w)
	// A stream must outlive any server-wide WriteTimeout. Once the delivery
	// ends, the last writes get a short grace; a writer still blocked after it
	// is on a client that stopped reading, and the deadline unblocks it.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	stop := sub.AfterEnd(func() { rc.SetWriteDeadline(time.Now().Add(goodbyeGrace)) })
	defer stop()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // ask proxies such as nginx not to buffer
	w.WriteHeader(http.StatusOK)

	data, err := json.Marshal(hello{Hello: sub.Hello, Retry: opts.Retry.Milliseconds()})
	if err != nil {
		return err
	}
	buf := appendRetry(nil, opts.Retry)
	buf = appendEvent(buf, "hello", data)
	events, size := 0, 0 // the events in buf, and their JSON bytes
	for _, f := range sub.Backlog {
		buf = appendFrame(buf, f)
		events, size = events+1, size+len(f.JSON)
	}
	if err := send(w, rc, sub, buf, events, size, sent); err != nil {
		return err
	}

	// Ticking at half the period, a stream that wrote nothing during a whole
	// tick sends a heartbeat: it is never silent for longer than the period.
	heartbeat := time.NewTicker(opts.Heartbeat / 2)
	defer heartbeat.Stop()
	idle := true // nothing written since the last tick
	for {
		buf, events, size = buf[:0], 0, 0
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.Done():
			return sub.Err()
		case <-heartbeat.C:
			if !idle {
				idle = true
				continue
			}
			buf = appendComment(buf, "heartbeat")
		case f := <-sub.Frames():
			buf = appendFrame(buf, f)
			events, size = events+1, size+len(f.JSON)
			// Events that queued up meanwhile go out in the same flush.
			for n := len(sub.Frames()); n > 0; n-- {
				f := <-sub.Frames()
				buf = appendFrame(buf, f)
				events, size = events+1, size+len(f.JSON)
			}
			idle = false
		}
		if err := send(w, rc, sub, buf, events, size, sent); err != nil {
			return err
		}
		if events == 0 {
			beat()
		}
	}
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
