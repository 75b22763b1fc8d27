package server_test

import (
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
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// clock is a server's clock that moves only when the test says: a bucket
// then refills only when told, and what a flood gets through is exact.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Unix(1764150000, 0).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// clientFrom returns an HTTP client whose connections come from ip, a
// loopback address standing in for another machine, or skips the test
// where the machine has no such address.
func clientFrom(tb testing.TB, srv *httptest.Server, ip string) *http.Client {
	tb.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	tb.Cleanup(c.CloseIdleConnections)
	conn, err := dialer.DialContext(tb.Context(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		tb.Skipf("cannot connect from %s on this machine: %v", ip, err)
	}
	conn.Close()
	return c
}

// do makes a request with client and returns its status, Retry-After and
// the code of an error answer; the body is read whole.
func do(tb testing.TB, client *http.Client, method, url, body string) (status int, retryAfter, code string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Errorf("%s %s: %v", method, url, err) // Errorf: called from the flood's goroutines too
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Errorf("%s %s: reading the answer: %v", method, url, err)
	}
	var answer struct{ Code string }
	if resp.StatusCode >= 400 {
		json.Unmarshal(b, &answer)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), answer.Code
}

// flood makes n requests from client, from workers goroutines at once, and
// counts them by status. Each refusal must be a 429 with code and a
// Retry-After of whole seconds.
func flood(t *testing.T, client *http.Client, n, workers int, method string, url func(i int) string, body, code string) map[int]int {
	t.Helper()
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		next   atomic.Int64
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				status, retry, got := do(t, client, method, url(i), body)
				if status == http.StatusTooManyRequests && (got != code || retry != "1") {
					t.Errorf("refused with code %q, Retry-After %q; want %q, 1", got, retry, code)
				}
				mu.Lock()
				counts[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return counts
}

// checkEveryEvent reads a healthy stream beside a flood: every event from
// seq 1 to head, in order, none missing.
func checkEveryEvent(t *testing.T, s *sseStream, head uint64) {
	t.Helper()
	for seq := uint64(1); seq <= head; seq++ {
		if e := s.nextEvent(t); e.Seq != seq {
			t.Fatalf("the healthy stream read seq %d, want %d: an event lost beside the flood", e.Seq, seq)
		}
	}
}

// The message flood: 1,000 messages, each from a fresh page key,
// from one address. Each page is within its own allowance; the address
// is not: on a clock that stands still, its burst alone gets through,
// and a second later its rate. A page at another address sends all the
// same, and its stream keeps every event.
func TestMessageFloodWithFreshKeysIsBoundedPerAddress(t *testing.T) {
	clk := newClock()
	limit := server.Rate{PerSecond: 60, Burst: 200}
	srv, hub := newServer(t, server.Config{Now: clk.Now, MessageRate: 2, MessageBurst: 5,
		PerAddress: server.PerAddress{Messages: limit}})
	other := clientFrom(t, srv, "127.0.0.2")
	healthy := openSSEWith(t, srv, "/sse", nil, other)

	keys := make([]string, 1000)
	for i := range keys {
		keys[i], _ = mint(t, srv)
	}
	url := func(i int) string { return srv.URL + "/api/messages?client=" + keys[i-1] }
	counts := flood(t, srv.Client(), 500, 8, http.MethodPost, url, `{"text":"flood"}`, "too_many_messages")
	if counts[http.StatusAccepted] != limit.Burst || counts[http.StatusTooManyRequests] != 500-limit.Burst {
		t.Errorf("500 messages at once from fresh keys: %v, want %d accepted (the burst), the rest 429", counts, limit.Burst)
	}
	clk.Advance(time.Second)
	counts = flood(t, srv.Client(), 500, 8, http.MethodPost, func(i int) string { return url(500 + i) }, `{"text":"flood"}`, "too_many_messages")
	if counts[http.StatusAccepted] != int(limit.PerSecond) {
		t.Errorf("500 messages a second later: %v, want %g accepted (a second's rate)", counts, limit.PerSecond)
	}

	// Another address has an allowance of its own.
	key, _ := mint(t, srv)
	if status, _, _ := do(t, other, http.MethodPost, srv.URL+"/api/messages?client="+key, `{"text":"hello"}`); status != http.StatusAccepted {
		t.Errorf("a message from another address during the flood: status %d, want 202", status)
	}
	if head := hub.Head(); head != uint64(limit.Burst)+uint64(limit.PerSecond)+1 {
		t.Errorf("feed head %d, want %d: only what was accepted is published", head, limit.Burst+int(limit.PerSecond)+1)
	}
	checkEveryEvent(t, healthy, hub.Head())
}

// A page over its own allowance takes nothing from its address's, which
// its classmates share.
func TestPageOverItsAllowanceSparesItsAddress(t *testing.T) {
	srv, _ := newServer(t, server.Config{Now: newClock().Now, MessageRate: 1, MessageBurst: 2,
		PerAddress: server.PerAddress{Messages: server.Rate{PerSecond: 1, Burst: 4}}})
	a, _ := mint(t, srv)
	for i, want := range []int{202, 202, 429, 429, 429, 429} {
		if resp := post(t, srv, "?client="+a, `{"text":"a"}`); resp.StatusCode != want {
			t.Errorf("page a's message %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	b, _ := mint(t, srv)
	for i := range 2 {
		if resp := post(t, srv, "?client="+b, `{"text":"b"}`); resp.StatusCode != http.StatusAccepted {
			t.Errorf("page b's message %d: status %d, want 202: a's refusals took none of the address's", i+1, resp.StatusCode)
		}
	}
	c, _ := mint(t, srv)
	resp := post(t, srv, "?client="+c, `{"text":"c"}`)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("page c's message past the address's burst: status %d, want 429", resp.StatusCode)
	}
	if why := errorOf(t, resp, "too_many_messages"); !strings.Contains(why, "your address") {
		t.Errorf("refusal %q, want it to say the address is over its limit", why)
	}
}

// A message its address refuses costs the page nothing: once the address
// has tokens again, the page still has its whole burst.
func TestAddressRefusalSparesThePage(t *testing.T) {
	clock := newClock()
	srv, _ := newServer(t, server.Config{Now: clock.Now, MessageRate: 0.001, MessageBurst: 2,
		PerAddress: server.PerAddress{Messages: server.Rate{PerSecond: 1, Burst: 1}}})
	a, _ := mint(t, srv)
	b, _ := mint(t, srv)
	if resp := post(t, srv, "?client="+b, `{"text":"b"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("b's message: %d, want 202", resp.StatusCode)
	}
	for i := range 3 {
		if resp := post(t, srv, "?client="+a, `{"text":"a"}`); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a's message %d with its address spent: %d, want 429", i+1, resp.StatusCode)
		}
	}
	for i := range 2 {
		clock.Advance(time.Second) // the address's token back
		if resp := post(t, srv, "?client="+a, `{"text":"a"}`); resp.StatusCode != http.StatusAccepted {
			t.Errorf("a's message %d of its burst, its address's refusals behind it: %d, want 202", i+1, resp.StatusCode)
		}
	}
}

// A WebSocket's messages count against its page, whatever connection
// they come on: a reconnect brings no fresh burst. And they count
// against the address with the POSTs.
func TestWebSocketMessagesCountPerPageAndAddress(t *testing.T) {
	srv, _ := newServer(t, server.Config{Now: newClock().Now, MessageRate: 1, MessageBurst: 2,
		PerAddress: server.PerAddress{Messages: server.Rate{PerSecond: 1, Burst: 4}}})
	send := func(ws *wsStream, text string) wsReply {
		t.Helper()
		if err := ws.Write(t.Context(), websocket.MessageText, []byte(`{"kind":"message","id":1,"text":"`+text+`"}`)); err != nil {
			t.Fatal(err)
		}
		for {
			_, b, err := ws.Read(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var r wsReply
			json.Unmarshal(b, &r)
			if r.Kind == "ack" || r.Kind == "error" {
				return r
			}
		}
	}
	key, _ := mint(t, srv)
	ws := dialWS(t, srv, "/ws?client="+key)
	for i, want := range []string{"ack", "ack", "error"} {
		if r := send(ws, "a"); r.Kind != want {
			t.Errorf("message %d: %+v, want %s", i+1, r, want)
		}
	}
	ws.CloseNow()
	again := dialWS(t, srv, "/ws?client="+key)
	if r := send(again, "a"); r.Kind != "error" || r.Code != "too_many_messages" {
		t.Errorf("first message after a reconnect: %+v, want too_many_messages: no fresh burst", r)
	}
	other, _ := mint(t, srv)
	if resp := post(t, srv, "?client="+other, `{"text":"b"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another page's POST: status %d, want 202", resp.StatusCode)
	}
	third, _ := mint(t, srv)
	ws3 := dialWS(t, srv, "/ws?client="+third)
	if r := send(ws3, "c"); r.Kind != "ack" {
		t.Errorf("the address's fourth message: %+v, want an ack", r)
	}
	if r := send(ws3, "c"); r.Kind != "error" || r.Code != "too_many_messages" || !strings.Contains(r.Error, "your address") {
		t.Errorf("the address's fifth message: %+v, want too_many_messages from the address", r)
	}
}

// The poll flood, from one address: past the burst every request
// is a 429 (on a clock that stands still), while a page at another address
// polls and streams as if nothing happened.
func TestPollFloodIsRefusedBesideAHealthyPage(t *testing.T) {
	clk := newClock()
	limit := server.Rate{PerSecond: 50, Burst: 100}
	srv, hub := newServer(t, server.Config{Now: clk.Now, PerAddress: server.PerAddress{Polls: limit}})
	other := clientFrom(t, srv, "127.0.0.2")
	healthy := openSSEWith(t, srv, "/sse", nil, other)
	publish(t, hub, 100)

	stop := make(chan struct{})
	var published sync.WaitGroup
	published.Go(func() { // the feed goes on during the flood
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				publish(t, hub, 1)
			}
		}
	})
	url := func(int) string { return srv.URL + "/poll?since=0" }
	counts := flood(t, srv.Client(), 1000, 8, http.MethodGet, url, "", "too_many_requests")
	if counts[http.StatusOK] != limit.Burst || counts[http.StatusTooManyRequests] != 1000-limit.Burst {
		t.Errorf("1000 polls at once: %v, want %d answered (the burst), the rest 429", counts, limit.Burst)
	}
	for i := range 20 {
		if status, _, _ := do(t, other, http.MethodGet, srv.URL+"/poll?since=0", ""); status != http.StatusOK {
			t.Errorf("poll %d from another address during the flood: status %d, want 200", i, status)
		}
	}
	close(stop)
	published.Wait()
	checkEveryEvent(t, healthy, hub.Head())

	clk.Advance(time.Second)
	counts = flood(t, srv.Client(), 100, 4, http.MethodGet, url, "", "too_many_requests")
	if counts[http.StatusOK] != int(limit.PerSecond) {
		t.Errorf("100 polls a second later: %v, want %g answered", counts, limit.PerSecond)
	}
}

// A loop of new streams from one address is refused past its burst, SSE
// and WebSocket alike, with 429; another address connects all the same.
func TestStreamFloodIsRefused(t *testing.T) {
	clk := newClock()
	srv, _ := newServer(t, server.Config{Now: clk.Now, PerAddress: server.PerAddress{Streams: server.Rate{PerSecond: 1, Burst: 6}}})
	for range 3 {
		openSSE(t, srv, "/sse").body.Close()
		dialWS(t, srv, "/ws").CloseNow()
	}
	for _, path := range []string{"/sse", "/ws"} {
		resp := refused(t, srv, path, nil)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("stream %s past the burst: status %d, Retry-After %q; want 429, 1", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		errorOf(t, resp, "too_many_requests")
	}
	openSSEWith(t, srv, "/sse", nil, clientFrom(t, srv, "127.0.0.2"))
	clk.Advance(time.Second)
	dialWS(t, srv, "/ws")
}

func TestPagesPerAddress(t *testing.T) {
	srv, _ := newServer(t, server.Config{Now: newClock().Now, PerAddress: server.PerAddress{Pages: server.Rate{PerSecond: 1, Burst: 3}}})
	for range 3 {
		mint(t, srv)
	}
	resp := callError(t, srv, http.MethodPost, "/api/pages", "", nil, http.StatusTooManyRequests, "too_many_requests")
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
}

// The instructor sees who went over a limit: the address, the page's
// public name, which limit, how often.
func TestClassAnswerListsTheLimited(t *testing.T) {
	clk := newClock()
	srv, _ := newServer(t, classConfig(server.Config{Now: clk.Now,
		PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 1}}}))
	if got := classLimited(t, srv); len(got) != 0 {
		t.Errorf("limited before any refusal: %+v, want none", got)
	}
	key, name := mint(t, srv)
	for range 3 {
		do(t, srv.Client(), http.MethodGet, srv.URL+"/poll?client="+key, "")
	}
	clk.Advance(1500 * time.Millisecond)
	want := fmt.Sprintf("[{127.0.0.1 %s polls 2 1500}]", name)
	if got := fmt.Sprint(classLimited(t, srv)); got != want {
		t.Errorf("limited = %s, want %s", got, want)
	}
}

// wsReply is what a WebSocket answers a message with: an ack, or an error.
type wsReply struct{ Kind, Code, Error string }

type limitedEntry struct {
	Address, Name, Limit string
	Refused              int
	LastAgoMs            int64
}

func classLimited(tb testing.TB, srv *httptest.Server) []limitedEntry {
	tb.Helper()
	resp, b := call(tb, srv, http.MethodGet, "/api/class", "", bearer)
	var answer struct{ Limited *[]limitedEntry }
	if err := json.Unmarshal(b, &answer); err != nil || resp.StatusCode != http.StatusOK || answer.Limited == nil {
		tb.Fatalf("GET /api/class: %d %s, want 200 with a limited list", resp.StatusCode, b)
	}
	return *answer.Limited
}

// A class of 30 pages behind one NAT address, on the defaults: each page
// gets its key, opens SSE and a WebSocket, polls every 250 ms, reports
// every 2 s and follows the class state, and, with
// the tutorial on, replies to each quote three times (POST for polling and
// SSE, its socket for the WebSocket). Then the instructor drops every SSE
// stream and the whole class reloads at once. Nothing is refused. On a
// testing/synctest clock over pipes, every page has the one address
// "pipe", and 45 s take none.
func TestClassBehindOneAddressIsNeverLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const pages = 30
		srv, hub := newServerInBubble(t, classConfig(server.Config{MessageRate: 2, MessageBurst: 5,
			PerAddress: server.DefaultPerAddress}))
		srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 4 * pages // a browser keeps its connections too
		defer srv.Client().CloseIdleConnections()
		version := classDo(t, srv, http.MethodPut, "/api/class", `{"tutorial":true,"interval":250}`).Version
		ctx, stop := context.WithCancel(t.Context())
		var (
			class, replies sync.WaitGroup
			refusals       atomic.Int64
			quotes         []chan struct{}
		)
		check := func(what string, status int) {
			if status != http.StatusOK && status != http.StatusAccepted {
				refusals.Add(1)
				t.Errorf("%s: status %d", what, status)
			}
		}
		for range pages {
			key, _ := mint(t, srv)
			sse := openSSE(t, srv, "/sse?client="+key)
			ws := dialWS(t, srv, "/ws?client="+key)
			quote := make(chan struct{})
			quotes = append(quotes, quote)
			class.Go(func() { // the poll lane
				for ctx.Err() == nil {
					if status, _, _ := doCtx(ctx, srv.Client(), http.MethodGet, srv.URL+"/poll?client="+key, ""); ctx.Err() == nil {
						check("poll", status)
					}
					time.Sleep(250 * time.Millisecond)
				}
			})
			class.Go(func() { // the class strip's report, every 2 s
				for ctx.Err() == nil {
					if status, _, _ := doCtx(ctx, srv.Client(), http.MethodPost, srv.URL+"/api/class/report?client="+key, `{"following":true}`); ctx.Err() == nil && status != http.StatusNoContent {
						check("report", status)
					}
					time.Sleep(2 * time.Second)
				}
			})
			class.Go(func() { // the class state, held 25 s at a time
				for ctx.Err() == nil {
					if status, _, _ := doCtx(ctx, srv.Client(), http.MethodGet, fmt.Sprintf("%s/api/class/follow?version=%d&client=%s", srv.URL, version, key), ""); ctx.Err() == nil {
						check("follow", status)
					}
				}
			})
			class.Go(func() { // the SSE lane reads what comes, until the end
				context.AfterFunc(ctx, func() { sse.body.Close() })
				io.Copy(io.Discard, sse.body)
			})
			class.Go(func() { // the WebSocket lane: an error is a refusal
				for {
					_, b, err := ws.Read(ctx)
					if err != nil {
						return
					}
					var r wsReply
					json.Unmarshal(b, &r)
					if r.Kind == "error" {
						refusals.Add(1)
						t.Errorf("WebSocket message refused: %s", b)
					}
				}
			})
			class.Go(func() { // the tutorial: three replies to each quote
				for range quote {
					for _, via := range []string{"poll", "sse"} {
						status, _, _ := doCtx(ctx, srv.Client(), http.MethodPost, srv.URL+"/api/messages?client="+key, `{"text":"re","via":"`+via+`"}`)
						check("reply by "+via, status)
					}
					ws.Write(ctx, websocket.MessageText, []byte(`{"kind":"message","text":"re"}`))
					replies.Done()
				}
			})
		}
		for range 15 { // 45 s of the tutorial: a quote every 3 s
			time.Sleep(3 * time.Second)
			hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1})
			replies.Add(pages)
			for _, q := range quotes {
				q <- struct{}{}
			}
			replies.Wait()
		}
		classDo(t, srv, http.MethodPost, "/api/class/drop", `{"transport":"sse"}`)
		for range pages {
			key, _ := mint(t, srv) // a reload: a new key, new streams
			openSSE(t, srv, "/sse?client="+key).body.Close()
			dialWS(t, srv, "/ws?client="+key).CloseNow()
		}
		for _, q := range quotes {
			close(q)
		}
		stop()
		class.Wait()
		if got := classLimited(t, srv); len(got) != 0 || refusals.Load() != 0 {
			t.Errorf("the class was refused %d times; limited = %+v, want none", refusals.Load(), got)
		}
	})
}

