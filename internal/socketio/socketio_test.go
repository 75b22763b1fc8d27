package socketio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/polling"
	"transportlab/internal/socketio"
	"transportlab/internal/transporttest"
	"transportlab/internal/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type fixture struct {
	hub   *feed.Hub
	srv   *httptest.Server
	meter *transporttest.Meter
}

func newFixture(tb testing.TB, opts socketio.Options) *fixture {
	tb.Helper()
	return newFixtureWith(tb, feed.Config{History: 1000, Rate: 5}, opts)
}

func newFixtureWith(tb testing.TB, cfg feed.Config, opts socketio.Options) *fixture {
	tb.Helper()
	f := &fixture{hub: feed.NewHub(cfg), meter: new(transporttest.Meter)}
	f.srv = httptest.NewServer(socketio.Handler(f.hub, f.meter, slog.New(slog.DiscardHandler), opts))
	tb.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

// url is the endpoint with query, as socket.io-client builds it.
func (f *fixture) url(query string) string {
	return f.srv.URL + "/socket.io/?EIO=4&" + query
}

// do sends one request and returns its status and body.
func do(tb testing.TB, method, url, body string) (int, string) {
	tb.Helper()
	a := request(method, url, body)
	if a.err != nil {
		tb.Fatal(a.err)
	}
	return a.status, a.body
}

// answer is what a request got.
type answer struct {
	status int
	body   string
	err    error
}

// request sends one request, as do, but fails no test: a goroutine other
// than the test's own may not call t.Fatal, so it sends the answer back.
func request(method, url, body string) answer {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{err: fmt.Errorf("%s %s: %w", method, url, err)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{err: fmt.Errorf("%s %s: %w", method, url, err)}
	}
	return answer{status: res.StatusCode, body: string(b)}
}

// pollAsync polls the session on another goroutine; the answer comes on
// the channel, for the test's own goroutine to check (wantPoll).
func (f *fixture) pollAsync(sid string) <-chan answer {
	ch := make(chan answer, 1)
	go func() { ch <- request(http.MethodGet, f.url("transport=polling&sid="+sid), "") }()
	return ch
}

// wantPoll checks a poll's answer as poll does, and returns its packets.
func wantPoll(tb testing.TB, a answer) []string {
	tb.Helper()
	if a.err != nil || a.status != http.StatusOK {
		tb.Fatalf("poll: %d %s %v", a.status, a.body, a.err)
	}
	return strings.Split(a.body, "\x1e")
}

// publishFrom publishes n quotes from a goroutine other than the test's:
// it reports a failure with Errorf, which such a goroutine may call.
func publishFrom(tb testing.TB, hub *feed.Hub, n int) bool {
	for range n {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}); err != nil {
			tb.Errorf("Publish: %v", err)
			return false
		}
	}
	return true
}

// handshake is the open packet's payload.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(tb testing.TB, packet string) handshake {
	tb.Helper()
	var h handshake
	if !strings.HasPrefix(packet, "0") || json.Unmarshal([]byte(packet[1:]), &h) != nil {
		tb.Fatalf("open packet %q, want 0{…}", packet)
	}
	return h
}

// open opens a polling session and returns its sid.
func (f *fixture) open(tb testing.TB) string {
	tb.Helper()
	status, body := do(tb, http.MethodGet, f.url("transport=polling"), "")
	if status != http.StatusOK {
		tb.Fatalf("handshake: %d %s", status, body)
	}
	return parseOpen(tb, body).SID
}

