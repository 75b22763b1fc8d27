package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/coder/websocket"

	"transportlab/internal/server"
)

// actAnswer is the answer of POST /api/class/mute and /disconnect.
type actAnswer struct {
	Name    string
	Muted   bool
	Dropped int
	Pages   int
}

// act makes an instructor's act that must answer 200, and returns it.
func act(tb testing.TB, srv *httptest.Server, path, body string) actAnswer {
	tb.Helper()
	resp, b := call(tb, srv, http.MethodPost, path, body, bearer)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("POST %s %s: %d %s, want 200", path, body, resp.StatusCode, b)
	}
	var a actAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		tb.Fatalf("POST %s: decoding %s: %v", path, b, err)
	}
	return a
}

// wsSend sends a message over c with id and returns the server's reply to
// it: an ack or an error.
func wsSend(tb testing.TB, c *wsStream, text string, id int) (kind, code string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	msg, _ := json.Marshal(map[string]any{"kind": "message", "text": text, "id": id})
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		tb.Fatal(err)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			tb.Fatalf("reading the reply to message %d: %v", id, err)
		}
		var reply struct {
			Kind, Code string
			ID         json.RawMessage
		}
		if json.Unmarshal(b, &reply) == nil && string(reply.ID) == strconv.Itoa(id) {
			return reply.Kind, reply.Code
		}
	}
}

