package ws_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/transporttest"
	"transportlab/internal/ws"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type fixture struct {
	hub   *feed.Hub
	srv   *httptest.Server
	meter *transporttest.Meter
}

func newFixture(tb testing.TB, cfg feed.Config) *fixture {
	tb.Helper()
	return newFixtureWith(tb, cfg, ws.Options{})
}

func newFixtureWith(tb testing.TB, cfg feed.Config, opts ws.Options) *fixture {
	tb.Helper()
	if cfg.History == 0 {
		cfg.History, cfg.Rate = 10, 5
	}
	f := &fixture{hub: feed.NewHub(cfg), meter: new(transporttest.Meter)}
	f.srv = httptest.NewServer(ws.Handler(f.hub, f.meter, slog.New(slog.DiscardHandler), opts))
	tb.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

// dial opens a WebSocket to /ws with query, as a client on another machine would.
func (f *fixture) dial(tb testing.TB, query string) *websocket.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, f.srv.URL+"/ws"+query, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.CloseNow() })
	return c
}

// read reads one message as JSON into v.
func read(tb testing.TB, c *websocket.Conn, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		tb.Fatalf("message type %v, want text", typ)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("message %s: %v", b, err)
	}
}

func write(tb testing.TB, c *websocket.Conn, msg string) {
	tb.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		tb.Fatalf("write: %v", err)
	}
}

func readHello(tb testing.TB, c *websocket.Conn) feed.Hello {
	tb.Helper()
	var h feed.Hello
	read(tb, c, &h)
	if h.Kind != "hello" {
		tb.Fatalf("first message %+v, want a hello", h)
	}
	return h
}

func readEvent(tb testing.TB, c *websocket.Conn) feed.Event {
	tb.Helper()
	var e feed.Event
	read(tb, c, &e)
	return e
}

// closeStatus reads until the connection ends and returns the close status.
func closeStatus(tb testing.TB, c *websocket.Conn) (websocket.StatusCode, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				tb.Fatalf("connection ended with %v, want a close frame", err)
			}
			return ce.Code, ce.Reason
		}
	}
}

func TestHelloThenEvents(t *testing.T) {
	f := newFixture(t, feed.Config{})
	transporttest.Publish(t, f.hub, 3)
	c := f.dial(t, "")
	if h := readHello(t, c); h.Head != 3 || h.Epoch != f.hub.Epoch() || h.Rate != 5 || h.Missed != 0 {
		t.Errorf("hello %+v, want head 3 in epoch %s at rate 5", h, f.hub.Epoch())
	}
	transporttest.Publish(t, f.hub, 2)
	for want := uint64(4); want <= 5; want++ {
		if e := readEvent(t, c); e.Seq != want || e.Kind != feed.KindQuote {
			t.Errorf("event %+v, want quote %d", e, want)
		}
	}
}

func TestResume(t *testing.T) {
	tests := []struct {
		query  string
		first  uint64
		missed uint64
		reset  bool
	}{
		{"?since=5", 6, 0, false},
		{"?since=1", 3, 1, false}, // history keeps 3..12
		{"?since=5&epoch=0123456789abcdef", 13, 0, true},
		{"?since=99", 13, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			f := newFixture(t, feed.Config{})
			transporttest.Publish(t, f.hub, 12)
			c := f.dial(t, tt.query)
			if h := readHello(t, c); h.Missed != tt.missed || h.Reset != tt.reset {
				t.Errorf("hello %+v, want missed %d reset %v", h, tt.missed, tt.reset)
			}
			transporttest.Publish(t, f.hub, 1)
			if e := readEvent(t, c); e.Seq != tt.first {
				t.Errorf("first seq %d, want %d", e.Seq, tt.first)
			}
		})
	}
}

func TestPingIsAnsweredWithPong(t *testing.T) {
	f := newFixture(t, feed.Config{})
	c := f.dial(t, "")
	readHello(t, c)
	before := time.Now().UnixMicro()
	write(t, c, `{"kind":"ping","id":7}`)
	var pong struct {
		Kind string
		ID   int
		TS   int64
	}
	read(t, c, &pong)
	if pong.Kind != "pong" || pong.ID != 7 || pong.TS < before || pong.TS > time.Now().UnixMicro() {
		t.Errorf("pong %+v, want kind pong, id 7 and the server's time", pong)
	}
}

