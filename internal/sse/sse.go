// Package sse serves the feed as Server-Sent Events: one long HTTP response
// that the server keeps writing to, server to client only. Each event carries
// its seq as the SSE id, so a browser's EventSource that loses the stream
// reconnects by itself with a Last-Event-ID header, and the stream resumes
// right after the last event it saw.
//
// Read Handler first, then body.go for how the bytes reach the client (on
// the hijacked connection, in HTTP/1.1 chunks), clock.go for the one
// heartbeat clock of all streams, and frame.go for the wire format. A
// session with curl:
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
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/ondemand"
	"transportlab/internal/query"
	"transportlab/internal/wire"
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
	// OnHeartbeat, when set, is asked once per stream, while its request
	// is at hand, for what to call with each heartbeat once it is on the
	// wire, with the bytes it took there, framing and all: an EventSource
	// shows its page no comment line. It may return nil. The stream keeps
	// what it returns, never r (see Handler's ServeHTTP).
	OnHeartbeat func(r *http.Request) func(wireBytes int)
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
	// Ticking at half the period, a stream that wrote nothing during a
	// whole tick sends a heartbeat: it is never silent for longer than
	// the period (see stream.run).
	return &handler{src: src, m: m, log: log, opts: opts, clock: newClock(opts.Heartbeat / 2)}
}

// handler is Handler's.
type handler struct {
	src   Source
	m     Meter
	log   *slog.Logger
	opts  Options
	clock *clock // every stream's heartbeat
}

// ServeHTTP answers one request to Handler.
//
// A stream lives for minutes or hours, and what it holds meanwhile is
// what a connection costs. Served the usual way, inside ServeHTTP, it
// would hold net/http's serving goroutine (an 8 KB stack below some thirty
// frames of net/http and middleware), the request and its headers, and
// net/http's read, write and chunk buffers. So once the stream is open, it
// hijacks its connection, writes the HTTP/1.1 framing itself (body.go),
// hands the connection off its middleware (wire.HandOff) and goes on in a
// goroutine of its own with a shallow stack, holding only what it needs;
// ServeHTTP returns. Once its first flush is out, that goroutine reads
// the connection, which is how it notices at once that the client went
// away, rather than at its next write, up to half a heartbeat period
// later, its place under the stream caps held meanwhile; the hub writes
// each event itself, and a writer runs only while something else waits
// to be written (listen). Where the connection cannot be hijacked, or was
// not handed off, the same stream is served here, as before.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.open(w, r)
	if s == nil {
		return
	}
	if c, ok := hijack(w, r); ok {
		s.body = c
		if end, ok := wire.HandOff(r); ok {
			go s.serve(end)
			return
		}
	} else {
		s.body = &flushed{w: w, rc: http.NewResponseController(w), r: r}
		s.gone = r.Context().Done()
		w.WriteHeader(http.StatusOK)
	}
	s.serve(nil)
}

// stream is one stream's state while it lives: what its goroutine needs,
// copied from the request, which it does not keep.
type stream struct {
	h      *handler
	body   body
	gone   <-chan struct{} // closed by net/http when the client went away, on a connection not hijacked (else nil: listen returns errGone)
	sub    *feed.Subscription
	sent   func(events, eventBytes, written int) // the Meter's
	done   func()                                // the Meter's: the answer is finished
	beat   func(wireBytes int)                   // OnHeartbeat's; nil: none
	stop   func()                                // stops the watcher that AfterEnd set
	first  []byte                                // the first flush: retry: and hello, after headroom
	remote string                                // for the log
	client string                                // for the log
	err    error                                 // why the stream ended

	// wrote: the hub wrote an event itself (direct) since the last tick,
	// and no heartbeat is owed.
	wrote    atomic.Bool
	panicked atomic.Bool // a direct write or the writer panicked (and logged it)

	// On a hijacked connection (listen): the writer, which runs while
	// there is something to write; idle and owed are the clock's (tick):
	// nothing written since the last tick, and a heartbeat owed.
	writer     ondemand.Writer
	idle, owed atomic.Bool
}

