package sse_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/netsim"
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

// gatedMeter is a Meter that, once armed, holds the stream in its sent
// until released: the stream is busy, as with a slow write.
type gatedMeter struct {
	*transporttest.Meter
	armed   chan struct{} // closed to arm
	release chan struct{} // closed to let the stream go on
	once    sync.Once
}

func newGatedMeter() *gatedMeter {
	return &gatedMeter{Meter: new(transporttest.Meter), armed: make(chan struct{}), release: make(chan struct{})}
}

func (m *gatedMeter) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	count, done := m.Meter.Open(r)
	return func(events, eventBytes, written int) {
		select {
		case <-m.armed:
			m.once.Do(func() { <-m.release })
		default:
		}
		count(events, eventBytes, written)
	}, done
}

// A client cut off for being slow, on a page whose network is delayed,
// still gets all that the delay held back for it when it was cut off:
// its events, and the last chunk that tells it the stream is over. Not a
// byte is counted lost.
func TestStreamCutOffOnDelayedNetworkGetsItsGoodbye(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{History: 10, Queue: 1})
		defer hub.Close()
		meter := newGatedMeter()
		var network netsim.Network
		network.Set(200*time.Millisecond, 0)
		var tally wire.Tally
		h := sse.Handler(hub, meter, slog.New(slog.DiscardHandler), sse.Options{})
		crossing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wire.Claim(r, wire.Account{Transport: "sse", Tallies: [2]*wire.Tally{&tally}})
			wire.ConnOf(r).NetConn().(*netsim.Conn).Cross(&network, "sse")
			h.ServeHTTP(w, r)
		})
		b := newBubble(t, crossing, netsim.Listen) // netsim's connections under wire's, as the server has them
		_, r, read := b.open(t)

		// The stream is held in its first delivery while two more events
		// come: its queue of one overflows, and the hub cuts it off.
		close(meter.armed)
		transporttest.Publish(t, hub, 1)
		synctest.Wait()
		transporttest.Publish(t, hub, 2)
		close(meter.release)

		if data, raw := readChunk(t, r); !strings.HasPrefix(data, "id: 1\n") {
			t.Errorf("after the hello: %q, want event 1, held back when the stream was cut off", raw)
		}
		for {
			data, raw := readChunk(t, r)
			if data == "" {
				if raw != "0\r\n\r\n" {
					t.Errorf("last chunk %q", raw)
				}
				break
			}
			if !strings.HasPrefix(data, "id: 2\n") {
				t.Errorf("then %q, want event 2 at most", raw)
			}
		}
		if rest, err := io.ReadAll(r); len(rest) != 0 || err != nil {
			t.Errorf("after the last chunk: %q, %v; want the connection's end", rest, err)
		}
		synctest.Wait()
		if got := meter.Active.Load(); got != 0 {
			t.Errorf("%d streams open, want 0", got)
		}
		if out := tally.Out.Load(); out != int64(*read) {
			t.Errorf("%d bytes counted written, the client read %d: want none counted lost", out, *read)
		}
	})
}

// A panic while a stream ends skips none of its cleanup: its connection
// is closed, and its subscription let go, so the hub's Wait returns.
func TestPanicInTheGoodbyeSkipsNoCleanup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{History: 10})
		var log transporttest.Buffer
		meter := new(transporttest.Meter)
		h := sse.Handler(hub, meter, slog.New(slog.NewTextHandler(&log, nil)), sse.Options{})
		b := newBubble(t, h, func(ln net.Listener) net.Listener { return panickyListener{ln} })
		_, r, _ := b.open(t)

		hub.Close() // the stream says goodbye, and its write of the last chunk panics
		if rest, err := io.ReadAll(r); len(rest) != 0 || err != nil {
			t.Errorf("after the panic: %q, %v; want the connection's end", rest, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the bubble's clock
		defer cancel()
		if err := hub.Wait(ctx); err != nil {
			t.Errorf("hub.Wait: %v: the stream kept its subscription", err)
		}
		synctest.Wait()
		if got := meter.Active.Load(); got != 0 {
			t.Errorf("%d streams open, want 0", got)
		}
		if !strings.Contains(log.String(), "panic in a stream") || !strings.Contains(log.String(), "reason=panic") {
			t.Errorf("log:\n%s\nwant the panic and the stream closed for it", log.String())
		}
	})
}

// panickyListener's connections panic when asked to write the last chunk.
type panickyListener struct{ net.Listener }

func (l panickyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return panickyConn{c}, nil
}

type panickyConn struct{ net.Conn }

func (c panickyConn) Write(p []byte) (int, error) {
	if string(p) == "0\r\n\r\n" {
		panic("a connection that breaks")
	}
	return c.Conn.Write(p)
}

// The hub's Wait returns once every stream is over, logged and counted:
// a client that left just as the server shuts down does not let it
// return while its stream is still ending.
func TestHubWaitsForTheStreamOfAClientThatLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{History: 10})
		meter := &heldDone{Meter: new(transporttest.Meter), release: make(chan struct{})}
		b := newBubble(t, sse.Handler(hub, meter, slog.New(slog.DiscardHandler), sse.Options{}), nil)
		c, _, _ := b.open(t)
		c.Close() // the client leaves; its stream ends, held in telling the Meter
		synctest.Wait()
		hub.Close()
		waited := make(chan error, 1)
		go func() { waited <- hub.Wait(context.Background()) }()
		synctest.Wait()
		select {
		case <-waited:
			t.Error("hub.Wait returned before the stream of the client that left was over")
		default:
		}
		close(meter.release)
		if err := <-waited; err != nil {
			t.Errorf("hub.Wait: %v", err)
		}
	})
}

// heldDone is a Meter whose done waits until released.
type heldDone struct {
	*transporttest.Meter
	release chan struct{}
}

func (m *heldDone) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	sent, counted := m.Meter.Open(r)
	return sent, func() {
		<-m.release
		counted()
	}
}
