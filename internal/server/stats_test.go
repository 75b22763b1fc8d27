package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"

	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// stats is the body of GET /api/stats.
type stats struct {
	Epoch       string
	Head        uint64
	Rate        float64
	DefaultRate float64
	History     int
	Transports  map[string]server.Counts
	Client      map[string]server.Counts
}

// getStats fetches /api/stats, with the counters of page client when not empty.
func getStats(tb testing.TB, srv *httptest.Server, client string) stats {
	tb.Helper()
	path := "/api/stats"
	if client != "" {
		path += "?client=" + client
	}
	var s stats
	getJSON(tb, srv, path, &s)
	return s
}

// waitCounters polls until client's counters of transport tr are want.
// A stream's counters move as the server writes, which is around the time
// the client reads: they may lag it by a moment.
func waitCounters(tb testing.TB, srv *httptest.Server, client, tr string, want server.Counts) {
	tb.Helper()
	var got server.Counts
	if !eventually(func() bool {
		got = getStats(tb, srv, client).Client[tr]
		return got == want
	}) {
		tb.Fatalf("%s counters of %q = %+v, want %+v", tr, client, got, want)
	}
}

func TestStatsShape(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	publish(t, hub, 3)
	resp, err := srv.Client().Get(srv.URL + "/api/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decoding /api/stats: %v", err)
	}

	if got["epoch"] != hub.Epoch() {
		t.Errorf("epoch = %v, want %q", got["epoch"], hub.Epoch())
	}
	if got["head"] != 3.0 {
		t.Errorf("head = %v, want 3", got["head"])
	}
	if got["rate"] != 5.0 {
		t.Errorf("rate = %v, want 5", got["rate"])
	}
	if got["history"] != float64(hub.History()) {
		t.Errorf("history = %v, want %d", got["history"], hub.History())
	}
	if c, ok := got["client"]; ok {
		t.Errorf("client = %v without ?client=, want it left out", c)
	}
	transports, _ := got["transports"].(map[string]any)
	for _, tr := range []string{"poll", "sse", "ws"} {
		counters, ok := transports[tr].(map[string]any)
		if !ok {
			t.Errorf("transports.%s = %v, want an object", tr, transports[tr])
			continue
		}
		for _, name := range []string{"requests", "open", "events", "bytes", "wireIn", "wireOut"} {
			if n, ok := counters[name].(float64); !ok || n != 0 {
				t.Errorf("transports.%s.%s = %v, want 0 before any request", tr, name, counters[name])
			}
		}
	}
}

// The server's count of polls agrees with the client's: one request per
// poll, every byte of every answer, and every byte on the wire both ways.
func TestStatsCountPolls(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	p1Key, _ := mint(t, srv)
	p2Key, _ := mint(t, srv)
	publish(t, hub, 3)
	client := transporttest.NewMeteredClient(t)
	var want server.Counts
	since := ""
	for range 3 {
		resp, err := client.Get(srv.URL + "/poll?client=" + p1Key + since)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Events []json.RawMessage
			Next   uint64
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			t.Fatalf("decoding a poll answer: %v", err)
		}
		want.Requests++
		want.Events += int64(len(answer.Events))
		for _, e := range answer.Events {
			want.Bytes += int64(len(e)) // the body: the events' JSON
		}
		since = fmt.Sprintf("&since=%d", answer.Next)
		publish(t, hub, 2)
	}
	var other any
	getJSON(t, srv, "/poll?client="+p2Key, &other)
	want.WireIn, want.WireOut = client.Sent.Load(), client.Received.Load()

	s := getStats(t, srv, p1Key)
	if got := s.Client[server.Poll]; got != want {
		t.Errorf("p1's poll counters = %+v, want %+v", got, want)
	}
	if got, want := s.Transports[server.Poll].Requests, want.Requests+1; got != want {
		t.Errorf("poll requests in all = %d, want %d (p1's and p2's)", got, want)
	}
}

func TestStatsCountSSEStream(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	s1Key, _ := mint(t, srv)
	client := transporttest.NewMeteredClient(t)
	s := openSSEWith(t, srv, "/sse?client="+s1Key, nil, client.Client)
	publish(t, hub, 2)
	s.nextEvent(t)
	s.nextEvent(t)
	// What the client's connection read is all the server wrote: the
	// response head and the chunks, each with its framing. The body is the
	// events' data only.
	want := server.Counts{Requests: 1, Open: 1, Events: 2, Bytes: int64(s.eventBytes),
		WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
	waitCounters(t, srv, s1Key, server.SSE, want)
}

func TestStatsSSEStreamClosedIsNoticedAtOnce(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	s1Key, _ := mint(t, srv)
	s := openSSE(t, srv, "/sse?client="+s1Key)
	s.body.Close()
	if !eventually(func() bool { return getStats(t, srv, s1Key).Client[server.SSE].Open == 0 }) {
		t.Errorf("open SSE streams did not return to 0 within %v after the client left", timeout)
	}
}

func TestStatsCountWebSocket(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	w1Key, _ := mint(t, srv)
	client := transporttest.NewMeteredClient(t)
	ws := dialWSWith(t, srv, "/ws?client="+w1Key, &websocket.DialOptions{HTTPClient: client.Client})
	publish(t, hub, 2)
	ws.next(t)
	ws.next(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"kind":"ping","id":7}`)); err != nil {
		t.Fatal(err)
	}
	if got := ws.next(t); got.Kind != "pong" {
		t.Fatalf("answer to a ping: kind %q, want pong", got.Kind)
	}
	// One upgrade, and the body of the two events only (not the hello or
	// the pong). On the wire: the upgrade both ways, and every frame with
	// its header (and, from the client, its mask).
	want := server.Counts{Requests: 1, Open: 1, Events: 2, Bytes: int64(ws.eventBytes),
		WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
	waitCounters(t, srv, w1Key, server.WS, want)

	if err := ws.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// The closing handshake is on the wire too: a close frame each way.
	want.Open, want.WireIn, want.WireOut = 0, client.Sent.Load(), client.Received.Load()
	waitCounters(t, srv, w1Key, server.WS, want)
}

// A refused request of a transport is still one request of it, with its
// bytes on the wire, as the page that made it counts it; it has no events.
func TestStatsCountARefusedPoll(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	r1Key, _ := mint(t, srv)
	publish(t, hub, 1)
	client := transporttest.NewMeteredClient(t)
	resp, err := client.Get(srv.URL + "/poll?client=" + r1Key + "&since=x")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("GET /poll?since=x: status %d, want 400", resp.StatusCode)
	}
	want := server.Counts{Requests: 1, WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
	waitCounters(t, srv, r1Key, server.Poll, want)
}
