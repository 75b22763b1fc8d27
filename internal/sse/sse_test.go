package sse_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/sse"
	"transportlab/internal/transporttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// event is one block of an SSE stream, as a client reads it.
type event struct {
	id, name, data, retry string
	comments              []string
}

// stream reads an SSE response line by line, as an EventSource would.
type stream struct {
	res *http.Response
	r   *bufio.Reader
	n   int // bytes read, to compare with what the server counted
	// data is the bytes of the events' data (what an EventSource hands the
	// page), to compare with the body the server counted
	data int
}

// next reads the next block up to its blank line.
func (s *stream) next(tb testing.TB) event {
	tb.Helper()
	var e event
	for {
		line, err := s.r.ReadString('\n')
		s.n += len(line)
		if err != nil {
			tb.Fatalf("reading the stream: %v (after %q)", err, line)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return e
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "":
			e.comments = append(e.comments, value)
		case "id":
			e.id = value
		case "event":
			e.name = value
		case "data":
			if e.data != "" {
				e.data += "\n"
			}
			e.data += value
		case "retry":
			e.retry = value
		default:
			tb.Fatalf("unknown field in line %q", line)
		}
	}
}

// hello reads the retry: block and the hello event that open every stream.
// sseHello is SSE's hello: the feed's, and the retry: line's delay.
type sseHello struct {
	feed.Hello
	Retry int64
}

func (s *stream) hello(tb testing.TB) sseHello {
	tb.Helper()
	if e := s.next(tb); e.retry != "2000" {
		tb.Fatalf("first block %+v, want retry: 2000", e)
	}
	e := s.next(tb)
	var h sseHello
	if e.name != "hello" || e.id != "" || json.Unmarshal([]byte(e.data), &h) != nil {
		tb.Fatalf("second block %+v, want a hello event without id", e)
	}
	return h
}

// seq reads the next event and returns its seq, checking id and data agree.
func (s *stream) seq(tb testing.TB) uint64 {
	tb.Helper()
	e := s.next(tb)
	var ev feed.Event
	if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
		tb.Fatalf("event %+v: %v", e, err)
	}
	if e.id != strconv.FormatUint(ev.Seq, 10) || e.name != "" {
		tb.Fatalf("event %+v: id must be the seq and the name empty", e)
	}
	s.data += len(e.data)
	return ev.Seq
}

type fixture struct {
	hub   *feed.Hub
	srv   *httptest.Server
	meter *transporttest.Meter
}

// newFixture serves /sse from a hub that keeps 10 events at rate 5, unless
// cfg says otherwise.
func newFixture(tb testing.TB, cfg feed.Config, opts sse.Options) *fixture {
	tb.Helper()
	if cfg.History == 0 {
		cfg.History, cfg.Rate = 10, 5
	}
	f := &fixture{hub: feed.NewHub(cfg), meter: new(transporttest.Meter)}
	f.srv = httptest.NewServer(sse.Handler(f.hub, f.meter, slog.New(slog.DiscardHandler), opts))
	tb.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

// open starts a stream; header may set Last-Event-ID.
func (f *fixture) open(tb testing.TB, query string, header http.Header) *stream {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/sse"+query, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		res.Body.Close()
	})
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		tb.Fatalf("status %d: %s", res.StatusCode, body)
	}
	return &stream{res: res, r: bufio.NewReader(res.Body)}
}

func TestStreamOpensWithRetryAndHelloThenEvents(t *testing.T) {
	f := newFixture(t, feed.Config{}, sse.Options{})
	transporttest.Publish(t, f.hub, 3)
	s := f.open(t, "", nil)
	for h, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-store"} {
		if got := s.res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if h := s.hello(t); h.Head != 3 || h.Epoch != f.hub.Epoch() || h.Rate != 5 || h.Missed != 0 || h.Reset || h.Retry != 2000 {
		t.Errorf("hello %+v, want head 3 in epoch %s at rate 5, and retry 2000", h, f.hub.Epoch())
	}
	transporttest.Publish(t, f.hub, 2)
	for want := uint64(4); want <= 5; want++ {
		if got := s.seq(t); got != want {
			t.Errorf("seq %d, want %d", got, want)
		}
	}
}

func TestStreamResumes(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		lastID string
		first  uint64
		missed uint64
		reset  bool
	}{
		{"since on a first connection", "?since=5", "", 6, 0, false},
		{"Last-Event-ID on a reconnect", "", "7", 8, 0, false},
		{"Last-Event-ID wins over the URL's since", "?since=2", "7", 8, 0, false},
		{"beyond history", "?since=1", "", 3, 1, false}, // history keeps 3..12
		{"another epoch", "?epoch=0123456789abcdef", "5", 13, 0, true},
		{"beyond the head", "", "99", 13, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, feed.Config{}, sse.Options{})
			transporttest.Publish(t, f.hub, 12)
			header := http.Header{}
			if tt.lastID != "" {
				header.Set("Last-Event-ID", tt.lastID)
			}
			s := f.open(t, tt.query, header)
			h := s.hello(t)
			if h.Missed != tt.missed || h.Reset != tt.reset {
				t.Errorf("hello %+v, want missed %d reset %v", h, tt.missed, tt.reset)
			}
			transporttest.Publish(t, f.hub, 1) // so that a reset stream has something to show
			if got := s.seq(t); got != tt.first {
				t.Errorf("first seq %d, want %d", got, tt.first)
			}
		})
	}
}

