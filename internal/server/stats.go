package server

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// The transports, as named in /api/stats and in a message's "via".
const (
	Poll = "poll"
	SSE  = "sse"
	WS   = "ws"
)

var transports = []string{Poll, SSE, WS}

// maxClients bounds how many page ids the stats remember. When full, ids
// with nothing open are forgotten to make room.
const maxClients = 10000

// Counters are what one transport spent, in all or for one client.
type Counters struct {
	Requests atomic.Int64 // HTTP requests: polls, stream connections, upgrades, message posts
	Open     atomic.Int64 // requests still being answered: open streams, polls in flight
	Events   atomic.Int64 // events written
	Bytes    atomic.Int64 // response body or message bytes written
}

// CountersJSON is a snapshot of Counters, as /api/stats shows it.
type CountersJSON struct {
	Requests int64 `json:"requests"`
	Open     int64 `json:"open"`
	Events   int64 `json:"events"`
	Bytes    int64 `json:"bytes"`
}

func (c *Counters) snapshot() CountersJSON {
	return CountersJSON{c.Requests.Load(), c.Open.Load(), c.Events.Load(), c.Bytes.Load()}
}

// perTransport holds one Counters per transport.
type perTransport map[string]*Counters

func newPerTransport() perTransport {
	p := make(perTransport, len(transports))
	for _, t := range transports {
		p[t] = new(Counters)
	}
	return p
}

func (p perTransport) snapshot() map[string]CountersJSON {
	m := make(map[string]CountersJSON, len(p))
	for t, c := range p {
		m[t] = c.snapshot()
	}
	return m
}

func (p perTransport) idle() bool {
	for _, c := range p {
		if c.Open.Load() > 0 {
			return false
		}
	}
	return true
}

// Stats counts, per transport, what the server spent in all and for each
// page (the page's ?client= id), so the page can show the server's count
// beside its own. Counting is a few atomic adds: it never slows a delivery.
type Stats struct {
	all perTransport

	mu      sync.Mutex
	clients map[string]perTransport
}

// NewStats returns stats with every count at zero.
func NewStats() *Stats {
	return &Stats{all: newPerTransport(), clients: make(map[string]perTransport)}
}

// client returns the counters of page id for a transport, or nil when id is
// empty or there is no room to remember it.
func (s *Stats) client(id, transport string) *Counters {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.clients[id]
	if !ok {
		if len(s.clients) >= maxClients {
			for id, p := range s.clients {
				if p.idle() {
					delete(s.clients, id)
				}
			}
			if len(s.clients) >= maxClients {
				return nil
			}
		}
		p = newPerTransport()
		s.clients[id] = p
	}
	return p[transport]
}

// Snapshot returns the counts in all, and those of page id (nil when unknown).
func (s *Stats) Snapshot(id string) (all, client map[string]CountersJSON) {
	all = s.all.snapshot()
	s.mu.Lock()
	p, ok := s.clients[id]
	s.mu.Unlock()
	if ok {
		client = p.snapshot()
	}
	return all, client
}

// Meter returns what a transport handler counts its spending with.
func (s *Stats) Meter(transport string) Meter {
	return Meter{s: s, transport: transport}
}

// Meter counts one transport's requests, open answers, events and bytes,
// in all and for the requesting page.
type Meter struct {
	s         *Stats
	transport string
}

// Open counts one request of r's page. sent counts what was written in
// answer; done marks the answer finished.
func (m Meter) Open(r *http.Request) (sent func(events, bytes int), done func()) {
	all, one := m.s.all[m.transport], m.s.client(r.URL.Query().Get("client"), m.transport)
	for _, c := range []*Counters{all, one} {
		if c != nil {
			c.Requests.Add(1)
			c.Open.Add(1)
		}
	}
	sent = func(events, bytes int) {
		all.Events.Add(int64(events))
		all.Bytes.Add(int64(bytes))
		if one != nil {
			one.Events.Add(int64(events))
			one.Bytes.Add(int64(bytes))
		}
	}
	done = func() {
		all.Open.Add(-1)
		if one != nil {
			one.Open.Add(-1)
		}
	}
	return sent, done
}