// A muted page's messages are refused with muted, by POST and over its
// open WebSocket, whose lanes go on; other pages' are not; the dashboard
// says which page is muted; unmuted, it may send again.
func TestMuteRefusesOnePagesMessages(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	loud, loudName := mint(t, srv)
	quiet, _ := mint(t, srv)
	loudWS, quietWS := dialWS(t, srv, "/ws?client="+loud), dialWS(t, srv, "/ws?client="+quiet)
	mute := func(body string) actAnswer { return act(t, srv, "/api/class/mute", body) }

	if a := mute(`{"name":"` + loudName + `","muted":true}`); a != (actAnswer{Name: loudName, Muted: true, Pages: 1}) {
		t.Errorf("mute: %+v, want %s muted, 1 page", a, loudName)
	}
	head := hub.Head()
	resp := post(t, srv, "?client="+loud, `{"text":"spam","via":"sse"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /api/messages of a muted page: status %d, want 403", resp.StatusCode)
	}
	errorOf(t, resp, "muted")
	if kind, code := wsSend(t, loudWS, "spam", 1); kind != "error" || code != "muted" {
		t.Errorf("a muted page's WebSocket message: %s %s, want an error with code muted", kind, code)
	}
	if got := hub.Head(); got != head {
		t.Errorf("head %d, want %d: nothing of the muted page published", got, head)
	}
	if kind, _ := wsSend(t, quietWS, "fine", 2); kind != "ack" {
		t.Errorf("another page's message: %s, want an ack", kind)
	}

	st := classDo(t, srv, http.MethodGet, "/api/class", "")
	muted := map[string]bool{}
	for _, p := range st.Pages {
		muted[p.Name] = p.Muted
	}
	if len(muted) != 2 || !muted[loudName] {
		t.Errorf("dashboard pages muted: %v, want 2 pages, %q muted and the other not", muted, loudName)
	}

	if a := mute(`{"name":"` + loudName + `","muted":false}`); a.Muted || a.Pages != 1 {
		t.Errorf("unmute: %+v, want not muted, 1 page", a)
	}
	if kind, _ := wsSend(t, loudWS, "sorry", 3); kind != "ack" {
		t.Errorf("an unmuted page's message: %s, want an ack", kind)
	}
}

// A disconnected page's connections close now, and its key is refused
// with 403 disconnected on every route that takes client=, for the rest
// of the run; another page goes on.
func TestDisconnectClosesAndRefusesTheKey(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	gone, goneName := mint(t, srv)
	stays, _ := mint(t, srv)
	sse := openSSE(t, srv, "/sse?client="+gone)
	ws := dialWS(t, srv, "/ws?client="+gone)
	other := dialWS(t, srv, "/ws?client="+stays)

	a := act(t, srv, "/api/class/disconnect", `{"name":"`+goneName+`"}`)
	if a != (actAnswer{Name: goneName, Dropped: 2, Pages: 1}) {
		t.Errorf("disconnect: %+v, want %s, 2 dropped, 1 page", a, goneName)
	}
	if _, err := io.Copy(io.Discard, sse.r); err == nil {
		t.Error("the SSE stream ended cleanly, want it cut")
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if _, _, err := ws.Read(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the WebSocket read %v, want it closed", err)
	}

	for _, route := range []struct{ method, path, body string }{
		{http.MethodGet, "/poll", ""},
		{http.MethodGet, "/sse", ""},
		{http.MethodGet, "/ws", ""},
		{http.MethodPost, "/api/messages", `{"text":"back"}`},
		{http.MethodGet, "/api/stats", ""},
		{http.MethodGet, "/api/wire", ""},
		{http.MethodGet, "/api/sim", ""},
		{http.MethodPut, "/api/sim", `{"delayMs":0}`},
		{http.MethodPost, "/api/sim/drop", `{"transport":"sse"}`},
		{http.MethodGet, "/api/class/follow", ""},
		{http.MethodPost, "/api/class/report", `{"following":true}`},
	} {
		callError(t, srv, route.method, route.path+"?client="+gone, route.body, nil, http.StatusForbidden, "disconnected")
	}
	if _, _, err := websocket.Dial(ctx, srv.URL+"/ws?client="+gone, nil); err == nil {
		t.Error("a WebSocket of the disconnected page opened, want it refused")
	}

	publish(t, hub, 1)
	if e := other.next(t); e.Seq != 1 {
		t.Errorf("the other page's WebSocket got %+v, want event 1", e)
	}
	if resp, b := call(t, srv, http.MethodGet, "/poll?client="+stays, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the other page's poll: %d %s, want 200", resp.StatusCode, b)
	}
}

// An act looks only at the pages present, as the dashboard counts them:
// two pages present that share a name are a 409 ambiguous_name, nothing
// done to either; once one has gone (seen more than 15 s ago, nothing
// open), the act falls on the other alone; a page long gone is no page.
func TestActsOnlyOnOnePagePresent(t *testing.T) {
	clock := newTestClock()
	srv, _ := newServer(t, classConfig(server.Config{Now: clock.Now}))
	seen := map[string]string{}
	var gone, here, name string
	for i := 0; gone == ""; i++ {
		if i == 100000 {
			t.Fatal("no two of 100,000 keys share a name")
		}
		key, n := classKeys.Mint()
		if other, ok := seen[n]; ok {
			gone, here, name = other, key, n
		}
		seen[n] = key
	}
	for _, key := range []string{gone, here} {
		poll(t, srv, key)
	}
	mute := `{"name":"` + name + `","muted":true}`
	callError(t, srv, http.MethodPost, "/api/class/mute", mute, bearer, http.StatusConflict, "ambiguous_name")
	callError(t, srv, http.MethodPost, "/api/class/disconnect", `{"name":"`+name+`"}`, bearer, http.StatusConflict, "ambiguous_name")
	for _, key := range []string{gone, here} {
		if resp := post(t, srv, "?client="+key, `{"text":"x"}`); resp.StatusCode != http.StatusAccepted {
			t.Errorf("after a refused act, a page's message: %d, want 202: nothing done", resp.StatusCode)
		}
	}

	for range 16 { // gone stays silent past class.SeenWithin; here keeps polling
		clock.tick()
		poll(t, srv, here)
	}
	if got := act(t, srv, "/api/class/mute", mute); got.Pages != 1 {
		t.Errorf("mute %q: %+v, want the one page present", name, got)
	}
	errorOf(t, post(t, srv, "?client="+here, `{"text":"x"}`), "muted")
	if resp := post(t, srv, "?client="+gone, `{"text":"x"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("the page gone, back: its message %d, want 202: the mute was not its", resp.StatusCode)
	}

	for range 16 { // both gone now
		clock.tick()
	}
	callError(t, srv, http.MethodPost, "/api/class/disconnect", `{"name":"`+name+`"}`, bearer, http.StatusNotFound, "not_found")
}

// A bad act changes nothing: an unknown name is a 404, a malformed body a
// 400; without the instructor, 401; without classroom mode, no route.
func TestActsRefuseBadInput(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	key, name := mint(t, srv)
	ws := dialWS(t, srv, "/ws?client="+key)
	for _, tt := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/api/class/mute", `{"name":"nobody here 7","muted":true}`, http.StatusNotFound, "not_found"},
		{"/api/class/disconnect", `{"name":"nobody here 7"}`, http.StatusNotFound, "not_found"},
		{"/api/class/mute", `{"name":"` + name + `"}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/mute", `{"name":"` + name + `","muted":"yes"}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/mute", `{"muted":true}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/disconnect", `{"name":" "}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/disconnect", `{"name":"` + name + `","now":true}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/disconnect", `{"name":"` + name + `"} {}`, http.StatusBadRequest, "bad_request"},
		{"/api/class/disconnect", `["` + name + `"]`, http.StatusBadRequest, "bad_request"},
	} {
		callError(t, srv, http.MethodPost, tt.path, tt.body, bearer, tt.status, tt.code)
	}
	for _, path := range []string{"/api/class/mute", "/api/class/disconnect"} {
		callError(t, srv, http.MethodPost, path, `{"name":"`+name+`","muted":true}`, nil, http.StatusUnauthorized, "unauthorized")
	}
	if kind, _ := wsSend(t, ws, "still here", 1); kind != "ack" {
		t.Errorf("after refused acts the page's message: %s, want an ack: nothing changed", kind)
	}
	if resp, b := call(t, srv, http.MethodGet, "/poll?client="+key, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after refused acts the page's poll: %d %s, want 200", resp.StatusCode, b)
	}

	plain, _ := newServer(t, server.Config{})
	for _, path := range []string{"/api/class/mute", "/api/class/disconnect"} {
		callError(t, plain, http.MethodPost, path, `{"name":"`+name+`"}`, bearer, http.StatusNotFound, "not_found")
	}
}

// A message refused as muted or messages_off is one more request of its
// via transport all the same, as the page counts it before it sends.
func TestRefusedMessageIsCountedAsARequest(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	key, name := mint(t, srv)
	act(t, srv, "/api/class/mute", `{"name":"`+name+`","muted":true}`)
	errorOf(t, post(t, srv, "?client="+key, `{"text":"spam","via":"sse"}`), "muted")
	act(t, srv, "/api/class/mute", `{"name":"`+name+`","muted":false}`)
	classDo(t, srv, http.MethodPut, "/api/class", `{"messages":false}`)
	errorOf(t, post(t, srv, "?client="+key, `{"text":"spam","via":"poll"}`), "messages_off")

	c := getStats(t, srv, key).Client
	if c[server.SSE].Requests != 1 || c[server.Poll].Requests != 1 {
		t.Errorf("requests counted: sse %d, poll %d; want 1 each, as the page counts them", c[server.SSE].Requests, c[server.Poll].Requests)
	}
}
