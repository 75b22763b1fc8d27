// Package transporttest holds what the tests of the transports, the rooms,
// the page and the soak need: a Meter that counts what a handler reports, a
// way to fill the feed, a Listener that can cut every connection, Pipes, a
// listener of in-process connections for tests on a testing/synctest clock,
// and a MeteredClient (client.go) that counts every byte its connection
// moves, to hold the server's own byte counts against.
package transporttest

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"transportlab/internal/feed"
)

// Meter counts what a transport handler reports, as the server's stats
// would, for one test. It is the Meter of polling, sse and ws.
type Meter struct {
	Requests, Active, Events, Bytes atomic.Int64 // Active: answers not yet done; Bytes: the events' JSON
	Written                         atomic.Int64 // every body byte written
}

// Open counts one request, active until done is called.
func (m *Meter) Open(*http.Request) (sent func(events, eventBytes, written int), done func()) {
	m.Requests.Add(1)
	m.Active.Add(1)
	sent = func(events, eventBytes, written int) {
		m.Events.Add(int64(events))
		m.Bytes.Add(int64(eventBytes))
		m.Written.Add(int64(written))
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

// Listener remembers every connection it accepts, so that a test can cut
// them all from the server's side, as a server that drops its clients does:
// hijacked WebSockets too, which httptest's CloseClientConnections leaves
// alone. Put it in place of an unstarted httptest.Server's Listener.
type Listener struct {
	net.Listener

	mu    sync.Mutex
	conns []net.Conn
}

// Accept accepts a connection and remembers it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// Cut closes every connection accepted so far.
func (l *Listener) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}
