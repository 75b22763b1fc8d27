// Package wire counts what a transport really costs: every byte that
// crosses the socket — request lines and headers, response headers, chunk
// framing, WebSocket frame headers, pings and pongs, not only the event
// bytes — and puts each down to the request it belongs to: its transport
// and its page. It also keeps each page's wire log (log.go): what crossed
// that page's wire that its browser hides.
//
// Read this file first: Install puts the counting connections in place,
// Mark and Claim say whose bytes they are. exchange.go is one request's
// account; log.go the wire log, and encode.go how a request's entry in
// it is encoded.
//
// On HTTP/1.1 the requests on one connection take turns (no pipelining in
// browsers or Go's client), which gives the rule:
//   - bytes read before a request's handler runs are that request's (its
//     line and headers); net/http reads them before it knows the route;
//   - bytes read and written while the handler runs are its request's;
//   - bytes written after the handler returns (net/http's last flush, the
//     end of a chunked body) are still its request's, until the next
//     request on the connection begins.
//
// A hijacked WebSocket keeps its connection, so its frames are counted the
// same way for as long as the handler runs, or, for a stream handed off
// its handler (HandOff), until the stream ends.
package wire

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"transportlab/internal/rawsock"
)

// Install makes every connection that hs serves from ln count the bytes
// read from and written to it, and lets each request find its connection.
// Serve hs on the listener it returns.
func Install(hs *http.Server, ln net.Listener) net.Listener {
	next := hs.ConnContext
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if next != nil {
			ctx = next(ctx, c)
		}
		return context.WithValue(ctx, connKey{}, c)
	}
	return listener{ln}
}

// connKey is the context key under which a request finds its connection.
type connKey struct{}

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	wc := &Conn{Conn: c, try: rawsock.For(c)}
	wc.holder, _ = c.(holder)
	return wc, nil
}

// holder is a connection that may hold written bytes back and lose them
// later, as a simulated network does (netsim.Conn): it says how many.
type holder interface {
	WriteOrLose(p []byte, lost func(n int)) (int, error)
}

// Conn is a connection that puts each byte it moves down to the exchange
// it belongs to (see the rule in the package doc).
type Conn struct {
	net.Conn
	holder holder            // the connection below (a netsim.Conn), when it may hold bytes back; else nil
	try    rawsock.TryWriter // the connection below, written without waiting (TryWrite); nil: it cannot be

	// Every read and write looks these up: atomics keep that cheap.
	owner   atomic.Pointer[Exchange] // who writes: the request being answered, or the last one claimed
	reading atomic.Pointer[Exchange] // who reads: the owner while its handler runs; nil: nobody yet

	mu        sync.Mutex // changes of owner and reading; pendingIn; the hand-off's state
	pendingIn int64      // read while no request claimed the connection

	// A stream handed off its handler (HandOff): what the middleware left
	// for the end of its answer, innermost first, and whether it is over.
	handedOff, streamEnded bool
	atEnd                  []func()
}

// ConnOf returns the counting connection r came on, or nil when the
// server was not installed with Install.
func ConnOf(r *http.Request) *Conn {
	c, _ := r.Context().Value(connKey{}).(*Conn)
	return c
}

// NetConn returns the connection c wraps.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Read reads from the connection below and puts the bytes down to the
// request being handled, or, between requests, keeps them for the next
// one to claim: its request line and headers are read before its handler
// runs.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
		// A deadline that passed broke nothing: net/http sets one in the
		// past to stop its own read when a handler hijacks the connection.
		// Nor did the server's own close: the socket said nothing.
		c.reading.Load().fail(err)
	}
	if n <= 0 {
		return n, err
	}
	if x := c.reading.Load(); x != nil {
		x.read(int64(n))
		return n, err
	}
	c.mu.Lock()
	if x := c.reading.Load(); x != nil { // claimed meanwhile
		x.read(int64(n))
	} else {
		c.pendingIn += int64(n)
	}
	c.mu.Unlock()
	return n, err
}

