package server

import (
	"sync/atomic"
	"time"

	"transportlab/internal/class"
	"transportlab/internal/netsim"
	"transportlab/internal/wire"
)

// page is what the server keeps for one page id, in s.pages.
type page struct {
	perTransport                // what each transport spent for it
	seen         atomic.Int64   // when it last made a transport request (or, in class mode, a follow or report), Unix nanoseconds
	polled       atomic.Int64   // when it last polled, Unix nanoseconds: polling is "open" for a while after
	log          *wire.Log      // what crossed its wire that its browser hides
	net          netsim.Network // the network it asked the server to simulate, and its connections on it
	student      class.Student  // in class mode: its reports and follow requests
}

// newPage returns a page seen now: not idle, so not forgotten before its
// first request is counted.
func newPage(now func() time.Time) *page {
	p := &page{perTransport: newPerTransport(), log: wire.NewLog(now)}
	p.seen.Store(now().UnixNano())
	return p
}

// Idle reports whether the page has nothing open and made no request
// after t: pages.Registry may then forget it.
func (p *page) Idle(t time.Time) bool {
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