// doCtx is do for a request that ctx may cancel: the class's loops end so.
func doCtx(ctx context.Context, client *http.Client, method, url, body string) (status int, retryAfter, code string) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", ""
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", ""
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), ""
}

// A flood of refusals is one log line a minute an address, naming the
// page by its public name, never its key.
func TestRefusalsAreLoggedOnceAMinute(t *testing.T) {
	clk := newClock()
	var out transporttest.Buffer
	hub := feed.NewHub(feed.Config{Rate: 5})
	srv := httptest.NewServer(server.New(hub, slog.New(slog.NewTextHandler(&out, nil)), server.Config{Now: clk.Now,
		PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 1}}}))
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	key, name := mint(t, srv)
	lines := func() int { return strings.Count(out.String(), "over a limit per address") }
	for range 50 {
		do(t, srv.Client(), http.MethodGet, srv.URL+"/poll?client="+key, "")
	}
	if n := lines(); n != 1 {
		t.Errorf("49 refusals logged in %d lines, want 1:\n%s", n, out.String())
	}
	clk.Advance(time.Minute)
	for range 3 {
		do(t, srv.Client(), http.MethodGet, srv.URL+"/poll?client="+key, "")
	}
	if n := lines(); n != 2 {
		t.Errorf("a minute later, refusals logged in %d lines in all, want 2", n)
	}
	log := out.String()
	if strings.Contains(log, key) || !strings.Contains(log, `client="`+name+`"`) || !strings.Contains(log, "remote=127.0.0.1 limit=polls") {
		t.Errorf("the log does not name the address, the limit and the page (by name alone):\n%s", log)
	}
}

