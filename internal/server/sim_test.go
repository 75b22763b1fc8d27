package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// send makes a request with a JSON body and returns the status and the
// decoded answer.
func send(tb testing.TB, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		tb.Fatalf("%s %s: decoding the answer: %v", method, path, err)
	}
	return resp.StatusCode, answer
}

func setDelay(tb testing.TB, srv *httptest.Server, client string, delay, jitter int) {
	tb.Helper()
	body := fmt.Sprintf(`{"delayMs":%d,"jitterMs":%d}`, delay, jitter)
	if status, answer := send(tb, srv, http.MethodPut, "/api/sim?client="+client, body); status != http.StatusOK {
		tb.Fatalf("PUT /api/sim %s: status %d %v", body, status, answer)
	}
}

// age is how long after its publication an event is seen now.
func age(e feed.Event) time.Duration {
	return time.Since(time.UnixMicro(e.TS))
}

// With 200 ms added for one page, every event reaches that page's streams
// 200 ms later, and another page's at once.
func TestSimDelayIsPerPage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		slowKey, _ := mint(t, srv)
		fastKey, _ := mint(t, srv)
		slowSSE, fastSSE := openSSE(t, srv, "/sse?client="+slowKey), openSSE(t, srv, "/sse?client="+fastKey)
		slowWS, fastWS := dialWS(t, srv, "/ws?client="+slowKey), dialWS(t, srv, "/ws?client="+fastKey)
		setDelay(t, srv, slowKey, 200, 0) // on streams already open

		const delay = 200 * time.Millisecond
		for i := range 3 {
			publish(t, hub, 1)
			// The fast page's first: read while the slow page's are still held back.
			for name, next := range map[string]func(testing.TB) feed.Event{"fast SSE": fastSSE.nextEvent, "fast WebSocket": fastWS.next} {
				if e := next(t); age(e) != 0 {
					t.Errorf("%s, event %d: %v old, want no delay: the delay is the other page's", name, i, age(e))
				}
			}
			for name, next := range map[string]func(testing.TB) feed.Event{"slow SSE": slowSSE.nextEvent, "slow WebSocket": slowWS.next} {
				if e := next(t); age(e) != delay {
					t.Errorf("%s, event %d: %v old, want the %v delay", name, i, age(e), delay)
				}
			}
		}
	})
}

// A jitter holds each write back by a different time, yet never reorders
// them: a stream is bytes in order.
func TestSimJitterKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		jKey, _ := mint(t, srv)
		setDelay(t, srv, jKey, 50, 50)
		s := openSSE(t, srv, "/sse?client="+jKey)
		ws := dialWS(t, srv, "/ws?client="+jKey)
		go func() {
			for range 40 {
				hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1})
				time.Sleep(time.Millisecond)
			}
		}()
		for seq := uint64(1); seq <= 40; seq++ {
			if e := s.nextEvent(t); e.Seq != seq {
				t.Fatalf("SSE: seq %d, want %d", e.Seq, seq)
			}
			if e := ws.next(t); e.Seq != seq {
				t.Fatalf("WebSocket: seq %d, want %d", e.Seq, seq)
			}
		}
	})
}

