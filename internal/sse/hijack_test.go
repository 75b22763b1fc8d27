package sse_test

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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/netsim"
	"transportlab/internal/sse"
	"transportlab/internal/transporttest"
	"transportlab/internal/wire"
)

// A stream is served in one of three ways, which every test below tries
// where it matters: handed off its handler on the connection it hijacked
// (a server with wire.Install, as transportlab runs), on the hijacked
// connection within its handler (no wire.Install), and through net/http
// where the connection cannot be hijacked.
var ways = []struct {
	name  string
	serve func(tb testing.TB, h http.Handler) *httptest.Server
}{
	{"handed off", func(tb testing.TB, h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(wire.Mark(h))
		srv.Listener = wire.Install(srv.Config, srv.Listener)
		srv.Start()
		return srv
	}},
	{"hijacked", func(tb testing.TB, h http.Handler) *httptest.Server {
		return httptest.NewServer(h)
	}},
	{"net/http", func(tb testing.TB, h http.Handler) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(noHijack{w}, r)
		}))
	}},
}

// noHijack is a ResponseWriter that can flush but not be hijacked, as on
// HTTP/2: the stream stays net/http's.
type noHijack struct{ w http.ResponseWriter }

func (w noHijack) Header() http.Header         { return w.w.Header() }
func (w noHijack) Write(b []byte) (int, error) { return w.w.Write(b) }
func (w noHijack) WriteHeader(status int)      { w.w.WriteHeader(status) }
func (w noHijack) FlushError() error           { return http.NewResponseController(w.w).Flush() }
func (w noHijack) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.w).SetWriteDeadline(t)
}

// rawFixture is a hub and a server of its stream, reached by raw TCP.
type rawFixture struct {
	hub   *feed.Hub
	meter *transporttest.Meter
	srv   *httptest.Server
}

func newRawFixture(tb testing.TB, serve func(testing.TB, http.Handler) *httptest.Server, m sse.Meter, log *slog.Logger, wrap func(http.Handler) http.Handler) *rawFixture {
	tb.Helper()
	f := &rawFixture{hub: feed.NewHub(feed.Config{History: 10, Rate: 5}), meter: new(transporttest.Meter)}
	if m == nil {
		m = f.meter
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := sse.Handler(f.hub, m, log, sse.Options{})
	if wrap != nil {
		h = wrap(h)
	}
	f.srv = serve(tb, h)
	tb.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

// dial asks for /sse over raw TCP with the request's extra header lines,
// and returns the connection and a reader on it.
func (f *rawFixture) dial(tb testing.TB, header string) (net.Conn, *bufio.Reader) {
	tb.Helper()
	c, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails the test rather than stalls it
	fmt.Fprintf(c, "GET /sse HTTP/1.1\r\nHost: x\r\n%s\r\n", header)
	return c, bufio.NewReader(c)
}

// readHead reads a response head, up to its blank line.
func readHead(tb testing.TB, r *bufio.Reader) string {
	tb.Helper()
	var head strings.Builder
	for !strings.HasSuffix(head.String(), "\r\n\r\n") {
		line, err := r.ReadString('\n')
		if err != nil {
			tb.Fatalf("reading the head: %v (after %q)", err, head.String())
		}
		head.WriteString(line)
	}
	return head.String()
}

// readChunk reads one chunk, framing and all, and returns its data.
func readChunk(tb testing.TB, r *bufio.Reader) (data string, raw string) {
	tb.Helper()
	size, err := r.ReadString('\n')
	if err != nil {
		tb.Fatalf("reading a chunk's size: %v", err)
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(size, "\r\n"), 16, 32)
	if err != nil || !strings.HasSuffix(size, "\r\n") {
		tb.Fatalf("chunk size line %q", size)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r, b); err != nil {
		tb.Fatalf("reading a chunk of %d bytes: %v", n, err)
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		tb.Fatalf("chunk %q does not end in CRLF", b)
	}
	return string(b[:n]), size + string(b)
}

var date = regexp.MustCompile(`\r\nDate: ([^\r]*)\r\n`)

// The response head a stream writes on its hijacked connection is the one
// net/http writes for the same answer, byte for byte, but for the moment
// in its Date; with the middleware's own header fields, and when the
// client asks to close.
func TestHijackedHeadIsNetHTTPs(t *testing.T) {
	middleware := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "DENY")
			w.Header()["X-Many"] = []string{"1", "2 \n3"}
			next.ServeHTTP(w, r)
		})
	}
	for _, tc := range []struct{ name, header string }{
		{"plain", ""},
		{"closing", "Connection: close\r\n"},
		{"resuming", "Last-Event-ID: 3\r\nAccept: text/event-stream\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			heads := make([]string, len(ways))
			for i, way := range ways {
				f := newRawFixture(t, way.serve, nil, nil, middleware)
				_, r := f.dial(t, tc.header)
				head := readHead(t, r)
				m := date.FindStringSubmatch(head)
				if m == nil {
					t.Fatalf("%s: head %q has no Date", way.name, head)
				}
				if at, err := http.ParseTime(m[1]); err != nil || time.Since(at) > time.Minute {
					t.Errorf("%s: Date %q: %v, want now", way.name, m[1], err)
				}
				heads[i] = date.ReplaceAllString(head, "\r\nDate: (now)\r\n")
			}
			for i := range heads[:len(heads)-1] {
				if heads[i] != heads[len(heads)-1] {
					t.Errorf("%s head:\n%q\nnet/http's:\n%q", ways[i].name, heads[i], heads[len(heads)-1])
				}
			}
		})
	}
}

