package server_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/server"
)

// A follow request does not mark its page seen: one student behind the
// class's NAT address who keeps their pages asking cannot make a
// classmate's page the one the registry forgets when they open another.
func TestFollowKeepsNoPageFresh(t *testing.T) {
	clock := newTestClock()
	srv, _ := newServer(t, classConfig(server.Config{MaxPagesPerIP: 5, Now: clock.Now}))
	var flooder []string
	for range 4 {
		key, _ := mint(t, srv)
		flooder = append(flooder, key)
		clock.tick()
	}
	classmate, _ := mint(t, srv)
	poll(t, srv, classmate)
	clock.tick()
	for _, key := range flooder {
		if status, _ := follow(t, srv, "?client="+key); status != http.StatusOK {
			t.Fatalf("follow: status %d, want 200", status)
		}
	}
	clock.tick()
	mint(t, srv) // the sixth page of the address: one must go

	if getStats(t, srv, classmate).Client == nil {
		t.Error("the classmate's page was forgotten for the flooder's, which only asked to follow")
	}
	if getStats(t, srv, flooder[0]).Client != nil {
		t.Error("the flooder's first page, seen least recently, is still kept")
	}
}

// An address holds at most MaxStreamsPerIP follow requests open at once,
// as it holds streams: past it, 503 too_many_streams at once; another
// address, and the same one after one is answered, are let in.
func TestHeldFollowsAreCappedPerAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := newServerInBubble(t, classConfig(server.Config{MaxStreamsPerIP: 3}))
		defer srv.Client().CloseIdleConnections()
		var held []<-chan followState
		for range 3 {
			held = append(held, followAsync(t, srv, "?version=1"))
		}
		synctest.Wait()
		resp := callError(t, srv, http.MethodGet, "/api/class/follow?version=1", "", nil, http.StatusServiceUnavailable, "too_many_streams")
		if resp.Header.Get("Retry-After") == "" {
			t.Error("a refused follow request without Retry-After")
		}
		if status, st := follow(t, srv, ""); status != http.StatusServiceUnavailable {
			t.Errorf("a follow request that would not be held, past the cap: %d %+v, want 503", status, st)
		}
		classDo(t, srv, http.MethodPut, "/api/class", `{"paused":true}`) // answers the held ones
		for _, got := range held {
			if st := <-got; st.Version != 2 {
				t.Errorf("a held follow request answered version %d, want 2", st.Version)
			}
		}
		synctest.Wait()
		if status, _ := follow(t, srv, ""); status != http.StatusOK {
			t.Errorf("once answered, a follow request: %d, want 200", status)
		}
	})
}

// Follow requests and reports count against their address's allowance of
// class requests, together: a flood of them from one address is refused.
func TestClassRequestsAreLimitedPerAddress(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	srv, _ := newServer(t, classConfig(server.Config{Now: func() time.Time { return now },
		PerAddress: server.PerAddress{Class: server.Rate{PerSecond: 1, Burst: 3}}}))
	key, _ := mint(t, srv)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/api/class/follow"},
		{http.MethodPost, "/api/class/report?client=" + key},
		{http.MethodGet, "/api/class/follow?client=" + key},
	} {
		if resp, b := call(t, srv, r.method, r.path, `{}`, nil); resp.StatusCode >= 300 {
			t.Fatalf("%s %s within the burst: %d %s", r.method, r.path, resp.StatusCode, b)
		}
	}
	callError(t, srv, http.MethodPost, "/api/class/report?client="+key, `{}`, nil, http.StatusTooManyRequests, "too_many_requests")
	callError(t, srv, http.MethodGet, "/api/class/follow", "", nil, http.StatusTooManyRequests, "too_many_requests")
	if got := classLimited(t, srv); len(got) != 1 || got[0].Limit != "class" {
		t.Errorf("limited = %+v, want the address over its class limit", got)
	}
}
