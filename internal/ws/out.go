package ws

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
)

// out is where every frame of a connection is written, whole: the writer's
// events and pings, the reader's replies (both framed here, see
// appendText), and the control frames coder/websocket writes itself (pongs
// to the client's pings, close frames) through the small bufio.Writer it
// keeps, which flushes each as one write (writeBuffer holds the largest).
// One write at a time, each of whole frames, so they never interleave.
//
// coder/websocket's own Write would do for the writer's events, but it
// flushes each message by itself: a connection with several events queued
// would make a system call each. Framing here puts them all in one.
type out struct {
	mu     sync.Mutex
	conn   io.Writer
	closed bool // a close frame went out: no message may follow it (RFC 6455, 5.5.1)
}

// on is hijack.ResponseWriter's Out: o writes to c.
func (o *out) on(c net.Conn) io.Writer {
	o.conn = c
	return o
}

// Write writes one of coder/websocket's control frames.
func (o *out) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(p) > 0 && p[0]&0x0f == opClose {
		o.closed = true
	}
	return o.conn.Write(p)
}

// writeFrames writes b, whole frames, unless a close frame went out.
func (o *out) writeFrames(b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return net.ErrClosed
	}
	_, err := o.conn.Write(b)
	return err
}

// Frame opcodes, and the bit that marks a message's last frame.
const (
	fin     = 0x80
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
)

// appendText appends msg to b as a text message in one frame, as a server
// sends it: unmasked, with the shortest length that holds it.
func appendText(b, msg []byte) []byte {
	return append(appendHeader(b, fin|opText, len(msg)), msg...)
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

// flushAt is how many bytes of frames push gathers before it writes them:
// a long backlog goes out in writes of about this size.
const flushAt = 16 << 10

// buffers hold the frames of one write, for as long as it takes: a
// connection keeps none between writes.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= 2*flushAt { // a rare huge message's buffer is let go
		buffers.Put(b)
	}
}
