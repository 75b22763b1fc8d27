package bench

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// connBuffer is the size of a client's read buffers: an event is about
// 150 bytes and a poll's answer a few of them, so 4 KiB holds any line or
// header. requestBuffer is its write buffer's: a GET of a few hundred
// bytes. 10,000 clients spend under 100 MiB on buffers.
const (
	connBuffer    = 4096
	requestBuffer = 512
)

// httpConn is one HTTP/1.1 connection that its client owns and reuses
// (keep-alive), with no goroutine of its own: a request is written and its
// answer read by the client's goroutine. net/http's Transport keeps two
// goroutines per connection, which 10,000 pollers would pay for twice over.
type httpConn struct {
	host string        // host:port of -url
	in   *atomic.Int64 // bytes read from the server, all connections of the phase

	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	stop func() bool // ends the watch that closes conn when the run ends
}

// dial connects to the server, counting what is read. The connection ends
// with a reset (SO_LINGER 0) rather than a close: 10,000 clients closed at
// the end of each phase would otherwise leave as many sockets in TIME_WAIT
// here and run the machine out of ephemeral ports by the third phase.
func dial(ctx context.Context, host string, in *atomic.Int64) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	return &countingConn{Conn: c, in: in}, nil
}

// countingConn counts the bytes read from the server: the wire bytes of
// every answer, headers and framing included.
type countingConn struct {
	net.Conn
	in *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

// get sends GET path with header and returns the answer's head; its body
// must be read to the end (or the connection closed) before the next get.
// The connection is made on first use and after close. When ctx ends, the
// connection is closed, which ends any read in progress. timeout, when not
// 0, bounds the exchange, body included, so that a server that stops
// answering cannot hold a poller forever; 0: no bound, for a stream.
func (h *httpConn) get(ctx context.Context, path string, header http.Header, timeout time.Duration) (*http.Response, error) {
	if h.conn == nil {
		c, err := dial(ctx, h.host, h.in)
		if err != nil {
			return nil, err
		}
		h.conn = c
		h.br = bufio.NewReaderSize(c, connBuffer)
		h.bw = bufio.NewWriterSize(c, requestBuffer)
		h.stop = context.AfterFunc(ctx, func() { c.Close() })
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	h.conn.SetDeadline(deadline)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+h.host+path, nil)
	if err != nil {
		h.close()
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if err := req.Write(h.bw); err != nil {
		h.close()
		return nil, err
	}
	if err := h.bw.Flush(); err != nil {
		h.close()
		return nil, err
	}
	res, err := http.ReadResponse(h.br, req)
	if err != nil {
		h.close()
		return nil, err
	}
	return res, nil
}

// close drops the connection; the next get makes a new one.
func (h *httpConn) close() {
	if h.conn == nil {
		return
	}
	h.stop()
	h.conn.Close()
	h.conn, h.br, h.bw = nil, nil, nil
}