func TestStreamSendsHeartbeatsWhileIdle(t *testing.T) {
	f := newFixture(t, feed.Config{}, sse.Options{Heartbeat: 20 * time.Millisecond})
	s := f.open(t, "", nil)
	s.hello(t)
	if e := s.next(t); len(e.comments) != 1 || e.comments[0] != "heartbeat" || e.data != "" {
		t.Errorf("idle stream sent %+v, want a heartbeat comment", e)
	}
}

func TestStreamCountsWhatItWrote(t *testing.T) {
	f := newFixture(t, feed.Config{}, sse.Options{})
	s := f.open(t, "", nil)
	s.hello(t)
	transporttest.Publish(t, f.hub, 3)
	for range 3 {
		s.seq(t)
	}
	if f.meter.Requests.Load() != 1 || f.meter.Active.Load() != 1 || f.meter.Events.Load() != 3 {
		t.Errorf("meter: %d requests, %d open, %d events; want 1, 1, 3",
			f.meter.Requests.Load(), f.meter.Active.Load(), f.meter.Events.Load())
	}
	// The body is the events' JSON, as the page sees it in each data; the
	// retry:, hello, id: and data: lines are framing, written all the same.
	if got := f.meter.Bytes.Load(); got != int64(s.data) {
		t.Errorf("server counted %d body bytes, the events' data are %d", got, s.data)
	}
	if got := f.meter.Written.Load(); got != int64(s.n) {
		t.Errorf("server wrote %d bytes, client read %d", got, s.n)
	}
}

func TestStreamRejectsMalformedResume(t *testing.T) {
	f := newFixture(t, feed.Config{}, sse.Options{})
	for _, tt := range []struct{ query, lastID string }{{"?since=x", ""}, {"", "abc"}, {"?epoch=ZZ", ""}} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/sse"+tt.query, nil)
		if tt.lastID != "" {
			req.Header.Set("Last-Event-ID", tt.lastID)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Error string }
		err = json.NewDecoder(res.Body).Decode(&e)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || err != nil || e.Error == "" {
			t.Errorf("%+v: status %d, error %q, want 400 with a reason", tt, res.StatusCode, e.Error)
		}
	}
}

func TestStreamEndsWhenTheHubCloses(t *testing.T) {
	f := newFixture(t, feed.Config{}, sse.Options{})
	s := f.open(t, "", nil)
	s.hello(t)
	f.hub.Close()
	if _, err := io.ReadAll(s.r); err != nil {
		t.Errorf("stream ended with %v, want a clean end", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := f.hub.Wait(ctx); err != nil {
		t.Errorf("hub.Wait: %v: the handler did not let go of its subscription", err)
	}
}

func TestSlowClientIsCutOffAndResumes(t *testing.T) {
	f := newFixture(t, feed.Config{History: 100000, Queue: 8}, sse.Options{})
	s := f.open(t, "", nil)
	s.hello(t)
	// The client stops reading. Big events fill the socket buffers, the
	// handler blocks in Write, its queue fills, and the hub cuts it off.
	big := strings.Repeat("x", 16<<10)
	deadline := time.Now().Add(10 * time.Second)
	for f.meter.Active.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that stopped reading was never cut off")
		}
		if _, err := f.hub.Publish(feed.Event{Kind: feed.KindMessage, Text: big}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	// Reading again, it gets what reached it, then the stream ends; a
	// reconnect after the last id it saw misses nothing.
	last := uint64(0)
	for {
		e, err := readEvent(s)
		if err != nil {
			break
		}
		last, _ = strconv.ParseUint(e.id, 10, 64)
	}
	again := f.open(t, "", http.Header{"Last-Event-ID": {strconv.FormatUint(last, 10)}})
	if h := again.hello(t); h.Missed != 0 || h.Reset {
		t.Errorf("resume after cut-off: hello %+v, want nothing missed", h)
	}
	if got := again.seq(t); got != last+1 {
		t.Errorf("resume after cut-off: first seq %d, want %d", got, last+1)
	}
}

// readEvent is next without failing the test: for reading a stream to its end.
func readEvent(s *stream) (event, error) {
	var e event
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return e, nil
		}
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			e.id = v
		}
	}
}

func TestClientThatStopsReadingIsCutOffInBoundedTime(t *testing.T) {
	// A queue this long never fills here: only the hub's watch on writes
	// can find the stuck client.
	f := newFixture(t, feed.Config{History: 100, Queue: 1 << 16}, sse.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var watch sync.WaitGroup
	watch.Go(func() { f.hub.Watch(ctx, 200*time.Millisecond) })
	defer func() { cancel(); watch.Wait() }()

	// A raw TCP client asks for the stream, then never reads.
	raw, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fmt.Fprintf(raw, "GET /sse HTTP/1.1\r\nHost: %s\r\n\r\n", f.srv.Listener.Addr())

	big := strings.Repeat("x", 16<<10)
	deadline := time.Now().Add(10 * time.Second)
	for f.meter.Active.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // until the stream is open
	}
	for f.meter.Active.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that stopped reading was never cut off")
		}
		if _, err := f.hub.Publish(feed.Event{Kind: feed.KindMessage, Text: big}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