func TestMessageIsPublishedToEveryone(t *testing.T) {
	f := newFixture(t, feed.Config{})
	sender := f.dial(t, "?client=abc123")
	other := f.dial(t, "")
	readHello(t, sender)
	readHello(t, other)
	write(t, sender, `{"kind":"message","text":"hello, class"}`)
	for _, c := range []*websocket.Conn{sender, other} {
		e := readEvent(t, c)
		if e.Kind != feed.KindMessage || e.Text != "hello, class" || e.Via != "ws" || e.From != "abc123" || e.Seq != 1 {
			t.Errorf("event %+v, want the message from abc123 via ws", e)
		}
	}
}

// With From, a message names its sender as From says, not by the
// ?client= it sent: that may be the client's secret.
func TestMessageIsNamedByFrom(t *testing.T) {
	f := newFixtureWith(t, feed.Config{}, ws.Options{
		From: func(r *http.Request) string { return "name of " + r.URL.Query().Get("client") },
	})
	sender := f.dial(t, "?client=abc123")
	readHello(t, sender)
	write(t, sender, `{"kind":"message","text":"hello, class"}`)
	if e := readEvent(t, sender); e.From != "name of abc123" {
		t.Errorf("from = %q, want %q", e.From, "name of abc123")
	}
}

func TestBadMessagesCloseWithAReason(t *testing.T) {
	tests := []struct {
		name string
		typ  websocket.MessageType
		msg  string
		want websocket.StatusCode
	}{
		{"malformed JSON", websocket.MessageText, `{"kind":`, websocket.StatusInvalidFramePayloadData},
		{"unknown kind", websocket.MessageText, `{"kind":"shout"}`, websocket.StatusPolicyViolation},
		{"empty text", websocket.MessageText, `{"kind":"message","text":""}`, websocket.StatusPolicyViolation},
		{"binary", websocket.MessageBinary, `{"kind":"ping"}`, websocket.StatusUnsupportedData},
		{"not UTF-8", websocket.MessageText, "{\"kind\":\"message\",\"text\":\"\xff\"}", websocket.StatusInvalidFramePayloadData},
		{"too large", websocket.MessageText, `{"kind":"message","text":"` + strings.Repeat("x", 5000) + `"}`, websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, feed.Config{})
			c := f.dial(t, "")
			readHello(t, c)
			if err := c.Write(context.Background(), tt.typ, []byte(tt.msg)); err != nil {
				t.Fatal(err)
			}
			code, reason := closeStatus(t, c)
			if code != tt.want || reason == "" {
				t.Errorf("closed with %v %q, want %v and a reason", code, reason, tt.want)
			}
			if head := f.hub.Head(); head != 0 {
				t.Errorf("head %d after a bad message, want 0: nothing published", head)
			}
		})
	}
}

func TestForeignOriginIsRefused(t *testing.T) {
	f := newFixture(t, feed.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, f.srv.URL+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
	})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("dial from a foreign origin: %v, want 403", err)
	}
}

