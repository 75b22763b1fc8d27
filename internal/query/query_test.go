package query_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"transportlab/internal/query"
)

// Below Parse, Of answers as r.URL.Query() would, from one parse: the
// same map each time. A handler served alone parses on its own, and a
// query rewritten after Parse is read as it is now.
func TestOf(t *testing.T) {
	var first, second string
	var same bool
	h := query.Parse(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, b := query.Of(r), query.Of(r)
		first = a.Get("client")
		a.Set("mark", "seen") // only to tell one map from two: handlers never write
		same = b.Get("mark") == "seen"
		r.URL.RawQuery = "client=other"
		second = query.Of(r).Get("client")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/poll?client=k1&wait=25s", nil))
	if first != "k1" || !same {
		t.Errorf("below Parse: client %q, one map %v; want k1, true", first, same)
	}
	if second != "other" {
		t.Errorf("after a rewrite: client %q, want other", second)
	}

	r := httptest.NewRequest(http.MethodGet, "/poll?since=4&epoch=e", nil)
	if got := query.Of(r).Get("since"); got != "4" {
		t.Errorf("without Parse: since %q, want 4", got)
	}
}
