package server

import (
	"testing"
	"time"
)

// A page is busy while a request of it is open: the registry never
// forgets it then, however long ago it was seen.
func TestPageSeenAndBusy(t *testing.T) {
	now := time.Unix(1764150000, 0)
	p := newPage(func() time.Time { return now })
	if !p.Seen().Equal(now) {
		t.Errorf("a new page's Seen = %v, want %v: when it was made", p.Seen(), now)
	}
	if p.Busy() {
		t.Error("a new page with nothing open is busy")
	}
	p.perTransport[SSE].open.Add(1)
	if !p.Busy() {
		t.Error("a page with a stream open is not busy")
	}
}
