package transporttest

import (
	"net"
	"testing"
)

// TCPPair returns both ends of a loopback TCP connection: the server's,
// accepted, and the client's. Both buffers are small, so that a peer that
// does not read fills them after a few hundred kilobytes at most: a test
// of writes that must not wait gets them to wait soon.
func TCPPair(tb testing.TB) (server, client *net.TCPConn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept() // nil when Dial failed and the listener closed
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		c.Close()
		tb.Fatal("accept failed")
	}
	server, client = s.(*net.TCPConn), c.(*net.TCPConn)
	tb.Cleanup(func() { server.Close(); client.Close() })
	if err := server.SetWriteBuffer(16 << 10); err != nil {
		tb.Fatal(err)
	}
	if err := client.SetReadBuffer(16 << 10); err != nil {
		tb.Fatal(err)
	}
	return server, client
}

// FirstDiff returns the first index where a and b differ, -1 when equal.
func FirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