// poll GETs the session's next packets.
func (f *fixture) poll(tb testing.TB, sid string) []string {
	tb.Helper()
	status, body := do(tb, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	if status != http.StatusOK {
		tb.Fatalf("poll: %d %s", status, body)
	}
	return strings.Split(body, "\x1e")
}

// send POSTs packets to the session.
func (f *fixture) send(tb testing.TB, sid string, packets ...string) {
	tb.Helper()
	status, body := do(tb, http.MethodPost, f.url("transport=polling&sid="+sid), strings.Join(packets, "\x1e"))
	if status != http.StatusOK || body != "ok" {
		tb.Fatalf("POST %q: %d %s", packets, status, body)
	}
}

// eventPacket is how the feed's frame f goes out: its bytes as they are.
func eventPacket(f *feed.Frame) string {
	return `42["event",` + string(f.JSON) + `]`
}

func TestHandshake(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	status, body := do(t, http.MethodGet, f.url("transport=polling"), "")
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	h := parseOpen(t, body)
	if len(h.SID) != 20 {
		t.Errorf("sid %q, want 20 characters", h.SID)
	}
	if len(h.Upgrades) != 1 || h.Upgrades[0] != "websocket" {
		t.Errorf("upgrades %q, want [websocket]", h.Upgrades)
	}
	if h.PingInterval != 25000 || h.PingTimeout != 20000 || h.MaxPayload != 1000000 {
		t.Errorf("handshake %+v, want socket.io's defaults 25000, 20000, 1000000", h)
	}
}

func TestPollingDeliversHelloThenEvents(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	got := f.poll(t, sid)
	if len(got) != 2 || !strings.HasPrefix(got[0], `40{"sid":"`) {
		t.Fatalf("after connect: %q, want 40{sid} and the hello", got)
	}
	sub, _ := f.hub.Subscribe(feed.Position{})
	hello, _ := json.Marshal(sub.Hello)
	sub.Close()
	if want := `42["hello",` + string(hello) + `]`; got[1] != want {
		t.Errorf("hello %s, want %s: the WebSocket's hello", got[1], want)
	}

	transporttest.Publish(t, f.hub, 3)
	frames, _ := f.hub.Since(feed.Position{Resume: true}, 0)
	got = f.poll(t, sid)
	if len(got) != 3 {
		t.Fatalf("events %q, want 3", got)
	}
	for i, fr := range frames {
		if got[i] != eventPacket(fr) {
			t.Errorf("event %d = %s, want %s: the feed's bytes", i, got[i], eventPacket(fr))
		}
	}
	for f.meter.Active.Load() > 0 { // the poll's handler counts after its answer is on the wire
		time.Sleep(time.Millisecond)
	}
	if n := f.meter.Events.Load(); n != 3 {
		t.Errorf("meter counted %d events, want 3", n)
	}
}

func TestPollWaitsForTheNextEvent(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid) // connect and hello
	polled := f.pollAsync(sid)
	transporttest.Publish(t, f.hub, 1)
	if got := wantPoll(t, <-polled); len(got) != 1 || !strings.Contains(got[0], `"seq":1,`) {
		t.Errorf("poll = %q, want event 1", got)
	}
}

func TestResumeByAuth(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	transporttest.Publish(t, f.hub, 5)
	sid := f.open(t)
	f.send(t, sid, `40{"since":2,"epoch":"`+f.hub.Epoch()+`"}`)
	got := f.poll(t, sid)
	if len(got) != 5 {
		t.Fatalf("resume: %q, want connect, hello and events 3 to 5", got)
	}
	if !strings.Contains(got[1], `"head":5,`) || !strings.Contains(got[1], `"missed":0`) {
		t.Errorf("hello %s, want head 5, missed 0", got[1])
	}
	for i, seq := range []string{"3", "4", "5"} {
		if !strings.HasPrefix(got[2+i], `42["event",{"seq":`+seq+`,`) {
			t.Errorf("packet %d = %s, want event %s", 2+i, got[2+i], seq)
		}
	}

	sid = f.open(t)
	f.send(t, sid, `40{"since":-1}`)
	if got := f.poll(t, sid); len(got) != 1 || !strings.HasPrefix(got[0], `44{"message":"since must be`) {
		t.Errorf("a bad auth: %q, want a connect error", got)
	}
}

