package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"transportlab/internal/server"
)

// "WebSockets blocked" is one page's network, as a proxy that allows only
// plain HTTP: that page's upgrades, /ws and Socket.IO's, are refused 403
// and counted as the page counts them; its Socket.IO session goes on on
// long polling; another page's WebSocket is untouched; turned off, the
// upgrades work again.
func TestSimBlockWebSockets(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	other, _ := mint(t, srv)

	status, answer := send(t, srv, http.MethodPut, "/api/sim?client="+key, `{"blockWebSockets":true}`)
	if status != http.StatusOK || answer["blockWebSockets"] != true || answer["delayMs"] != 0.0 {
		t.Fatalf("PUT blockWebSockets alone: %d %v, want 200, blocked, the delay as it was", status, answer)
	}
	// With a delay, it stays unless named.
	if status, answer := send(t, srv, http.MethodPut, "/api/sim?client="+key, `{"delayMs":10}`); status != http.StatusOK || answer["blockWebSockets"] != true {
		t.Fatalf("PUT delayMs: %d %v, want the block kept", status, answer)
	}

	refused := func(path string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, strings.Replace(srv.URL, "http", "ws", 1)+path, &websocket.DialOptions{HTTPClient: srv.Client()})
		if err == nil {
			c.CloseNow()
			t.Fatalf("%s: upgraded, want it refused", path)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %v, want 403", path, err)
		}
	}
	refused("/ws?client=" + key)

	sid := sioOpen(t, srv, "client="+key)
	q := "client=" + key + "&sid=" + sid
	if status, body := sioRequest(t, srv, http.MethodPost, q, "40"); status != http.StatusOK {
		t.Fatalf("connect: %d %s", status, body)
	}
	sioRequest(t, srv, http.MethodGet, q, "") // the connect's answer and the hello
	refused("/socket.io/?EIO=4&transport=websocket&" + q)
	publish(t, hub, 1)
	if status, body := sioRequest(t, srv, http.MethodGet, q, ""); status != http.StatusOK || !strings.HasPrefix(body, `42["event",{"seq":1,`) {
		t.Errorf("poll after the refused upgrade: %d %q, want the event on long polling", status, body)
	}

	var stats struct{ Client map[string]server.Counts }
	getJSON(t, srv, "/api/stats?client="+key, &stats)
	if got := stats.Client[server.WS]; got.Requests != 1 || got.Open != 0 {
		t.Errorf("ws counts %+v, want the refused upgrade counted, nothing open", got)
	}
	if got := stats.Client[server.SocketIO]; got.Requests != 5 || got.Open != 0 {
		t.Errorf("socketio counts %+v, want 5 requests (handshake, connect, 2 polls, the refused upgrade), nothing open", got)
	}

	dialWS(t, srv, "/ws?client="+other) // another page's network is its own: upgraded

	if status, answer := send(t, srv, http.MethodPut, "/api/sim?client="+key, `{"blockWebSockets":false}`); status != http.StatusOK || answer["blockWebSockets"] != false {
		t.Fatalf("PUT blockWebSockets false: %d %v", status, answer)
	}
	dialWS(t, srv, "/ws?client="+key)

	for _, body := range []string{`{"blockWebSockets":"yes"}`, `{"blockWebSockets":true,"jitterMs":5}`, `{}`} {
		if status, answer := send(t, srv, http.MethodPut, "/api/sim?client="+key, body); status != http.StatusBadRequest || answer["error"] == nil {
			t.Errorf("PUT %s: %d %v, want 400 with a reason", body, status, answer)
		}
	}
	var state struct{ BlockWebSockets bool }
	getJSON(t, srv, "/api/sim?client="+key, &state)
	if state.BlockWebSockets {
		t.Error("bad input changed the block")
	}
}