// Write counts the bytes before it writes them, and takes back what it
// could not write: a client may read an answer, and ask for the counts,
// before a count made after the write would be in.
func (c *Conn) Write(p []byte) (int, error) {
	x := c.owner.Load()
	if x == nil {
		return c.Conn.Write(p)
	}
	x.wrote(int64(len(p)))
	var n int
	var err error
	if c.holder != nil {
		n, err = c.holder.WriteOrLose(p, x.lost)
	} else {
		n, err = c.Conn.Write(p)
	}
	if n < len(p) {
		x.wrote(int64(n - len(p)))
	}
	if err != nil {
		x.fail(err)
	}
	return n, err
}

// TryWrite writes what the connection below takes of p now, without
// waiting, and counts it as Write does (rawsock.TryWriter). A connection
// below that cannot write so takes nothing (rawsock.ErrWouldBlock).
func (c *Conn) TryWrite(p []byte) (int, error) {
	tw := c.try
	if tw == nil {
		return 0, rawsock.ErrWouldBlock
	}
	x := c.owner.Load()
	if x == nil {
		return tw.TryWrite(p)
	}
	x.wrote(int64(len(p)))
	n, err := tw.TryWrite(p)
	if n < len(p) {
		x.wrote(int64(n - len(p)))
	}
	if err != nil && !errors.Is(err, rawsock.ErrWouldBlock) {
		x.fail(err)
	}
	return n, err
}

// CloseWrite shuts down the writing side of the connection below, as
// net/http asks before it closes a connection it is done with.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// begin marks the start of a request's handler: until a transport claims
// the request, nothing it writes is a transport's.
func (c *Conn) begin() {
	c.mu.Lock()
	c.owner.Store(nil)
	c.reading.Store(nil)
	c.mu.Unlock()
}

// claim makes x the owner of the request being handled, with the bytes it
// read so far: its request line, headers and any body already read.
func (c *Conn) claim(x *Exchange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owner.Store(x)
	c.reading.Store(x)
	x.read(c.pendingIn)
	c.pendingIn = 0
}

// end marks the end of a request's handler and returns the exchange that
// claimed it, or nil. What a request that nobody claimed read (an /api
// call, a file of the page) is nobody's and is forgotten.
func (c *Conn) end() *Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading.Store(nil)
	x := c.owner.Load()
	if x == nil {
		c.pendingIn = 0
	}
	return x
}

// Mark marks where each request begins and ends on its connection, which
// is how bytes on the wire find their request, and logs each claimed
// request in its page's wire log with what it cost. Put it first: the
// requests it wraps are nobody's until Claim.
func Mark(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := ConnOf(r)
		if c == nil {
			next.ServeHTTP(w, r)
			return
		}
		c.begin()
		rec := &recorder{ResponseWriter: w, conn: c}
		next.ServeHTTP(rec, r)
		rec.ended()
	})
}

// ended marks the end of the request that w answered, and logs it: now,
// or, for a stream handed off, when it ends. It is Mark's work in a frame
// of its own: a stream served within its handler waits below Mark's frame
// for as long as it lives, and the runtime keeps a goroutine's stack at
// four times what it uses (see sse.Handler's ServeHTTP).
func (w *recorder) ended() {
	c, status := w.conn, w.status
	handedOff, goesOn := c.handOff()
	if goesOn && c.later(func() { c.ended(nil, status) }) { // the func only for a stream: most requests end here
		return // a handed-off stream keeps neither w nor r
	}
	if handedOff || w.hijacked {
		// A stream that ended before its handler returned, or an upgrade
		// refused after its hijack: net/http, asked to flush a hijacked
		// connection, panics.
		c.ended(nil, status)
		return
	}
	c.ended(w.ResponseWriter, status)
}

