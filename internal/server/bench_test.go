package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// BenchmarkDeliver measures what one delivered event (one event to one
// client) costs on each push transport, through the whole server over
// loopback, with a quote of the usual size. Events go out one at a time,
// each waited for by every client, as in class: at 5 or 10 events a second
// no connection ever has two events to write at once.
//
// The clients run in the same process, so an op includes reading the event
// as well as writing it, and B/conn (the memory in use per open connection,
// measured once they are all open) counts both ends of a connection. "raw" is the floor to compare with: the same hub
// and clients, but each event written as a bare line to a plain TCP
// connection, with no HTTP and no WebSocket framing. "socketio" is a
// Socket.IO session on its WebSocket, as after the upgrade (or with
// transports: ['websocket']): each event in Socket.IO's framing,
// 42["event",…].
func BenchmarkDeliver(b *testing.B) {
	for _, transport := range []string{"raw", "sse", "ws", "socketio"} {
		for _, clients := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/clients=%d", transport, clients), func(b *testing.B) {
				benchDeliver(b, transport, clients)
			})
		}
	}
}

func benchDeliver(b *testing.B, transport string, clients int) {
	hub := feed.NewHub(feed.Config{})
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}}))
	srv.Listener = server.Install(srv.Config, srv.Listener) // every byte counted, as transportlab runs
	srv.Start()
	url, stopRaw := srv.URL, func() {}
	if transport == "raw" {
		url, stopRaw = serveRaw(b, hub)
	}
	var readers sync.WaitGroup
	defer func() {
		hub.Close() // ends every stream, and so every reader
		readers.Wait()
		srv.Close()
		stopRaw()
	}()

	got := make(chan struct{}, clients) // a client read an event
	before := inUse()
	for range clients {
		next, closeFn := dial(b, url, transport)
		readers.Go(func() {
			defer closeFn()
			for next() == nil {
				got <- struct{}{}
			}
		})
	}

	perConn := float64(inUse()-before) / float64(clients)

	e := feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}
	b.ReportAllocs()
	cpu := server.CPUSeconds()
	for b.Loop() {
		if _, err := hub.Publish(e); err != nil {
			b.Fatal(err)
		}
		for range clients {
			<-got
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients), "ns/delivery")
	b.ReportMetric(perConn, "B/conn")
	// The process's CPU time, both ends: on a shared machine the time an
	// op takes says less.
	b.ReportMetric((server.CPUSeconds()-cpu)*1e9/float64(b.N*clients), "cpu-ns/delivery")
}

// inUse returns the bytes of heap and goroutine stacks in use after a
// collection: what open connections hold, both ends of them here.
func inUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// serveRaw serves the hub as bare lines over TCP, one goroutine a client.
// It returns the address to dial, and a func that stops serving once the
// hub is closed.
func serveRaw(b *testing.B, hub *feed.Hub) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			sub, err := hub.Subscribe(feed.Position{})
			if err != nil {
				c.Close()
				return
			}
			wg.Go(func() {
				defer c.Close()
				defer sub.Close()
				if _, err := io.WriteString(c, "hello\n"); err != nil { // the client is subscribed
					return
				}
				var take []*feed.Frame // reused: the events that queued up
				for {
					select {
					case <-sub.Ready():
						take = sub.Take(take[:0])
						for _, f := range take {
							if _, err := c.Write(append(f.JSON[:len(f.JSON):len(f.JSON)], '\n')); err != nil {
								return
							}
						}
					case <-sub.Done():
						return
					}
				}
			})
		}
	})
	return ln.Addr().String(), func() {
		ln.Close()
		wg.Wait()
	}
}

// dial connects one client and returns a func that reads its next event.
func dial(b testing.TB, url, transport string) (next func() error, closeFn func()) {
	b.Helper()
	ctx := context.Background() // reads take no deadline: that would cost the client a timer per read
	switch transport {
	case "raw":
		c, err := net.Dial("tcp", url)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(c)
		if _, err := r.ReadSlice('\n'); err != nil { // the hello
			b.Fatal(err)
		}
		return func() error {
			_, err := r.ReadSlice('\n')
			return err
		}, func() { c.Close() }
	case "ws":
		c, _, err := websocket.Dial(ctx, url+"/ws", nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil { // the hello
			b.Fatal(err)
		}
		return func() error {
			_, r, err := c.Reader(ctx)
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			return err
		}, func() { c.CloseNow() }
	case "socketio":
		c, _, err := websocket.Dial(ctx, url+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil { // the open packet
			b.Fatal(err)
		}
		if err := c.Write(ctx, websocket.MessageText, []byte("40")); err != nil { // connect
			b.Fatal(err)
		}
		for range 2 { // the connect's answer and the hello
			if _, _, err := c.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
		var m bytes.Buffer // reused: the client allocates nothing an event, as the ws client
		ping := []byte("2")
		return func() error {
			for {
				_, r, err := c.Reader(ctx)
				if err != nil {
					return err
				}
				m.Reset()
				if _, err := m.ReadFrom(r); err != nil || !bytes.Equal(m.Bytes(), ping) {
					return err
				}
				if err := c.Write(ctx, websocket.MessageText, []byte("3")); err != nil { // a ping: pong
					return err
				}
			}
		}, func() { c.CloseNow() }
	default:
		res, err := http.Get(url + "/sse")
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(res.Body)
		for range 2 { // the retry: block and the hello
			if err := readBlock(r); err != nil {
				b.Fatal(err)
			}
		}
		return func() error { return readBlock(r) }, func() { res.Body.Close() }
	}
}

// readBlock reads one SSE block, up to its blank line.
func readBlock(r *bufio.Reader) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) == 1 {
			return nil
		}
	}
}