// A refusal waits HoldRefusals before it is sent, at most maxHeld (256) at
// once: the rest go out at once. A shutdown answers the held ones now.
func TestRefusalsAreHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const hold = time.Second
		srv, hub := newServerInBubble(t, server.Config{HoldRefusals: hold,
			PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 0.001, Burst: 1}}})
		defer srv.Client().CloseIdleConnections()
		poll := func() (int, time.Duration) {
			start := time.Now()
			status, _, _ := do(t, srv.Client(), http.MethodGet, srv.URL+"/poll", "")
			return status, time.Since(start)
		}
		if status, took := poll(); status != http.StatusOK || took != 0 {
			t.Errorf("the first poll: %d after %v, want 200 at once", status, took)
		}
		if status, took := poll(); status != http.StatusTooManyRequests || took != hold {
			t.Errorf("the second poll: %d after %v, want 429 after %v", status, took, hold)
		}

		const n = 300
		var mu sync.Mutex
		waited := map[time.Duration]int{}
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, took := poll()
				mu.Lock()
				waited[took]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if waited[hold] != 256 || waited[0] != n-256 {
			t.Errorf("%d refusals at once: waited %v, want 256 held %v and the rest at once", n, waited, hold)
		}

		answered := make(chan time.Duration)
		go func() {
			_, took := poll()
			answered <- took
		}()
		synctest.Wait() // held
		hub.Close()
		if took := <-answered; took != 0 {
			t.Errorf("a held refusal at shutdown answered after %v, want at once", took)
		}
	})
}

