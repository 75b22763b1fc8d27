package server

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The transports, as named in /api/stats and in a message's "via".
const (
	Poll = "poll"
	SSE  = "sse"
	WS   = "ws"
)

var transports = []string{Poll, SSE, WS}

// Bounds on the page ids the stats remember. When maxClients are known, a
// new id makes room by forgetting those with nothing open that made no
// request for clientIdle; if none is that old, the new id is not counted
// (its page shows no server count) rather than wiping a live page's.
const (
	maxClients = 10000
	clientIdle = 10 * time.Minute
)

// Counts is what one transport spent, in all or for one page, as
// /api/stats shows it.
type Counts struct {
	Requests int64 `json:"requests"` // HTTP requests: polls, stream connections, upgrades, message posts
	Open     int64 `json:"open"`     // requests still being answered: open streams, polls in flight
	Events   int64 `json:"events"`   // events written
	Bytes    int64 `json:"bytes"`    // the events' JSON bytes written: the body, the same on every transport
	// What crossed the socket, counted at the connection: request and
	// response lines and headers, bodies, chunk and frame headers, pings,
	// pongs and closes (TCP and IP headers are below the socket).
	WireIn  int64 `json:"wireIn"`  // bytes read from the client
	WireOut int64 `json:"wireOut"` // bytes written to it
}

// counters are Counts as they are kept: added to by many handlers at once.
type counters struct {
	requests, open, events, bytes atomic.Int64
	wireIn, wireOut               atomic.Int64
}

func (c *counters) snapshot() Counts {
	return Counts{
		Requests: c.requests.Load(),
		Open:     c.open.Load(),
		Events:   c.events.Load(),
		Bytes:    c.bytes.Load(),
		WireIn:   c.wireIn.Load(),
		WireOut:  c.wireOut.Load(),
	}
}

// perTransport holds one counters per transport.
type perTransport map[string]*counters

func newPerTransport() perTransport {
	p := make(perTransport, len(transports))
	for _, t := range transports {
		p[t] = new(counters)
	}
	return p
}

func (p perTransport) snapshot() map[string]Counts {
	m := make(map[string]Counts, len(p))
	for t, c := range p {
		m[t] = c.snapshot()
	}
	return m
}

// page is what the stats know of one page id.
type page struct {
	perTransport
	seen  atomic.Int64 // when it last made a request, Unix nanoseconds
	wire  wireLog      // what crossed its wire that its browser hides
	sim   netSim       // the network it asked the server to simulate
	conns conns        // its connections, for a simulated drop
}

// idleSince reports whether the page has nothing open and made no request
// after t.
func (p *page) idleSince(t time.Time) bool {
	if p.seen.Load() > t.UnixNano() {
		return false
	}
	for _, c := range p.perTransport {
		if c.open.Load() > 0 {
			return false
		}
	}
	return true
}

// stats counts, per transport, what the server spent in all and for each
// page (the page's ?client= id), so the page can show the server's count
// beside its own. Counting is a few atomic adds: it never slows a delivery.
type stats struct {
	all perTransport
	now func() time.Time

	mu    sync.Mutex
	pages map[string]*page
}

func newStats(now func() time.Time) *stats {
	return &stats{all: newPerTransport(), now: now, pages: make(map[string]*page)}
}

// page returns what is kept for page id, or nil when id is empty or there
// is no room for it.
func (s *stats) page(id string) *page {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[id]
	if ok {
		return p
	}
	if len(s.pages) >= maxClients {
		before := s.now().Add(-clientIdle)
		for old, q := range s.pages {
			if q.idleSince(before) {
				delete(s.pages, old)
			}
		}
		if len(s.pages) >= maxClients {
			return nil
		}
	}
	p = &page{perTransport: newPerTransport()}
	s.pages[id] = p
	return p
}

// known returns what is kept for page id, or nil when nothing is.
func (s *stats) known(id string) *page {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pages[id]
}

// snapshot returns the counts in all, and those of page id (nil when unknown).
func (s *stats) snapshot(id string) (all, client map[string]Counts) {
	all = s.all.snapshot()
	if p := s.known(id); p != nil {
		client = p.snapshot()
	}
	return all, client
}

// meter returns what a transport handler counts its spending with.
func (s *stats) meter(transport string) meter {
	return meter{s: s, transport: transport}
}

// meter counts one transport's requests, open answers, events and bytes,
// in all and for the requesting page. It is the Meter of polling, sse and ws.
type meter struct {
	s         *stats
	transport string
}

// Open counts one request of r's page. sent counts what was written in
// answer; done marks the answer finished. When the server counts bytes on
// the wire (Listen), the request's connection is now this transport's.
func (m meter) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	x := &exchange{transport: m.transport, request: r, counts: []*counters{m.s.all[m.transport]}}
	if p := m.s.page(r.URL.Query().Get("client")); p != nil {
		p.seen.Store(m.s.now().UnixNano())
		x.page = p
		x.counts = append(x.counts, p.perTransport[m.transport])
	}
	for _, c := range x.counts {
		c.requests.Add(1)
		c.open.Add(1)
	}
	if wc := wireOf(r); wc != nil {
		wc.claim(x)
	}
	sent = func(events, eventBytes, written int) {
		for _, c := range x.counts {
			c.events.Add(int64(events))
			c.bytes.Add(int64(eventBytes))
		}
		x.events.Add(int64(events))
		x.body.Add(int64(written))
		x.flushed.Store(x.out.Load()) // SSE reports before it flushes: see OnHeartbeat in New
		if x.stream() && x.logged.CompareAndSwap(false, true) {
			// A stream is under way once its first bytes went out: log its
			// request now rather than when it ends, minutes later.
			m.s.logRequest(x, streamStatus[m.transport])
		}
	}
	done = func() {
		for _, c := range x.counts {
			c.open.Add(-1)
		}
	}
	return sent, done
}

// streamStatus is how a stream answers once it is under way.
var streamStatus = map[string]int{SSE: http.StatusOK, WS: http.StatusSwitchingProtocols}