func TestMalformedQueryIsRefusedBeforeUpgrade(t *testing.T) {
	f := newFixture(t, feed.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, f.srv.URL+"/ws?since=abc", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("dial with since=abc: %v, want 400", err)
	}
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	f := newFixture(t, feed.Config{})
	c := f.dial(t, "")
	readHello(t, c)
	f.hub.Close()
	if code, _ := closeStatus(t, c); code != websocket.StatusGoingAway {
		t.Errorf("closed with %v, want %v", code, websocket.StatusGoingAway)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.hub.Wait(ctx); err != nil {
		t.Errorf("hub.Wait: %v: the handler did not let go of its subscription", err)
	}
}

// The meter counts what the server wrote, once each write has returned. In a
// bubble, synctest.Wait lets every write return and be counted before the
// test looks, with no polling and no deadline.
func TestCountsWhatItSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meter := new(transporttest.Meter)
		hub := feed.NewHub(feed.Config{})
		_, client := servePipes(t, hub, meter, ws.Options{})
		c := dialPipe(t, client)
		var n, written int // the events' bytes, and every message's
		ctx := t.Context()
		for i := range 4 { // the hello and three events
			if i == 1 {
				// Only now is the client surely subscribed: the server sends
				// the hello after subscribing, and the upgrade before.
				transporttest.Publish(t, hub, 3)
			}
			_, b, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			written += len(b)
			if i > 0 {
				n += len(b)
			}
		}
		// A pong is an answer, not an event: written, but no body.
		write(t, c, `{"kind":"ping","id":1}`)
		_, pong, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		written += len(pong)
		synctest.Wait() // the server's last write has returned, and is counted
		if meter.Requests.Load() != 1 || meter.Events.Load() != 3 || meter.Bytes.Load() != int64(n) || meter.Written.Load() != int64(written) {
			t.Errorf("meter: %d requests, %d events, %d body bytes, %d written; want 1, 3, %d, %d",
				meter.Requests.Load(), meter.Events.Load(), meter.Bytes.Load(), meter.Written.Load(), n, written)
		}
		c.Close(websocket.StatusNormalClosure, "")
		synctest.Wait() // the handler has seen the close and returned
		if got := meter.Active.Load(); got != 0 {
			t.Errorf("%d connections counted as open after the client closed, want 0", got)
		}
	})
}

// A client that stops reading blocks the server's writes to it for good:
// the hub's watch on writes (feed.Hub.Watch) cuts it off once a write has
// lasted the timeout, at the next look, a quarter timeout later at most.
// Meanwhile a healthy client gets every event, in order, the moment it is
// published: the stuck one holds nobody up. On the bubble's clock the
// bounds are exact: the stuck client is still there when its write has
// lasted the timeout, gone when it has lasted timeout + timeout/4, and "the
// moment" means before any time has passed.
func TestClientThatStopsReadingIsCutOffWhileOthersReceive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			timeout = 200 * time.Millisecond // Watch looks every timeout/4
			step    = 10 * time.Millisecond  // between events
		)
		// A queue this long never fills here: only the watch on writes can
		// find the stuck client.
		hub := feed.NewHub(feed.Config{History: 100, Queue: 1 << 16})
		meter := new(transporttest.Meter)
		pipes, client := servePipes(t, hub, meter, ws.Options{})
		go hub.Watch(t.Context(), timeout)
		start := time.Now()

		// The stuck client reads its hello, then nothing more. A pipe has no
		// buffer: the server's write of the first event to it, published
		// one step from now, blocks at once, and for good.
		stuck := upgradePipe(t, pipes)
		defer stuck.Close()
		if _, err := stuck.Read(make([]byte, 4096)); err != nil {
			t.Fatalf("the stuck client's hello: %v", err)
		}
		stuckSince := start.Add(step)

		healthy := dialPipe(t, client)
		readHello(t, healthy)
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("the healthy client's hello came after %v: the stuck client held it up", waited)
		}
		received := make(chan feed.Event, 100)
		go func() { // until the connection closes
			for {
				_, b, err := healthy.Read(context.Background())
				if err != nil {
					return
				}
				var e feed.Event
				if err := json.Unmarshal(b, &e); err != nil {
					t.Errorf("healthy client got %s: %v", b, err)
					return
				}
				received <- e
			}
		}()

		// An event every step for two timeouts.
		for seq := uint64(1); seq <= 40; seq++ {
			time.Sleep(step)
			if _, err := hub.Publish(feed.Event{Kind: feed.KindMessage, Text: "tick"}); err != nil {
				t.Fatal(err)
			}
			synctest.Wait() // every goroutine has done what it can without the clock moving
			select {
			case e := <-received:
				if e.Seq != seq {
					t.Fatalf("healthy client got seq %d, want %d", e.Seq, seq)
				}
			default:
				t.Fatalf("healthy client did not get seq %d at once: the stuck client held it up", seq)
			}

			stuckFor, open := time.Since(stuckSince), meter.Active.Load()
			switch {
			case stuckFor <= timeout && open != 2:
				t.Fatalf("%v into the stuck write, %d connections open, want 2: a write may last the timeout (%v)", stuckFor, open, timeout)
			case stuckFor >= timeout+timeout/4 && open != 1:
				t.Fatalf("%v into the stuck write, %d connections open, want only the healthy one: the stuck client must be gone by %v",
					stuckFor, open, timeout+timeout/4)
			}
		}

		// The server closed the stuck client's connection, and its handler
		// has returned (the meter counts one connection open) and let go of
		// the subscription, whose queue held the events it could not send:
		// it keeps none of them. While a client is stuck, that queue is all
		// it costs, and the hub bounds it (feed's
		// TestSlowSubscriberIsCutOffWhileOthersReceive); a pipe buffers
		// nothing, so there is no memory to measure here.
		if _, err := stuck.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("the stuck client read: %v, want EOF: the server closed its end", err)
		}
	})
}

