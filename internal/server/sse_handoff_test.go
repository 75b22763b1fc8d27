package server_test

import (
	"net/http"
	"testing"

	"transportlab/internal/server"
)

// An SSE stream lives on after its handler returns, on the connection it
// hijacked (sse.Handler's ServeHTTP). Everything its request's middleware
// does at the end of an answer still happens when the stream ends, and
// only then: its place under the stream caps, its counts open in all and
// for its page, and its line in its page's wire log.
func TestSSEStreamOffItsHandlerEndsWhenItsClientLeaves(t *testing.T) {
	srv, _ := newServer(t, server.Config{MaxStreamsPerIP: 1})
	key, _ := mint(t, srv)
	s := openSSE(t, srv, "/sse?client="+key)
	if st := getStats(t, srv, key); st.Client[server.SSE].Open != 1 || st.Transports[server.SSE].Open != 1 {
		t.Errorf("open stream: %d open for its page, %d in all; want 1 and 1", st.Client[server.SSE].Open, st.Transports[server.SSE].Open)
	}
	if resp := refused(t, srv, "/sse", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second stream from the address: status %d, want 503: the first holds its place", resp.StatusCode)
	}

	s.body.Close() // the client leaves, and says nothing more
	if !eventually(func() bool {
		st := getStats(t, srv, key)
		return st.Client[server.SSE].Open == 0 && st.Transports[server.SSE].Open == 0
	}) {
		t.Fatal("the stream of a client that left is still counted open")
	}
	if !eventually(func() bool { // its place under the cap is free again, a moment after
		resp, err := srv.Client().Get(srv.URL + "/sse")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		t.Error("the stream of a client that left still holds its place under the cap")
	}
	entries, _ := getWire(t, srv, key, 0)
	if len(entries) != 1 || entries[0].Kind != "request" || entries[0].Status != http.StatusOK {
		t.Errorf("wire log %+v, want the stream's request", entries)
	}
}
