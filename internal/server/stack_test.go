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
// double a stack on every connection. A WebSocket waits below some thirty
// frames of net/http and middleware, where 3.2 KB in use make its stack
// 16 KB rather than 8 KB. An SSE stream hands its connection off its
// handler (sse.Handler's ServeHTTP) and waits in two goroutines of its own
// with a few frames each, its loop and its connection's reader, at the
// smallest stack there is, 2 KB; the bound catches the loop's stack at
// 4 KB, as it would be with a frame more to keep while it waits, and a
// stream served within its handler again (19.5 KB). The bounds are on the
// stacks of both ends of a connection, each stream's client in this
// process too, and sit halfway between what they are and what they were.
// (The race detector's frames are larger: the test holds without it.)
func TestStreamsKeepSmallStacks(t *testing.T) {
	for _, tc := range []struct {
		transport string
		max       int64 // stack bytes per connection, both ends
	}{
		{"sse", 14 << 10}, // 13 KB; 14.5 KB with the loop's stack at 4 KB
		{"ws", 17 << 10},  // 13 KB; 21 KB with a 16 KB stack
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