// ended marks the end of the request being handled, which answered with
// status, and logs it; w is its ResponseWriter, or nil for a stream
// handed off, which net/http no longer writes for.
func (c *Conn) ended(w http.ResponseWriter, status int) {
	x := c.end()
	if x == nil || x.logged.Swap(true) {
		return
	}
	// Every answer the transports give has its Content-Length: flushed
	// now, it is all on the wire, and the log can say what it cost.
	// (A hijacked connection refuses, and has nothing left to flush.)
	if w != nil {
		http.NewResponseController(w).Flush()
	} else if status == 0 {
		status = x.UnderWay // a stream that wrote its own head (SSE) before its first answer went out
	}
	x.Log.request(x, status)
}

// HandOff tells r's connection that the stream answering r goes on after
// its handler returns, in a goroutine of the handler's own, on the
// connection the handler hijacked: net/http's goroutine, its buffers and
// the request are then let go, and a connection that lives for an hour
// costs only what the stream itself holds. It returns end, which the
// stream's goroutine calls exactly once when the stream is over: what the
// middleware around the handler left for the end of the answer (AtEnd)
// runs then, rather than when the handler returns. ok is false when r
// came on no counting connection (see Install): the handler then serves
// the stream within ServeHTTP.
func HandOff(r *http.Request) (end func(), ok bool) {
	c := ConnOf(r)
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	c.handedOff = true
	c.mu.Unlock()
	return c.endStream, true
}

// AtEnd runs f when r's answer is over: at once, for an answer its
// handler finished; when the stream ends, for one handed off (HandOff).
// Middleware calls it in place of `defer f()`: `defer wire.AtEnd(r, f)`.
func AtEnd(r *http.Request, f func()) {
	if c := ConnOf(r); c == nil || !c.later(f) {
		f()
	}
}

// handOff reports whether the request being handled is a stream handed
// off (HandOff), and whether it goes on: it has not ended yet, and later
// would keep a func for its end.
func (c *Conn) handOff() (handedOff, goesOn bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handedOff, c.handedOff && !c.streamEnded
}

// later keeps f for the end of a stream handed off that has not ended
// yet, and says whether it did.
func (c *Conn) later(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.handedOff || c.streamEnded {
		return false
	}
	c.atEnd = append(c.atEnd, f)
	return true
}

// endStream is HandOff's end: it runs what was left for the end of the
// stream, in the order it was left, innermost middleware first, as
// deferred calls would have run. What the middleware leaves after this,
// when the stream ended before its handler's frames had all returned,
// runs at once.
func (c *Conn) endStream() {
	c.mu.Lock()
	c.streamEnded = true
	atEnd := c.atEnd
	c.atEnd = nil
	c.mu.Unlock()
	for _, f := range atEnd {
		f()
	}
}

// recorder remembers the status a handler answered with, for the wire log,
// and what each flush put on the wire. Unwrap lets http.ResponseController
// and the WebSocket upgrade reach the connection's own writer for Hijack.
type recorder struct {
	http.ResponseWriter
	conn     *Conn
	status   int
	hijacked bool // net/http no longer writes for the handler: nothing to flush
}

// Hijack hijacks the connection, and remembers it did: see ended.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	w.hijacked = w.hijacked || err == nil
	return c, brw, err
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if x := w.conn.owner.Load(); x != nil {
		x.buffered.Store(true)
	}
	return w.ResponseWriter.Write(b)
}

// FlushError flushes, and keeps how many bytes the flush put on the wire:
// a small write, such as an SSE heartbeat, goes out whole in its flush. A
// stream whose first answer this flush put on the wire is logged now, with
// what that cost.
func (w *recorder) FlushError() error {
	x := w.conn.owner.Load()
	if x == nil {
		return http.NewResponseController(w.ResponseWriter).Flush()
	}
	before := x.out.Load()
	err := http.NewResponseController(w.ResponseWriter).Flush()
	x.flushed.Store(x.out.Load() - before)
	if err == nil {
		x.buffered.Store(false)
		x.underWay()
	}
	return err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