// Polling at a fixed interval, an event waits half an interval on average;
// with a delay on the answers, the delay more. Another page's polls do not
// move. On the bubble's clock the two pages poll at the same instants, so
// their medians differ by the delay exactly.
func TestSimDelayMovesPollingMedianByTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{Rate: 5})
		pipes := transporttest.NewPipes()
		keys := pagekey.New()
		hs := &http.Server{Handler: server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}, Keys: keys})}
		go hs.Serve(server.Install(hs, pipes))
		client := pipes.Client()
		defer func() {
			hub.Close()
			hs.Close()
			client.CloseIdleConnections()
		}()
		pageKeys := map[string]string{} // the server's keys, minted here: the pages are made on their first request
		for _, page := range []string{"slow", "fast"} {
			pageKeys[page], _ = keys.Mint()
		}
		req, _ := http.NewRequest(http.MethodPut, "http://pipe/api/sim?client="+pageKeys["slow"], strings.NewReader(`{"delayMs":200}`))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("PUT /api/sim: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT /api/sim: status %d, want 200", resp.StatusCode)
		}

		ctx, stop := context.WithCancel(t.Context())
		var feeding, polling sync.WaitGroup
		feeding.Go(func() { // 50 events a second, so each poll has a spread of ages
			time.Sleep(10 * time.Millisecond) // between the polls' instants, never on one
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1})
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
		const interval = 400 * time.Millisecond
		medians := make(map[string]time.Duration)
		var mu sync.Mutex
		for _, page := range []string{"slow", "fast"} {
			polling.Go(func() {
				ages, err := pollFor(ctx, client, "http://pipe", pageKeys[page], interval, 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				slices.Sort(ages)
				mu.Lock()
				medians[page] = ages[len(ages)/2]
				mu.Unlock()
			})
		}
		polling.Wait()
		stop()
		feeding.Wait()
		fast, slow := medians["fast"], medians["slow"]
		t.Logf("median latency at a %v interval: %v, and %v with 200 ms added", interval, fast, slow)
		if fast < interval/2-20*time.Millisecond || fast > interval/2+20*time.Millisecond {
			t.Errorf("fast page's median = %v, want half the %v interval, within the 20 ms between events", fast, interval)
		}
		if d := slow - fast; d != 200*time.Millisecond {
			t.Errorf("slow page's median - fast page's = %v, want the 200 ms added", d)
		}
	})
}

// pollFor polls base as the page does, each request planned interval after
// the previous one began, for d, and returns the age of every event at
// arrival.
func pollFor(ctx context.Context, client *http.Client, base, page string, interval, d time.Duration) ([]time.Duration, error) {
	var ages []time.Duration
	since := ""
	end := time.Now().Add(d)
	for first := true; time.Now().Before(end); first = false {
		start := time.Now()
		resp, err := client.Get(base + "/poll?client=" + page + since)
		if err != nil {
			return nil, err
		}
		var answer struct {
			Events []feed.Event
			Next   uint64
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if !first { // the first answer is the latest event, whatever its age
			for _, e := range answer.Events {
				ages = append(ages, age(e))
			}
		}
		since = "&since=" + strconv.FormatUint(answer.Next, 10)
		select {
		case <-ctx.Done():
			return ages, nil
		case <-time.After(time.Until(start.Add(interval))):
		}
	}
	if len(ages) == 0 {
		return nil, errors.New(page + ": no events")
	}
	return ages, nil
}

// A stall longer than the write timeout leaves the stream's write blocked:
// the hub cuts it off, and the client resumes from history with nothing
// lost. A shorter stall only makes events late.
func TestSimStall(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name  string
		stall time.Duration
		cut   bool
	}{
		{"shorter than the write timeout", 150 * time.Millisecond, false},
		{"longer than the write timeout", 900 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, hub := newServerInBubble(t, server.Config{})
				stKey, _ := mint(t, srv)
				ctx, stop := context.WithCancel(context.Background())
				watched := make(chan struct{})
				go func() { defer close(watched); hub.Watch(ctx, writeTimeout) }()
				defer func() { stop(); <-watched }()

				s := openSSE(t, srv, "/sse?client="+stKey)
				ws := dialWS(t, srv, "/ws?client="+stKey)
				body := fmt.Sprintf(`{"ms":%d}`, tc.stall.Milliseconds())
				if status, answer := send(t, srv, http.MethodPost, "/api/sim/stall?client="+stKey, body); status != http.StatusAccepted {
					t.Fatalf("POST /api/sim/stall: %d %v", status, answer)
				}
				start := time.Now()
				publish(t, hub, 3)

				// Events 1 to 3 come through, late; then event 4 comes too, on a
				// stream that was not cut.
				sseNext := func() (feed.Event, error) { return s.nextEventErr() }
				wsNext := func() (feed.Event, error) { return ws.nextErr(t.Context()) }
				sseSeen, sseCut := readThrough(t, sseNext, 0, 3)
				wsSeen, wsCut := readThrough(t, wsNext, 0, 3)
				late := time.Since(start)
				publish(t, hub, 1)
				if !sseCut {
					sseSeen, sseCut = readThrough(t, sseNext, sseSeen, 4)
				}
				if !wsCut {
					wsSeen, wsCut = readThrough(t, wsNext, wsSeen, 4)
				}
				if sseCut != tc.cut || wsCut != tc.cut {
					t.Fatalf("cut off: SSE %v, WebSocket %v; want %v", sseCut, wsCut, tc.cut)
				}
				if !tc.cut {
					if late != tc.stall {
						t.Errorf("events arrived after %v, want when the %v stall ended", late, tc.stall)
					}
					return
				}
				// Back after the cut, from the last event seen: nothing lost.
				s2 := openSSEWith(t, srv, "/sse?client="+stKey+"&epoch="+hub.Epoch(), http.Header{"Last-Event-ID": {strconv.Itoa(sseSeen)}}, nil)
				ws2 := dialWS(t, srv, fmt.Sprintf("/ws?client=%s&since=%d&epoch=%s", stKey, wsSeen, hub.Epoch()))
				for seq := uint64(sseSeen) + 1; seq <= 4; seq++ {
					if e := s2.nextEvent(t); e.Seq != seq {
						t.Errorf("SSE after the cut: seq %d, want %d", e.Seq, seq)
					}
				}
				for seq := uint64(wsSeen) + 1; seq <= 4; seq++ {
					if e := ws2.next(t); e.Seq != seq {
						t.Errorf("WebSocket after the cut: seq %d, want %d", e.Seq, seq)
					}
				}
				if s2.hello.Missed != 0 || ws2.hello.Missed != 0 {
					t.Errorf("missed after the cut: SSE %d, WebSocket %d; want 0", s2.hello.Missed, ws2.hello.Missed)
				}
			})
		})
	}
}

