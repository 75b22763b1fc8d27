package sse

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"transportlab/internal/rawsock"
	"transportlab/internal/wire"
)

// A stream's bytes go out in one of two ways, behind one small interface,
// so that one loop (stream.run) serves both:
//
//   - chunked: on the connection the handler hijacked from net/http, which
//     writes the response head, each flush as one HTTP/1.1 chunk and the
//     last chunk itself, each in one Write. The stream keeps none of
//     net/http's buffers, nor its request, nor its serving goroutine
//     (see Handler's ServeHTTP).
//   - flushed: through net/http's ResponseWriter, flushed after each write,
//     where the connection cannot be hijacked (HTTP/2, a ResponseRecorder)
//     or its answer is one that net/http frames otherwise (HTTP/1.0).

// body is where a stream's bytes go: each flush is on the wire when it
// returns.
type body interface {
	// flush puts buf[headroom:] on the wire at once. The headroom before
	// it, and tailroom more bytes of capacity after it, are free for a
	// chunk's framing, which goes around the data in place.
	flush(buf []byte) error
	// try puts buf[headroom:], with the same room around it, on the wire
	// without waiting, and says whether it took it, as
	// wsframe.Out.TryWriteFrames does: what the connection does not take
	// at once is kept for the next flush (or flushRest), and rest says
	// there is such a rest. Nothing else writes meanwhile: the caller
	// writes under the subscription's hold, as every flush is.
	try(buf []byte) (taken, rest bool)
	// flushRest writes what try left, if anything.
	flushRest() error
	// flushed returns how many bytes the last flush put on the wire,
	// framing and all: what a heartbeat costs, for the wire log.
	flushed() int
	// setWriteDeadline bounds the writes from now on.
	setWriteDeadline(t time.Time) error
	// stopReading ends the stream's read of its connection (listen), if
	// it reads one.
	stopReading()
	// end tells a client still there that the stream is over. linger
	// says whether to let out first what a simulated network still holds
	// back for it, within the network's bound (not for a client stuck on
	// a write, which reads nothing more).
	end(linger bool)
	// close lets go of the connection, once the stream is over, goodbye
	// or not.
	close()
}

// headroom and tailroom are the room a chunk's framing takes around its
// data: its size in hex (at most 8 digits: less than 4 GB) and CRLF
// before, CRLF after.
const (
	headroom = 8 + len("\r\n")
	tailroom = len("\r\n")
)

// lastChunk ends a chunked body (RFC 9112, 7.1): a chunk of size zero and
// no trailer.
const lastChunk = "0\r\n\r\n"

// chunked is the body of a stream on its hijacked connection.
type chunked struct {
	conn net.Conn
	head []byte         // the response head, until the first flush sends it with its chunk
	last int            // bytes the last flush put on the wire
	now  rawsock.Writer // writes without waiting for try, and keeps the rest for the next flush
}

// frame puts the chunk framing around buf[headroom:], in place, and
// returns the chunk: "<size in hex>\r\n<data>\r\n", as net/http's own
// chunked writer frames each write.
func frame(buf []byte) []byte {
	n := len(buf) - headroom
	digits := len(strconv.AppendUint(make([]byte, 0, 8), uint64(n), 16))
	start := headroom - len("\r\n") - digits
	strconv.AppendUint(buf[start:start], uint64(n), 16)
	copy(buf[headroom-len("\r\n"):], "\r\n")
	return append(buf[start:], "\r\n"...)
}

func (c *chunked) flush(buf []byte) error {
	out := frame(buf)
	if c.head != nil { // the first flush: the response head goes with it, in one write
		out = append(c.head, out...)
		c.head = nil
	}
	c.last = len(out)
	rest, err := c.now.Rest()
	if err != nil {
		return err
	}
	if len(rest) > 0 { // what try left goes first, in the same write
		out = append(rest, out...)
	}
	_, err = c.conn.Write(out)
	return err
}

func (c *chunked) try(buf []byte) (taken, rest bool) {
	if c.head != nil { // the head goes with the first flush, the stream's own
		return false, false
	}
	return c.now.Try(frame(buf))
}

func (c *chunked) flushRest() error {
	rest, err := c.now.Rest()
	if err != nil || len(rest) == 0 {
		return err
	}
	_, err = c.conn.Write(rest)
	return err
}

func (c *chunked) flushed() int { return c.last }

func (c *chunked) setWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

func (c *chunked) stopReading() { c.conn.SetReadDeadline(time.Now()) }

