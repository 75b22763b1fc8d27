//go:build !race

package server_test

import (
	"log/slog"
	"net/http/httptest"
	"runtime"
	"testing"
	"testing/fstest"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// A goroutine that serves a stream waits for as long as the stream lives,
// and the runtime keeps its stack at more than four times what its frames
// use: a few more locals below the loop, or a deeper call the loop keeps,
// double a stack on every connection. Served within its handler, a stream
// waits below some thirty frames of net/http and middleware, where 3.2 KB
// in use make its stack 16 KB rather than 8 KB; both streams are handed off
// their handlers (wire.HandOff) and wait in goroutines of their own, a few
// frames deep. The bounds are on the stacks of both ends of a connection,
// each stream's client in this process too, and sit halfway between what
// they are and what they would be with a stack doubled.
// (The race detector's frames are larger: the test holds without it.)
func TestStreamsKeepSmallStacks(t *testing.T) {
	for _, tc := range []struct {
		transport string
		max       int64 // stack bytes per connection, both ends
	}{
		// An SSE stream waits in its loop, on a stack of 4 KB since its
		// first write (the write goes deeper than 2 KB hold, and the
		// runtime halves a stack only while less than a quarter of it is
		// in use, 800 bytes counted as used), and its connection's reader
		// on 2 KB; its client here, net/http's, keeps two goroutines.
		{"sse", 14 << 10}, // 13 KB; 14.7 KB with 1.2 KB more in the loop's frame (19.5 KB served within the handler)
		// A WebSocket is handed off its handler (wire.HandOff): its writer
		// and its reader wait on goroutines of their own, a few frames
		// deep, each on the smallest stack a waiting goroutine keeps, 4 KB
		// (the runtime halves a stack while less than a quarter of it is
		// in use, 800 bytes counted as used). A frame that makes either
		// wait below about 1.2 KB doubles that stack. The client here
		// keeps no goroutine.
		{"ws", 11 << 10}, // 8.6 KB; 12.6 KB with either stack at 8 KB (20.5 KB served within the handler)
		// A Socket.IO session on its WebSocket, handed off as well: its
		// heartbeat's goroutine, which writes the WebSocket, and its
		// reader, on 4 KB each.
		{"socketio", 11 << 10}, // 8.8 KB
	} {
		t.Run(tc.transport, func(t *testing.T) {
			hub := feed.NewHub(feed.Config{})
			srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}}))
			srv.Listener = server.Install(srv.Config, srv.Listener)
			srv.Start()
			const n = 100
			var closers []func()
			defer func() {
				hub.Close()
				for _, c := range closers {
					c()
				}
				srv.Close()
			}()
			before := stackInUse()
			for range n {
				_, closeFn := dial(t, srv.URL, tc.transport)
				closers = append(closers, closeFn)
			}
			if got := (stackInUse() - before) / n; got > tc.max {
				t.Errorf("%s: %d B of stack per connection, want at most %d: has a frame below the stream's loop grown?", tc.transport, got, tc.max)
			}
		})
	}
}

// stackInUse returns the bytes of goroutine stacks in use after a
// collection, which shrinks the stacks that use less than a quarter.
func stackInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.StackInuse)
}