// A held refusal's Retry-After counts from its answer: what remains of
// the wait after the hold, 0 when the hold waited it out, so that a
// client that obeys comes back as soon as its allowance lets it in.
func TestRetryAfterCountsFromTheAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const hold = time.Second
		for _, c := range []struct {
			perSecond float64
			want      string
		}{{1, "0"}, {0.25, "3"}} {
			srv, _ := newServerInBubble(t, server.Config{HoldRefusals: hold,
				PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: c.perSecond, Burst: 1}}})
			if status, _, _ := do(t, srv.Client(), http.MethodGet, srv.URL+"/poll", ""); status != http.StatusOK {
				t.Fatalf("the first poll: %d, want 200", status)
			}
			status, retry, _ := do(t, srv.Client(), http.MethodGet, srv.URL+"/poll", "")
			if status != http.StatusTooManyRequests || retry != c.want {
				t.Errorf("%g polls a second, held %v: %d, Retry-After %q; want 429, %q", c.perSecond, hold, status, retry, c.want)
			}
			wait, _ := strconv.Atoi(retry)
			time.Sleep(time.Duration(wait) * time.Second)
			if status, _, _ := do(t, srv.Client(), http.MethodGet, srv.URL+"/poll", ""); status != http.StatusOK {
				t.Errorf("%g polls a second: after Retry-After, %d, want 200", c.perSecond, status)
			}
			srv.Client().CloseIdleConnections()
		}
	})
}
