package server

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// What a transport really costs is what crosses the socket: request lines
// and headers, response headers, chunk framing, WebSocket frame headers,
// pings and pongs — not only the event bytes. To count it rather than
// estimate it, the server's listener hands out connections that count every
// byte they read and write (Listen), and each byte is put down to the
// request it belongs to: its transport and its page.
//
// On HTTP/1.1 the requests on one connection take turns (no pipelining in
// browsers or Go's client), which gives the rule:
//   - bytes read before a request's handler runs are that request's (its
//     line and headers); net/http reads them before it knows the route;
//   - bytes read and written while the handler runs are its request's;
//   - bytes written after the handler returns (net/http's last flush, the
//     end of a chunked body) are still its request's, until the next
//     request on the connection begins.
// A hijacked WebSocket keeps its connection, so its frames are counted the
// same way for as long as the handler runs.

// Listen wraps ln so that every connection it accepts counts the bytes read
// from and written to it. Install ConnContext on the http.Server too: it is
// how a request finds its connection.
func Listen(ln net.Listener) net.Listener {
	return wireListener{ln}
}

type wireListener struct{ net.Listener }

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c, kick: make(chan struct{}, 1), closed: make(chan struct{})}, nil
}

// exchange is one request of a transport and what it has cost on the wire
// so far, in both directions. Its bytes are also added to the counters of
// its transport, in all and for its page.
type exchange struct {
	transport string
	request   *http.Request
	page      *page       // nil when the request named no page
	counts    []*counters // its transport's, in all and for its page

	in, out      atomic.Int64 // on the wire
	flushed      atomic.Int64 // out, when the handler last reported what it sent
	events, body atomic.Int64 // as the handler reported them
	logged       atomic.Bool  // in its page's wire log
}

// stream reports whether x is a stream, which stays open after its answer
// began, rather than a poll or a message post.
func (x *exchange) stream() bool {
	return x.request.Method == http.MethodGet && (x.transport == SSE || x.transport == WS)
}

func (x *exchange) read(n int64) {
	x.in.Add(n)
	for _, c := range x.counts {
		c.wireIn.Add(n)
	}
}

func (x *exchange) wrote(n int64) {
	x.out.Add(n)
	for _, c := range x.counts {
		c.wireOut.Add(n)
	}
}

// wireConn is a connection that puts each byte it moves down to the
// exchange it belongs to (see the rule above).
type wireConn struct {
	net.Conn

	// Every read and write looks these up: atomics keep that cheap.
	owner   atomic.Pointer[exchange]  // who writes: the transport request being answered, or the last one
	reading atomic.Pointer[exchange]  // who reads: the owner while its handler runs; nil: nobody yet
	line    atomic.Pointer[delayLine] // holds writes back; nil until a delay is first asked for

	mu        sync.Mutex // changes of owner and reading; pendingIn, page and deadline
	pendingIn int64      // read while no transport request owned the connection

	// The simulated network (sim.go).
	page      *page         // whose request it is handling, for a drop; nil: no page's
	deadline  time.Time     // the write deadline, which a stall must not outlast
	kick      chan struct{} // a new deadline
	closed    chan struct{} // closed by Close
	closeOnce sync.Once
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
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
// before a count made after the write would be in. On a page's connection
// it first does what the page's simulated network asks: it waits out a
// stall, and holds the bytes back by the delay.
func (c *wireConn) Write(p []byte) (int, error) {
	x, line := c.owner.Load(), c.line.Load()
	var sim *netSim
	if x != nil && x.page != nil {
		sim = &x.page.sim
		if until := sim.stall(); time.Now().Before(until) {
			if err := c.wait(until, nil); err != nil {
				return 0, err
			}
		}
		if line == nil && sim.delayed() {
			c.mu.Lock()
			if c.line.Load() == nil {
				c.line.Store(newDelayLine(c.Conn, sim))
			}
			line = c.line.Load()
			c.mu.Unlock()
		}
	}
	if x != nil {
		x.wrote(int64(len(p)))
	}
	if line == nil {
		n, err := c.Conn.Write(p)
		if x != nil && n < len(p) {
			x.wrote(int64(n - len(p)))
		}
		return n, err
	}
	// Once held back, every later write queues behind, even one that is
	// not the page's own: bytes never overtake each other.
	var hold time.Duration
	if sim != nil {
		hold = sim.hold()
	}
	for {
		queued, err := line.push(p, hold, x)
		if err == nil && !queued {
			err = c.wait(time.Time{}, line.room) // full: as a send buffer, it blocks
			if err == nil {
				continue
			}
		}
		if err != nil {
			if x != nil {
				x.wrote(int64(-len(p)))
			}
			return 0, err
		}
		return len(p), nil
	}
}

// wait returns nil once ready fires or until has come (zero: no such
// time), and an error when the write deadline passes or the connection is
// closed first: a write the simulated network holds is still bound by both.
func (c *wireConn) wait(until time.Time, ready <-chan struct{}) error {
	for {
		c.mu.Lock()
		deadline := c.deadline
		c.mu.Unlock()
		now := time.Now()
		if !until.IsZero() && !now.Before(until) {
			return nil
		}
		if !deadline.IsZero() && !now.Before(deadline) {
			return errHeld
		}
		wake := until
		if wake.IsZero() || !deadline.IsZero() && deadline.Before(wake) {
			wake = deadline
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if !wake.IsZero() {
			timer = time.NewTimer(wake.Sub(now))
			timeout = timer.C
		}
		done, err := false, error(nil)
		select {
		case <-ready:
			done = true
		case <-timeout:
		case <-c.kick: // a new deadline: look again
		case <-c.closed:
			done, err = true, net.ErrClosed
		}
		if timer != nil {
			timer.Stop()
		}
		if done {
			return err
		}
	}
}

// errHeld says why a write the simulated network held back failed.
var errHeld = fmt.Errorf("simulated network: write still held at its deadline: %w", os.ErrDeadlineExceeded)

func (c *wireConn) SetDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetDeadline(t)
}

func (c *wireConn) SetWriteDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *wireConn) setWriteDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	signal(c.kick)
}