// open subscribes the client, puts together what the stream writes first
// and sets the response's header, and returns the stream; when it could
// not subscribe it answers the error, and returns nil.
func (h *handler) open(w http.ResponseWriter, r *http.Request) *stream {
	sent, done := h.m.Open(r)
	p, err := position(r)
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		done()
		return nil
	}
	sub, err := h.src.Subscribe(p)
	if err != nil {
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.ShuttingDown, errors.New("server shutting down"))
		done()
		return nil
	}
	s := &stream{h: h, sub: sub, sent: sent, done: done, remote: r.RemoteAddr, client: query.Get(r, "client")}
	if h.opts.Name != nil {
		s.client = h.opts.Name(r)
	}
	if h.opts.OnHeartbeat != nil {
		s.beat = h.opts.OnHeartbeat(r)
	}
	h.log.Info("stream opened", "transport", "sse", "remote", s.remote, "client", s.client,
		"since", p.Since, "resume", p.Resume, "missed", sub.Hello.Missed, "reset", sub.Hello.Reset)

	data, _ := json.Marshal(hello{Hello: sub.Hello, Retry: h.opts.Retry.Milliseconds()}) // a struct of numbers and a string: never fails
	buf := appendRetry(make([]byte, headroom, 512), h.opts.Retry)
	s.first = appendEvent(buf, "hello", data)

	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // ask proxies such as nginx not to buffer
	return s
}

// serve serves the stream until it ends, then calls end, when not nil,
// last (wire.HandOff). A panic is the stream's own: it is logged, and
// ends this stream alone; one while the stream is ended is logged too.
func (s *stream) serve(end func()) {
	if end != nil {
		defer end()
	}
	defer s.rescue()
	s.h.clock.join()
	defer s.h.clock.leave()
	defer s.finish()
	defer s.rescue()
	s.err = s.start()
	if s.err == nil {
		if c, ok := s.body.(*chunked); ok {
			s.err = s.listen(c)
		} else {
			s.err = s.run() // net/http's writes wait: the hub writes none of them itself
		}
	}
}

