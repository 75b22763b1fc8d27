package ws_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/transporttest"
	"transportlab/internal/ws"
)

// A client may send its first message right behind the upgrade request,
// in the same packet: net/http has then read it ahead, into the buffer the
// server lets go of for a smaller one. It must be read all the same, and
// answered.
func TestMessageRightBehindTheUpgradeIsRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pipes, _ := servePipes(t, feed.NewHub(feed.Config{}), new(transporttest.Meter), ws.Options{})
		raw, err := pipes.Dial(t.Context(), "pipe", "pipe")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		// One write, which the server reads in one read: the request and a
		// ping message in a masked frame (a mask of zeros leaves it as is).
		ping := `{"kind":"ping","id":7}`
		go raw.Write(append([]byte(upgradeRequest("/ws")), append([]byte{0x81, 0x80 | byte(len(ping)), 0, 0, 0, 0}, ping...)...))
		br := bufio.NewReader(raw)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %v, %v", res, err)
		}
		if hello := readFrame(t, br); !strings.Contains(string(hello), `"kind":"hello"`) {
			t.Fatalf("first message %s, want the hello", hello)
		}
		var pong struct {
			Kind string `json:"kind"`
			ID   int    `json:"id"`
		}
		if err := json.Unmarshal(readFrame(t, br), &pong); err != nil || pong.Kind != "pong" || pong.ID != 7 {
			t.Fatalf("answer %+v (%v), want the pong to ping 7: the message sent with the upgrade was lost", pong, err)
		}
	})
}

// upgradeRequest is a WebSocket upgrade of path, as a client sends it.
func upgradeRequest(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: pipe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
}

// readFrame reads one unfragmented text frame from the server, with a
// payload of at most 64 KB, and returns its payload.
func readFrame(tb testing.TB, r *bufio.Reader) []byte {
	tb.Helper()
	var h [4]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		tb.Fatalf("frame: %v", err)
	}
	if h[0] != 0x81 {
		tb.Fatalf("frame starts %#x, want a whole text message (0x81)", h[0])
	}
	n := int(h[1])
	if n == 126 {
		if _, err := io.ReadFull(r, h[2:4]); err != nil {
			tb.Fatalf("frame: %v", err)
		}
		n = int(h[2])<<8 | int(h[3])
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		tb.Fatalf("frame: %v", err)
	}
	return b
}

// Every connection is pinged on one clock: a connection that opened
// between two ticks is pinged at the ticks of the others, from the first
// that comes a whole period after it opened (the one after next), never
// sooner; and the pings and their pongs are reported (OnControl), each
// pair once.
func TestPingsGoOutOnOneClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const period = time.Second
		var (
			mu    sync.Mutex
			pings = map[string][]time.Time{} // by client: when each ping went out
			pongs int
		)
		onControl := func(r *http.Request, c ws.Control) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case c.Kind == "ping" && c.Dir == "out":
				pings[r.URL.Query().Get("client")] = append(pings[r.URL.Query().Get("client")], c.At)
			case c.Kind == "pong" && c.Dir == "in" && c.Bytes == 2+4+1: // the payload "1", "2", …
				pongs++
			}
		}
		_, client := servePipes(t, feed.NewHub(feed.Config{}), new(transporttest.Meter), ws.Options{Ping: period, OnControl: onControl})
		start := time.Now()
		answer := func(name string) {
			c, _, err := websocket.Dial(t.Context(), "ws://pipe/ws?client="+name, &websocket.DialOptions{HTTPClient: client})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.CloseNow() })
			go func() { // reading is what answers pings
				for {
					if _, _, err := c.Read(context.Background()); err != nil {
						return
					}
				}
			}()
		}
		answer("a")
		time.Sleep(period * 3 / 10)
		answer("b")
		time.Sleep(period*3 + period/2)
		synctest.Wait()

		mu.Lock()
		defer mu.Unlock()
		want := map[string][]time.Time{
			"a": {start.Add(period), start.Add(2 * period), start.Add(3 * period)},
			// b opened 0.3 periods in: the tick at 1 is too soon.
			"b": {start.Add(2 * period), start.Add(3 * period)},
		}
		for _, name := range []string{"a", "b"} {
			if fmt.Sprint(pings[name]) != fmt.Sprint(want[name]) {
				t.Errorf("%s pinged at %v, want at %v: the ticks of one clock, a period after it opened at the soonest", name, pings[name], want[name])
			}
		}
		if pongs != 5 {
			t.Errorf("%d pongs reported, want 5", pongs)
		}
	})
}

