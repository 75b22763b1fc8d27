package server_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"runtime"
	"testing"
	"testing/synctest"

	"transportlab/internal/server"
)

// A WebSocket is handed off its handler (wire.HandOff): once open and
// idle, it costs one goroutine, its reader, and none of net/http's, whose
// goroutine has returned; a writer runs only while there is something to
// write. Its pings cost it none: one clock pings every connection. A
// Socket.IO session on its WebSocket costs two: its heartbeat's, which
// writes the WebSocket, and its reader.
func TestWebSocketGoroutines(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		each         int
	}{
		{"ws", "/ws", 1},
		{"socketio", "/socket.io/?EIO=4&transport=websocket", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { countWebSocketGoroutines(t, tc.target, tc.each) })
		})
	}
}

// countWebSocketGoroutines opens WebSockets to target, in a bubble, and
// checks that each costs the server each goroutines.
func countWebSocketGoroutines(t *testing.T, target string, each int) {
	srv, _ := newServerInBubble(t, server.Config{})
	dial := srv.Client().Transport.(*http.Transport).DialContext // to the pipes
	open := func(n int) {
		for range n {
			c, err := dial(t.Context(), "tcp", "pipe")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			go io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: pipe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			br := bufio.NewReader(c)
			if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("upgrade: %v, %v", res, err)
			}
			var first [2]byte // the first message's frame header (the hello, the open packet); the rest of it is never read
			if _, err := io.ReadFull(br, first[:]); err != nil {
				t.Fatalf("first message: %v", err)
			}
		}
		synctest.Wait() // every handler has returned, or is waiting
	}
	open(1)
	before, serving := goroutines("synctest bubble "), goroutines("net/http.(*conn).serve(")
	const n = 10
	open(n)
	if got := goroutines("synctest bubble ") - before; got != each*n {
		t.Errorf("%d more goroutines for %d more WebSockets, want %d: %d a connection", got, n, each*n, each)
	}
	if got := goroutines("net/http.(*conn).serve(") - serving; got != 0 {
		t.Errorf("%d more of net/http's goroutines serve a connection, want none: the WebSockets were not handed off", got)
	}
}

// goroutines counts the goroutines whose stack, or the line that heads
// it, says what: "synctest bubble " for the test's bubble (others, the
// testing package's or a finalizer running, come and go on their own),
// "net/http.(*conn).serve(" for net/http's that serve a connection.
func goroutines(what string) int {
	buf := make([]byte, 1<<20)
	n := 0
	for g := range bytes.SplitSeq(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
		if bytes.Contains(g, []byte(what)) {
			n++
		}
	}
	return n
}
