package query_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"transportlab/internal/query"
)

// Get and Has answer as r.URL.Query() does, for the queries clients send
// and for the ones net/url has to unescape, or refuses in part.
func TestGetAndHas(t *testing.T) {
	for _, tc := range []struct {
		query, key string
		get        string
		has        bool
	}{
		{"since=4&epoch=e&client=k1", "client", "k1", true},
		{"since=4&epoch=e&client=k1", "since", "4", true},
		{"since=4&epoch=e&client=k1", "wait", "", false},
		{"client=a&client=b", "client", "a", true},      // the first
		{"wait&since=3", "wait", "", true},              // named, no value
		{"wait=&since=3", "wait", "", true},             // named, empty
		{"&&wait=1s&", "wait", "1s", true},              // empty pairs skipped
		{"=x&a=1", "", "x", true},                       // an empty key is a key
		{"a=1&&b=2", "", "", false},                     // an empty pair is not
		{"a==b", "a", "=b", true},                       // the first '=' splits
		{"client=k%31", "client", "k1", true},           // unescaped
		{"cli%65nt=k1", "client", "k1", true},           // the key too
		{"q=a+b", "q", "a b", true},                     // '+' is a space
		{"client=k%zz&client=k2", "client", "k2", true}, // a bad escape drops its pair
		{"client=k1;x=1&since=2", "client", "", false},  // so does a ';'
		{"client=k1;x=1&since=2", "since", "2", true},
		{"", "client", "", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/poll", nil)
		r.URL.RawQuery = tc.query
		if got := query.Get(r, tc.key); got != tc.get {
			t.Errorf("Get(%q, %q) = %q, want %q", tc.query, tc.key, got, tc.get)
		}
		if got := query.Has(r, tc.key); got != tc.has {
			t.Errorf("Has(%q, %q) = %v, want %v", tc.query, tc.key, got, tc.has)
		}
	}
}

// A query of more parameters than net/url takes is no query at all, there
// as here.
func TestTooManyParameters(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/poll", nil)
	r.URL.RawQuery = "client=k1" + strings.Repeat("&a", 10_000)
	want := r.URL.Query().Get("client")
	if got := query.Get(r, "client"); got != want {
		t.Errorf("Get = %q, r.URL.Query().Get = %q", got, want)
	}
}

// A plain query, what every client of this server sends, is read in place:
// nothing allocated.
func TestPlainQueryAllocatesNothing(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/poll?since=12&epoch=e7f3&client=Hr3v-kq9zT2mWc8xLpQe4A&wait=25s", nil)
	allocs := testing.AllocsPerRun(100, func() {
		if query.Get(r, "client") == "" || !query.Has(r, "wait") || query.Has(r, "sid") {
			t.Fatal("wrong answer")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations a look-up, want 0", allocs)
	}
}

// FuzzGet: for any query and key, Get and Has say what r.URL.Query() says.
func FuzzGet(f *testing.F) {
	for _, s := range []string{"since=4&epoch=e&client=k1", "a=1&a=2", "a", "&=&", "a%2", "a%41=1", "a+b=c+d", "a;b=1&a=2", "=", "%"} {
		f.Add(s, "a")
	}
	f.Add("since=4&epoch=e&client=k1", "client")
	f.Fuzz(func(t *testing.T, raw, key string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		q := r.URL.Query()
		if got, want := query.Get(r, key), q.Get(key); got != want {
			t.Errorf("Get(%q, %q) = %q, r.URL.Query().Get = %q", raw, key, got, want)
		}
		if got, want := query.Has(r, key), q.Has(key); got != want {
			t.Errorf("Has(%q, %q) = %v, r.URL.Query().Has = %v", raw, key, got, want)
		}
	})
}

// BenchmarkGet reads ?client= from the query of a poll, as half a dozen
// readers of each poll do.
func BenchmarkGet(b *testing.B) {
	r := httptest.NewRequest(http.MethodGet, "/poll?since=12&epoch=e7f3a9c1&client=Hr3v-kq9zT2mWc8xLpQe4A", nil)
	for b.Loop() {
		if query.Get(r, "client") == "" {
			b.Fatal("no client")
		}
	}
}
