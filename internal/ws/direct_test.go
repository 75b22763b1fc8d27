package ws_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"transportlab/internal/feed"
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