// Close closes the connection at once, as a network that fails does: what
// a simulated delay still holds back never arrives.
func (c *wireConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.mu.Lock()
	line, p := c.line.Load(), c.page
	c.page = nil
	c.mu.Unlock()
	if p != nil {
		p.conns.remove(c)
	}
	// Closed first, the connection fails a write the line may be blocked
	// in, on a client that stopped reading; then the line can end.
	err := c.Conn.Close()
	if line != nil {
		line.drop() // what is held back is lost, as bytes in flight are
	}
	return err
}

// CloseWrite shuts down the writing side, as net/http does before it
// closes a connection it is done with, so the client reads the whole answer.
func (c *wireConn) CloseWrite() error {
	if line := c.line.Load(); line != nil {
		line.close() // what is held back goes first, when due
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// begin marks the start of a request's handler: until a transport claims
// the request, nothing it writes is a transport's.
func (c *wireConn) begin() {
	c.mu.Lock()
	c.owner.Store(nil)
	c.reading.Store(nil)
	c.mu.Unlock()
}

// claim makes x the owner of the request being handled, with the bytes it
// read so far: its request line, headers and any body already read.
func (c *wireConn) claim(x *exchange) {
	c.mu.Lock()
	c.owner.Store(x)
	c.reading.Store(x)
	x.read(c.pendingIn)
	c.pendingIn = 0
	c.page = x.page
	c.mu.Unlock()
	// The page may drop it, as a connection of this transport, while the
	// request is handled (end lets go of it).
	if x.page != nil {
		x.page.conns.set(c, x.transport)
	}
}

// end marks the end of a request's handler and returns the exchange that
// claimed it, or nil. What a request that no transport claimed read (an
// /api call, a file of the page) is nobody's and is forgotten.
func (c *wireConn) end() *exchange {
	c.mu.Lock()
	c.reading.Store(nil)
	x, p := c.owner.Load(), c.page
	if x == nil {
		c.pendingIn = 0
	}
	c.page = nil
	c.mu.Unlock()
	// Between requests the connection is no transport's to drop.
	if p != nil {
		p.conns.remove(c)
	}
	return x
}

// wireOf returns the counting connection r came on, or nil when the server
// was not started with Listen and ConnContext.
func wireOf(r *http.Request) *wireConn {
	c, _ := r.Context().Value(connKey{}).(*wireConn)
	return c
}

// exchangeOf returns the exchange that owns r's connection, or nil.
func exchangeOf(r *http.Request) *exchange {
	c := wireOf(r)
	if c == nil {
		return nil
	}
	return c.owner.Load()
}

// netConnOf returns the connection r came on, unwrapped, or nil.
func netConnOf(r *http.Request) net.Conn {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	if wc, ok := c.(*wireConn); ok {
		return wc.Conn
	}
	return c
}

// statusRecorder remembers the status a handler answered with, for the
// wire log. Unwrap lets http.ResponseController and the WebSocket upgrade
// reach the connection's own writer for Flush and Hijack.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
