package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

func TestMain(m *testing.M) {
	serveForMemoryIfAsked() // when this binary is BenchmarkConnMemory's server
	goleak.VerifyTestMain(m)
}

// timeout bounds every wait of these tests: an event that does not arrive,
// a stream that does not end, a counter that does not move.
const timeout = 5 * time.Second

const page = "<!doctype html><title>transportlab</title>"

// newServer serves the whole HTTP surface on a real listener. The feed has no
// generator: tests publish events themselves, so every seq is known.
func newServer(tb testing.TB, cfg server.Config) (*httptest.Server, *feed.Hub) {
	tb.Helper()
	return startServer(tb, cfg, nil)
}

// newServerInBubble is newServer over in-process pipes, for a test in a
// testing/synctest bubble, whose clock moves only while every goroutine
// waits: one blocked on a socket would keep it still. Call it in the
// bubble; its URL is http://pipe, and only its Client reaches it.
func newServerInBubble(tb testing.TB, cfg server.Config) (*httptest.Server, *feed.Hub) {
	tb.Helper()
	return startServer(tb, cfg, transporttest.NewPipes())
}

// startServer serves on pipes, or on a real listener when pipes is nil.
func startServer(tb testing.TB, cfg server.Config, pipes *transporttest.Pipes) (*httptest.Server, *feed.Hub) {
	tb.Helper()
	hub := feed.NewHub(feed.Config{Rate: 5})
	if cfg.Page == nil {
		cfg.Page = fstest.MapFS{"index.html": {Data: []byte(page)}}
	}
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), cfg))
	if pipes != nil {
		srv.Listener.Close()
		srv.Listener = pipes
	}
	srv.Listener = server.Install(srv.Config, srv.Listener) // count bytes on the wire, as transportlab does
	srv.Start()
	if pipes != nil {
		srv.Client().Transport.(*http.Transport).DialContext = pipes.Dial
	}
	tb.Cleanup(func() {
		// Closing the hub first ends the open streams, as a shutdown does;
		// only then can srv.Close, which waits for every response, return.
		hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := hub.Wait(ctx); err != nil {
			tb.Errorf("hub.Wait after Close = %v, want nil", err)
		}
		srv.Close()
	})
	return srv, hub
}

// publish puts n quotes into the feed.
func publish(tb testing.TB, hub *feed.Hub, n int) {
	tb.Helper()
	for range n {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}); err != nil {
			tb.Fatalf("Publish: %v", err)
		}
	}
}

// getJSON fetches path, decodes its JSON answer into v and returns the status.
func getJSON(tb testing.TB, srv *httptest.Server, path string, v any) int {
	tb.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("GET %s: decoding the answer: %v", path, err)
	}
	return resp.StatusCode
}

// refused makes a request that the server is expected to turn away, with the
// client that endpoint is made for: websocket.Dial for /ws, a GET otherwise.
func refused(tb testing.TB, srv *httptest.Server, path string, header http.Header) *http.Response {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	if strings.HasPrefix(path, "/ws") {
		c, resp, err := websocket.Dial(ctx, srv.URL+path, &websocket.DialOptions{HTTPHeader: header})
		if err == nil {
			c.CloseNow()
			tb.Fatalf("websocket.Dial(%s) upgraded, want it refused", path)
		}
		if resp == nil {
			tb.Fatalf("websocket.Dial(%s): %v", path, err)
		}
		return resp
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tb.Fatalf("GET %s: reading the answer: %v", path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body)) // readable after ctx ends, as Dial's is
	return resp
}

// errorOf returns the reason in a JSON error answer,
// {"error":"...","code":"..."}, and checks that its code is want.
func errorOf(tb testing.TB, resp *http.Response, want string) string {
	tb.Helper()
	if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
		tb.Errorf("Content-Type = %q, want %q", got, want)
	}
	var answer struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		tb.Errorf("decoding the error answer: %v", err)
	}
	if answer.Error == "" {
		tb.Errorf(`error answer has no "error" reason`)
	}
	if answer.Code != want {
		tb.Errorf("error answer %q: code %q, want %q", answer.Error, answer.Code, want)
	}
	return answer.Error
}

// eventually polls cond until it holds and reports whether it did in time:
// for what the server does a moment after the client has seen it, such as
// moving a counter or freeing a slot.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// sseStream is an open /sse response, read as an EventSource reads it.
type sseStream struct {
	body  io.ReadCloser
	r     *bufio.Reader
	bytes int // read so far, to compare with what the server wrote
	// eventBytes is the data of the feed events read so far: the body, to
	// compare with what the server counted
	eventBytes int
	hello      feed.Hello
}