func TestMessagesArePublished(t *testing.T) {
	refuse := false
	var mu sync.Mutex
	f := newFixture(t, socketio.Options{
		From: func(r *http.Request) string { return "quiet otter 17" },
		MayPublish: func(r *http.Request) (bool, string, string) {
			mu.Lock()
			defer mu.Unlock()
			return !refuse, "muted", "the instructor muted this page's messages"
		},
	})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)
	f.send(t, sid, `427["message",{"text":"hello, class"}]`)
	got := f.poll(t, sid)
	if len(got) != 2 || got[0] != `437[{"seq":1}]` {
		t.Fatalf("after a message: %q, want its ack with seq 1, and its echo", got)
	}
	var e feed.Event
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(got[1], `42["event",`), "]")), &e); err != nil {
		t.Fatalf("echo %s: %v", got[1], err)
	}
	if e.Kind != "message" || e.Text != "hello, class" || e.Via != "socketio" || e.From != "quiet otter 17" {
		t.Errorf("echo %+v, want the message via socketio from its page's name", e)
	}

	mu.Lock()
	refuse = true
	mu.Unlock()
	f.send(t, sid, `42["message",{"text":"again"}]`, `428["message",{"text":"again"}]`, `429["message",{}]`)
	got = f.poll(t, sid)
	want := []string{
		`42["error",{"code":"muted","error":"the instructor muted this page's messages"}]`,
		`438[{"code":"muted","error":"the instructor muted this page's messages"}]`,
		`439[{"code":"bad_request","error":"send {\"text\":\"…\"}"}]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("refusals:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h := f.hub.Head(); h != 1 {
		t.Errorf("head %d after refusals, want 1: nothing more published", h)
	}
}

// dial opens a WebSocket to the endpoint with query.
func (f *fixture) dial(tb testing.TB, query string) *websocket.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, f.url(query), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.CloseNow() })
	return c
}

func readWS(tb testing.TB, c *websocket.Conn) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	return string(b)
}

func writeWS(tb testing.TB, c *websocket.Conn, s string) {
	tb.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		tb.Fatalf("write %q: %v", s, err)
	}
}

// seqOf returns the seq of an event packet, or 0 for another packet.
func seqOf(tb testing.TB, packet string) uint64 {
	tb.Helper()
	if !strings.HasPrefix(packet, `42["event",`) {
		return 0
	}
	var e feed.Event
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(packet, `42["event",`), "]")), &e); err != nil {
		tb.Fatalf("event %s: %v", packet, err)
	}
	return e.Seq
}

// TestUpgradeLosesAndRepeatsNothing drives the upgrade as socket.io-client
// does, while the feed publishes: every seq arrives once, in order, first
// by polling and then on the WebSocket.
func TestUpgradeLosesAndRepeatsNothing(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)

	const total = 300
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for range total {
			if !publishFrom(t, f.hub, 1) {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	defer func() { stop(); wg.Wait() }()

	var seqs []uint64
	collect := func(packets ...string) {
		for _, p := range packets {
			if seq := seqOf(t, p); seq != 0 {
				seqs = append(seqs, seq)
			}
		}
	}
	for len(seqs) < 20 {
		collect(f.poll(t, sid)...)
	}
	// A poll is open when the probe arrives, as with the real client.
	pending := f.pollAsync(sid)
	c := f.dial(t, "transport=websocket&sid="+sid)
	writeWS(t, c, "2probe")
	if got := readWS(t, c); got != "3probe" {
		t.Fatalf("probe answered %q, want 3probe", got)
	}
	collect(wantPoll(t, <-pending)...) // released: a noop, or events that were waiting
	status, body := do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	if status != http.StatusOK {
		t.Fatalf("a poll during the upgrade: %d %s, want 200", status, body)
	}
	collect(strings.Split(body, "\x1e")...)
	writeWS(t, c, "5")
	for len(seqs) == 0 || seqs[len(seqs)-1] < total {
		collect(readWS(t, c))
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("seq %d at %d, want %d: lost or repeated across the upgrade", seq, i, i+1)
		}
	}
	if status, body := do(t, http.MethodGet, f.url("transport=polling&sid="+sid), ""); status != http.StatusBadRequest {
		t.Errorf("a poll after the upgrade: %d %s, want 400", status, body)
	}
	// A second WebSocket for the same session is closed at once.
	c2 := f.dial(t, "transport=websocket&sid="+sid)
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c2.Read(rctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("a second WebSocket: %v, want it closed", err)
	}
	writeWS(t, c, `42["message",{"text":"still here"}]`)
	for seqOf(t, readWS(t, c)) != total+1 {
	}
}

func TestWebSocketOnly(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	c := f.dial(t, "transport=websocket")
	h := parseOpen(t, readWS(t, c))
	if len(h.Upgrades) != 0 {
		t.Errorf("upgrades %q on a WebSocket, want none", h.Upgrades)
	}
	writeWS(t, c, "40")
	if got := readWS(t, c); !strings.HasPrefix(got, `40{"sid":"`) {
		t.Errorf("connect answered %q", got)
	}
	if got := readWS(t, c); !strings.HasPrefix(got, `42["hello",{"kind":"hello"`) {
		t.Errorf("then %q, want the hello", got)
	}
	transporttest.Publish(t, f.hub, 1)
	frames, _ := f.hub.Since(feed.Position{Resume: true}, 0)
	if got := readWS(t, c); got != eventPacket(frames[0]) {
		t.Errorf("event %s, want %s", got, eventPacket(frames[0]))
	}
	writeWS(t, c, `423["message",{"text":"hi"}]`)
	// The ack and the echo, in either order.
	if a, b := readWS(t, c), readWS(t, c); !(a == `433[{"seq":2}]` && seqOf(t, b) == 2 || seqOf(t, a) == 2 && b == `433[{"seq":2}]`) {
		t.Errorf("after a message: %s and %s, want its ack and its echo", a, b)
	}
	if status, _ := do(t, http.MethodGet, f.url("transport=polling&sid="+h.SID), ""); status != http.StatusBadRequest {
		t.Errorf("a poll of a WebSocket session: %d, want 400", status)
	}
}

// wantError checks an error answer: the protocol's status, code and message.
func wantError(tb testing.TB, what string, status int, body string, wantStatus, wantCode int, wantMessage string) {
	tb.Helper()
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || status != wantStatus || e.Code != wantCode || e.Message != wantMessage {
		tb.Errorf("%s: %d %s, want %d {\"code\":%d,\"message\":%q}", what, status, body, wantStatus, wantCode, wantMessage)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, socketio.Options{MaxPayload: 1000})
	status, body := do(t, http.MethodGet, f.url("transport=polling&sid=nope"), "")
	wantError(t, "unknown sid", status, body, 400, 1, "Session ID unknown")
	status, body = do(t, http.MethodGet, f.srv.URL+"/socket.io/?EIO=3&transport=polling", "")
	wantError(t, "EIO=3", status, body, 400, 5, "Unsupported protocol version")
	status, body = do(t, http.MethodGet, f.url("transport=carrier-pigeon"), "")
	wantError(t, "unknown transport", status, body, 400, 0, "Transport unknown")
	status, body = do(t, http.MethodPost, f.url("transport=polling"), "40")
	wantError(t, "a POST handshake", status, body, 400, 2, "Bad handshake method")

	// Malformed packets close the session.
	for _, payload := range []string{"abc", "40\x1e", `42["message",{"text":"before connect"}]`, "4{", "bAQID"} {
		sid := f.open(t)
		status, body := do(t, http.MethodPost, f.url("transport=polling&sid="+sid), payload)
		wantError(t, "POST "+payload, status, body, 400, 3, "Bad request")
		status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
		wantError(t, "a poll after "+payload, status, body, 400, 1, "Session ID unknown")
	}

	// An oversized body closes the session.
	sid := f.open(t)
	status, body = do(t, http.MethodPost, f.url("transport=polling&sid="+sid), "42"+strings.Repeat("x", 1000))
	wantError(t, "an oversized POST", status, body, 413, 3, "Payload too large")
	status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	wantError(t, "a poll after an oversized POST", status, body, 400, 1, "Session ID unknown")

	// So does a second poll while one is open: the first gets a close packet.
	sid = f.open(t)
	first := f.pollAsync(sid)
	for f.meter.Active.Load() == 0 { // the first poll is waiting
		time.Sleep(time.Millisecond)
	}
	status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	wantError(t, "a second poll at once", status, body, 400, 3, "Bad request")
	if got := <-first; got.err != nil || got.body != "1" {
		t.Errorf("the first poll got %q (%v), want a close packet", got.body, got.err)
	}
	status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	wantError(t, "a poll after two at once", status, body, 400, 1, "Session ID unknown")

	// The client closes its session.
	sid = f.open(t)
	f.send(t, sid, "1")
	status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	wantError(t, "a poll after a close", status, body, 400, 1, "Session ID unknown")
}

func TestMalformedWebSocketPacketCloses(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	c := f.dial(t, "transport=websocket")
	readWS(t, c)
	writeWS(t, c, `42["message"`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	if s := websocket.CloseStatus(err); s != websocket.StatusPolicyViolation {
		t.Errorf("after a malformed packet: %v, want a close with policy violation", err)
	}
}

func TestHeartbeat(t *testing.T) {
	f := newFixture(t, socketio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	sid := f.open(t)
	// A client that answers each ping keeps its session.
	for range 3 {
		if got := f.poll(t, sid); len(got) != 1 || got[0] != "2" {
			t.Fatalf("poll = %q, want a ping", got)
		}
		f.send(t, sid, "3")
	}
	// One that stops polling is gone after the interval and the timeout.
	start := time.Now()
	for {
		status, body := do(t, http.MethodPost, f.url("transport=polling&sid="+sid), "6") // a noop: no pong
		if status == http.StatusBadRequest {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("session still open 5 s after its last poll: %d %s", status, body)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// On a WebSocket, a client that does not answer is closed.
	c := f.dial(t, "transport=websocket")
	readWS(t, c)
	if got := readWS(t, c); got != "2" {
		t.Fatalf("got %q, want a ping", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("after no pong: %v, want a close", err)
	}
}

func TestShutdownEndsSessions(t *testing.T) {
	waits := make(chan struct{}, 1)
	f := newFixture(t, socketio.WithPollWaits(socketio.Options{}, func() {
		select {
		case waits <- struct{}{}:
		default:
		}
	}))
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)
	select { // a wait of the poll above
	case <-waits:
	default:
	}
	polled := f.pollAsync(sid)
	select { // the poll is held before the feed stops
	case <-waits:
	case <-time.After(5 * time.Second):
		t.Fatal("the poll was not held")
	}
	idle := f.open(t) // never connects: no subscription, ended all the same
	c := f.dial(t, "transport=websocket")
	readWS(t, c)
	writeWS(t, c, "40")
	readWS(t, c)
	readWS(t, c)

	f.hub.Close()
	if got := <-polled; got.err != nil || got.status != http.StatusOK || got.body != "1" {
		t.Errorf("the open poll got %d %q (%v), want a close packet", got.status, got.body, got.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("the WebSocket: %v, want going away", err)
	}
	status, body := do(t, http.MethodGet, f.url("transport=polling&sid="+idle), "")
	wantError(t, "a session that never connected", status, body, 400, 1, "Session ID unknown")
	status, body = do(t, http.MethodGet, f.url("transport=polling"), "")
	wantError(t, "a handshake after shutdown", status, body, 503, 3, "Server shutting down")
	if err := f.hub.Wait(ctx); err != nil {
		t.Errorf("hub.Wait: %v: a subscription was not given back", err)
	}
}

func TestNamespacesOtherThanTheMainAreRefused(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40/admin,")
	if got := f.poll(t, sid); len(got) != 1 || got[0] != `44/admin,{"message":"Invalid namespace"}` {
		t.Errorf("connect to /admin: %q, want a connect error", got)
	}
}

// A client polls again the moment it has read an answer, and POSTs again
// the moment it has read "ok": before the server's handler for the last
// one has returned. Neither is two at once.
func TestBackToBackRequestsAreNotConcurrent(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)
	const total = 300
	var wg sync.WaitGroup
	wg.Go(func() {
		for range total {
			if !publishFrom(t, f.hub, 1) {
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	})
	wg.Go(func() {
		for range 100 {
			a := request(http.MethodPost, f.url("transport=polling&sid="+sid), "6")
			if a.err != nil || a.status != http.StatusOK {
				t.Errorf("POST: %d %s %v", a.status, a.body, a.err)
				return
			}
		}
	})
	var last uint64
	for last < total {
		for _, p := range f.poll(t, sid) {
			if seq := seqOf(t, p); seq != 0 {
				if seq != last+1 {
					t.Fatalf("seq %d after %d", seq, last)
				}
				last = seq
			}
		}
	}
	wg.Wait()
}

// The server pings, the client pongs: a ping from the client (other than
// its probe of a WebSocket) breaks the protocol and closes the session, as
// Engine.IO's reference server does. Otherwise a client could make the
// server hold any number of large pongs for a client that never polls.
func TestClientPingCloses(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	status, body := do(t, http.MethodPost, f.url("transport=polling&sid="+sid), "2"+strings.Repeat("x", 1000))
	wantError(t, "a client's ping by POST", status, body, 400, 3, "Bad request")
	status, body = do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
	wantError(t, "a poll after a client's ping", status, body, 400, 1, "Session ID unknown")

	c := f.dial(t, "transport=websocket")
	readWS(t, c)
	writeWS(t, c, "2")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		got, b, err := c.Read(ctx)
		if err != nil {
			if s := websocket.CloseStatus(err); s != websocket.StatusPolicyViolation {
				t.Errorf("after a client's ping on a WebSocket: %v, want a close with policy violation", err)
			}
			break
		}
		if string(b) == "3" {
			t.Fatalf("a client's ping answered (%v %q), want the session closed", got, b)
		}
	}
}

// publishLarge publishes n events of about size bytes each, straight to
// the hub (a client's message is shorter).
func publishLarge(tb testing.TB, hub *feed.Hub, n, size int) {
	tb.Helper()
	for range n {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindMessage, Text: strings.Repeat("x", size)}); err != nil {
			tb.Fatalf("Publish: %v", err)
		}
	}
}

// waitClosed waits for the session sid to be gone: a POST of a noop is
// then told the sid is unknown.
func (f *fixture) waitClosed(tb testing.TB, sid, why string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, body := do(tb, http.MethodPost, f.url("transport=polling&sid="+sid), "6")
		if status == http.StatusBadRequest && strings.Contains(body, "Session ID unknown") {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: session still open after 5 s (%d %s)", why, status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client that stops reading in the middle of an answer is cut off after
// the write timeout, on either transport: its session closes and the
// handler returns, rather than block forever.
func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	f := newFixture(t, socketio.Options{WriteTimeout: 200 * time.Millisecond})
	publishLarge(t, f.hub, 400, 50_000) // 20 MB: more than the sockets' buffers hold

	sid := f.open(t)
	f.send(t, sid, `40{"since":0}`)
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprintf(conn, "GET /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n\r\n", sid); err != nil {
		t.Fatal(err)
	}
	f.waitClosed(t, sid, "a poll whose answer is not read")

	c := f.dial(t, "transport=websocket")
	sid = parseOpen(t, readWS(t, c)).SID
	writeWS(t, c, `40{"since":0}`)
	f.waitClosed(t, sid, "a WebSocket that is not read")
}

// Two WebSockets that probe one session at once: one upgrades it, the
// other is closed, and the events go out once, in order, on the one.
func TestTwoProbesOneUpgrade(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)

	ws := []*websocket.Conn{f.dial(t, "transport=websocket&sid="+sid), f.dial(t, "transport=websocket&sid="+sid)}
	for _, c := range ws {
		writeWS(t, c, "2probe")
	}
	var won *websocket.Conn
	for i, c := range ws {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, b, err := c.Read(ctx)
		cancel()
		switch {
		case err == nil && string(b) == "3probe" && won == nil:
			won = c
		case err == nil:
			t.Fatalf("WebSocket %d: %q, want a close: only one probe may win", i, b)
		case websocket.CloseStatus(err) == -1:
			t.Fatalf("WebSocket %d: %v, want 3probe or a close", i, err)
		}
	}
	if won == nil {
		t.Fatal("neither probe answered")
	}
	writeWS(t, won, "5")
	const total = 50
	transporttest.Publish(t, f.hub, total)
	var seqs []uint64
	for len(seqs) < total {
		if seq := seqOf(t, readWS(t, won)); seq != 0 {
			seqs = append(seqs, seq)
		}
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("seq %d at %d, want %d", seq, i, i+1)
		}
	}
}

// A poll answers at most polling.MaxPollEvents events: a client far
// behind (a resume from since=0) catches up in a few polls, every event
// once, in order, rather than all of history in one body.
func TestPollAnswersABoundedBatch(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	const total = 900
	transporttest.Publish(t, f.hub, total)
	sid := f.open(t)
	f.send(t, sid, `40{"since":0}`)
	var seqs []uint64
	for polls := 0; len(seqs) < total; polls++ {
		if polls == 10 {
			t.Fatalf("%d events after 10 polls, want %d", len(seqs), total)
		}
		events := 0
		for _, p := range f.poll(t, sid) {
			if seq := seqOf(t, p); seq != 0 {
				seqs, events = append(seqs, seq), events+1
			}
		}
		if events > polling.MaxPollEvents {
			t.Fatalf("a poll answered %d events, want at most %d", events, polling.MaxPollEvents)
		}
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("seq %d at %d, want %d", seq, i, i+1)
		}
	}
}

// A session's goroutines end with it, while the server runs on.
func TestClosedSessionLeavesNoGoroutine(t *testing.T) {
	f := newFixture(t, socketio.Options{})
	ignore := goleak.IgnoreCurrent()
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)
	c := f.dial(t, "transport=websocket&sid="+sid)
	writeWS(t, c, "2probe")
	readWS(t, c)
	writeWS(t, c, "5")
	transporttest.Publish(t, f.hub, 1)
	readWS(t, c) // the event, once the WebSocket carries the session
	writeWS(t, c, "41")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			break
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("after the session closed: %v", err)
	}
}

// A session that does not keep up is cut off, as every subscriber of the
// feed is, and its client resumes from its last seq.
func TestTooSlowSessionIsCutOff(t *testing.T) {
	f := newFixtureWith(t, feed.Config{History: 100, Queue: 4}, socketio.Options{})
	sid := f.open(t)
	f.send(t, sid, "40")
	f.poll(t, sid)
	transporttest.Publish(t, f.hub, 5) // one more than its queue holds, and it does not poll
	// The session closes as soon as its heartbeat hears of the cut; a poll
	// before then gets what the queue held.
	start := time.Now()
	for {
		status, body := do(t, http.MethodGet, f.url("transport=polling&sid="+sid), "")
		if status != http.StatusOK {
			wantError(t, "a poll after falling behind", status, body, 400, 1, "Session ID unknown")
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("session still open 5 s after it fell behind: %s", body)
		}
	}

	c := f.dial(t, "transport=websocket")
	readWS(t, c)
	writeWS(t, c, "40")
	readWS(t, c)
	readWS(t, c)
	transporttest.Publish(t, f.hub, 1000) // the writer may drain a few; never 1000 at once in a queue of 4
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Errorf("a WebSocket session that fell behind: %v, want try again later", err)
			}
			break
		}
	}
}

