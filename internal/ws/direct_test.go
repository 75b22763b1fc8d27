package ws_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/transporttest"
	"transportlab/internal/ws"
)

// Events that the hub writes itself, on the publishing goroutine, and
// those the connection's writer writes (queued while it wrote, or behind
// a rest the socket did not take) reach a client each once, in order,
// and are each counted once. The client first lets its buffers fill, so
// that writes are left part-way, then reads while the rest is published.
func TestEventsWrittenByTheHubAndTheWriterArriveInOrder(t *testing.T) {
	const before, while = 300, 700 // published before the client reads, and while it reads
	f := newFixture(t, feed.Config{History: 10, Queue: before + while, Rate: 5})
	c := f.dial(t, "")
	readHello(t, c)
	text := strings.Repeat("x", 8<<10) // 300 of them fill a loopback connection's buffers
	publish := func(n int) {
		for range n {
			if _, err := f.hub.Publish(feed.Event{Kind: feed.KindMessage, From: "test", Text: text}); err != nil {
				t.Error(err)
				return
			}
		}
	}
	publish(before)
	var publishing sync.WaitGroup
	publishing.Go(func() { publish(while) })
	for seq := uint64(1); seq <= before+while; seq++ {
		if e := readEvent(t, c); e.Seq != seq {
			t.Fatalf("read seq %d, want %d", e.Seq, seq)
		}
	}
	publishing.Wait()
	// The writer counts what it wrote once its write returned, which may
	// be after the client read it.
	for f.meter.Events.Load() < before+while {
		time.Sleep(time.Millisecond)
	}
	if got := f.meter.Events.Load(); got != before+while {
		t.Errorf("%d events counted, want %d", got, before+while)
	}
}

// A panic in a write the hub makes itself (direct), here in a Meter that
// breaks while it counts an event for one client, runs on the publishing
// goroutine, which serves every client: it must end that client's
// stream alone. Publish returns, the client's connection closes, the
// other client gets the same event, the log tells of the panic, and the
// hub's Wait returns once it is closed: no hold is left taken.
func TestPanicInADirectWriteEndsItsStreamAlone(t *testing.T) {
	var logged transporttest.Buffer
	meter := &transporttest.DirectPanicMeter{Breaks: func(r *http.Request) bool { return r.URL.Query().Get("client") == "bad" }}
	f := &fixture{hub: feed.NewHub(feed.Config{History: 10, Rate: 5})}
	f.srv = httptest.NewServer(ws.Handler(f.hub, meter, slog.New(slog.NewTextHandler(&logged, nil)), ws.Options{}))
	t.Cleanup(func() {
		f.hub.Close()
		f.srv.Close()
	})
	bad, good := f.dial(t, "?client=bad"), f.dial(t, "?client=good")
	readHello(t, bad)
	readHello(t, good)
	ended := make(chan error, 1)
	go func() { // the bad client reads until its connection ends
		for {
			if _, _, err := bad.Read(context.Background()); err != nil {
				ended <- err
				return
			}
		}
	}()

	// The hub writes to a client itself once its writer has written the
	// hello and let it (SetDirect), which may come a moment after the
	// client read the hello: until then, events go through the writer.
	var seq uint64
	for !meter.Panicked.Load() {
		if seq == 100 {
			t.Fatalf("%d events published, none written by the hub itself", seq)
		}
		seq = transporttest.PublishReturns(t, f.hub).Seq
		if meter.Panicked.Load() {
			break
		}
		if e := readEvent(t, good); e.Seq != seq {
			t.Fatalf("good client read seq %d, want %d", e.Seq, seq)
		}
	}

	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the connection whose direct write panicked is still open")
	}
	if e := readEvent(t, good); e.Seq != seq {
		t.Errorf("good client read seq %d, want %d: the event a direct write panicked on", e.Seq, seq)
	}
	f.hub.Close()
	if code, _ := closeStatus(t, good); code != websocket.StatusGoingAway { // read, so that its close handshake ends
		t.Errorf("good client closed with %v, want %v", code, websocket.StatusGoingAway)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.hub.Wait(ctx); err != nil {
		t.Errorf("hub.Wait: %v: a subscription was never let go", err)
	}
	for _, want := range []string{"panic in a WebSocket's direct write", `client=bad reason="ended by a panic"`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log:\n%s\nwant %q in it", logged.String(), want)
		}
	}
}
