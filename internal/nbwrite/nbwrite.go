// Package nbwrite writes to a socket without waiting: what the socket's
// send buffer takes now goes out, and the caller keeps the rest.
//
// A goroutine that writes one published event to thousands of
// connections, as the hub does for the streams (feed.Subscription's
// SetDirect), must not wait on any one of them: a write to a client that
// reads slowly would hold up every client after it. net.Conn's Write
// waits until all is written; TryWrite makes one write system call on
// the non-blocking socket that Go's runtime keeps under every net.Conn,
// and returns what it wrote. A client that keeps up takes the whole
// event at once, as it almost always does, and costs its connection's
// goroutine no wakeup.
package nbwrite

import (
	"errors"
	"net"
	"syscall"
)

// ErrWouldBlock is TryWrite's answer when the socket takes nothing now,
// or when the connection cannot be written without waiting at all (a
// simulated network that delays it): the caller writes what is left the
// usual way.
var ErrWouldBlock = errors.New("nbwrite: the connection cannot take this now")

// TryWriter is a connection that can write without waiting.
type TryWriter interface {
	// TryWrite writes as much of p as the connection takes now, and
	// returns how much. When it wrote less than len(p), err says why:
	// ErrWouldBlock when the connection is merely full.
	TryWrite(p []byte) (n int, err error)
}

// Socket writes to one socket without waiting. One write at a time: its
// caller serializes them, as it serializes the connection's other writes.
type Socket struct {
	rc    syscall.RawConn
	p     []byte
	n     int
	errno error
	write func(fd uintptr) bool // w.try, made once: a method value allocates
}

// Of returns a Socket for c, or nil when c is no socket (a test's pipe),
// or a socket this system cannot write without waiting (see try).
func Of(c net.Conn) *Socket {
	sc, ok := c.(syscall.Conn)
	if !ok || !canTry {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &Socket{rc: rc}
	s.write = s.try
	return s
}

// TryWrite writes as much of p as the socket's send buffer takes, in one
// system call, and returns how much.
func (s *Socket) TryWrite(p []byte) (int, error) {
	s.p = p
	err := s.rc.Write(s.write) // the runtime's write lock, and the socket's closing, as net.Conn's Write
	n, errno := s.n, s.errno
	s.p, s.n, s.errno = nil, 0, nil
	switch {
	case err != nil: // closed, or a deadline passed
		return 0, err
	case errno == syscall.EAGAIN:
		return 0, ErrWouldBlock
	case errno != nil:
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: errno}
	case n < len(p):
		return n, ErrWouldBlock
	}
	return n, nil
}

// For returns c as a TryWriter: c itself when it is one (a counting or a
// simulated connection, which wraps the socket), a Socket on it when it
// is a bare socket, or nil when it is neither (a test's pipe).
func For(c net.Conn) TryWriter {
	if tw, ok := c.(TryWriter); ok {
		return tw
	}
	if s := Of(c); s != nil {
		return s
	}
	return nil
}

// Writer writes to a connection without waiting (Try), for a goroutine
// that writes to many, and keeps what the connection did not take at
// once for the connection's own next write, which may wait (Rest). The
// zero Writer, or one on a connection that cannot be written so, takes
// nothing. Its user serializes Try and Rest with the connection's other
// writes.
type Writer struct {
	tw   TryWriter
	rest []byte // what Try could not write at once, part of a frame or a chunk among it
	err  error  // why a write of Try's failed: nothing may be written after it
}

// NewWriter returns a Writer on c (see For).
func NewWriter(c net.Conn) Writer { return Writer{tw: For(c)} }

// Try writes b, whole, without waiting, and says whether it took it. It
// does not when a rest is kept or a write failed, when the connection is
// full or cannot be written without waiting: the caller writes b later,
// the way that waits. When the connection took part of b, the rest is
// kept, and rest says the connection's own writer should be told to
// write it (Rest). When the write failed, rest says so too: the writer's
// next Rest returns the error.
func (w *Writer) Try(b []byte) (taken, rest bool) {
	if w.tw == nil || len(w.rest) > 0 || w.err != nil {
		return false, false
	}
	n, err := w.tw.TryWrite(b)
	switch {
	case err == nil:
		return true, false
	case errors.Is(err, ErrWouldBlock):
		if n == 0 {
			return false, false
		}
		w.rest = append([]byte(nil), b[n:]...)
		return true, true
	}
	w.err = err
	return n > 0, true
}

// Rest returns what Try left to write, and forgets it: the connection's
// next write sends it before its own bytes. err is why a write of Try's
// failed; after one, nothing more may be written (part of a frame may be
// on the wire), and every Rest returns it.
func (w *Writer) Rest() (rest []byte, err error) {
	rest, w.rest = w.rest, nil // a connection keeps no buffer between writes
	return rest, w.err
}