// openSSE opens path and reads up to and including the hello event.
func openSSE(tb testing.TB, srv *httptest.Server, path string) *sseStream {
	tb.Helper()
	return openSSEWith(tb, srv, path, nil, nil)
}

// openSSEWith is openSSE with request headers, such as Last-Event-ID, and
// an HTTP client of the test's own (nil: the server's).
func openSSEWith(tb testing.TB, srv *httptest.Server, path string, header http.Header, client *http.Client) *sseStream {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	tb.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	maps.Copy(req.Header, header)
	if client == nil {
		client = srv.Client()
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d, want 200", path, resp.StatusCode)
	}
	s := &sseStream{body: resp.Body, r: bufio.NewReader(resp.Body)}
	e := s.next(tb)
	if e.name != "hello" || json.Unmarshal([]byte(e.data), &s.hello) != nil {
		tb.Fatalf("GET %s: first event %q %s, want a hello", path, e.name, e.data)
	}
	return s
}

// sseEvent is one dispatched SSE event.
type sseEvent struct {
	name, data string
}

// next reads the next event, skipping retry: lines and comments.
func (s *sseStream) next(tb testing.TB) sseEvent {
	tb.Helper()
	var e sseEvent
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		s.bytes += len(line)
		if err != nil {
			tb.Fatalf("reading the SSE stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if data == nil {
				e = sseEvent{} // no data, no event: a retry: line or a comment ended
				continue
			}
			e.data = strings.Join(data, "\n")
			return e
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			e.name = value
		case "data":
			data = append(data, value)
		}
	}
}

// nextEvent reads the next SSE event as a feed event.
func (s *sseStream) nextEvent(tb testing.TB) feed.Event {
	tb.Helper()
	var e feed.Event
	data := s.next(tb).data
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		tb.Fatalf("decoding an SSE event: %v", err)
	}
	s.eventBytes += len(data)
	return e
}

// wsStream is an open WebSocket on /ws.
type wsStream struct {
	*websocket.Conn
	bytes      int // of the messages read so far
	eventBytes int // of the feed events among them: the body, to compare with what the server counted
	hello      feed.Hello
}

// dialWS opens a WebSocket on path and reads its hello.
func dialWS(tb testing.TB, srv *httptest.Server, path string) *wsStream {
	tb.Helper()
	return dialWSWith(tb, srv, path, nil)
}

// dialWSWith is dialWS with options, such as an HTTP client of the test's own.
func dialWSWith(tb testing.TB, srv *httptest.Server, path string, opts *websocket.DialOptions) *wsStream {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	if opts == nil {
		opts = new(websocket.DialOptions)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = srv.Client() // which reaches the server over pipes too
	}
	c, _, err := websocket.Dial(ctx, srv.URL+path, opts)
	if err != nil {
		tb.Fatalf("websocket.Dial(%s): %v", path, err)
	}
	tb.Cleanup(func() { c.CloseNow() })
	ws := &wsStream{Conn: c}
	_, b, err := c.Read(tb.Context())
	ws.bytes += len(b)
	if err != nil || json.Unmarshal(b, &ws.hello) != nil || ws.hello.Kind != "hello" {
		tb.Fatalf("websocket.Dial(%s): first message %s (%v), want a hello", path, b, err)
	}
	return ws
}

// next reads the next message: a hello, a pong or an event, told apart by
// kind. Only the fields of an event are kept.
func (ws *wsStream) next(tb testing.TB) feed.Event {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		tb.Fatalf("reading the WebSocket: %v", err)
	}
	ws.bytes += len(b)
	var e feed.Event
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatalf("decoding a WebSocket message %s: %v", b, err)
	}
	if e.Seq > 0 { // hellos, pongs, acks and errors carry none
		ws.eventBytes += len(b)
	}
	return e
}

func TestHealthz(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	var got struct{ Status, Epoch string }
	if status := getJSON(t, srv, "/healthz", &got); status != http.StatusOK {
		t.Errorf("GET /healthz status = %d, want 200", status)
	}
	if got.Status != "ok" {
		t.Errorf("status = %q, want ok", got.Status)
	}
	if got.Epoch != hub.Epoch() {
		t.Errorf("epoch = %q, want the hub's %q", got.Epoch, hub.Epoch())
	}
}

