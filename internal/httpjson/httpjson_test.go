package httpjson_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"transportlab/internal/httpjson"
)

// Every error answer carries its reason and a code: the status's own, or
// the one the caller names where a status has several meanings.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		status int
		code   string // "": Error, which takes the status's code
		want   string
	}{
		{http.StatusBadRequest, "", "bad_request"},
		{http.StatusForbidden, "", "forbidden"},
		{http.StatusNotFound, "", "not_found"},
		{http.StatusMethodNotAllowed, "", "method_not_allowed"},
		{http.StatusRequestEntityTooLarge, "", "too_large"},
		{http.StatusTooManyRequests, "", "too_many_messages"},
		{http.StatusInternalServerError, "", "internal"},
		{http.StatusUnauthorized, "", "unauthorized"},
		{http.StatusBadRequest, httpjson.BadKey, "bad_key"},
		{http.StatusServiceUnavailable, httpjson.TooManyStreams, "too_many_streams"},
		{http.StatusServiceUnavailable, httpjson.TooManyPages, "too_many_pages"},
		{http.StatusServiceUnavailable, httpjson.ShuttingDown, "shutting_down"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		if tt.code == "" {
			httpjson.Error(rec, tt.status, errors.New("why"))
		} else {
			httpjson.ErrorCode(rec, tt.status, tt.code, errors.New("why"))
		}
		var got struct{ Error, Code string }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("status %d: %v in %s", tt.status, err, rec.Body)
		}
		if rec.Code != tt.status || got.Error != "why" || got.Code != tt.want {
			t.Errorf("status %d: %d %+v, want %d, reason \"why\" and code %q", tt.status, rec.Code, got, tt.status, tt.want)
		}
	}
}

// An answer that cannot be encoded is a 500 that still says so in JSON.
func TestWriteThatCannotEncode(t *testing.T) {
	rec := httptest.NewRecorder()
	httpjson.Write(rec, http.StatusOK, map[string]any{"f": func() {}})
	var got struct{ Error, Code string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusInternalServerError || got.Code != "internal" {
		t.Errorf("Write of a func: %d %s (%v), want 500 with code internal", rec.Code, rec.Body, err)
	}
}
