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

// A stream is handed off its handler (wire.HandOff): once open and idle,
// an SSE stream or a WebSocket costs one goroutine, its reader, and none
// of net/http's, whose goroutine has returned; a writer runs only while
// there is something to write. Heartbeats and pings cost them none: one
// clock ticks for every stream. A Socket.IO session on its WebSocket
// costs two: its heartbeat's, which writes the WebSocket, and its reader.
func TestStreamGoroutines(t *testing.T) {
	const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	for _, tc := range []struct {
		name, target, header string
		status, each         int
	}{
		{"sse", "/sse", "", http.StatusOK, 1},
		{"ws", "/ws", upgrade, http.StatusSwitchingProtocols, 1},
		{"socketio", "/socket.io/?EIO=4&transport=websocket", upgrade, http.StatusSwitchingProtocols, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				countStreamGoroutines(t, "GET "+tc.target+" HTTP/1.1\r\nHost: pipe\r\n"+tc.header+"\r\n", tc.status, tc.each)
			})
		})
	}
}

// countStreamGoroutines opens streams with request, which is answered
// with status, in a bubble, and checks that each costs the server each
// goroutines.
func countStreamGoroutines(t *testing.T, request string, status, each int) {
	srv, _ := newServerInBubble(t, server.Config{})
	dial := srv.Client().Transport.(*http.Transport).DialContext // to the pipes
	open := func(n int) {
		for range n {
			c, err := dial(t.Context(), "tcp", "pipe")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			go io.WriteString(c, request)
			br := bufio.NewReader(c)
			res, err := http.ReadResponse(br, nil)
			if err != nil || res.StatusCode != status {
				t.Fatalf("answer: %v, %v; want %d", res, err, status)
			}
			body := io.Reader(br) // a WebSocket's frames
			if status == http.StatusOK {
				body = res.Body // SSE's chunks
			}
			var first [2]byte // the start of the first message (the hello, the open packet); the rest of it is never read
			if _, err := io.ReadFull(body, first[:]); err != nil {
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
		t.Errorf("%d more goroutines for %d more streams, want %d: %d a connection", got, n, each*n, each)
	}
	if got := goroutines("net/http.(*conn).serve(") - serving; got != 0 {
		t.Errorf("%d more of net/http's goroutines serve a connection, want none: the streams were not handed off", got)
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
