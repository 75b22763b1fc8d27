// Package transporttest holds what the tests of every transport need: a
// Meter that counts what a handler reports, and a way to fill the feed.
package transporttest

import (
	"net/http"
	"sync/atomic"
	"testing"

	"transportlab/internal/feed"
)

// Meter counts what a transport handler reports, as the server's stats
// would, for one test. It is the Meter of polling, sse and ws.
type Meter struct {
	Requests, Active, Events, Bytes atomic.Int64 // Active: answers not yet done
}

// Open counts one request, active until done is called.
func (m *Meter) Open(*http.Request) (sent func(events, bytes int), done func()) {
	m.Requests.Add(1)
	m.Active.Add(1)
	sent = func(events, bytes int) {
		m.Events.Add(int64(events))
		m.Bytes.Add(int64(bytes))
	}
	return sent, func() { m.Active.Add(-1) }
}

// Publish puts n quotes into hub.
func Publish(tb testing.TB, hub *feed.Hub, n int) {
	tb.Helper()
	for range n {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}); err != nil {
			tb.Fatalf("Publish: %v", err)
		}
	}
}
