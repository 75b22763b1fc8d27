package server

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"transportlab/internal/httpjson"
)

// On localhost every transport looks instant. To show what a slow or broken
// network does to each, a page may ask the server to treat its own
// connections (and no one else's) as if they crossed a worse network:
//   - a delay, with jitter, on everything the server sends it: each write is
//     held back, in order, as a long cable would;
//   - a stall: the server writes nothing to it for a while, as when a
//     client stops reading; a stream stuck longer than the write timeout is
//     cut off, and resumes from history when it comes back;
//   - a drop: the server closes one transport's connections now, without a
//     goodbye, as a network that fails does.
// The simulation lives in the connection (wireConn): the transports know
// nothing of it.

// What a page may ask for, at most.
const (
	maxDelay = time.Second
	maxStall = 30 * time.Second
	// maxHeld is how many bytes a connection may hold back before a write
	// waits for room, as a full send buffer makes it wait: a client that
	// stopped reading still blocks the server's writes, and the hub still
	// cuts it off.
	maxHeld = 64 << 10
)

// netSim is what one page asked for. The zero value is a good network.
type netSim struct {
	mu            sync.Mutex
	delay, jitter time.Duration
	stalledUntil  time.Time
}

// hold returns how long to hold back a write now: the delay, give or take
// the jitter, uniformly.
func (s *netSim) hold() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jitter == 0 {
		return s.delay
	}
	return s.delay - s.jitter + rand.N(2*s.jitter+1)
}

// stall returns until when writes are stopped.
func (s *netSim) stall() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stalledUntil
}

// delayed reports whether writes are held back at all.
func (s *netSim) delayed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay > 0
}

// simState is the body of GET and PUT /api/sim.
type simState struct {
	DelayMs        int64     `json:"delayMs"`
	JitterMs       int64     `json:"jitterMs"`
	StalledMs      int64     `json:"stalledMs"` // what is left of a stall
	Limits         simLimits `json:"limits"`
	WriteTimeoutMs int64     `json:"writeTimeoutMs"` // a stream's write blocked longer is cut off; 0: never
}

type simLimits struct {
	DelayMs int64 `json:"delayMs"`
	StallMs int64 `json:"stallMs"`
}

func (s *server) simState(n *netSim) simState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return simState{
		DelayMs:        n.delay.Milliseconds(),
		JitterMs:       n.jitter.Milliseconds(),
		StalledMs:      max(n.stalledUntil.Sub(time.Now()), 0).Milliseconds(),
		Limits:         simLimits{DelayMs: maxDelay.Milliseconds(), StallMs: maxStall.Milliseconds()},
		WriteTimeoutMs: s.cfg.WriteTimeout.Milliseconds(),
	}
}

// simClient returns the page id in ?client=, or answers 400 and returns
// "". The simulation is per page: without an id there is nothing to apply
// it to.
func simClient(w http.ResponseWriter, r *http.Request) string {
	id := r.URL.Query().Get("client")
	if id == "" {
		httpjson.Error(w, http.StatusBadRequest, errors.New("client is required: the page whose network to simulate"))
	}
	return id
}

// simPage returns the page that ?client= names, made if need be, or
// answers 400 (no id) or 503 (no room for another page) and returns nil.
func (s *server) simPage(w http.ResponseWriter, r *http.Request) *page {
	id := simClient(w, r)
	if id == "" {
		return nil
	}
	p := s.stats.page(id)
	if p == nil {
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.TooManyPages, errors.New("too many pages: try again later"))
	}
	return p
}

// getSim answers GET /api/sim?client=ID: the page's simulated network, a
// good one for a page the server does not know (asking changes nothing).
func (s *server) getSim(w http.ResponseWriter, r *http.Request) {
	id := simClient(w, r)
	if id == "" {
		return
	}
	sim := new(netSim)
	if p := s.stats.known(id); p != nil {
		sim = &p.sim
	}
	httpjson.Write(w, http.StatusOK, s.simState(sim))
}

// putSim answers PUT /api/sim?client=ID {"delayMs":150,"jitterMs":50}: from
// now on, everything the server sends on the page's connections is held
// back delayMs ± jitterMs.
func (s *server) putSim(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DelayMs  *int64 `json:"delayMs"`
		JitterMs int64  `json:"jitterMs"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	limit := maxDelay.Milliseconds()
	switch {
	case req.DelayMs == nil:
		httpjson.Error(w, http.StatusBadRequest, errors.New("delayMs is required"))
		return
	case *req.DelayMs < 0 || *req.DelayMs > limit:
		httpjson.Error(w, http.StatusBadRequest, fmt.Errorf("delayMs must be from 0 to %d", limit))
		return
	case req.JitterMs < 0 || req.JitterMs > *req.DelayMs:
		httpjson.Error(w, http.StatusBadRequest, errors.New("jitterMs must be from 0 to delayMs: a write cannot leave before it is made"))
		return
	}
	p := s.simPage(w, r)
	if p == nil {
		return
	}
	p.sim.mu.Lock()
	p.sim.delay = time.Duration(*req.DelayMs) * time.Millisecond
	p.sim.jitter = time.Duration(req.JitterMs) * time.Millisecond
	p.sim.mu.Unlock()
	httpjson.Write(w, http.StatusOK, s.simState(&p.sim))
}

// stall answers POST /api/sim/stall?client=ID {"ms":5000}: the server
// writes nothing to the page's connections for that long.
func (s *server) stall(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ms int64 `json:"ms"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if limit := maxStall.Milliseconds(); req.Ms < 1 || req.Ms > limit {
		httpjson.Error(w, http.StatusBadRequest, fmt.Errorf("ms must be from 1 to %d", limit))
		return
	}
	p := s.simPage(w, r)
	if p == nil {
		return
	}
	d := time.Duration(req.Ms) * time.Millisecond
	p.sim.mu.Lock()
	p.sim.stalledUntil = time.Now().Add(d)
	p.sim.mu.Unlock()
	s.stats.logSim(p, "", "stall", req.Ms, 0)
	httpjson.Write(w, http.StatusAccepted, map[string]int64{"stalledMs": req.Ms})
}

// drop answers POST /api/sim/drop?client=ID {"transport":"sse"}: the server
// closes the page's connections of that transport now, without a goodbye.
func (s *server) drop(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Transport string `json:"transport"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	switch req.Transport {
	case Poll, SSE, WS:
	default:
		httpjson.Error(w, http.StatusBadRequest, errors.New(`transport must be "poll", "sse" or "ws"`))
		return
	}
	p := s.simPage(w, r)
	if p == nil {
		return
	}
	n := p.drop(req.Transport)
	s.stats.logSim(p, req.Transport, "drop", 0, n)
	s.log.Info("connections dropped", "client", r.URL.Query().Get("client"), "transport", req.Transport, "dropped", n)
	httpjson.Write(w, http.StatusOK, map[string]int{"dropped": n})
}

// conns are a page's connections, by the transport that last used each.
type conns struct {
	mu sync.Mutex
	m  map[*wireConn]string
}

func (c *conns) set(wc *wireConn, transport string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[*wireConn]string)
	}
	c.m[wc] = transport
}

func (c *conns) remove(wc *wireConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, wc)
}

// drop closes the page's connections of transport and says how many.
func (p *page) drop(transport string) int {
	p.conns.mu.Lock()
	var victims []*wireConn
	for wc, t := range p.conns.m {
		if t == transport {
			victims = append(victims, wc)
		}
	}
	p.conns.mu.Unlock()
	for _, wc := range victims {
		wc.Close()
	}
	return len(victims)
}
