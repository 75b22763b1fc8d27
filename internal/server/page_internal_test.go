package server

import (
	"testing"
	"time"
)

// A page is idle once it has nothing open and made no request since: then
// the registry may forget it, never while a stream of it is open.
func TestPageIdle(t *testing.T) {
	now := time.Unix(1764150000, 0)
	p := newPage(func() time.Time { return now })
	p.seen.Store(now.UnixNano())
	if p.Idle(now.Add(-time.Second)) {
		t.Error("a page seen after t is idle since t")
	}
	if !p.Idle(now.Add(time.Second)) {
		t.Error("a page with nothing open, not seen after t, is not idle since t")
	}
	p.perTransport[SSE].open.Add(1)
	if p.Idle(now.Add(time.Second)) {
		t.Error("a page with a stream open is idle")
	}
}
