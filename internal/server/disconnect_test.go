package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// stream is what the forced-disconnect test needs of an SSE or WebSocket
// client: its hello, its next event, and a way to drop it from its side.
type stream interface {
	greeting() feed.Hello
	event(testing.TB) feed.Event
	drop()
}

func (s *sseStream) greeting() feed.Hello           { return s.hello }
func (s *sseStream) event(tb testing.TB) feed.Event { tb.Helper(); return s.nextEvent(tb) }
func (s *sseStream) drop()                          { s.body.Close() }
func (ws *wsStream) greeting() feed.Hello           { return ws.hello }
func (ws *wsStream) event(tb testing.TB) feed.Event { tb.Helper(); return ws.next(tb) }
func (ws *wsStream) drop()                          { ws.CloseNow() }

// resume opens a stream of transport that continues after seq last of epoch,
// as a reconnecting client does: SSE with Last-Event-ID, WebSocket with since.
func resume(tb testing.TB, srv *httptest.Server, transport, epoch string, last uint64) stream {
	tb.Helper()
	if transport == server.SSE {
		return openSSEWith(tb, srv, "/sse?epoch="+epoch, http.Header{"Last-Event-ID": {strconv.FormatUint(last, 10)}}, nil)
	}
	return dialWS(tb, srv, fmt.Sprintf("/ws?since=%d&epoch=%s", last, epoch))
}

// Cut a stream in the middle, from either side, while events are being
// published; a client that comes back after the last seq it saw gets
// everything it missed, once, while the history holds it, and is told
// exactly how much is gone when it does not.
func TestForcedDisconnect(t *testing.T) {
	const history = 50
	for _, transport := range []string{server.SSE, server.WS} {
		for _, side := range []string{"server", "client"} {
			t.Run(transport+"/cut by the "+side, func(t *testing.T) {
				hub := feed.NewHub(feed.Config{History: history})
				srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}}))
				conns := &transporttest.Listener{Listener: srv.Listener}
				srv.Listener = conns
				srv.Start()
				t.Cleanup(func() { hub.Close(); srv.Close() })
				cut := func(s stream) {
					if side == "server" {
						conns.Cut()
					} else {
						s.drop()
					}
				}

				s := resume(t, srv, transport, hub.Epoch(), 0)
				publish(t, hub, 3)
				last := expect(t, s, 1, 3)

				// Inside the history window: nothing missed, nothing twice,
				// even with events in flight when the connection is cut.
				const inFlight = 20
				done := make(chan struct{})
				go func() {
					defer close(done)
					for range inFlight {
						if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
							t.Errorf("Publish: %v", err)
							return
						}
						time.Sleep(time.Millisecond)
					}
				}()
				last = s.event(t).Seq // the cut comes with the feed running
				cut(s)
				<-done
				s = resume(t, srv, transport, hub.Epoch(), last)
				if h := s.greeting(); h.Missed != 0 || h.Reset {
					t.Errorf("resume after %d: hello %+v, want nothing missed", last, h)
				}
				last = expect(t, s, last+1, 3+inFlight)

				// Beyond it: the hello says exactly how many are gone.
				cut(s)
				publish(t, hub, history+10)
				s = resume(t, srv, transport, hub.Epoch(), last)
				head := hub.Head()
				oldest := head - history + 1
				if h := s.greeting(); h.Missed != oldest-last-1 || h.Reset {
					t.Errorf("resume after %d with history %d..%d: hello %+v, want missed %d", last, oldest, head, h, oldest-last-1)
				}
				expect(t, s, oldest, head)
			})
		}
	}
}

// expect reads events from s and checks they are exactly seq from..to. It
// returns to.
func expect(tb testing.TB, s stream, from, to uint64) uint64 {
	tb.Helper()
	for want := from; want <= to; want++ {
		if got := s.event(tb).Seq; got != want {
			tb.Fatalf("got seq %d, want %d", got, want)
		}
	}
	return to
}