func TestTimeIsTheServerClock(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	var got struct{ TS int64 }
	before := time.Now().UnixMicro()
	if status := getJSON(t, srv, "/api/time", &got); status != http.StatusOK {
		t.Errorf("GET /api/time status = %d, want 200", status)
	}
	after := time.Now().UnixMicro()
	if got.TS < before || got.TS > after {
		t.Errorf("ts = %d, want between %d and %d (Unix microseconds during the request)", got.TS, before, after)
	}
}

func TestPageIsServedAtRoot(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / status = %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", got)
	}
	if string(body) != page {
		t.Errorf("GET / body = %q, want index.html %q", body, page)
	}
}

// Bad query values are refused before anything starts: no upgrade, no
// stream. A client= the server did not mint is refused as bad_key.
func TestBadQueryIsRefused(t *testing.T) {
	long := strings.Repeat("a", 65)
	const madeUp = "k3x9a2bq"
	tests := []struct {
		name   string
		path   string
		header http.Header
	}{
		{"poll client with a space", "/poll?client=a%20b", nil},
		{"poll client too long", "/poll?client=" + long, nil},
		{"poll client made up", "/poll?client=" + madeUp, nil},
		{"poll since not a number", "/poll?since=abc", nil},
		{"poll since negative", "/poll?since=-1", nil},
		{"poll epoch not hex", "/poll?since=1&epoch=XYZ", nil},
		{"poll epoch too long", "/poll?epoch=" + long, nil},
		{"sse client with a space", "/sse?client=a%20b", nil},
		{"sse client too long", "/sse?client=" + long, nil},
		{"sse client made up", "/sse?client=" + madeUp, nil},
		{"sse since not a number", "/sse?since=abc", nil},
		{"sse epoch not hex", "/sse?epoch=XYZ", nil},
		{"sse Last-Event-ID not a number", "/sse", http.Header{"Last-Event-Id": {"abc"}}},
		{"ws client with a space", "/ws?client=a%20b", nil},
		{"ws client too long", "/ws?client=" + long, nil},
		{"ws client made up", "/ws?client=" + madeUp, nil},
		{"ws since not a number", "/ws?since=abc", nil},
		{"ws epoch not hex", "/ws?epoch=XYZ", nil},
	}
	srv, _ := newServer(t, server.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := refused(t, srv, tt.path, tt.header)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s status = %d, want 400", tt.path, resp.StatusCode)
			}
			if strings.Contains(tt.path, "client=") {
				errorOf(t, resp, "bad_key")
			} else {
				errorOf(t, resp, "bad_request")
			}
		})
	}
}

func TestWebSocketOrigin(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"foreign origin is refused", "http://evil.example", false},
		{"no origin, as from curl", "", true},
		{"the server's own origin", srv.URL, true},
		{"another foreign origin after a refusal", "https://evil.example:8005", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", tt.origin)
			}
			if !tt.ok {
				if resp := refused(t, srv, "/ws", header); resp.StatusCode != http.StatusForbidden {
					t.Errorf("Origin %q: status = %d, want 403", tt.origin, resp.StatusCode)
				}
				return
			}
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			c, _, err := websocket.Dial(ctx, srv.URL+"/ws", &websocket.DialOptions{HTTPHeader: header})
			if err != nil {
				t.Fatalf("Origin %q: websocket.Dial: %v, want an upgrade", tt.origin, err)
			}
			defer c.CloseNow()
			if got := (&wsStream{Conn: c}).next(t); got.Kind != "hello" {
				t.Errorf("Origin %q: first message kind %q, want hello", tt.origin, got.Kind)
			}
		})
	}
}

func TestHubCloseEndsStreams(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	ws := dialWS(t, srv, "/ws")
	s := openSSE(t, srv, "/sse")

	hub.Close()

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	_, _, err := ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
		t.Errorf("WebSocket read after hub.Close: %v, want close status %v", err, websocket.StatusGoingAway)
	}
	// io.Copy returns nil at EOF: the response ended, it was not cut.
	if _, err := io.Copy(io.Discard, s.r); err != nil {
		t.Errorf("reading SSE after hub.Close: %v, want the response to end", err)
	}
	if err := hub.Wait(ctx); err != nil {
		t.Errorf("hub.Wait = %v, want nil", err)
	}
}

// A path that is no endpoint is a 404 that says so, in JSON.
func TestUnknownPathIsNotFound(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	resp := refused(t, srv, "/api/nothing", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/nothing status = %d, want 404", resp.StatusCode)
	}
	errorOf(t, resp, "not_found")
}