// On the wire, a stream is a chunked body: each flush one chunk, with the
// events that queued up together in it, and on a shutdown the last chunk
// and the connection's end.
func TestStreamIsChunkedOnTheWire(t *testing.T) {
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			f := newRawFixture(t, way.serve, nil, nil, nil)
			_, r := f.dial(t, "")
			if head := readHead(t, r); !strings.Contains(head, "\r\nTransfer-Encoding: chunked\r\n") {
				t.Fatalf("head %q, want a chunked body", head)
			}
			data, _ := readChunk(t, r)
			if !strings.HasPrefix(data, "retry: 2000\n\nevent: hello\ndata: {") || !strings.HasSuffix(data, "}\n\n") {
				t.Errorf("first chunk %q, want the retry: line and the hello", data)
			}
			frame := publish(t, f.hub)
			want := fmt.Sprintf("id: 1\ndata: %s\n\n", frame.JSON)
			if data, raw := readChunk(t, r); data != want {
				t.Errorf("chunk %q, want %q", raw, want)
			}
			f.hub.Close()
			last := make([]byte, len("0\r\n\r\n"))
			if _, err := io.ReadFull(r, last); err != nil || string(last) != "0\r\n\r\n" {
				t.Errorf("after the shutdown: %q, %v; want the last chunk", last, err)
			}
			if way.name == "net/http" {
				return // which keeps the connection for the next request
			}
			if rest, err := io.ReadAll(r); len(rest) != 0 || err != nil {
				t.Errorf("after the last chunk: %q, %v; want the connection's end", rest, err)
			}
		})
	}
}

// A stream whose client goes away ends at once, whatever it was doing:
// nobody needs to write to it to find out.
func TestStreamEndsWhenTheClientGoesAway(t *testing.T) {
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			f := newRawFixture(t, way.serve, nil, nil, nil)
			c, r := f.dial(t, "")
			readHead(t, r)
			readChunk(t, r)
			if got := f.meter.Active.Load(); got != 1 {
				t.Fatalf("%d streams open, want 1", got)
			}
			c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for f.meter.Active.Load() != 0 {
				if ctx.Err() != nil {
					t.Fatal("the stream of a client that went away is still open")
				}
				time.Sleep(time.Millisecond)
			}
			f.hub.Close()
			if err := f.hub.Wait(ctx); err != nil {
				t.Errorf("hub.Wait: %v: the stream kept its subscription", err)
			}
		})
	}
}