// A peer that reads but answers no ping is closed when the next ping
// finds the last one unanswered, and OnClose is told why; a healthy one,
// which answers, stays. A peer has a whole period before its first ping,
// even when it joins just before a tick of the clock all connections
// share: here it joins half a period before one, and sits it out, so its
// first ping comes one and a half periods after it joined, and it is
// closed a period later.
func TestPeerThatStopsAnsweringPingsIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const ping = 250 * time.Millisecond
		meter := new(transporttest.Meter)
		var gone atomic.Int64 // connections closed for ErrPeerGone
		onClose := func(_ *http.Request, err error) {
			if errors.Is(err, ws.ErrPeerGone) {
				gone.Add(1)
			}
		}
		pipes, client := servePipes(t, feed.NewHub(feed.Config{}), meter, ws.Options{Ping: ping, OnClose: onClose})
		// The healthy client starts the clock: it ticks at ping, 2*ping, ...
		healthy := dialPipe(t, client)
		go func() { // reading is what answers pings; it ends when the connection closes
			for {
				if _, _, err := healthy.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		synctest.Wait()
		time.Sleep(ping / 2)
		silent := upgradePipe(t, pipes)
		defer silent.Close()
		go io.Copy(io.Discard, silent) // reads everything, answers nothing

		synctest.Wait()
		if got := meter.Active.Load(); got != 2 {
			t.Fatalf("%d connections open, want 2", got)
		}
		// The ticks at ping (too soon for the silent peer) and 2*ping (its
		// first ping) have passed.
		time.Sleep(2 * ping)
		synctest.Wait()
		if got := meter.Active.Load(); got != 2 {
			t.Errorf("two periods after the silent peer joined, %d connections open, want 2: "+
				"it has a period before its first ping, and until the next ping to answer it", got)
		}
		time.Sleep(ping / 2) // the next tick: the silent peer is gone
		synctest.Wait()
		if got := meter.Active.Load(); got != 1 {
			t.Errorf("at the tick after its first ping, %d connections open, want only the healthy one", got)
		}
		if got := gone.Load(); got != 1 {
			t.Errorf("OnClose told of %d peers gone, want 1", got)
		}
		time.Sleep(4 * ping)
		synctest.Wait()
		if got := meter.Active.Load(); got != 1 {
			t.Errorf("%d connections open after four more pings, want 1: the healthy client answers them", got)
		}
	})
}

// servePipes serves the WebSocket endpoint on in-process pipes, for a test
// in a testing/synctest bubble, and returns the listener and a client whose
// connections are pipes to it. When the test ends the hub closes first, so
// that every handler says goodbye and returns.
func servePipes(t *testing.T, hub *feed.Hub, meter *transporttest.Meter, opts ws.Options) (*transporttest.Pipes, *http.Client) {
	t.Helper()
	pipes := transporttest.NewPipes()
	srv := &http.Server{Handler: ws.Handler(hub, meter, slog.New(slog.DiscardHandler), opts)}
	go srv.Serve(pipes)
	client := pipes.Client()
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		client.CloseIdleConnections()
	})
	return pipes, client
}

