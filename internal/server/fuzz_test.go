package server_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// FuzzPostMessage checks that any body to POST /api/messages is either
// published, with 202, or refused with 400 or 413 and a JSON reason,
// leaving the feed as it was: never a panic, never a 500.
func FuzzPostMessage(f *testing.F) {
	f.Add(`{"text":"hello, class","via":"sse"}`, "abc")
	f.Add(`{"text":"","via":"poll"}`, "")
	f.Add(`{"text":"hi","via":"ws"}`, "x y")
	f.Add(`{"text":"hi"} {"text":"again"}`, "abc")
	f.Add(strings.Repeat("a", 5000), "abc")
	hub := feed.NewHub(feed.Config{})
	handler := server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}})
	f.Fuzz(func(t *testing.T, body, client string) {
		req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(body))
		q := req.URL.Query()
		q.Set("client", client)
		req.URL.RawQuery = q.Encode()
		head := hub.Head()
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusAccepted:
			if hub.Head() != head+1 {
				t.Errorf("202 for %q, but the head went from %d to %d", body, head, hub.Head())
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if hub.Head() != head {
				t.Errorf("%d for %q, but the head moved from %d to %d", rec.Code, body, head, hub.Head())
			}
			if !strings.Contains(rec.Body.String(), `"error":`) {
				t.Errorf("%d for %q without a JSON reason: %s", rec.Code, body, rec.Body)
			}
		default:
			t.Errorf("POST %q (client %q) = %d %s, want 202, 400 or 413", body, client, rec.Code, rec.Body)
		}
	})
}

// FuzzPutClass checks that any body to PUT /api/class either applies, with
// 200, or is refused with 400 or 413 and a JSON reason, the class state
// then exactly as it was: never a panic, never a half-applied change.
func FuzzPutClass(f *testing.F) {
	f.Add(`{"transports":["ws","poll"],"interval":250,"rate":20,"paused":true}`)
	f.Add(`{"messages":false,"network":{"delayMs":150,"jitterMs":50}}`)
	f.Add(`{"tutorial":true}`)
	f.Add(`{"tutorial":false,"rate":3}`)
	f.Add(`{"paused":true,"interval":1}`)
	f.Add(`{"version":3}`)
	hub := feed.NewHub(feed.Config{Rate: 1})
	handler := server.New(hub, slog.New(slog.DiscardHandler), classConfig(server.Config{Page: fstest.MapFS{}, Now: racingClock()}))
	state := func(t *testing.T) string {
		req := httptest.NewRequest(http.MethodGet, "/api/class", nil)
		req.Header.Set("Authorization", "Bearer "+classToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		var st followState // the settings alone: the dashboard's numbers move
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatalf("GET /api/class: %v", err)
		}
		return fmt.Sprintf("%+v rate %v paused %v", st, hub.Rate(), hub.Paused())
	}
	f.Fuzz(func(t *testing.T, body string) {
		before := state(t)
		req := httptest.NewRequest(http.MethodPut, "/api/class", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+classToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if after := state(t); after != before {
				t.Errorf("%d for %q, but the state went from %s to %s", rec.Code, body, before, after)
			}
			if !strings.Contains(rec.Body.String(), `"error":`) {
				t.Errorf("%d for %q without a JSON reason: %s", rec.Code, body, rec.Body)
			}
		default:
			t.Errorf("PUT /api/class %q = %d %s, want 200, 400 or 413", body, rec.Code, rec.Body)
		}
	})
}

// FuzzClassReport checks that any report is kept, with 204, or refused
// with 400 or 413 and a JSON reason.
func FuzzClassReport(f *testing.F) {
	f.Add(`{"name":"Minji","following":true,"transports":["poll","sse"],"latency":{"poll":{"p50Ms":312.5,"p95Ms":880,"n":40}}}`)
	f.Add(`{"name":"<img src=x onerror=alert(1)>"}`)
	f.Add(`{"name":"a\u0000b"}`)
	f.Add(`{"latency":{"ws":{"p50Ms":1e400}}}`)
	hub := feed.NewHub(feed.Config{Rate: 1})
	handler := server.New(hub, slog.New(slog.DiscardHandler), classConfig(server.Config{Page: fstest.MapFS{}, Now: racingClock()}))
	key, _ := classKeys.Mint() // the server's keys: a key it would have minted
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/class/report?client="+key, strings.NewReader(body))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusNoContent:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if !strings.Contains(rec.Body.String(), `"error":`) {
				t.Errorf("%d for %q without a JSON reason: %s", rec.Code, body, rec.Body)
			}
		default:
			t.Errorf("POST /api/class/report %q = %d %s, want 204, 400 or 413", body, rec.Code, rec.Body)
		}
	})
}
