package server_test

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
	"runtime"
	"slices"
	"testing"
	"testing/fstest"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// A GET /poll with wait= is a long poll, counted as its own transport,
// longpoll: its request, its open answer while held, its events, its
// bytes on the wire and its entry in the wire log; a short poll beside it
// stays poll's.
func TestLongPollCountsAsLongpoll(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	publish(t, hub, 3)
	client := transporttest.NewMeteredClient(t)
	type result struct {
		body []byte
		err  error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := client.Get(srv.URL + "/poll?client=" + key + "&since=3&epoch=" + hub.Epoch() + "&wait=25s")
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- result{body, err}
	}()
	if !eventually(func() bool { return getStats(t, srv, key).Client[server.LongPoll].Open == 1 }) {
		t.Fatalf("longpoll counters %+v, want one open while held", getStats(t, srv, key).Client[server.LongPoll])
	}
	publish(t, hub, 1)
	r := <-answered
	if r.err != nil {
		t.Fatal(r.err)
	}
	var a struct{ Events []json.RawMessage }
	if err := json.Unmarshal(r.body, &a); err != nil || len(a.Events) != 1 {
		t.Fatalf("long poll answer %s (%v), want the one event", r.body, err)
	}
	want := server.Counts{Requests: 1, Events: 1, Bytes: int64(len(a.Events[0])),
		WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
	waitCounters(t, srv, key, server.LongPoll, want)
	if got := getStats(t, srv, key).Client[server.Poll]; got != (server.Counts{}) {
		t.Errorf("poll counters %+v after a long poll alone, want none", got)
	}
	var entries []wireEntry // logged once the answer is done, a moment after the client has it
	eventually(func() bool {
		entries, _ = getWire(t, srv, key, 0)
		return len(entries) > 0
	})
	if len(entries) != 1 || entries[0].Transport != server.LongPoll || entries[0].Events != 1 {
		t.Errorf("wire log %+v, want one longpoll request with its event", entries)
	}

	var short any
	getJSON(t, srv, "/poll?client="+key, &short)
	s := getStats(t, srv, key)
	if s.Client[server.Poll].Requests != 1 || s.Client[server.LongPoll].Requests != 1 {
		t.Errorf("after one short poll: poll %+v, longpoll %+v; want one request each", s.Client[server.Poll], s.Client[server.LongPoll])
	}
}

// A bad wait is a 400 with a reason, counted as a long poll's request.
func TestLongPollBadWaitIs400(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	for _, wait := range []string{"", "25", "0s", "2m"} {
		var e struct{ Error, Code string }
		if status := getJSON(t, srv, "/poll?client="+key+"&wait="+wait, &e); status != http.StatusBadRequest || e.Error == "" {
			t.Errorf("wait=%q: %d %+v, want 400 with a reason", wait, status, e)
		}
	}
	if got := getStats(t, srv, key).Client[server.LongPoll].Requests; got != 4 {
		t.Errorf("longpoll requests = %d, want the 4 refused", got)
	}
}

// A page's drop of longpoll closes its held long poll at once, as a
// network would: the client gets no answer, and asks again.
func TestLongPollIsDroppedWhileHeld(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	publish(t, hub, 1)
	// A connection of its own: net/http sends a GET again by itself when a
	// reused connection breaks before the answer, which would hide the drop.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.URL + "/poll?since=1&wait=25s&client=" + key)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	if !eventually(func() bool { return getStats(t, srv, key).Client[server.LongPoll].Open == 1 }) {
		t.Fatal("the long poll is not held")
	}
	status, answer := send(t, srv, http.MethodPost, "/api/sim/drop?client="+key, `{"transport":"longpoll"}`)
	if status != http.StatusOK || answer["dropped"] != 1.0 {
		t.Errorf("drop longpoll: %d %v, want 200 and 1 dropped", status, answer)
	}
	if err := <-errc; err == nil {
		t.Error("the held long poll was answered after its drop, want its connection gone")
	}
}

// holdLongPolls opens n raw connections to srv, each with a long poll at
// the head written and not yet answered. The client side is a socket and
// nothing else: no goroutine, no http.Transport, so that what the server
// holds for each is what grows.
func holdLongPolls(tb testing.TB, srv *httptest.Server, hub *feed.Hub, n int) []net.Conn {
	tb.Helper()
	req := fmt.Sprintf("GET /poll?since=%d&epoch=%s&wait=60s HTTP/1.1\r\nHost: x\r\n\r\n", hub.Head(), hub.Epoch())
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			tb.Fatalf("dial: %v", err)
		}
		if _, err := io.WriteString(c, req); err != nil {
			tb.Fatalf("write: %v", err)
		}
		conns = append(conns, c)
	}
	return conns
}

// readAnswers reads one poll answer from each connection and returns how
// many held exactly one event, seq.
func readAnswers(tb testing.TB, conns []net.Conn, seq uint64) int {
	tb.Helper()
	got := 0
	for _, c := range conns {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			tb.Errorf("reading an answer: %v", err)
			continue
		}
		var a struct{ Next uint64 }
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && a.Next == seq {
			got++
		}
		c.Close()
	}
	return got
}