// Bytes a client sends after its request, which an EventSource never
// does, are neither an error nor taken for a request: the stream goes on.
func TestStreamIgnoresWhatTheClientSends(t *testing.T) {
	f := newRawFixture(t, ways[0].serve, nil, nil, nil)
	c, r := f.dial(t, "")
	io.WriteString(c, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\nanything")
	readHead(t, r)
	readChunk(t, r)
	frame := publish(t, f.hub)
	if data, _ := readChunk(t, r); !strings.Contains(data, string(frame.JSON)) {
		t.Errorf("chunk %q, want event 1", data)
	}
}

// A stream that panics is logged, closed and counted closed; the server
// and every other stream go on.
func TestPanicInStreamIsRecovered(t *testing.T) {
	var log transporttest.Buffer
	meter := &panicky{Meter: new(transporttest.Meter)}
	f := newRawFixture(t, ways[0].serve, meter, slog.New(slog.NewTextHandler(&log, nil)), nil)
	c, r := f.dial(t, "")
	readHead(t, r)
	readChunk(t, r)
	meter.panics.Store(true)
	frame := publish(t, f.hub)
	// The hub may have written the event itself (direct), and counted it
	// after: the panic then comes once the event is out. Either way the
	// connection closes with no goodbye.
	rest, _ := io.ReadAll(r)
	if len(rest) != 0 && string(rest) != string(chunkOf(frame)) {
		t.Errorf("after the panic the client read %q, want the connection closed, behind event 1 at most", rest)
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for meter.Active.Load() != 0 {
		if ctx.Err() != nil {
			t.Fatal("the stream that panicked is still counted open")
		}
		time.Sleep(time.Millisecond)
	}
	if !strings.Contains(log.String(), "panic in a stream") || !strings.Contains(log.String(), "reason=panic") {
		t.Errorf("log:\n%s\nwant the panic and the stream closed for it", log.String())
	}

	meter.panics.Store(false)
	_, r = f.dial(t, "")
	readHead(t, r)
	readChunk(t, r)
	frame = publish(t, f.hub)
	if data, _ := readChunk(t, r); !strings.Contains(data, string(frame.JSON)) {
		t.Errorf("the next stream's chunk %q, want event 2", data)
	}
}

// chunkOf is f as one chunk of a stream's body.
func chunkOf(f *feed.Frame) []byte {
	data := fmt.Sprintf("id: %d\ndata: %s\n\n", f.Seq, f.JSON)
	return fmt.Appendf(nil, "%x\r\n%s\r\n", len(data), data)
}

// A panic in a write the hub makes itself (direct), here in a Meter that
// breaks while it counts an event for one stream, runs on the publishing
// goroutine, which serves every stream: it must end that stream alone.
// Publish returns, the stream's body ends, the other stream gets the same
// event, the log tells of the panic, and the hub's Wait returns once it
// is closed: no hold is left taken. The hub writes itself only on a
// hijacked connection, and, once handed off, on one that can write
// without waiting: netsim's, under wire's, as the server has them.
func TestPanicInADirectWriteEndsItsStreamAlone(t *testing.T) {
	directWays := []struct {
		name  string
		serve func(tb testing.TB, h http.Handler) *httptest.Server
	}{
		{"handed off", func(tb testing.TB, h http.Handler) *httptest.Server {
			srv := httptest.NewUnstartedServer(wire.Mark(h))
			srv.Listener = wire.Install(srv.Config, netsim.Listen(srv.Listener))
			srv.Start()
			return srv
		}},
		ways[1], // hijacked
	}
	for _, way := range directWays {
		t.Run(way.name, func(t *testing.T) {
			var log transporttest.Buffer
			meter := new(transporttest.DirectPanicMeter)
			var opened atomic.Int32 // the first stream opened breaks
			meter.Breaks = func(*http.Request) bool { return opened.Add(1) == 1 }
			f := newRawFixture(t, way.serve, meter, slog.New(slog.NewTextHandler(&log, nil)), nil)
			_, bad := f.dial(t, "") // opened first: its direct writes panic
			readHead(t, bad)
			readChunk(t, bad)
			_, good := f.dial(t, "")
			readHead(t, good)
			readChunk(t, good)
			ended := make(chan struct{})
			go func() { // the bad client reads until its body ends
				defer close(ended)
				io.Copy(io.Discard, bad)
			}()

			// The hub writes to a stream itself once the stream has
			// written its hello and let it (SetDirect), which may come a
			// moment after the client read the hello: until then, events
			// go through the stream's goroutine.
			var frame *feed.Frame
			for !meter.Panicked.Load() {
				if frame != nil && frame.Seq == 100 {
					t.Fatalf("%d events published, none written by the hub itself", frame.Seq)
				}
				frame = transporttest.PublishReturns(t, f.hub)
				if meter.Panicked.Load() {
					break
				}
				if data, _ := readChunk(t, good); !strings.Contains(data, string(frame.JSON)) {
					t.Fatalf("good stream's chunk %q, want event %d", data, frame.Seq)
				}
			}

			select {
			case <-ended:
			case <-time.After(5 * time.Second):
				t.Error("the stream whose direct write panicked is still open")
			}
			if data, _ := readChunk(t, good); !strings.Contains(data, string(frame.JSON)) {
				t.Errorf("good stream's chunk %q, want event %d: the one a direct write panicked on", data, frame.Seq)
			}
			f.hub.Close()
			if rest, _ := io.ReadAll(good); string(rest) != "0\r\n\r\n" {
				t.Errorf("good stream ended with %q, want its last chunk", rest)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := f.hub.Wait(ctx); err != nil {
				t.Errorf("hub.Wait: %v: a subscription was never let go", err)
			}
			for _, want := range []string{"panic in a stream's direct write", "reason=panic"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log:\n%s\nwant %q in it", log.String(), want)
				}
			}
		})
	}
}

// panicky is a Meter whose sent panics when told to.
type panicky struct {
	*transporttest.Meter
	panics atomic.Bool
}

func (m *panicky) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	count, done := m.Meter.Open(r)
	return func(events, eventBytes, written int) {
		if m.panics.Load() && events > 0 {
			panic("a meter that breaks")
		}
		count(events, eventBytes, written)
	}, done
}

// publish publishes a quote, and returns its frame.
func publish(tb testing.TB, hub *feed.Hub) *feed.Frame {
	tb.Helper()
	f, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// The heartbeat comes from the handler's one clock, and a stream is never
// silent for longer than the heartbeat period, whenever its last event
// went out; a stream that stays silent beats at every tick, half the
// period. Each heartbeat is told with what it put on the wire.
func TestHeartbeatsFromTheSharedClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const period = 10 * time.Second
		hub := feed.NewHub(feed.Config{History: 10})
		pipes := transporttest.NewPipes()
		var beats []int
		var beatsMu sync.Mutex
		h := sse.Handler(hub, new(transporttest.Meter), slog.New(slog.DiscardHandler), sse.Options{
			Heartbeat: period,
			OnHeartbeat: func(*http.Request) func(int) {
				return func(n int) {
					beatsMu.Lock()
					beats = append(beats, n)
					beatsMu.Unlock()
				}
			},
		})
		hs := &http.Server{Handler: wire.Mark(h)}
		ln := wire.Install(hs, pipes)
		go hs.Serve(ln)
		defer func() {
			hub.Close()
			hs.Close()
		}()

		open := func() (*bufio.Reader, net.Conn) {
			c, err := pipes.Dial(t.Context(), "", "")
			if err != nil {
				t.Fatal(err)
			}
			go io.WriteString(c, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n")
			r := bufio.NewReader(c)
			readHead(t, r)
			readChunk(t, r) // the retry: line and the hello
			return r, c
		}
		r1, c1 := open()
		defer c1.Close()
		time.Sleep(period / 4) // the second stream opens between two ticks
		r2, c2 := open()
		defer c2.Close()

		// Each stream reads on; the test notes when each chunk came.
		type chunk struct {
			stream int
			at     time.Duration
			data   string
			raw    string
		}
		start := time.Now()
		chunks := make(chan chunk, 100)
		for i, r := range []*bufio.Reader{r1, r2} {
			go func() {
				for {
					size, err := r.ReadString('\n')
					if err != nil {
						return
					}
					n, _ := strconv.ParseUint(strings.TrimSuffix(size, "\r\n"), 16, 32)
					b := make([]byte, n+2)
					if _, err := io.ReadFull(r, b); err != nil || n == 0 {
						return
					}
					chunks <- chunk{i, time.Since(start), string(b[:n]), size + string(b)}
				}
			}()
		}
		time.Sleep(period * 17 / 20)
		transporttest.Publish(t, hub, 1) // between two ticks: no heartbeat owed for another period
		time.Sleep(4 * period)
		end := time.Since(start)
		synctest.Wait()
		close(chunks)

		last := []time.Duration{-period / 4, 0} // when each stream last wrote: its hello
		n := 0
		for c := range chunks {
			if c.data == ": heartbeat\n\n" {
				n++
				beatsMu.Lock()
				for _, b := range beats {
					if b != len(c.raw) {
						t.Errorf("heartbeats told %v, want %d bytes on the wire each: %q", beats, len(c.raw), c.raw)
						break
					}
				}
				beatsMu.Unlock()
			}
			if gap := c.at - last[c.stream]; gap > period {
				t.Errorf("stream %d silent for %v before %q, want at most %v", c.stream+1, gap, c.data, period)
			}
			last[c.stream] = c.at
		}
		for i, at := range last {
			if end-at > period {
				t.Errorf("stream %d silent since %v, at %v", i+1, at, end)
			}
		}
		beatsMu.Lock()
		if n == 0 || len(beats) != n {
			t.Errorf("%d heartbeats read, %d told; want some, all told", n, len(beats))
		}
		beatsMu.Unlock()
	})
}