// dialPipe opens a WebSocket to /ws with client, the real client over a pipe.
func dialPipe(t *testing.T, client *http.Client) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(t.Context(), "ws://pipe/ws", &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("websocket.Dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// upgradePipe opens a WebSocket on a bare pipe to the server, and returns
// the pipe once the server has switched protocols.
func upgradePipe(tb testing.TB, pipes *transporttest.Pipes) net.Conn {
	tb.Helper()
	raw, err := pipes.Dial(tb.Context(), "pipe", "pipe")
	if err != nil {
		tb.Fatal(err)
	}
	go fmt.Fprintf(raw, "GET /ws HTTP/1.1\r\nHost: pipe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(raw), nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("upgrade: %v, %v", res, err)
	}
	return raw
}

func TestTooManyMessagesAreRefusedWithAnError(t *testing.T) {
	// One message, then one every 1000 s: the second is refused however
	// slow the machine.
	f := newFixtureWith(t, feed.Config{}, ws.Options{MessageRate: 0.001, MessageBurst: 1})
	c := f.dial(t, "")
	readHello(t, c)
	write(t, c, `{"kind":"message","text":"first"}`)
	if e := readEvent(t, c); e.Text != "first" {
		t.Fatalf("got %+v, want the first message back", e)
	}
	write(t, c, `{"kind":"message","text":"second"}`)
	var reply struct{ Kind, Error string }
	read(t, c, &reply)
	if reply.Kind != "error" || !strings.Contains(reply.Error, "too many messages") {
		t.Errorf("reply %+v, want an error saying too many messages", reply)
	}
	if head := f.hub.Head(); head != 1 {
		t.Errorf("head = %d, want 1: the refused message must not be published", head)
	}
	// The connection stays: a ping is still answered.
	write(t, c, `{"kind":"ping","id":1}`)
	var pong struct{ Kind string }
	read(t, c, &pong)
	if pong.Kind != "pong" {
		t.Errorf("after a refused message: %+v, want a pong", pong)
	}
}

// A message MayPublish refuses is answered with its code, not published,
// and takes nothing from the rate: the connection goes on.
func TestMayPublishRefusesWithItsCode(t *testing.T) {
	var open atomic.Bool
	f := newFixtureWith(t, feed.Config{}, ws.Options{MessageRate: 0.001, MessageBurst: 1,
		MayPublish: func(r *http.Request) (bool, string, string) {
			if r.URL.Query().Get("client") != "page" {
				t.Errorf("MayPublish asked of client %q, want page", r.URL.Query().Get("client"))
			}
			return open.Load(), "messages_off", "messages are off"
		}})
	c := f.dial(t, "?client=page")
	readHello(t, c)
	write(t, c, `{"kind":"message","text":"first","id":1}`)
	var got reply
	read(t, c, &got)
	if got.Kind != "error" || got.Code != "messages_off" || got.Error != "messages are off" || string(got.ID) != "1" {
		t.Errorf("reply %+v, want the error messages_off for id 1", got)
	}
	if head := f.hub.Head(); head != 0 {
		t.Errorf("head = %d, want 0: the refused message must not be published", head)
	}
	open.Store(true)
	write(t, c, `{"kind":"message","text":"now"}`)
	if e := readEvent(t, c); e.Text != "now" {
		t.Errorf("got %+v, want the message published once allowed: the refusal took no token", e)
	}
}

// reply is any message the server sends on a connection: an event, an ack,
// an error or a pong.
type reply struct {
	Kind  string          `json:"kind"`
	Seq   uint64          `json:"seq"`
	Text  string          `json:"text"`
	ID    json.RawMessage `json:"id"`
	Code  string          `json:"code"`
	Error string          `json:"error"`
}

// readReplies reads n messages. An ack and its echo take two roads (the
// reader answers, the feed delivers), so tests must not expect an order.
func readReplies(tb testing.TB, c *websocket.Conn, n int) []reply {
	tb.Helper()
	out := make([]reply, n)
	for i := range out {
		read(tb, c, &out[i])
	}
	return out
}

func TestNumberedMessageIsAcknowledgedWithItsSeq(t *testing.T) {
	f := newFixture(t, feed.Config{})
	c := f.dial(t, "?client=abc123")
	readHello(t, c)
	transporttest.Publish(t, f.hub, 2)
	readEvent(t, c)
	readEvent(t, c)
	// Two messages with the same text: only the ack tells which echo is which.
	write(t, c, `{"kind":"message","text":"same","id":41}`)
	write(t, c, `{"kind":"message","text":"same","id":42}`)
	acks := map[string]uint64{}
	echoes := []uint64{}
	for _, r := range readReplies(t, c, 4) {
		switch r.Kind {
		case "ack":
			acks[string(r.ID)] = r.Seq
		case feed.KindMessage:
			echoes = append(echoes, r.Seq)
		default:
			t.Errorf("unexpected reply %+v", r)
		}
	}
	if acks["41"] != 3 || acks["42"] != 4 {
		t.Errorf("acks %v, want id 41 as seq 3 and 42 as seq 4", acks)
	}
	if len(echoes) != 2 || echoes[0] != 3 || echoes[1] != 4 {
		t.Errorf("echoes %v, want seqs 3 and 4", echoes)
	}
}

func TestUnnumberedMessageGetsNoAck(t *testing.T) {
	f := newFixture(t, feed.Config{})
	c := f.dial(t, "")
	readHello(t, c)
	write(t, c, `{"kind":"message","text":"old client"}`)
	write(t, c, `{"kind":"ping","id":1}`)
	// The echo and the pong, in either order, and no ack between them.
	kinds := map[string]int{}
	for _, r := range readReplies(t, c, 2) {
		kinds[r.Kind]++
	}
	if kinds[feed.KindMessage] != 1 || kinds["pong"] != 1 {
		t.Errorf("replies %v, want the echo and the pong only", kinds)
	}
}

func TestRefusalsNameTheMessageAndACode(t *testing.T) {
	tests := []struct {
		name, msg, id, code string
		rate                float64
	}{
		{"over the rate", `{"kind":"message","text":"b","id":9}`, "9", "too_many_messages", 0.001},
		{"over the rate, unnumbered", `{"kind":"message","text":"b"}`, "", "too_many_messages", 0.001},
		{"over the rate, id null", `{"kind":"message","text":"b","id":null}`, "", "too_many_messages", 0.001},
		{"a negative id", `{"kind":"message","text":"b","id":-1}`, "-1", "bad_request", 0},
		{"a text id", `{"kind":"message","text":"b","id":"x"}`, `"x"`, "bad_request", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWith(t, feed.Config{}, ws.Options{MessageRate: tt.rate, MessageBurst: 1})
			c := f.dial(t, "")
			readHello(t, c)
			if tt.rate > 0 { // spend the burst
				write(t, c, `{"kind":"message","text":"a"}`)
				readEvent(t, c)
			}
			head := f.hub.Head()
			write(t, c, tt.msg)
			var r reply
			read(t, c, &r)
			if r.Kind != "error" || string(r.ID) != tt.id || r.Code != tt.code || r.Error == "" {
				t.Errorf("reply %+v (id %s), want an error with id %q, code %q and a reason", r, r.ID, tt.id, tt.code)
			}
			if got := f.hub.Head(); got != head {
				t.Errorf("head = %d, want %d: a refused message is not published", got, head)
			}
			write(t, c, `{"kind":"ping","id":1}`) // the connection stays
			if read(t, c, &r); r.Kind != "pong" {
				t.Errorf("after a refusal: %+v, want a pong", r)
			}
		})
	}
}

// The page knows the size of its own frames on the wire (RFC 6455: header,
// mask, payload) only while no compression is negotiated: a client that
// offers permessage-deflate, as browsers do, must be answered without it.
func TestNoCompressionIsNegotiated(t *testing.T) {
	f := newFixture(t, feed.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, f.srv.URL+"/ws", &websocket.DialOptions{
		CompressionMode: websocket.CompressionContextTakeover,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if ext := res.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Errorf("the server answered Sec-WebSocket-Extensions: %q, want none: frame sizes would no longer be known", ext)
	}
	readHello(t, c)
}
