package server

import (
	"net/http"
	"sync/atomic"

	"transportlab/internal/polling"
	"transportlab/internal/wire"
)

// The transports, as named in /api/stats and in a message's "via".
const (
	Poll = "poll"
	SSE  = "sse"
	WS   = "ws"
)

// LongPoll is /poll with ?wait=: the same endpoint, its own transport, so
// that its requests and latency stand beside short polling's.
const LongPoll = "longpoll"

// SocketIO is the Socket.IO lane: its polls, POSTs and WebSocket together.
const SocketIO = "socketio"

// transports are the server's lanes, in the order the page shows them.
var transports = []string{
	Poll,
	LongPoll,
	SSE,
	WS,
	SocketIO,
}

// designCard are the lanes of the project's design card, which a page,
// and a new class, shows until someone turns others on.
var designCard = []string{Poll, SSE, WS}

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
// Counting is a few atomic adds: it never slows a delivery.
type counters struct {
	requests, open, events, bytes atomic.Int64
	wire                          wire.Tally // added to by the connection
}

func (c *counters) snapshot() Counts {
	return Counts{
		Requests: c.requests.Load(),
		Open:     c.open.Load(),
		Events:   c.events.Load(),
		Bytes:    c.bytes.Load(),
		WireIn:   c.wire.In.Load(),
		WireOut:  c.wire.Out.Load(),
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

// snapshot returns the counts in all, and those of page id (nil when unknown).
func (s *server) snapshot(id string) (all, client map[string]Counts) {
	all = s.all.snapshot()
	if p, ok := s.pages.Lookup(id); ok {
		client = p.snapshot()
	}
	return all, client
}

// meter returns what a transport handler counts its spending with.
func (s *server) meter(transport string) meter {
	return meter{s: s, transport: transport}
}

// pollMeter returns the Meter of /poll: each request counts as short or
// long polling, as accountPolls claimed it.
func (s *server) pollMeter() pollMeter {
	return pollMeter{short: s.meter(Poll), long: s.meter(LongPoll)}
}

// pollMeter is the Meter of /poll: one meter per transport behind it.
type pollMeter struct{ short, long meter }

// Open counts r as a long poll when it names a wait, else as a short one:
// the same rule as accountPolls, so its bytes and its counts agree.
func (m pollMeter) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	if polling.IsLong(r) {
		return m.long.Open(r)
	}
	return m.short.Open(r)
}

// meter counts one transport's requests, open answers, events and bytes,
// in all and for the requesting page. It is the Meter of polling, sse and ws.
type meter struct {
	s         *server
	transport string
}

// Open counts one request of r's page. sent counts what was written in
// answer: the events, their JSON (the body) and all the handler wrote; done
// marks the answer finished.
func (m meter) Open(r *http.Request) (sent func(events, eventBytes, written int), done func()) {
	// In all, and the page's (nil: none): an array, which the closures
	// below hold as it is, with no allocation of its own.
	counts := [2]*counters{m.s.all[m.transport]}
	if p, ok := m.s.pageOf(r); ok {
		now := m.s.cfg.Now().UnixNano()
		p.seen.Store(now)
		if m.transport == Poll && r.Method == http.MethodGet { // a poll, not a message posted for polling
			p.polled.Store(now)
		}
		counts[1] = p.perTransport[m.transport]
	}
	for _, c := range counts {
		if c != nil {
			c.requests.Add(1)
			c.open.Add(1)
		}
	}
	x := wire.ExchangeOf(r) // for the wire log: what the request's answer held
	sent = func(events, eventBytes, written int) {
		for _, c := range counts {
			if c != nil {
				c.events.Add(int64(events))
				c.bytes.Add(int64(eventBytes))
			}
		}
		x.Sent(events, written)
	}
	done = func() {
		for _, c := range counts {
			if c != nil {
				c.open.Add(-1)
			}
		}
	}
	return sent, done
}
