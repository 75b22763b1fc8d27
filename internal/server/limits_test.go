package server_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/coder/websocket"

	"transportlab/internal/server"
)

// accepts reports whether a new WebSocket on srv is accepted now.
func accepts(srv *httptest.Server, opts *websocket.DialOptions) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, srv.URL+"/ws", opts)
	if err != nil {
		return false
	}
	c.CloseNow()
	return true
}

// All clients of these tests come from 127.0.0.1, so both limits of 2 turn
// the third stream away.
func TestStreamLimit(t *testing.T) {
	tests := []struct {
		name string
		cfg  server.Config
	}{
		{"in all", server.Config{MaxStreams: 2}},
		{"per address", server.Config{MaxStreamsPerIP: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, tt.cfg)
			openSSE(t, srv, "/sse")
			ws := dialWS(t, srv, "/ws")

			for _, path := range []string{"/sse", "/ws"} {
				resp := refused(t, srv, path, nil)
				if resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("third stream %s: status = %d, want 503", path, resp.StatusCode)
				}
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 {
					t.Errorf("third stream %s: Retry-After = %q, want seconds", path, resp.Header.Get("Retry-After"))
				}
				errorOf(t, resp, "too_many_streams")
			}
			var answer any
			if status := getJSON(t, srv, "/poll", &answer); status != http.StatusOK {
				t.Errorf("GET /poll at the stream limit: status = %d, want 200 (a poll is no stream)", status)
			}

			ws.CloseNow()
			// The slot is freed when the server's handler returns, a moment
			// after the client hung up.
			if !eventually(func() bool { return accepts(srv, nil) }) {
				t.Errorf("no new stream accepted after one closed")
			}
		})
	}
}

func TestStreamLimitPerAddressLeavesOthersIn(t *testing.T) {
	srv, _ := newServer(t, server.Config{MaxStreamsPerIP: 1})
	dialWS(t, srv, "/ws")
	if resp := refused(t, srv, "/ws", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second stream from 127.0.0.1: status = %d, want 503", resp.StatusCode)
	}

	// Another loopback address stands in for another machine.
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	other := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer other.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, srv.URL+"/ws", &websocket.DialOptions{HTTPClient: other})
	if resp == nil && err != nil {
		t.Skipf("cannot connect from 127.0.0.2 on this machine: %v", err)
	}
	if err != nil {
		t.Fatalf("first stream from 127.0.0.2: %v (status %d), want it accepted", err, resp.StatusCode)
	}
	c.CloseNow()
}