// start lets the stream outlive any server-wide WriteTimeout, arranges
// for the last writes to get a short grace once the delivery ends (a
// writer still blocked after it is on a client that stopped reading, and
// the deadline unblocks it), and writes the first flush: the retry: line,
// the hello and the backlog, which, up to the hub's whole history, goes
// in flushes of about maxFlush bytes, as a burst does (deliver).
func (s *stream) start() error {
	if err := s.body.setWriteDeadline(time.Time{}); err != nil {
		return err
	}
	s.stop = s.sub.AfterEnd(func() {
		s.body.setWriteDeadline(time.Now().Add(goodbyeGrace))
		s.body.stopReading() // listen returns, and the stream says goodbye (finish)
	})
	first, backlog, events, size := fill(s.first, s.sub.Backlog)
	s.first, s.sub.Backlog = nil, nil // sent: the stream keeps neither
	if err := s.write(first); err != nil {
		return err
	}
	// Counted once on the wire: the wire log takes a stream's first
	// answer, response head and all, when it is counted
	// (wire.Exchange.Sent).
	s.sent(events, size, len(first)-headroom)
	if len(backlog) == 0 {
		return nil
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	return s.sendAll(sc, backlog)
}

// run serves a stream that net/http writes (one it could not hijack: see
// listen for the others). It writes every new event, and a heartbeat when
// the stream was silent, until the stream ends: a write failed, the
// subscription ended (sub.Err says why: the server cut the client off or
// shuts down), or the client went away (gone). The heartbeat comes from
// the handler's clock: at each tick, a stream that wrote nothing since
// the tick before sends one.
//
// The first flush counts as a write: a stream that opened just before a
// tick owes no heartbeat at it, right behind its hello, and one that
// opened just after it waits for the tick after the next, a period later.
func (s *stream) run() error {
	idle := false // nothing written since the last tick: start wrote the first flush
	tick := s.h.clock.next()
	for {
		select {
		case <-s.gone:
			return errGone
		case <-s.sub.Done():
			return s.sub.Err()
		case <-tick:
			tick = s.h.clock.next()
			if wrote := s.wrote.Swap(false); !idle || wrote {
				idle = true
				continue
			}
			if err := s.held(s.heartbeat); err != nil {
				return err
			}
		case <-s.sub.Ready(): // events queued
			idle = false
			if err := s.held(func() error { _, err := s.deliver(); return err }); err != nil {
				return err
			}
		}
	}
}

// listen serves the stream on its hijacked connection, once the first
// flush is out, with this goroutine alone, until it ends: it reads the
// connection until a read fails. That is how it notices at once that its
// client left, as net/http's own background read does for a request it
// serves. What a client sends on a stream, which is nothing an
// EventSource ever sends, is read and dropped (and counted on the wire
// all the same).
//
// Meanwhile the hub writes each event itself (direct), and what it cannot
// (events queued behind a client that fell behind, the rest of a write),
// or a heartbeat owed (tick), starts a writer, which writes until nothing
// waits and ends (internal/ondemand). The read ends too when the delivery
// ends (see start: the stream then says goodbye) or a writer failed.
func (s *stream) listen(c *chunked) error {
	s.sub.SetWake(s.writer.Kick)
	s.sub.SetDirect(s.direct) // from now on, the hub writes what it can itself
	s.h.clock.call(s)
	defer s.stopWriter(c) // a panic too leaves no writer behind
	// And writes what queued while the first flush went out; a write that
	// fails ends the read.
	s.writer.Open(s.writeWaiting, c.stopReading)

	b := make([]byte, 64)
	for {
		if _, err := c.conn.Read(b); err != nil {
			break
		}
	}

	s.stopWriter(c)
	switch werr := s.writer.Err(); {
	case errors.Is(werr, errPanic):
		return werr
	case s.panicked.Load():
		return fmt.Errorf("%w: in a write", errPanic)
	case s.sub.Err() != nil:
		return s.sub.Err() // the read was stopped for it (start)
	case werr != nil:
		return werr
	}
	return errGone // no goodbye for a client that left (finish)
}

// stopWriter ends listen's writing: no tick, no writer from now on, and
// the one running, if any, done. A writer blocked on a client that left,
// or stopped reading, gives up within goodbyeGrace; so does a write of
// the hub's, which finish waits for. It does no harm twice.
func (s *stream) stopWriter(c *chunked) {
	s.h.clock.uncall(s)
	s.writer.Close()
	c.setWriteDeadline(time.Now().Add(goodbyeGrace))
	s.writer.Wait()
}

// tick is the clock's, at each tick, for a stream that listens: a stream
// that wrote nothing during a whole tick owes its client a heartbeat,
// which a writer sends. It never waits: the clock calls every stream.
func (s *stream) tick() {
	wasIdle := s.idle.Swap(true)
	if wrote := s.wrote.Swap(false); !wasIdle || wrote {
		return
	}
	s.owed.Store(true)
	s.writer.Kick()
}

// writeWaiting is the writer's (ondemand.Writer): it writes what queued,
// or what the hub left, and a heartbeat when one is owed and nothing else
// went out, while the hub writes nothing to the client itself. A panic of
// its own is recovered and logged here, and ends this stream alone.
func (s *stream) writeWaiting() (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.h.log.Error("panic in a stream's writer", "transport", "sse", "remote", s.remote, "client", s.client,
				"panic", v, "stack", string(debug.Stack()))
			s.panicked.Store(true)
			err = fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	s.sub.Hold()
	defer s.sub.Unhold()
	took, err := s.deliver()
	switch {
	case err != nil:
		return err
	case took:
		s.idle.Store(false)
		s.owed.Store(false) // the events keep the stream alive
	case s.owed.Swap(false):
		return s.heartbeat()
	}
	return nil
}

// held writes with write while the hub writes nothing to the client
// itself (feed.Subscription.Hold): one writer at a time, and no event
// the hub writes overtakes one the stream took.
func (s *stream) held(write func() error) error {
	s.sub.Hold()
	defer s.sub.Unhold()
	return write()
}

// direct writes one event for the hub, on the goroutine that publishes
// it, without waiting (feed.Subscription.SetDirect): all of it when the
// connection takes it at once, else what it takes, and the rest is the
// stream's to write.
//
// It is counted once the body took it, not before as send counts: a
// count taken back when the body declines would show, for a moment, an
// event that is not on its way, and the Meter is the server's to slow
// down, not the hub's. The count follows the write by a few
// instructions; a page that compares its counts with the server's
// allows for events in transit.
//
// It runs on the publisher's goroutine, which serves every client: a
// panic of its own is recovered and logged here, and ends this stream
// alone (its goroutine is woken, and returns errPanic). The event it was
// writing is lost with the connection; the client resumes after the
// last one it got.
func (s *stream) direct(f *feed.Frame) (taken, wake bool) {
	defer func() {
		if v := recover(); v != nil {
			s.h.log.Error("panic in a stream's direct write", "transport", "sse", "remote", s.remote, "client", s.client,
				"panic", v, "stack", string(debug.Stack()))
			s.panicked.Store(true)
			taken, wake = true, true
		}
	}()
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	buf := slices.Grow(appendFrame(append(sc.buf[:0], make([]byte, headroom)...), f), tailroom)
	if cap(buf) <= 2*maxFlush {
		sc.buf = buf
	}
	if taken, wake = s.body.try(buf); !taken {
		return false, false
	}
	s.sent(1, len(f.JSON), len(buf)-headroom)
	s.wrote.Store(true)
	return true, wake
}

// errGone is why a stream ends when its client closed the connection.
var errGone = errors.New("client went away")

// errPanic is why a stream ends when it panicked.
var errPanic = errors.New("panic in the stream")

// rescue recovers a panic of the stream's, and logs it.
func (s *stream) rescue() {
	v := recover()
	if v == nil {
		return
	}
	s.err = fmt.Errorf("%w: %v", errPanic, v)
	s.h.log.Error("panic in a stream", "transport", "sse", "remote", s.remote, "client", s.client,
		"panic", v, "stack", string(debug.Stack()))
}

// finish ends the answer: no more goodbye watcher, the last chunk when
// the delivery ended with the client still there, and the connection let
// go; then a line in the log, the Meter told, and last the subscription
// let go, so that the hub's Wait, at shutdown, returns once every stream
// is over, logged and counted. What follows the goodbye is deferred: it
// runs whatever happens, a panic included, which is logged as the
// stream's own.
func (s *stream) finish() {
	s.sub.SetDirect(nil) // no write of the hub's under way, nor to come
	defer s.sub.Close()
	defer s.done()
	defer s.logClosed()
	defer s.body.close()
	defer s.rescue()
	if s.stop != nil {
		s.stop()
	}
	select {
	case <-s.gone:
		return // no goodbye for a client that left
	default:
	}
	// A client cut off for being slow gets its goodbye, and, like one at
	// a shutdown, all that a simulated network still holds back for it:
	// the connection lingers, within the network's bound, as net/http's
	// does. One stuck on a write, or whose write failed, is cut at once.
	if errors.Is(s.err, feed.ErrClosed) || errors.Is(s.err, feed.ErrTooSlow) { // not after a write that failed
		s.body.end(!errors.Is(s.err, feed.ErrStuck))
	}
}

// logClosed logs the stream's end, and why.
func (s *stream) logClosed() {
	s.h.log.Info("stream closed", "transport", "sse", "remote", s.remote, "client", s.client, "reason", closeReason(s.err, s.sub))
}

// scratch is what a stream puts a flush together in: the events it took
// and the bytes it writes. Streams share them through scratches, between
// flushes: a stream that waits holds none.
type scratch struct {
	take []*feed.Frame
	buf  []byte
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// maxFlush is about the most one flush of new events holds: what queued
// beyond it goes in the flushes that follow. A write is what the hub
// watches (feed.Hub.Watch), and a client that stopped reading must block
// one, even where a single large write would be taken whole (a simulated
// network's line takes any write when it is empty, as a kernel's send
// buffer would not).
const maxFlush = 16 << 10

// deliver writes every event that queued up, in one flush, or in a few of
// about maxFlush bytes each for a burst, and says whether there were any;
// with none, what the hub left unwritten (direct), if anything.
func (s *stream) deliver() (took bool, err error) {
	if s.panicked.Load() {
		return false, fmt.Errorf("%w: in a direct write", errPanic)
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.take = s.sub.Take(sc.take[:0])
	defer clear(sc.take) // the frames are not the pool's to keep
	if len(sc.take) == 0 {
		s.sub.StartWrite()
		defer s.sub.EndWrite()
		return false, s.body.flushRest()
	}
	return true, s.sendAll(sc, sc.take)
}

// sendAll writes frames in flushes of about maxFlush bytes each, put
// together in sc.
func (s *stream) sendAll(sc *scratch, frames []*feed.Frame) error {
	for len(frames) > 0 {
		var buf []byte
		var events, size int
		buf, frames, events, size = fill(append(sc.buf[:0], make([]byte, headroom)...), frames)
		if cap(buf) <= 2*maxFlush {
			sc.buf = buf
		}
		if err := s.send(buf, events, size); err != nil {
			return err
		}
	}
	return nil
}

// fill appends frames to buf, a flush after its headroom, until it holds
// about maxFlush bytes, and leaves it tailroom. It returns buf, the frames
// left for the next flush, and the events it took with their JSON bytes.
func fill(buf []byte, frames []*feed.Frame) (_ []byte, rest []*feed.Frame, events, size int) {
	for ; len(frames) > 0 && len(buf) < maxFlush; frames = frames[1:] {
		buf = appendFrame(buf, frames[0])
		events, size = events+1, size+len(frames[0].JSON)
	}
	return slices.Grow(buf, tailroom), frames, events, size
}

// heartbeat writes a comment, which keeps a silent stream alive.
func (s *stream) heartbeat() error {
	var b [headroom + len(": heartbeat\n\n") + tailroom]byte
	buf := appendComment(b[:headroom], "heartbeat")
	if err := s.send(buf, 0, 0); err != nil {
		return err
	}
	if s.beat != nil {
		s.beat(s.body.flushed())
	}
	return nil
}

// hello is SSE's hello event: the feed's hello, and the retry: line's
// delay in milliseconds repeated for pages, whose EventSource hides that line.
type hello struct {
	feed.Hello
	Retry int64 `json:"retry,omitempty"`
}

// send puts buf[headroom:], which holds events of size JSON bytes, on the
// wire at once.
//
// What it writes is counted first: a client never reads an event that the
// counts of its page do not hold yet.
func (s *stream) send(buf []byte, events, size int) error {
	s.sent(events, size, len(buf)-headroom)
	return s.write(buf)
}

// write flushes buf, under the hub's watch (feed.Hub.Watch): a client that
// stopped reading is cut off.
func (s *stream) write(buf []byte) error {
	s.sub.StartWrite()
	defer s.sub.EndWrite()
	return s.body.flush(buf)
}

// position reads where the client wants to start. On its own reconnects an
// EventSource sends the last id it saw in the Last-Event-ID header, which
// then wins over the since= of the URL it keeps reusing.
func position(r *http.Request) (feed.Position, error) {
	since := query.Get(r, "since")
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		since = id
	}
	return feed.ParsePosition(since, query.Get(r, "epoch"))
}

// closeReason says in a word why a stream ended, for the log.
func closeReason(err error, sub *feed.Subscription) string {
	if errors.Is(err, errPanic) { // whenever it came, even in the goodbye
		return "panic"
	}
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