// end writes the last chunk, once the head is out. To linger, it shuts
// the writing side then, which lets out what a simulated network still
// holds back, within its bound (netsim.Conn.CloseWrite): closed at once,
// the connection would drop it, the last chunk with it.
func (c *chunked) end(linger bool) {
	rest, err := c.now.Rest()
	if c.head != nil || err != nil {
		return
	}
	c.conn.SetWriteDeadline(time.Now().Add(goodbyeGrace))
	_, err = c.conn.Write(append(rest, lastChunk...)) // what try left, if anything, first
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok && err == nil && linger {
		cw.CloseWrite()
	}
}

// close closes the connection: the stream hijacked it, so no next request
// may come on it.
func (c *chunked) close() { c.conn.Close() }

// hijack takes r's connection from net/http when the answer can be written
// on it exactly as net/http would write it (see canHijack), and returns the
// stream's body on it, its response head ready to go with the first flush.
// ok is false when the answer stays net/http's.
func hijack(w http.ResponseWriter, r *http.Request) (_ *chunked, ok bool) {
	if !canHijack(r, w.Header()) {
		return nil, false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false // HTTP/2, a recorder: not a connection of its own
	}
	// Bytes net/http read past the request sit in its reader; they are
	// counted on the wire already, and are nothing a stream reads: dropped
	// with the reader, as listen drops what comes later. Neither of
	// net/http's buffers is kept.
	brw.Reader.Discard(brw.Reader.Buffered())
	return &chunked{conn: conn, head: appendHead(nil, w.Header(), r.Close, time.Now()), now: rawsock.NewWriter(conn)}, true
}

// canHijack says whether the answer to r, with header h, is one the
// stream can write on the hijacked connection byte for byte as net/http
// writes it: a chunked HTTP/1.1 answer to a GET without a body, and no
// header that net/http would rewrite (Content-Length, Transfer-Encoding,
// Connection, trailers). Anything else stays with net/http.
func canHijack(r *http.Request, h http.Header) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor < 1 || r.Method != http.MethodGet || r.ContentLength != 0 || r.Header.Get("Expect") != "" {
		return false
	}
	for _, k := range []string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer"} {
		if _, ok := h[k]; ok {
			return false
		}
	}
	for k := range h {
		if len(k) >= len(http.TrailerPrefix) && k[:len(http.TrailerPrefix)] == http.TrailerPrefix {
			return false
		}
	}
	return true
}

// appendHead appends the head of a 200 answer with header h, as net/http
// writes it (its chunkWriter.writeHeader): the status line, h's fields in
// order (http.Header.WriteSubset, the same code), a Date unless h has one,
// Connection: close when the request asked for it, and the chunked
// Transfer-Encoding.
//
// One case net/http writes otherwise: while its server shuts down, or
// with its keep-alives disabled, it adds Connection: close, which a
// handler cannot know. The stream's connection is closed at its end
// either way.
func appendHead(b []byte, h http.Header, closing bool, now time.Time) []byte {
	buf := bytes.NewBuffer(append(b, "HTTP/1.1 200 OK\r\n"...))
	h.WriteSubset(buf, nil) // a bytes.Buffer never fails
	b = buf.Bytes()
	if _, ok := h["Date"]; !ok {
		b = append(b, "Date: "...)
		b = now.UTC().AppendFormat(b, http.TimeFormat)
		b = append(b, "\r\n"...)
	}
	if closing {
		b = append(b, "Connection: close\r\n"...)
	}
	return append(b, "Transfer-Encoding: chunked\r\n\r\n"...)
}

// flushed is the body of a stream that net/http frames: written, then
// flushed.
type flushed struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	r  *http.Request // for what the last flush cost on the wire
}

func (f *flushed) flush(buf []byte) error {
	if _, err := f.w.Write(buf[headroom:]); err != nil {
		return err
	}
	return f.rc.Flush()
}

// flushed asks the wire: net/http chose the framing (wire.Exchange.Flushed).
func (f *flushed) flushed() int { return wire.ExchangeOf(f.r).Flushed() }

func (f *flushed) setWriteDeadline(t time.Time) error {
	if err := f.rc.SetWriteDeadline(t); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// try takes nothing: net/http's writes wait.
func (f *flushed) try([]byte) (taken, rest bool) { return false, false }
func (f *flushed) flushRest() error              { return nil }

// end and close leave it to net/http: once the handler returns, it
// writes the end of the body, and keeps or closes the connection.
func (f *flushed) end(bool)     {}
func (f *flushed) stopReading() {}
func (f *flushed) close()       {}
