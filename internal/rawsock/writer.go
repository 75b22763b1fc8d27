package rawsock

import (
	"errors"
	"net"
)

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