// The heartbeat on the protocol's own clock, socket.io's defaults: a ping
// every 25 s, and a session closed 20 s after a ping no pong answered.
func TestHeartbeatOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		pipes := transporttest.NewPipes()
		srv := &http.Server{Handler: socketio.Handler(hub, new(transporttest.Meter), slog.New(slog.DiscardHandler), socketio.Options{})}
		go srv.Serve(pipes)
		client := pipes.Client()
		defer func() {
			hub.Close()
			srv.Close()
			client.CloseIdleConnections()
		}()
		request := func(method, query, body string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, "http://pipe/socket.io/?EIO=4&transport=polling"+query, strings.NewReader(body))
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, query, err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		_, open := request(http.MethodGet, "", "")
		sid := "&sid=" + parseOpen(t, open).SID
		request(http.MethodPost, sid, "40") // connected: no timeout waits for the connect
		request(http.MethodGet, sid, "")    // its answer and the hello
		_, open = request(http.MethodGet, "", "")
		idle := "&sid=" + parseOpen(t, open).SID // never connects: closed after 45 s, as socket.io does

		time.Sleep(25*time.Second + time.Millisecond)
		if status, body := request(http.MethodGet, sid, ""); status != http.StatusOK || body != "2" {
			t.Fatalf("after 25 s: %d %q, want a ping", status, body)
		}
		if status, body := request(http.MethodGet, idle, ""); status != http.StatusOK || body != "2" {
			t.Fatalf("the idle session after 25 s: %d %q, want a ping", status, body)
		}
		request(http.MethodPost, idle, "3")
		request(http.MethodPost, sid, "3")
		// The next ping goes out 25 s after the pong; unanswered, the
		// session ends 20 s later. A noop (6) is no pong.
		time.Sleep(45*time.Second - 2*time.Millisecond)
		if status, body := request(http.MethodPost, sid, "6"); status != http.StatusOK {
			t.Errorf("just before the timeout: %d %s, want the session open", status, body)
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		status, body := request(http.MethodPost, sid, "6")
		wantError(t, "after the timeout", status, body, 400, 1, "Session ID unknown")
		status, body = request(http.MethodPost, idle, "3")
		wantError(t, "a session that never connected, after 45 s", status, body, 400, 1, "Session ID unknown")
	})
}