// An idle connection costs one goroutine: the one that reads from it. A
// writer runs only while there is something to write (here, the events
// after the hello: these pipes take no write without waiting, so none goes
// out on the hub's goroutine), and its pings cost it none: one goroutine
// ticks for all connections.
func TestOneGoroutineAnIdleConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		pipes, _ := servePipes(t, hub, new(transporttest.Meter), ws.Options{Ping: time.Hour})
		var readers []*bufio.Reader // the clients' ends
		open := func(n int) {
			for range n {
				raw, err := pipes.Dial(t.Context(), "pipe", "pipe")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { raw.Close() })
				go io.WriteString(raw, upgradeRequest("/ws"))
				br := bufio.NewReader(raw)
				if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("upgrade: %v, %v", res, err)
				}
				readFrame(t, br) // the hello
				readers = append(readers, br)
			}
			synctest.Wait()
		}
		open(1)
		before := bubbled()
		const n = 10
		open(n)
		if got := bubbled() - before; got != n {
			t.Errorf("%d more goroutines for %d more connections, want %d: one a connection", got, n, n)
		}
		for range 3 {
			if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
				t.Fatal(err)
			}
			for _, br := range readers {
				readFrame(t, br)
			}
			synctest.Wait()
			if got := bubbled() - before; got != n {
				t.Errorf("after an event: %d more goroutines for %d more connections, want %d: their writers ended", got, n, n)
			}
		}
	})
}

// bubbled counts the goroutines of the test's testing/synctest bubble:
// others (the testing package's, a finalizer running) come and go on
// their own.
func bubbled() int {
	buf := make([]byte, 1<<20)
	return bytes.Count(buf[:runtime.Stack(buf, true)], []byte(", synctest bubble "))
}

// A panic in a stream (here, in what the server gives the handler: a
// Meter, as the hello or an event is written, Options.MayPublish as a
// message is read) ends that stream only: it is logged, the connection is
// closed and its subscription let go, and the server goes on serving. The
// hello and the client's messages are the stream's goroutine's, the
// events after the hello a writer's (these pipes take no write without
// waiting, so none goes out on the hub's goroutine).
func TestPanicInAStreamIsRecoveredAndLogged(t *testing.T) {
	for _, tc := range []struct{ name, where string }{{"hello", "stream"}, {"event", "writer"}, {"message", "stream"}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logged transporttest.Buffer
				meter := &panickyMeter{panics: tc.name == "hello"}
				opts := ws.Options{MayPublish: func(*http.Request) (bool, string, string) { panic("MayPublish's bug") }}
				hub := feed.NewHub(feed.Config{})
				pipes := transporttest.NewPipes()
				srv := &http.Server{Handler: ws.Handler(hub, meter, slog.New(slog.NewTextHandler(&logged, nil)), opts)}
				go srv.Serve(pipes)
				client := pipes.Client()
				defer func() {
					hub.Close()
					srv.Close()
					client.CloseIdleConnections()
				}()

				c, _, err := websocket.Dial(t.Context(), "ws://pipe/ws", &websocket.DialOptions{HTTPClient: client})
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseNow()
				switch tc.name {
				case "event":
					readHello(t, c)
					synctest.Wait() // the hello counted, the stream reading
					meter.setPanics(true)
					if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
						t.Fatal(err)
					}
				case "message":
					readHello(t, c)
					write(t, c, `{"kind":"message","text":"hi"}`)
				}
				for i := 0; ; i++ { // the hello may have gone out before the panic
					if _, _, err := c.Read(t.Context()); err != nil {
						break
					}
					if i == 2 {
						t.Fatal("the connection goes on after its stream panicked")
					}
				}
				synctest.Wait()
				if !strings.Contains(logged.String(), "panic in a WebSocket's "+tc.where) {
					t.Errorf("log %q: the panic is not in it", logged.String())
				}
				if got := meter.active(); got != 0 {
					t.Errorf("%d answers open after the panic, want 0", got)
				}
				// The server goes on: another client gets its hello.
				meter.setPanics(false)
				c2, _, err := websocket.Dial(t.Context(), "ws://pipe/ws", &websocket.DialOptions{HTTPClient: client})
				if err != nil {
					t.Fatal(err)
				}
				defer c2.CloseNow()
				readHello(t, c2)
			})
		})
	}
}

// panickyMeter is a Meter whose sent panics while panics is set.
type panickyMeter struct {
	mu     sync.Mutex
	panics bool
	open   int
}

func (m *panickyMeter) Open(*http.Request) (sent func(events, eventBytes, written int), done func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open++
	sent = func(int, int, int) {
		m.mu.Lock()
		panics := m.panics
		m.mu.Unlock()
		if panics {
			panic("the meter's bug")
		}
	}
	return sent, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.open--
	}
}

func (m *panickyMeter) setPanics(p bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.panics = p
}

func (m *panickyMeter) active() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open
}
