package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

// post sends body to POST /api/messages with query, as a page does.
func post(tb testing.TB, srv *httptest.Server, query, body string) *http.Response {
	tb.Helper()
	resp, err := srv.Client().Post(srv.URL+"/api/messages"+query, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatalf("POST /api/messages: %v", err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

// A message posted for polling or SSE is seen arriving over every transport,
// and it is one more request spent by the transport it stands in for.
func TestPostMessageReachesEveryStream(t *testing.T) {
	for _, via := range []string{server.SSE, server.Poll} {
		t.Run(via, func(t *testing.T) {
			keys := pagekey.New()
			srv, hub := newServer(t, server.Config{Keys: keys})
			publish(t, hub, 2)
			watcher, _ := mint(t, srv)
			poster, _ := mint(t, srv)
			s := openSSE(t, srv, "/sse?client="+watcher)
			ws := dialWS(t, srv, "/ws?client="+watcher)

			client := transporttest.NewMeteredClient(t)
			resp, err := client.Post(srv.URL+"/api/messages?client="+poster, "application/json",
				strings.NewReader(`{"text":"hello, class","via":"`+via+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("POST status = %d, want 202", resp.StatusCode)
			}
			var answer struct{ Seq uint64 }
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
				t.Fatalf("decoding the answer: %v", err)
			}
			if answer.Seq != 3 {
				t.Errorf("answer seq = %d, want 3, the next seq of the feed", answer.Seq)
			}

			want := feed.Event{Seq: answer.Seq, Kind: feed.KindMessage, From: keys.Name(poster), Text: "hello, class", Via: via}
			for name, got := range map[string]feed.Event{"SSE": s.nextEvent(t), "WebSocket": ws.next(t)} {
				if got.TS <= 0 {
					t.Errorf("%s: ts = %d, want the publish time", name, got.TS)
				}
				got.TS = 0
				if got != want {
					t.Errorf("%s: got %+v, want %+v", name, got, want)
				}
			}

			counts := getStats(t, srv, poster).Client
			for _, tr := range []string{server.Poll, server.SSE, server.WS} {
				want := server.Counts{}
				if tr == via { // the post, on the wire both ways
					want = server.Counts{Requests: 1, WireIn: client.Sent.Load(), WireOut: client.Received.Load()}
				}
				if got := counts[tr]; got != want {
					t.Errorf("poster's %s counters = %+v, want %+v", tr, got, want)
				}
			}
		})
	}
}

func TestPostMessageTextLimitIsInCharacters(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	text := strings.Repeat("é", feed.MaxTextLen) // twice as many bytes
	resp := post(t, srv, "", `{"text":"`+text+`","via":"sse"}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST of %d characters: status = %d, want 202", feed.MaxTextLen, resp.StatusCode)
	}
	if got := hub.Head(); got != 1 {
		t.Errorf("Head() = %d, want 1", got)
	}
}

// Bad input gets a clear answer and changes nothing: the feed's head stays.
func TestPostMessageRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		body   string
		status int
	}{
		{"malformed JSON", "", `{"text":`, http.StatusBadRequest},
		{"empty body", "", ``, http.StatusBadRequest},
		{"not an object", "", `"hello"`, http.StatusBadRequest},
		{"unknown field", "", `{"text":"hi","via":"sse","urgent":true}`, http.StatusBadRequest},
		{"trailing data", "", `{"text":"hi","via":"sse"} {"text":"again"}`, http.StatusBadRequest},
		{"empty text", "", `{"text":"","via":"sse"}`, http.StatusBadRequest},
		{"blank text", "", `{"text":" \n\t","via":"sse"}`, http.StatusBadRequest},
		{"text too long", "", `{"text":"` + strings.Repeat("a", feed.MaxTextLen+1) + `","via":"sse"}`, http.StatusBadRequest},
		{"via ws, which sends over its own connection", "", `{"text":"hi","via":"ws"}`, http.StatusBadRequest},
		{"via unknown", "", `{"text":"hi","via":"pigeon"}`, http.StatusBadRequest},
		{"client not minted", "?client=a%20b", `{"text":"hi","via":"sse"}`, http.StatusBadRequest},
		{"body over 4096 bytes", "", `{"text":"` + strings.Repeat("a", 5000) + `","via":"sse"}`, http.StatusRequestEntityTooLarge},
	}
	srv, hub := newServer(t, server.Config{})
	publish(t, hub, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, srv, tt.query, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("POST %q: status = %d, want %d", tt.body, resp.StatusCode, tt.status)
			}
			code := httpjson.CodeOf(tt.status)
			if strings.Contains(tt.query, "client=") {
				code = httpjson.BadKey
			}
			errorOf(t, resp, code)
			if got := hub.Head(); got != 2 {
				t.Errorf("Head() after a refused POST = %d, want 2 (unchanged)", got)
			}
		})
	}
}

func TestGetMessagesIsMethodNotAllowed(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	resp := refused(t, srv, "/api/messages", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/messages status = %d, want 405", resp.StatusCode)
	}
	errorOf(t, resp, "method_not_allowed")
}

func TestPostMessageRateLimit(t *testing.T) {
	srv, hub := newServer(t, server.Config{MessageRate: 1, MessageBurst: 2})
	chatty, _ := mint(t, srv)
	quiet, _ := mint(t, srv)
	for i := range 2 {
		if resp := post(t, srv, "?client="+chatty, `{"text":"hi","via":"sse"}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("message %d of the burst: status %d, want 202", i+1, resp.StatusCode)
		}
	}
	head := hub.Head()
	resp := post(t, srv, "?client="+chatty, `{"text":"hi","via":"sse"}`)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third message at once: status %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want %q", got, "1")
	}
	errorOf(t, resp, "too_many_messages")
	if got := hub.Head(); got != head {
		t.Errorf("head moved from %d to %d: a refused message was published", head, got)
	}
	// Another page has its own allowance.
	if resp := post(t, srv, "?client="+quiet, `{"text":"hi","via":"poll"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another client's message: status %d, want 202", resp.StatusCode)
	}
}

// The feed's rate is everyone's: the server's own machine may change it,
// and every hello and /api/stats then say so; another machine may not.
func TestSetFeedRate(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	for _, body := range []string{`{"rate":0}`, `{"rate":20000}`, `{}`, `{"rate":"fast"}`, `{"rate":1,"burst":2}`} {
		if status, answer := send(t, srv, http.MethodPut, "/api/feed", body); status != http.StatusBadRequest || answer["error"] == nil {
			t.Errorf("PUT /api/feed %s: %d %v, want 400 with a reason", body, status, answer)
		}
	}
	if got := hub.Rate(); got != 5 {
		t.Fatalf("rate after refused changes = %v, want 5", got)
	}

	status, answer := send(t, srv, http.MethodPut, "/api/feed", `{"rate":0.3333}`)
	if status != http.StatusOK || answer["rate"] != 0.3333 {
		t.Fatalf("PUT /api/feed: %d %v, want 200 and the new rate", status, answer)
	}
	s := getStats(t, srv, "")
	if s.Rate != 0.3333 || s.DefaultRate != 5 {
		t.Errorf("/api/stats rate %v, defaultRate %v; want 0.3333 and 5", s.Rate, s.DefaultRate)
	}
	if ws := dialWS(t, srv, "/ws"); ws.hello.Rate != 0.3333 {
		t.Errorf("hello rate = %v, want 0.3333", ws.hello.Rate)
	}

	// From another machine: refused, and nothing changes.
	h := server.New(hub, slog.New(slog.DiscardHandler), server.Config{})
	req := httptest.NewRequest(http.MethodPut, "/api/feed", strings.NewReader(`{"rate":50}`))
	req.RemoteAddr = "192.0.2.7:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "error") {
		t.Errorf("PUT /api/feed from 192.0.2.7: %d %s, want 403 with a reason", rec.Code, rec.Body)
	}
	if got := hub.Rate(); got != 0.3333 {
		t.Errorf("rate after a refused change = %v, want 0.3333", got)
	}
}

// Once the feed is closed, a message is refused with a code that says why,
// and so is a new stream.
func TestShuttingDownIsSaid(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	hub.Close()
	resp := post(t, srv, "", `{"text":"hi","via":"sse"}`)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST after hub.Close: status %d, want 503", resp.StatusCode)
	}
	errorOf(t, resp, "shutting_down")
	resp = refused(t, srv, "/sse", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /sse after hub.Close: status %d, want 503", resp.StatusCode)
	}
	errorOf(t, resp, "shutting_down")
}
