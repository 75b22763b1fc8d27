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
	seen         atomic.Int64   // when it last made a transport request (or, in class mode, a report: never a follow, see follow), Unix nanoseconds
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

// Seen is when the page last made a request that counts (see seen):
// pages.Registry forgets, when it needs room, the page seen least recently.
func (p *page) Seen() time.Time { return time.Unix(0, p.seen.Load()) }

// Busy reports whether the page has a stream open or a request being
// answered: pages.Registry never forgets it then.
func (p *page) Busy() bool {
	for _, c := range p.perTransport {
		if c.open.Load() > 0 {
			return true
		}
	}
	return false
}
