package netsim_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"transportlab/internal/netsim"
	"transportlab/internal/rawsock"
)

// tcp returns a Conn over a loopback TCP connection, accepted through
// Listen as the server accepts one, and the client's end.
func tcp(tb testing.TB) (*netsim.Conn, net.Conn) {
	tb.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer inner.Close()
	ln := netsim.Listen(inner)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept() // nil when Dial failed and the listener closed
		accepted <- c
	}()
	client, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	c := <-accepted
	if c == nil {
		client.Close()
		tb.Fatal("accept failed")
	}
	tb.Cleanup(func() { c.Close(); client.Close() })
	return c.(*netsim.Conn), client
}

// tryWrite asks c to write p without waiting, and says whether it wrote
// all of it; it fails the test on any answer but all or ErrWouldBlock with
// nothing written.
func tryWrite(tb testing.TB, c *netsim.Conn, p []byte) bool {
	tb.Helper()
	n, err := c.TryWrite(p)
	switch {
	case err == nil && n == len(p):
		return true
	case errors.Is(err, rawsock.ErrWouldBlock) && n == 0:
		return false
	}
	tb.Fatalf("TryWrite(%q) = %d, %v", p, n, err)
	return false
}

// expect reads len(want) bytes from client and compares them with want.
func expect(tb testing.TB, client net.Conn, want string) {
	tb.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(client, got); err != nil {
		tb.Fatal(err)
	}
	if string(got) != want {
		tb.Fatalf("the client read %q, want %q", got, want)
	}
}

// On a good network, or on none, TryWrite writes to the socket at once.
func TestTryWriteOnAGoodNetwork(t *testing.T) {
	c, client := tcp(t)
	if !tryWrite(t, c, []byte("a")) {
		t.Fatal("TryWrite on no network took nothing")
	}
	var n netsim.Network
	c.Cross(&n, "ws")
	if !tryWrite(t, c, []byte("b")) {
		t.Fatal("TryWrite on a good network took nothing")
	}
	expect(t, client, "ab")
}

// A network that delays writes takes none without waiting: the delay
// would be skipped. Once the delay is gone, and before any write was held
// back, TryWrite writes again.
func TestTryWriteDeclinesWhileANetworkDelays(t *testing.T) {
	c, client := tcp(t)
	var n netsim.Network
	n.Set(100*time.Millisecond, 0)
	c.Cross(&n, "ws")
	if tryWrite(t, c, []byte("skipped the delay")) {
		t.Fatal("TryWrite took a write the network delays")
	}
	n.Set(0, 0)
	if !tryWrite(t, c, []byte("a")) {
		t.Fatal("TryWrite took nothing once the delay was gone")
	}
	expect(t, client, "a")
}

// A stall under way stops TryWrite as it stops Write; once it is over,
// TryWrite writes again.
func TestTryWriteDeclinesDuringAStall(t *testing.T) {
	c, client := tcp(t)
	var n netsim.Network
	c.Cross(&n, "ws")
	n.Stall(time.Hour)
	if tryWrite(t, c, []byte("skipped the stall")) {
		t.Fatal("TryWrite took a write during a stall")
	}
	n.Stall(0)
	if !tryWrite(t, c, []byte("a")) {
		t.Fatal("TryWrite took nothing once the stall was over")
	}
	expect(t, client, "a")
}

// Once a delay held a write back, every later write queues behind it in
// the delay line, even on a good network: TryWrite, which would go
// straight to the socket and overtake, takes none.
func TestTryWriteDeclinesOnceADelayHeldAWriteBack(t *testing.T) {
	c, client := tcp(t)
	var n netsim.Network
	n.Set(10*time.Millisecond, 0)
	c.Cross(&n, "ws")
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	n.Set(0, 0)
	if tryWrite(t, c, []byte("overtook")) {
		t.Fatal("TryWrite took a write behind a delay line")
	}
	c.Cross(nil, "")
	if tryWrite(t, c, []byte("overtook")) {
		t.Fatal("TryWrite took a write behind a delay line, on a good network")
	}
	if _, err := c.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	expect(t, client, "ab")
}

// A closed connection is an error, not a full one.
func TestTryWriteAfterClose(t *testing.T) {
	c, _ := tcp(t)
	c.Close()
	if n, err := c.TryWrite([]byte("after close")); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Errorf("TryWrite after Close = %d, %v, want 0, net.ErrClosed", n, err)
	}
}
