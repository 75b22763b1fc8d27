package server_test

import (
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
