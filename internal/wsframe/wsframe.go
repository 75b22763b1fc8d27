// Package wsframe frames a server's WebSocket messages itself, beside
// coder/websocket, and writes them whole: what queued for a connection
// goes out in one write, with no buffer kept between writes.
//
// coder/websocket's own Write would do, but it flushes each message by
// itself: a connection with several messages queued would make a system
// call each, through a buffer it keeps for the connection's whole life.
// Framing here puts them all in one write, from a buffer lent for it
// (GetBuffer). The library still reads the connection, and writes its own
// control frames (pongs, close frames) through Out, which keeps the two
// writers' frames apart.
//
// Out also writes for the hub, which writes an event to thousands of
// connections in turn and must wait on none (TryWriteFrames): what a
// connection does not take at once is the only buffer Out keeps, until
// the connection's next write sends it first.
//
// Read Out first, then AppendText. Used by internal/ws and
// internal/socketio (see hijack.ResponseWriter's Out).
package wsframe

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"transportlab/internal/rawsock"
)

// Out is where every frame of a connection is written, whole: the
// caller's messages (WriteFrames, framed by AppendText and AppendPing)
// and the control frames coder/websocket writes itself through the small
// bufio.Writer it keeps, which must hold the largest (2 + 125 bytes) so
// that each goes out as one write (Write). One write at a time, each of
// whole frames, so they never interleave.
//
// A write that fails may have put part of a frame on the wire (one that
// timed out half-way, Timeout): a frame written after it would land in
// the middle of that one and garble the stream. So after a write error
// Out writes nothing more, as after a close frame: the connection is
// done, and only closing it is left.
type Out struct {
	// Timeout, when above 0, bounds each WriteFrames: on a client that
	// stops reading it fails after Timeout rather than block. 0: the
	// caller bounds its writes another way (it closes the connection).
	Timeout time.Duration

	mu   sync.Mutex
	conn net.Conn
	// done: a close frame went out, and no frame may follow it (RFC 6455,
	// 5.5.1), or a write failed, maybe part-way through a frame.
	done bool
	// now writes without waiting for TryWriteFrames, and keeps what the
	// connection did not take, which the next write sends first.
	now rawsock.Writer
}

// On is hijack.ResponseWriter's Out: o writes to c.
func (o *Out) On(c net.Conn) io.Writer {
	o.conn = c
	o.now = rawsock.NewWriter(c)
	return o
}

// Write writes one of coder/websocket's control frames, after what
// TryWriteFrames left, unless a close frame went out or a write failed.
func (o *Out) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return 0, net.ErrClosed
	}
	rest, err := o.now.Rest()
	if err == nil && len(rest) > 0 {
		_, err = o.conn.Write(rest)
	}
	if err != nil {
		o.done = true
		return 0, err
	}
	if len(p) > 0 && p[0]&0x0f == opClose {
		o.done = true
	}
	n, err := o.conn.Write(p)
	if err != nil {
		o.done = true
	}
	return n, err
}

// WriteFrames writes what TryWriteFrames left, then b, whole frames (b
// may be empty), in one write, unless a close frame went out or a write
// failed.
func (o *Out) WriteFrames(b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return net.ErrClosed
	}
	rest, err := o.now.Rest()
	switch {
	case err != nil:
		o.done = true
		return err
	case len(rest) > 0:
		b = append(rest, b...)
	case len(b) == 0:
		return nil
	}
	if o.Timeout > 0 {
		if err := o.conn.SetWriteDeadline(time.Now().Add(o.Timeout)); err != nil {
			o.done = true // what TryWriteFrames left is dropped: no frame may follow
			return err
		}
		// The control frames written later have no deadline of ours:
		// coder/websocket bounds its close handshake itself.
		defer o.conn.SetWriteDeadline(time.Time{})
	}
	if _, err := o.conn.Write(b); err != nil {
		o.done = true
		return err
	}
	return nil
}

// TryWriteFrames writes b, whole frames, without waiting, and says
// whether it took them: a goroutine that writes to many connections
// (feed.Subscription's SetDirect) must not wait on one. What the
// connection does not take at once is kept, and the next WriteFrames or
// Write sends it first; rest says there is such a rest, and that the
// connection's own writer should be told to write it.
//
// It does not take b, and the caller writes it later with WriteFrames,
// when a write is under way or left, when a close frame went out or a
// write failed, or when the connection cannot take b without waiting
// (see rawsock.Writer).
func (o *Out) TryWriteFrames(b []byte) (taken, rest bool) {
	if !o.mu.TryLock() { // a write under way: b would wait behind it
		return false, false
	}
	defer o.mu.Unlock()
	if o.done {
		return false, false
	}
	return o.now.Try(b)
}

// Frame opcodes, and the bit that marks a message's last frame.
const (
	fin     = 0x80
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
)

// AppendText appends msg to b as a text message in one frame, as a server
// sends it: unmasked, with the shortest length that holds it.
func AppendText(b, msg []byte) []byte {
	return append(AppendTextHeader(b, len(msg)), msg...)
}

// AppendTextHeader appends the header of a text message in one frame of n
// bytes, which the caller appends next: a message it encodes straight
// into b, with no copy.
func AppendTextHeader(b []byte, n int) []byte {
	return appendHeader(b, fin|opText, n)
}

// AppendPing appends a ping frame that carries payload (at most 125
// bytes) to b.
func AppendPing(b, payload []byte) []byte {
	return append(appendHeader(b, fin|opPing, len(payload)), payload...)
}

// appendHeader appends a frame's header: its first byte and its length.
func appendHeader(b []byte, first byte, n int) []byte {
	switch {
	case n <= 125:
		return append(b, first, byte(n))
	case n <= 0xffff:
		return append(b, first, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(b, first, 127), uint64(n))
}

// maxKept is the largest buffer PutBuffer keeps for another write: a
// rare huge message's is let go.
const maxKept = 32 << 10

// buffers hold the frames of one write, for as long as it takes: a
// connection keeps none between writes.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// GetBuffer lends an empty buffer to frame one write in.
func GetBuffer() *[]byte {
	b := buffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// PutBuffer gives b back once its frames are written; the caller keeps
// in *b what appending grew it to, so that the next write need not grow
// it again.
func PutBuffer(b *[]byte) {
	if cap(*b) <= maxKept {
		buffers.Put(b)
	}
}

// CloseReason cuts s to what a close frame can carry (123 bytes, after
// its 2-byte code, within a control frame's 125), on a character
// boundary: the reason an error gives, sent to the client.
func CloseReason(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
