package sse_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/sse"
	"transportlab/internal/transporttest"
	"transportlab/internal/wire"
)

// bubble serves h as transportlab does (wire.Install and Mark, the stream
// handed off its handler) on in-process connections, in the calling
// testing/synctest bubble, with the listener wrapped by wrap when not nil.
// The server stops at the test's end.
type bubble struct {
	pipes *transporttest.Pipes
}

func newBubble(tb testing.TB, h http.Handler, wrap func(net.Listener) net.Listener) *bubble {
	tb.Helper()
	b := &bubble{pipes: transporttest.NewPipes()}
	var ln net.Listener = b.pipes
	if wrap != nil {
		ln = wrap(ln)
	}
	hs := &http.Server{Handler: wire.Mark(h)}
	go hs.Serve(wire.Install(hs, ln))
	tb.Cleanup(func() { hs.Close() })
	return b
}

// open asks for /sse and reads the head and the first chunk (the retry:
// line and the hello). It returns the connection, a reader on it, and
// the count of the bytes read from it.
func (b *bubble) open(tb testing.TB) (net.Conn, *bufio.Reader, *int) {
	tb.Helper()
	c, err := b.pipes.Dial(tb.Context(), "", "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	go io.WriteString(c, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n")
	cr := &countingReader{r: c}
	r := bufio.NewReader(cr)
	readHead(tb, r)
	readChunk(tb, r)
	return c, r, &cr.n
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A stream opened just before a tick of the shared clock sends no
// heartbeat at that tick, right behind its hello: its hello was a write.
// Its first heartbeat comes at the tick after, within the period.
func TestNoHeartbeatRightBehindTheHello(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const period = 10 * time.Second
		hub := feed.NewHub(feed.Config{History: 10})
		defer hub.Close()
		b := newBubble(t, sse.Handler(hub, new(transporttest.Meter), slog.New(slog.DiscardHandler), sse.Options{Heartbeat: period}), nil)
		start := time.Now()
		b.open(t) // the clock starts: it ticks at period/2, period, …
		time.Sleep(period/2 - time.Millisecond)
		_, r, _ := b.open(t)
		opened := time.Since(start)
		data, raw := readChunk(t, r)
		if data != ": heartbeat\n\n" {
			t.Fatalf("after the hello: %q, want a heartbeat", raw)
		}
		if at := time.Since(start); at != period {
			t.Errorf("stream opened at %v sent its first heartbeat at %v, want %v: none at the tick just after its hello", opened, at, period)
		}
	})
}

// A backlog goes out in flushes of about 16 KB, as a burst does: not in
// one write of the hub's whole history.
func TestBacklogIsSplitLikeABurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 200
		hub := feed.NewHub(feed.Config{History: n})
		defer hub.Close()
		text := strings.Repeat("x", feed.MaxTextLen)
		for range n {
			if _, err := hub.Publish(feed.Event{Kind: feed.KindMessage, From: "t", Text: text, Via: "http"}); err != nil {
				t.Fatal(err)
			}
		}
		b := newBubble(t, sse.Handler(hub, new(transporttest.Meter), slog.New(slog.DiscardHandler), sse.Options{}), nil)
		c, err := b.pipes.Dial(t.Context(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go io.WriteString(c, "GET /sse?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
		r := bufio.NewReader(c)
		readHead(t, r)
		chunks, events := 0, 0
		for events < n {
			data, _ := readChunk(t, r)
			chunks++
			if len(data) > 16<<10+1024 { // a flush stops at the event that takes it past 16 KB
				t.Errorf("chunk %d: %d bytes, want about 16 KB at most", chunks, len(data))
			}
			events += strings.Count(data, "\nid: ") + strings.Count(data[:min(len(data), 4)], "id: ")
		}
		if events != n || chunks < 2 {
			t.Errorf("%d events in %d chunks, want %d in several", events, chunks, n)
		}
	})
}
