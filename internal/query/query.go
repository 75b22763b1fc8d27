// Package query parses a request's query string once, for every
// middleware and handler that reads it. r.URL.Query() parses the raw query
// again each time it is called, into a new map: a poll passes half a dozen
// readers of its ?client= and ?wait= (the key check, the accounting, the
// meter, the handler), and their parsing was most of what the server
// allocated to answer it.
//
// Parse goes first in the chain; everything below reads the query with Of.
//
//	r.Use(query.Parse)
//	…
//	id := query.Of(r).Get("client")
package query

import (
	"context"
	"net/http"
	"net/url"
)

// parsed is a request's query, and the raw query it was parsed from.
type parsed struct {
	raw    string
	values url.Values
}

// key is the context key of a request's parsed query.
type key struct{}

// Parse parses r's query once, for Of, and serves r with it.
func Parse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &parsed{raw: r.URL.RawQuery, values: r.URL.Query()}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, p)))
	})
}

// Of returns r's query as r.URL.Query() does: the values Parse kept, or,
// for a request that came another way (a handler tested alone) or whose
// query was rewritten since, the query parsed now. The values are shared
// by everything that serves r: read them, never change them.
func Of(r *http.Request) url.Values {
	if p, ok := r.Context().Value(key{}).(*parsed); ok && p.raw == r.URL.RawQuery {
		return p.values
	}
	return r.URL.Query()
}