// readThrough reads the events after seq seen up to last, in order, or
// until the stream ends, and returns the last seq seen and whether the
// stream ended.
func readThrough(tb testing.TB, next func() (feed.Event, error), seen, last int) (int, bool) {
	tb.Helper()
	for seen < last {
		e, err := next()
		if err != nil {
			return seen, true
		}
		if e.Seq != uint64(seen)+1 {
			tb.Fatalf("seq %d, want %d", e.Seq, seen+1)
		}
		seen++
	}
	return seen, false
}

// A drop closes that transport's connections of the page at once, and no
// one else's; the page resumes with nothing lost.
func TestSimDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		dKey, _ := mint(t, srv)
		eKey, _ := mint(t, srv)
		s, other := openSSE(t, srv, "/sse?client="+dKey), openSSE(t, srv, "/sse?client="+eKey)
		ws := dialWS(t, srv, "/ws?client="+dKey)
		publish(t, hub, 1)
		s.nextEvent(t)
		other.nextEvent(t)
		ws.next(t)

		for _, tr := range []string{"sse", "ws"} {
			status, answer := send(t, srv, http.MethodPost, "/api/sim/drop?client="+dKey, `{"transport":"`+tr+`"}`)
			if status != http.StatusOK || answer["dropped"] != 1.0 {
				t.Errorf("drop %s: %d %v, want 200 and 1 dropped", tr, status, answer)
			}
		}
		if _, err := s.nextEventErr(); err == nil {
			t.Error("SSE stream still open after its drop")
		}
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		var ce websocket.CloseError
		if _, err := ws.nextErr(ctx); err == nil || errors.As(err, &ce) {
			t.Errorf("WebSocket after its drop: %v, want the connection gone without a close frame", err)
		}
		publish(t, hub, 1)
		if e := other.nextEvent(t); e.Seq != 2 {
			t.Errorf("the other page's stream: seq %d, want 2", e.Seq)
		}
		back := openSSEWith(t, srv, "/sse?client="+dKey+"&epoch="+hub.Epoch(), http.Header{"Last-Event-ID": {"1"}}, nil)
		if e := back.nextEvent(t); e.Seq != 2 || back.hello.Missed != 0 {
			t.Errorf("back after the drop: seq %d, missed %d; want 2 and 0", e.Seq, back.hello.Missed)
		}

		entries, _ := getWire(t, srv, dKey, 0)
		var drops int
		for _, e := range entries {
			if e.Kind == "drop" {
				drops++
			}
		}
		if drops != 2 {
			t.Errorf("wire log has %d drops, want 2: %+v", drops, entries)
		}
	})
}

