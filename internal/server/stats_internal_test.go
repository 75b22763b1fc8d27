package server

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

func TestStatsMakeRoomOnlyFromLongIdlePages(t *testing.T) {
	now := time.Unix(1764150000, 0)
	s := newStats(func() time.Time { return now })
	m := s.meter(Poll)
	visit := func(id string) {
		_, done := m.Open(httptest.NewRequest("GET", "/poll?client="+id, nil))
		done()
	}
	for i := range maxClients {
		visit(fmt.Sprint("page", i))
	}
	open := s.meter(SSE)
	_, closeStream := open.Open(httptest.NewRequest("GET", "/sse?client=page0", nil))
	defer closeStream()

	// Full, and every page was just seen: a new one is not counted, and no
	// live page loses its counts.
	visit("newcomer")
	if _, client := s.snapshot("newcomer"); client != nil {
		t.Errorf("newcomer counted while every page was recent: %v", client)
	}
	if _, client := s.snapshot("page1"); client[Poll].Requests != 1 {
		t.Errorf("page1's counts = %v, want 1 poll: a recent page was forgotten", client)
	}

	// Long after, the idle pages make room; the one with a stream open stays.
	now = now.Add(clientIdle + time.Second)
	visit("newcomer")
	if _, client := s.snapshot("newcomer"); client[Poll].Requests != 1 {
		t.Errorf("newcomer's counts = %v, want 1 poll", client)
	}
	if _, client := s.snapshot("page0"); client == nil {
		t.Error("page0, with a stream open, was forgotten")
	}
	if _, client := s.snapshot("page1"); client != nil {
		t.Error("page1, idle for longer than clientIdle, is still kept")
	}
}
