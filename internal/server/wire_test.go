package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// wireEntry is one entry of GET /api/wire.
type wireEntry struct {
	N                     uint64
	Transport, Kind       string
	Method, Target        string
	Status                int
	In, Out, Body, Events int64
	Dir                   string
	Bytes                 int
	RTTMs                 float64
}

func getWire(tb testing.TB, srv *httptest.Server, client string, after uint64) (entries []wireEntry, next uint64) {
	tb.Helper()
	var a struct {
		Next    uint64
		Entries []wireEntry
	}
	if status := getJSON(tb, srv, fmt.Sprintf("/api/wire?client=%s&after=%d", client, after), &a); status != http.StatusOK {
		tb.Fatalf("GET /api/wire: status %d", status)
	}
	return a.Entries, a.Next
}

// Requests that are not a transport's, on the same connection as polls
// (as a browser reuses one), cost the transport nothing; each poll's entry
// in the wire log is exactly what crossed the client's connection for it.
func TestWireCountsEachPollAlone(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	p1Key, _ := mint(t, srv)
	publish(t, hub, 3)
	client := transporttest.NewMeteredClient(t)
	get := func(path string) (in, out int64) { return client.Fetch(t, srv.URL+path) }
	var polls [2][2]int64
	polls[0][0], polls[0][1] = get("/poll?client=" + p1Key)
	get("/api/time?client=" + p1Key)
	get("/")
	polls[1][0], polls[1][1] = get("/poll?client=" + p1Key + "&since=1")
	get("/api/stats?client=" + p1Key)

	got := getStats(t, srv, p1Key).Client[server.Poll]
	if want := polls[0][0] + polls[1][0]; got.WireIn != want {
		t.Errorf("poll wireIn = %d, want %d: the two polls' requests alone", got.WireIn, want)
	}
	if want := polls[0][1] + polls[1][1]; got.WireOut != want {
		t.Errorf("poll wireOut = %d, want %d: the two polls' answers alone", got.WireOut, want)
	}

	entries, next := getWire(t, srv, p1Key, 0)
	if len(entries) != 2 || next != 2 {
		t.Fatalf("wire log = %+v (next %d), want the two polls", entries, next)
	}
	for i, e := range entries {
		if e.N != uint64(i)+1 {
			t.Errorf("entry %d: n = %d, want %d", i, e.N, i+1)
		}
		if e.Kind != "request" || e.Transport != "poll" || e.Method != "GET" || e.Status != 200 {
			t.Errorf("entry %d = %+v, want a poll's request", i, e)
		}
		if e.In != polls[i][0] || e.Out != polls[i][1] {
			t.Errorf("entry %d: in %d, out %d; the client's connection moved %d and %d", i, e.In, e.Out, polls[i][0], polls[i][1])
		}
	}
	if entries[0].Target != "/poll?client="+p1Key || entries[1].Events != 2 {
		t.Errorf("entries = %+v, want the first poll's target and 2 events in the second", entries)
	}
	if more, _ := getWire(t, srv, p1Key, next); len(more) != 0 {
		t.Errorf("entries after %d = %+v, want none", next, more)
	}
}

// An SSE stream is in the wire log once its hello is on the wire, with
// what it cost so far: the response head, the retry: line and the hello,
// every byte the client's connection read up to the hello.
func TestWireLogsSSEStreamWithItsHead(t *testing.T) {
	srv, _ := newServer(t, server.Config{Heartbeat: time.Hour})
	s1Key, _ := mint(t, srv)
	client := transporttest.NewMeteredClient(t)
	openSSEWith(t, srv, "/sse?client="+s1Key, nil, client.Client)
	var stream *wireEntry
	eventually(func() bool {
		entries, _ := getWire(t, srv, s1Key, 0)
		for _, e := range entries {
			if e.Kind == "request" {
				stream = &e
				return true
			}
		}
		return false
	})
	if stream == nil {
		t.Fatal("no SSE stream in the wire log")
	}
	if stream.Transport != "sse" || stream.Status != 200 {
		t.Errorf("stream entry = %+v, want sse and 200", *stream)
	}
	if in, out := client.Sent.Load(), client.Received.Load(); stream.In != in || stream.Out != out {
		t.Errorf("stream entry: in %d, out %d; the client's connection moved %d and %d up to the hello",
			stream.In, stream.Out, in, out)
	}
}

