package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"transportlab/internal/feed"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
)

// sioRequest sends one request of the Socket.IO lane and returns its
// status and body.
func sioRequest(tb testing.TB, srv *httptest.Server, method, query, body string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, srv.URL+"/socket.io/?EIO=4&transport=polling&"+query, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s /socket.io/?%s: %v", method, query, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sioOpen opens a Socket.IO session on long polling and returns its sid.
func sioOpen(tb testing.TB, srv *httptest.Server, query string) string {
	tb.Helper()
	status, body := sioRequest(tb, srv, http.MethodGet, query, "")
	var open struct{ SID string }
	if status != http.StatusOK || !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil {
		tb.Fatalf("handshake: %d %s", status, body)
	}
	return open.SID
}

// Every request of the lane, polls, POSTs and the handshake, is the page's
// and the socketio transport's; its messages name the page by its public name.
func TestSocketIOIsAccountedToItsPage(t *testing.T) {
	srv, hub := newServer(t, server.Config{Keys: pagekey.New()})
	key, name := mint(t, srv)
	q := "client=" + key
	sid := sioOpen(t, srv, q)
	q += "&sid=" + sid
	if status, body := sioRequest(t, srv, http.MethodPost, q, "40"); status != http.StatusOK {
		t.Fatalf("connect: %d %s", status, body)
	}
	sioRequest(t, srv, http.MethodGet, q, "") // the connect's answer and the hello
	publish(t, hub, 2)
	sioRequest(t, srv, http.MethodGet, q, "")
	if status, body := sioRequest(t, srv, http.MethodPost, q, `42["message",{"text":"hello from socket.io"}]`); status != http.StatusOK {
		t.Fatalf("message: %d %s", status, body)
	}
	_, body := sioRequest(t, srv, http.MethodGet, q, "")
	var e feed.Event
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(body, `42["event",`), "]")), &e); err != nil {
		t.Fatalf("echo %s: %v", body, err)
	}
	if e.From != name || e.Via != "socketio" {
		t.Errorf("echo from %q via %q, want from %q via socketio", e.From, e.Via, name)
	}

	var stats struct {
		Transports, Client map[string]server.Counts
	}
	counted := func() bool { // a poll's handler counts once its answer is on the wire
		getJSON(t, srv, "/api/stats?client="+key, &stats)
		return stats.Client[server.SocketIO].Open == 0
	}
	if !eventually(counted) {
		t.Errorf("socketio requests still open: %+v", stats.Client[server.SocketIO])
	}
	got := stats.Client[server.SocketIO]
	if got.Requests != 6 || got.Events != 3 || got.WireIn == 0 || got.WireOut == 0 {
		t.Errorf("the page's socketio counts %+v, want 6 requests, 3 events, bytes both ways", got)
	}
	if all := stats.Transports[server.SocketIO]; all.Requests != got.Requests {
		t.Errorf("socketio in all: %d requests, want the page's %d", all.Requests, got.Requests)
	}
}

// A session is a stream: it holds a place under the caps for as long as it
// lives, while its polls are no new streams.
func TestSocketIOSessionIsAStream(t *testing.T) {
	srv, _ := newServer(t, server.Config{MaxStreams: 1})
	sid := sioOpen(t, srv, "")
	status, body := sioRequest(t, srv, http.MethodGet, "", "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "too_many_streams") {
		t.Errorf("a second session at the cap: %d %s, want 503 too_many_streams", status, body)
	}
	if status, body := sioRequest(t, srv, http.MethodPost, "sid="+sid, "40"); status != http.StatusOK {
		t.Errorf("the first session's POST at the cap: %d %s, want 200", status, body)
	}
	if status, _ := sioRequest(t, srv, http.MethodGet, "sid="+sid, ""); status != http.StatusOK {
		t.Errorf("the first session's poll at the cap: %d, want 200", status)
	}
	sioRequest(t, srv, http.MethodPost, "sid="+sid, "1") // the client closes its session
	if !eventually(func() bool { status, _ := sioRequest(t, srv, http.MethodGet, "", ""); return status == http.StatusOK }) {
		t.Error("no new session after the first closed: its place was not given back")
	}
}

// New sessions are new streams for the limit per address; a session's
// polls and POSTs are not.
func TestSocketIOSessionsAreLimitedPerAddress(t *testing.T) {
	srv, _ := newServer(t, server.Config{PerAddress: server.PerAddress{Streams: server.Rate{PerSecond: 0.001, Burst: 1}}})
	sid := sioOpen(t, srv, "")
	status, body := sioRequest(t, srv, http.MethodGet, "", "")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "too_many_requests") {
		t.Errorf("a second session over the address's limit: %d %s, want 429", status, body)
	}
	for range 5 {
		if status, body := sioRequest(t, srv, http.MethodPost, "sid="+sid, "6"); status != http.StatusOK {
			t.Fatalf("the first session's POST: %d %s, want 200", status, body)
		}
	}
}
