package rawsock_test

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/rawsock"
	"transportlab/internal/transporttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// stream is n bytes that tell where they are in it: a byte out of place,
// lost or repeated shows.
func stream(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// A socket whose peer does not read takes whole writes until its buffers
// fill, then part of one or nothing, and TryWrite says so rather than
// waiting. What the peer then reads is exactly what TryWrite said it
// wrote, in order; once the peer has read, the socket takes writes again.
func TestTryWriteTakesWhatFitsAndNeverWaits(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	s := rawsock.Wrap(server)
	if s == nil {
		t.Fatal("Wrap(a TCP connection) = nil")
	}
	const chunk = 4096 + 17 // odd, so that a short write falls inside a chunk
	all := stream(4 << 20)  // far more than the buffers hold
	off, short, full := 0, 0, 0
	for full < 3 { // full three times in a row: the peer's window is closed too
		p := all[off : off+chunk]
		n, err := s.TryWrite(p)
		switch {
		case err == nil && n == len(p):
		case errors.Is(err, rawsock.ErrWouldBlock) && n == 0:
			full++
		case errors.Is(err, rawsock.ErrWouldBlock) && n > 0 && n < len(p):
			short++
		default:
			t.Fatalf("TryWrite(%d bytes) after %d = %d, %v", len(p), off, n, err)
		}
		if n > 0 {
			full = 0 // an ack from the peer's kernel freed some room
		}
		off += n
		if off+chunk > len(all) {
			t.Fatalf("%d bytes written and still not full", off)
		}
	}
	t.Logf("%d bytes written before the buffers filled, %d short writes", off, short)

	got := make([]byte, off)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if i := transporttest.FirstDiff(got, all[:off]); i >= 0 {
		t.Fatalf("byte %d of %d read differs from what TryWrite wrote", i, off)
	}

	// Read out, the buffers take a write again; TryWrite wrote nothing
	// that was not counted, so nothing more arrives before it.
	p := all[off : off+chunk]
	n, err := s.TryWrite(p)
	for errors.Is(err, rawsock.ErrWouldBlock) && n == 0 { // until the peer's ack frees the send buffer
		time.Sleep(time.Millisecond)
		n, err = s.TryWrite(p)
	}
	if err != nil && !errors.Is(err, rawsock.ErrWouldBlock) {
		t.Fatalf("TryWrite after the peer read = %d, %v", n, err)
	}
	more := make([]byte, n)
	if _, err := io.ReadFull(client, more); err != nil {
		t.Fatal(err)
	}
	if i := transporttest.FirstDiff(more, p[:n]); i >= 0 {
		t.Fatalf("byte %d of the write after the peer read differs", i)
	}
}

// A connection with no socket below (a test's pipe) cannot be written
// without waiting.
func TestWrapAPipeIsNil(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if s := rawsock.Wrap(a); s != nil {
		t.Errorf("Wrap(net.Pipe) = %v, want nil", s)
	}
}

// A closed connection, or one whose write deadline passed, is an error,
// not a full one: the caller must not keep the bytes for later.
func TestTryWriteOnAClosedConnectionFails(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		server, _ := transporttest.TCPPair(t)
		s := rawsock.Wrap(server)
		server.Close()
		n, err := s.TryWrite([]byte("after close"))
		if n != 0 || !errors.Is(err, net.ErrClosed) {
			t.Errorf("TryWrite after Close = %d, %v, want 0, net.ErrClosed", n, err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		server, _ := transporttest.TCPPair(t)
		s := rawsock.Wrap(server)
		server.SetWriteDeadline(time.Unix(1, 0))
		n, err := s.TryWrite([]byte("after the deadline"))
		if n != 0 || err == nil || errors.Is(err, rawsock.ErrWouldBlock) {
			t.Errorf("TryWrite after the deadline = %d, %v, want 0 and an error other than ErrWouldBlock", n, err)
		}
	})
	t.Run("reset by the peer", func(t *testing.T) {
		server, client := transporttest.TCPPair(t)
		s := rawsock.Wrap(server)
		client.SetLinger(0) // close with a reset
		client.Close()
		p := []byte("to a peer gone")
		for {
			n, err := s.TryWrite(p)
			if err == nil || errors.Is(err, rawsock.ErrWouldBlock) {
				continue // the reset is not in yet
			}
			if n != 0 || !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("TryWrite to a reset connection = %d, %v, want 0 and EPIPE or ECONNRESET", n, err)
			}
			return
		}
	})
}