// An SSE stream's heartbeat, which an EventSource never shows, is in the
// wire log with its size on the wire, as a raw client reads it.
func TestWireLogsSSEHeartbeats(t *testing.T) {
	srv, _ := newServer(t, server.Config{Heartbeat: 40 * time.Millisecond})
	h1Key, _ := mint(t, srv)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /sse?client=%s HTTP/1.1\r\nHost: %s\r\n\r\n", h1Key, srv.Listener.Addr())
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sse: %v, %v", resp, err)
	}
	// Read the raw chunks, framing and all, until a heartbeat's.
	c.SetReadDeadline(time.Now().Add(timeout))
	var chunk string
	for !strings.Contains(chunk, ": heartbeat") {
		size, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a chunk: %v", err)
		}
		var n int
		fmt.Sscanf(size, "%x", &n)
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			t.Fatalf("reading a chunk: %v", err)
		}
		chunk = size + string(data)
	}
	var beat *wireEntry
	eventually(func() bool {
		entries, _ := getWire(t, srv, h1Key, 0)
		for _, e := range entries {
			if e.Kind == "heartbeat" {
				beat = &e
				return true
			}
		}
		return false
	})
	if beat == nil {
		t.Fatal("no heartbeat in the wire log")
	}
	if beat.Transport != "sse" || beat.Dir != "out" || beat.Bytes != len(chunk) {
		t.Errorf("heartbeat entry = %+v, want sse, out and %d bytes: %q", *beat, len(chunk), chunk)
	}
}

// A WebSocket's pings and pongs, which a browser never shows its page, are
// in the wire log, and the server's count of the wire holds them too.
func TestWireLogsWebSocketPings(t *testing.T) {
	srv, _ := newServer(t, server.Config{Ping: 30 * time.Millisecond})
	k1Key, _ := mint(t, srv)
	client := transporttest.NewMeteredClient(t)
	conn := dialWSWith(t, srv, "/ws?client="+k1Key, &websocket.DialOptions{HTTPClient: client.Client})
	conn.CloseRead(t.Context()) // answers the pings

	var ping, pong *wireEntry
	if !eventually(func() bool {
		entries, _ := getWire(t, srv, k1Key, 0)
		for _, e := range entries {
			switch e.Kind {
			case "ping":
				ping = &e
			case "pong":
				pong = &e
			}
		}
		return ping != nil && pong != nil
	}) {
		t.Fatalf("wire log has ping %v and pong %v, want both", ping, pong)
	}
	// The first ping carries "1": a 2-byte header and 1 byte; the pong
	// echoes it from the client, with a 4-byte mask.
	if ping.Transport != "ws" || ping.Dir != "out" || ping.Bytes != 3 {
		t.Errorf("ping entry = %+v, want ws, out, 3 bytes", *ping)
	}
	if pong.Dir != "in" || pong.Bytes != 7 || pong.RTTMs <= 0 {
		t.Errorf("pong entry = %+v, want in, 7 bytes and a round trip", *pong)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	want := server.Counts{Requests: 1, WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
	var got server.Counts
	if !eventually(func() bool {
		got = getStats(t, srv, k1Key).Client[server.WS]
		got.Events, got.Bytes = 0, 0
		want.WireIn, want.WireOut = client.Sent.Load(), client.Received.Load()
		return got == want
	}) {
		t.Errorf("ws counters = %+v, want %+v: every ping and pong counted on the wire", got, want)
	}
}

func TestWireLogNeedsAClient(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	aKey, _ := mint(t, srv)
	for _, path := range []string{"/api/wire", "/api/wire?client=" + aKey + "&after=x", "/api/wire?client=" + aKey + "&after=-1", "/api/wire?client=a%20b"} {
		resp := refused(t, srv, path, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", path, resp.StatusCode)
		}
	}
}

// The wire log keeps the last 64 entries; a reader that fell further
// behind is told how many it missed, never left with a silent gap.
func TestWireLogSaysWhatItDropped(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	mKey, _ := mint(t, srv)
	var answer struct{}
	for range 70 {
		getJSON(t, srv, "/poll?client="+mKey, &answer)
	}
	var a struct {
		Next, Missed uint64
		Entries      []wireEntry
	}
	getJSON(t, srv, "/api/wire?client="+mKey+"&after=2", &a)
	if a.Next != 70 || a.Missed != 4 || len(a.Entries) != 64 || a.Entries[0].N != 7 {
		t.Errorf("after 2 of 70: next %d, missed %d, %d entries from %d; want 70, 4, 64 from 7",
			a.Next, a.Missed, len(a.Entries), a.Entries[0].N)
	}
	getJSON(t, srv, "/api/wire?client="+mKey+"&after=10", &a)
	if a.Missed != 0 || len(a.Entries) != 60 {
		t.Errorf("after 10: missed %d, %d entries; want 0 and 60", a.Missed, len(a.Entries))
	}
}