// On a server that hands streams off their handlers (wire.Install), as on
// one that does not, the WebSocket's reader gives Options.MayPublish the
// upgrade's request as the session keeps it (its URL and address), and a
// panic in it ends that session alone, with an internal error, and
// finishes its answer.
func TestPanicInTheWebSocketReaderEndsTheSession(t *testing.T) {
	for _, handedOff := range []bool{false, true} {
		t.Run(fmt.Sprintf("handedOff=%t", handedOff), func(t *testing.T) {
			var asked sync.Map // the ?client= and address of each request MayPublish was given
			hub := feed.NewHub(feed.Config{History: 1000})
			meter := new(transporttest.Meter)
			srv := httptest.NewUnstartedServer(socketio.Handler(hub, meter, slog.New(slog.DiscardHandler), socketio.Options{
				MayPublish: func(r *http.Request) (bool, string, string) {
					text := r.URL.Query().Get("client") + "@" + r.RemoteAddr
					if _, again := asked.LoadOrStore(text, true); again {
						panic("a second message")
					}
					return true, "", ""
				},
			}))
			if handedOff {
				srv.Listener = wire.Install(srv.Config, srv.Listener)
			}
			srv.Start()
			t.Cleanup(func() {
				hub.Close()
				srv.Close()
			})
			f := &fixture{srv: srv, hub: hub, meter: meter}

			c := f.dial(t, "transport=websocket&client=ann")
			readWS(t, c)        // the open packet
			writeWS(t, c, "40") // connect
			readWS(t, c)        // its answer
			readWS(t, c)        // the hello
			writeWS(t, c, `421["message",{"text":"one"}]`)
			if got := readWS(t, c); got != `431[{"seq":1}]` && !strings.HasPrefix(got, `42["event"`) {
				t.Fatalf("after a message: %q, want its ack or its echo", got)
			}
			writeWS(t, c, `42["message",{"text":"two"}]`)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var err error
			for err == nil { // the ack or the echo of one, then the close
				_, _, err = c.Read(ctx)
			}
			if s := websocket.CloseStatus(err); s != websocket.StatusInternalError {
				t.Errorf("after a panic: %v, want a close with an internal error", err)
			}
			n := 0
			asked.Range(func(k, _ any) bool {
				if !strings.HasPrefix(k.(string), "ann@127.0.0.1:") {
					t.Errorf("MayPublish was given client@remote %q, want ann@127.0.0.1:…", k)
				}
				n++
				return true
			})
			if n != 1 {
				t.Errorf("MayPublish was given %d requests, want 1, asked twice", n)
			}
			for deadline := time.Now().Add(5 * time.Second); meter.Active.Load() != 0; {
				if time.Now().After(deadline) {
					t.Fatalf("%d answers still open after the panic, want 0", meter.Active.Load())
				}
				time.Sleep(10 * time.Millisecond)
			}
			c2 := f.dial(t, "transport=websocket") // the server goes on
			if got := readWS(t, c2); !strings.HasPrefix(got, "0{") {
				t.Errorf("a new session after the panic: %q, want its open packet", got)
			}
		})
	}
}
