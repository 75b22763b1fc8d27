package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// batch is how many events are published before waiting for every client
// to have them all. One at a time, as in class: at 5 or 10 events a second
// no transport ever has two events to write at once.
const batch = 1

// BenchmarkDeliver measures what one delivered event (one event to one
// client) costs on each push transport, through the whole server over
// loopback, with a quote of the usual size. The clients run in the same
// process, so each op includes reading the event as well as writing it:
// compare the transports with each other, not with a server alone.
func BenchmarkDeliver(b *testing.B) {
	for _, transport := range []string{"sse", "ws"} {
		for _, clients := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/clients=%d", transport, clients), func(b *testing.B) {
				benchDeliver(b, transport, clients)
			})
		}
	}
}

func benchDeliver(b *testing.B, transport string, clients int) {
	hub := feed.NewHub(feed.Config{})
	srv := httptest.NewServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}}))
	defer srv.Close()
	defer hub.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan struct{}, clients) // one per client per batch
	done := make(chan struct{}, clients)
	for range clients {
		next, closeFn := dialer(b, ctx, srv.URL, transport)
		go func() {
			defer func() { closeFn(); done <- struct{}{} }()
			for n := 0; ; n++ {
				if err := next(); err != nil {
					return
				}
				if n%batch == batch-1 {
					got <- struct{}{}
				}
			}
		}()
	}

	e := feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}
	b.ReportAllocs()
	b.ResetTimer()
	events := (b.N + batch - 1) / batch * batch
	for i := 0; i < events; i += batch {
		for range batch {
			if _, err := hub.Publish(e); err != nil {
				b.Fatal(err)
			}
		}
		for range clients {
			<-got
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events*clients), "ns/delivery")
	cancel()
	hub.Close()
	for range clients {
		<-done
	}
}

// dialer connects one client and returns a func that reads its next event.
func dialer(b *testing.B, ctx context.Context, url, transport string) (next func() error, closeFn func()) {
	b.Helper()
	switch transport {
	case "ws":
		c, _, err := websocket.Dial(ctx, url+"/ws", nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil { // the hello
			b.Fatal(err)
		}
		// Reads take no deadline: a context that can expire costs the client
		// a timer per read, and the benchmark is about the server.
		return func() error {
			_, r, err := c.Reader(context.Background())
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			return err
		}, func() { c.CloseNow() }
	default:
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/sse", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(res.Body)
		for range 2 { // the retry: block and the hello
			if err := skipBlock(r, false); err != nil {
				b.Fatal(err)
			}
		}
		return func() error { return skipBlock(r, true) }, func() { res.Body.Close() }
	}
}

// skipBlock reads one SSE block; with wantID it skips blocks that are not
// events (heartbeats).
func skipBlock(r *bufio.Reader, wantID bool) error {
	hasID := false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) == 1 {
			if hasID || !wantID {
				return nil
			}
			continue
		}
		hasID = hasID || strings.HasPrefix(string(line), "id:")
	}
}