// Bad input to the simulation changes nothing.
func TestSimRejectsBadInput(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	bKey, _ := mint(t, srv)
	setDelay(t, srv, bKey, 100, 10)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/sim", `{"delayMs":100}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"delayMs":1001}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"delayMs":-1}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"delayMs":100,"jitterMs":101}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"jitterMs":0}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"delayMs":1.5}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `{"delayMs":100,"loss":3}`},
		{http.MethodPut, "/api/sim?client=" + bKey, `not json`},
		{http.MethodPost, "/api/sim/stall?client=" + bKey, `{"ms":0}`},
		{http.MethodPost, "/api/sim/stall?client=" + bKey, `{"ms":30001}`},
		{http.MethodPost, "/api/sim/stall", `{"ms":100}`},
		{http.MethodPost, "/api/sim/drop?client=" + bKey, `{"transport":"smoke"}`},
		{http.MethodPost, "/api/sim/drop?client=" + bKey, `{}`},
	} {
		status, answer := send(t, srv, tc.method, tc.path, tc.body)
		if status != http.StatusBadRequest || answer["error"] == nil {
			t.Errorf("%s %s %s: %d %v, want 400 with a reason", tc.method, tc.path, tc.body, status, answer)
		}
	}
	var state struct{ DelayMs, JitterMs, StalledMs int64 }
	getJSON(t, srv, "/api/sim?client="+bKey, &state)
	if state.DelayMs != 100 || state.JitterMs != 10 || state.StalledMs != 0 {
		t.Errorf("state after bad input = %+v, want 100 ± 10 and no stall", state)
	}
}

// nextEventErr reads the next SSE event, or says why it could not.
func (s *sseStream) nextEventErr() (feed.Event, error) {
	var e feed.Event
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			err := json.Unmarshal([]byte(data), &e)
			if err == nil && e.Kind != "hello" && e.Seq > 0 {
				return e, nil
			}
		}
	}
}

// nextErr reads the next WebSocket event, or says why it could not.
func (ws *wsStream) nextErr(ctx context.Context) (feed.Event, error) {
	var e feed.Event
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}

// A drop closes only connections in the middle of a request of that
// transport: not an idle keep-alive connection that served one, and never
// the one that carries the drop itself.
func TestSimDropOnlyWhatIsOpen(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	kKey, _ := mint(t, srv)
	client := transporttest.NewMeteredClient(t) // one connection: the poll's, then the drop's
	resp, err := client.Get(srv.URL + "/poll?client=" + kKey)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/sim/drop?client="+kKey, strings.NewReader(`{"transport":"poll"}`))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatalf("POST /api/sim/drop after a poll on the same connection: %v", err)
	}
	defer resp.Body.Close()
	var answer struct{ Dropped int }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || answer.Dropped != 0 {
		t.Errorf("drop: %d %+v %v, want 200 and 0 dropped: no poll was in flight", resp.StatusCode, answer, err)
	}
}

// What a delay still holds back when a connection drops never arrives:
// the bytes in flight are lost, and the resume brings them.
func TestSimDropLosesWhatIsHeldBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		hKey, _ := mint(t, srv)
		s := openSSE(t, srv, "/sse?client="+hKey)
		setDelay(t, srv, hKey, 500, 0)
		publish(t, hub, 1)
		if !eventually(func() bool { return getStats(t, srv, hKey).Client[server.SSE].Events == 1 }) {
			t.Fatal("the event was not written") // into the delay line, not yet due
		}
		if status, answer := send(t, srv, http.MethodPost, "/api/sim/drop?client="+hKey, `{"transport":"sse"}`); status != http.StatusOK {
			t.Fatalf("drop: %d %v", status, answer)
		}
		if e, err := s.nextEventErr(); err == nil {
			t.Errorf("event %d arrived %v after its publication, before the 500 ms delay, from a dropped connection", e.Seq, age(e))
		}
		back := openSSEWith(t, srv, "/sse?client="+hKey+"&epoch="+hub.Epoch(), http.Header{"Last-Event-ID": {"0"}}, nil)
		if e := back.nextEvent(t); e.Seq != 1 {
			t.Errorf("after the drop: seq %d, want 1", e.Seq)
		}
	})
}