// newBareServer serves the whole surface with no page and no limits per
// address, on a real listener.
func newBareServer(tb testing.TB) (*httptest.Server, *feed.Hub) {
	tb.Helper()
	hub := feed.NewHub(feed.Config{})
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}}))
	srv.Listener = server.Install(srv.Config, srv.Listener)
	srv.Start()
	tb.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return srv, hub
}

// A thousand long polls wait at once, each holding only its request's
// own goroutine, and one event answers them all.
func TestLongPollHoldsAThousand(t *testing.T) {
	const n = 1000
	srv, hub := newBareServer(t)
	publish(t, hub, 1)
	conns := holdLongPolls(t, srv, hub, n)
	if !eventually(func() bool { return getStats(t, srv, "").Transports[server.LongPoll].Open == n }) {
		t.Fatalf("longpoll open = %d, want %d held", getStats(t, srv, "").Transports[server.LongPoll].Open, n)
	}
	publish(t, hub, 1)
	if got := readAnswers(t, conns, 2); got != n {
		t.Errorf("%d of %d held polls answered with seq 2", got, n)
	}
}

// BenchmarkLongPollWaiting reports the memory one waiting long poll costs,
// server and socket together (B/waiting: heap and stacks in use, after a
// collection, with 1000 held against none), its goroutines (net/http's
// own for the connection, and its watch for the client going away while
// a handler runs: the wait adds none), and the time one published event
// takes to answer them all (an op).
func BenchmarkLongPollWaiting(b *testing.B) {
	const n = 1000
	srv, hub := newBareServer(b)
	publish(b, hub, 1)
	inUse := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse + m.StackInuse
	}
	for b.Loop() {
		b.StopTimer()
		before, goroutines := inUse(), runtime.NumGoroutine()
		conns := holdLongPolls(b, srv, hub, n)
		for getStats(b, srv, "").Transports[server.LongPoll].Open != n {
			runtime.Gosched()
		}
		b.ReportMetric(float64(inUse()-before)/n, "B/waiting")
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/n, "goroutines/waiting")
		b.StartTimer()
		publish(b, hub, 1)
		if got := readAnswers(b, conns, hub.Head()); got != n {
			b.Fatalf("%d of %d held polls answered", got, n)
		}
	}
}

// The class knows longpoll as it knows every lane of the server: the
// instructor may turn it on, and a page with a long poll held counts as
// having it open.
func TestClassCountsAPageWithALongPollHeld(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	publish(t, hub, 1)
	key, _ := mint(t, srv)
	if st := classDo(t, srv, http.MethodPut, "/api/class", `{"transports":["poll","longpoll"]}`); len(st.Transports) != 2 || st.Transports[1] != server.LongPoll {
		t.Errorf("transports %v, want [poll longpoll]", st.Transports)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/poll?since=1&wait=25s&client="+key, nil)
	held := make(chan struct{})
	go func() {
		defer close(held)
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	var st classState
	if !eventually(func() bool {
		st = classDo(t, srv, http.MethodGet, "/api/class", "")
		return st.Students[server.LongPoll] == 1
	}) {
		t.Errorf("students %v with a long poll held, want longpoll 1", st.Students)
	}
	if st.Students[server.Poll] != 0 || len(st.Pages) != 1 || !slices.Equal(st.Pages[0].Transports, []string{server.LongPoll}) {
		t.Errorf("students %v, pages %+v; want the page on longpoll alone", st.Students, st.Pages)
	}
	cancel()
	<-held
}

// Long polling cannot send either: its messages go by POST, one more
// request of its own, and come back over a long poll at once.
func TestLongPollSendsByPost(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	publish(t, hub, 1)
	type answer struct {
		Events []struct{ Kind, Text, Via string }
	}
	got := make(chan answer, 1)
	go func() {
		var a answer
		resp, err := srv.Client().Get(srv.URL + "/poll?since=1&wait=25s&client=" + key)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
		}
		if err != nil {
			t.Errorf("the long poll: %v", err)
		}
		got <- a
	}()
	if !eventually(func() bool { return getStats(t, srv, key).Client[server.LongPoll].Open == 1 }) {
		t.Fatal("the long poll is not held")
	}
	if resp := post(t, srv, "?client="+key, `{"text":"hello","via":"longpoll"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST via longpoll: status %d, want 202", resp.StatusCode)
	}
	if a := <-got; len(a.Events) != 1 || a.Events[0].Kind != "message" || a.Events[0].Via != "longpoll" {
		t.Errorf("the held poll answered %+v, want the message, via longpoll", a.Events)
	}
	if c := getStats(t, srv, key).Client[server.LongPoll]; c.Requests != 2 {
		t.Errorf("longpoll requests = %d, want 2: the poll and the POST", c.Requests)
	}
}
