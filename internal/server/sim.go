package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"transportlab/internal/clientaddr"
	"transportlab/internal/httpjson"
	"transportlab/internal/netsim"
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
//     goodbye, as a network that fails does;
//   - WebSockets blocked: its WebSocket upgrades (/ws, /socket.io/ with
//     transport=websocket) are refused with a 403, as a proxy that allows
//     only plain HTTP refuses them: Socket.IO stays on long polling, the
//     WebSocket lane cannot connect.
// The simulation lives in the connection (internal/netsim): the transports
// know nothing of it. These are its handlers.

// simState is the body of GET and PUT /api/sim.
type simState struct {
	DelayMs        int64     `json:"delayMs"`
	JitterMs       int64     `json:"jitterMs"`
	StalledMs      int64     `json:"stalledMs"` // what is left of a stall
	Limits         simLimits `json:"limits"`
	WriteTimeoutMs int64     `json:"writeTimeoutMs"` // a stream's write blocked longer is cut off; 0: never
	// BlockWebSockets: the page's WebSocket upgrades are refused (refuseUpgrades).
	BlockWebSockets bool `json:"blockWebSockets"`
}

type simLimits struct {
	DelayMs int64 `json:"delayMs"`
	StallMs int64 `json:"stallMs"`
}

func (s *server) simState(n *netsim.Network) simState {
	delay, jitter, stalled := n.Conditions()
	return simState{
		DelayMs:        delay.Milliseconds(),
		JitterMs:       jitter.Milliseconds(),
		StalledMs:      stalled.Milliseconds(),
		Limits:         simLimits{DelayMs: netsim.MaxDelay.Milliseconds(), StallMs: netsim.MaxStall.Milliseconds()},
		WriteTimeoutMs: s.cfg.WriteTimeout.Milliseconds(),

		BlockWebSockets: n.WebSocketsBlocked(),
	}
}

// simClient returns the page id in ?client=, or answers 400 and returns
// "". The simulation is per page: without an id there is nothing to apply
// it to.
func simClient(w http.ResponseWriter, r *http.Request) string {
	id := clientOf(r)
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
	p, ok := s.pages.GetOrCreate(id, clientaddr.Key(r.RemoteAddr))
	if !ok {
		tooManyPages(w)
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
	n := new(netsim.Network)
	if p, ok := s.pages.Lookup(id); ok {
		n = &p.net
	}
	httpjson.Write(w, http.StatusOK, s.simState(n))
}

// putSim answers PUT /api/sim?client=ID {"delayMs":150,"jitterMs":50}: from
// now on, everything the server sends on the page's connections is held
// back delayMs ± jitterMs. "blockWebSockets": true or false, with the delay
// or alone, refuses the page's WebSocket upgrades from now on, or allows
// them again; left out, it stays as it was.
func (s *server) putSim(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DelayMs         *int64 `json:"delayMs"`
		JitterMs        int64  `json:"jitterMs"`
		BlockWebSockets *bool  `json:"blockWebSockets"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if req.DelayMs == nil && req.BlockWebSockets != nil {
		if req.JitterMs != 0 {
			httpjson.Error(w, http.StatusBadRequest, errors.New("jitterMs needs delayMs"))
			return
		}
		p := s.simPage(w, r)
		if p == nil {
			return
		}
		p.net.BlockWebSockets(*req.BlockWebSockets)
		httpjson.Write(w, http.StatusOK, s.simState(&p.net))
		return
	}
	limit := netsim.MaxDelay.Milliseconds()
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
	p.net.Set(time.Duration(*req.DelayMs)*time.Millisecond, time.Duration(req.JitterMs)*time.Millisecond)
	if req.BlockWebSockets != nil {
		p.net.BlockWebSockets(*req.BlockWebSockets)
	}
	httpjson.Write(w, http.StatusOK, s.simState(&p.net))
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
	if limit := netsim.MaxStall.Milliseconds(); req.Ms < 1 || req.Ms > limit {
		httpjson.Error(w, http.StatusBadRequest, fmt.Errorf("ms must be from 1 to %d", limit))
		return
	}
	p := s.simPage(w, r)
	if p == nil {
		return
	}
	p.net.Stall(time.Duration(req.Ms) * time.Millisecond)
	p.log.Network("", "stall", req.Ms, 0)
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
	case Poll, LongPoll, SSE, WS:
	default:
		httpjson.Error(w, http.StatusBadRequest, errors.New(`transport must be "poll", "longpoll", "sse" or "ws"`))
		return
	}
	p := s.simPage(w, r)
	if p == nil {
		return
	}
	n := p.net.Drop(req.Transport)
	s.cutOff(req.Transport, CutSimulatedDrop, n)
	p.log.Network(req.Transport, "drop", 0, n)
	s.log.Info("connections dropped", "client", s.nameOf(r), "transport", req.Transport, "dropped", n)
	httpjson.Write(w, http.StatusOK, map[string]int{"dropped": n})
}

// refuseUpgrades answers a WebSocket upgrade of a page whose simulated
// network blocks them 403, websocket_blocked, as a proxy that allows only
// plain HTTP refuses it, before the transport sees it. It comes after
// account, and counts the request as transport's: the page made it, and
// counts it too. A Socket.IO client's probe fails and its session stays
// on long polling; a browser's WebSocket sees only a failed connection,
// so the page says why from its own network's state.
func (s *server) refuseUpgrades(transport string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isUpgrade(r) {
				next.ServeHTTP(w, r)
				return
			}
			if p, ok := s.pages.Lookup(clientOf(r)); ok && p.net.WebSocketsBlocked() {
				_, done := s.meter(transport).Open(r)
				defer done()
				httpjson.ErrorCode(w, http.StatusForbidden, httpjson.WebSocketBlocked,
					errors.New("WebSockets are blocked on this page's simulated network, as by a proxy that allows only plain HTTP"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isUpgrade reports whether r asks to become a WebSocket.
func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
