// Package hijack hands a hijacked connection to a library that keeps what
// Hijack returns for the connection's whole life, with buffers sized for
// what the connection carries rather than net/http's.
//
// net/http's Hijack returns its 4 KB read buffer and a fresh 4 KB write
// buffer, and coder/websocket's Accept keeps both for as long as the
// WebSocket lives: 8 KB a connection that carries messages of a few hundred
// bytes. ResponseWriter's Hijack returns smaller ones instead, and lets the
// big ones go.
package hijack

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"transportlab/internal/rawsock"
)

// ResponseWriter is a ResponseWriter whose Hijack returns the connection
// with a bufio.ReadWriter of ReadSize and WriteSize bytes (16 at least).
// The bytes net/http had read ahead of the request's end (a client may
// send its first message right behind the upgrade) are not lost: the
// connection Hijack returns reads them first.
type ResponseWriter struct {
	http.ResponseWriter
	ReadSize, WriteSize int
	// Out, when set, is given the connection and returns where the
	// bufio.Writer writes in its place: a caller that also writes to the
	// connection by itself puts something between that keeps the two
	// apart.
	Out func(net.Conn) io.Writer
}

// Unwrap returns the ResponseWriter it wraps, for http.ResponseController.
func (w *ResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hijacks the connection under w and returns it with small buffers.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if n := brw.Reader.Buffered(); n > 0 {
		ahead, _ := brw.Reader.Peek(n) // cannot fail: n bytes are buffered
		c = &readAhead{Conn: c, ahead: append([]byte(nil), ahead...), try: rawsock.For(c)}
	}
	var out io.Writer = c
	if w.Out != nil {
		out = w.Out(c)
	}
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, w.ReadSize), bufio.NewWriterSize(out, w.WriteSize)), nil
}

// readAhead is a connection whose first reads return what was read from
// it ahead of time.
type readAhead struct {
	net.Conn
	ahead []byte
	try   rawsock.TryWriter // the connection, written without waiting; nil: it cannot be
}

func (c *readAhead) Read(p []byte) (int, error) {
	if len(c.ahead) == 0 {
		return c.Conn.Read(p)
	}
	n := copy(p, c.ahead)
	c.ahead = c.ahead[n:]
	if len(c.ahead) == 0 {
		c.ahead = nil // let the copy go
	}
	return n, nil
}

// TryWrite writes without waiting, when the connection can
// (rawsock.TryWriter).
func (c *readAhead) TryWrite(p []byte) (int, error) {
	if c.try == nil {
		return 0, rawsock.ErrWouldBlock
	}
	return c.try.TryWrite(p)
}