// A delayed page that stops reading still blocks the server's writes once
// the delay line is full, and the hub cuts it off, as it would without a
// delay.
func TestSimDelayedClientThatStopsReadingIsCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		zKey, _ := mint(t, srv)
		ctx, stop := context.WithCancel(context.Background())
		watched := make(chan struct{})
		const writeTimeout = 200 * time.Millisecond
		go func() { defer close(watched); hub.Watch(ctx, writeTimeout) }()
		defer func() { stop(); <-watched }()

		setDelay(t, srv, zKey, 10, 0)
		openSSE(t, srv, "/sse?client="+zKey) // and never read again
		dialWS(t, srv, "/ws?client="+zKey)   // likewise
		// Fewer events than a subscriber's queue holds, but more bytes than the
		// delay line holds back: the write blocks on the full line, as on a
		// full send buffer, and the hub's watch cuts the stuck writer.
		text := strings.Repeat("x", feed.MaxTextLen)
		for range 230 {
			hub.Publish(feed.Event{Kind: feed.KindMessage, From: "t", Text: text, Via: "http"})
		}
		// Within 1.25 write timeouts, and on SSE the second of grace its
		// last write gets.
		time.Sleep(writeTimeout*5/4 + time.Second)
		synctest.Wait()
		if c := getStats(t, srv, zKey).Client; c[server.SSE].Open != 0 || c[server.WS].Open != 0 {
			t.Fatalf("delayed clients that stopped reading: %d SSE and %d WebSocket still open after %v, want both cut off",
				c[server.SSE].Open, c[server.WS].Open, writeTimeout*5/4+time.Second)
		}
	})
}

// GET /api/sim only reads: a page the server does not keep (its key is
// good, but the page was forgotten) gets the good network, and stays
// unknown.
func TestSimGetChangesNothing(t *testing.T) {
	keys := pagekey.New()
	srv, _ := newServer(t, server.Config{Keys: keys})
	forgotten, _ := keys.Mint() // never asked of the server, as if forgotten
	var state struct{ DelayMs, JitterMs int64 }
	if status := getJSON(t, srv, "/api/sim?client="+forgotten, &state); status != http.StatusOK || state.DelayMs != 0 {
		t.Errorf("GET /api/sim for a page not kept: %d %+v, want 200 and no delay", status, state)
	}
	if s := getStats(t, srv, forgotten); s.Client != nil {
		t.Errorf("stats after GET /api/sim = %v, want the page still unknown", s.Client)
	}
}

// A page's stall holds back its transports' answers only: /api/time on a
// connection that once carried a delayed poll is answered at once, as on
// any other, since the page's clock offset comes from it.
func TestSimStallSparesAPIOnAReusedConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServerInBubble(t, server.Config{})
		stKey, _ := mint(t, srv)
		setDelay(t, srv, stKey, 50, 0)
		get := func(path string) (reused bool) {
			t.Helper()
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return reused
		}
		get("/poll?client=" + stKey)
		// The stall is asked for on another connection, as the page's
		// requests may well be: this one's answer is not to wait it out.
		other := &http.Client{Transport: srv.Client().Transport.(*http.Transport).Clone()}
		defer other.CloseIdleConnections()
		resp, err := other.Post(srv.URL+"/api/sim/stall?client="+stKey, "application/json", strings.NewReader(`{"ms":3000}`))
		if err != nil {
			t.Fatalf("POST /api/sim/stall: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST /api/sim/stall: status %d, want 202", resp.StatusCode)
		}
		start := time.Now()
		if !get("/api/time") {
			t.Fatal("GET /api/time came on a new connection, want the poll's")
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("GET /api/time during the page's stall took %v, want at once", took)
		}
	})
}
