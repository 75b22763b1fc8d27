package transporttest

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"transportlab/internal/feed"
)

// InPublish says whether its caller runs within feed.Hub.Publish: a
// write the hub makes itself (feed.Subscription.SetDirect), not one of
// the stream's own goroutine.
func InPublish() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if f.Function == "transportlab/internal/feed.(*Hub).Publish" {
			return true
		}
		if !more {
			return false
		}
	}
}

// PublishReturns publishes a quote on a goroutine of its own, as the
// feed's generator does, and returns its frame; it fails tb when Publish
// panics or does not return.
func PublishReturns(tb testing.TB, hub *feed.Hub) *feed.Frame {
	tb.Helper()
	done := make(chan error, 1)
	var frame *feed.Frame
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("Publish panicked: %v", v)
			}
		}()
		f, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37})
		frame = f
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			tb.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		tb.Fatal("Publish did not return")
	}
	return frame
}

// DirectPanicMeter is a Meter whose sent panics when it counts events in
// a write the hub makes itself (InPublish), for the streams whose
// request Breaks says; every other count is counted as usual. Panicked
// says whether it panicked.
type DirectPanicMeter struct {
	Meter
	Breaks   func(r *http.Request) bool
	Panicked atomic.Bool
}

func (m *DirectPanicMeter) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	count, done := m.Meter.Open(r)
	if !m.Breaks(r) {
		return count, done
	}
	return func(events, eventBytes, written int) {
		if events > 0 && InPublish() {
			m.Panicked.Store(true)
			panic("a meter that breaks in a direct write")
		}
		count(events, eventBytes, written)
	}, done
}
