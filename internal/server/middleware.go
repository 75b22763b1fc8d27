package server

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"transportlab/internal/httpjson"
)

// recoverer turns a panic in a handler into a 500 and one log line, so that
// one bad request never takes the server down. http.ErrAbortHandler is how
// net/http aborts a response on purpose: it goes on up.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer rescue(log, w, r)
			next.ServeHTTP(w, r)
		})
	}
}

// rescue is recoverer's deferred call: a function of its own rather than a
// closure, for a smaller frame below every stream (see first).
func rescue(log *slog.Logger, w http.ResponseWriter, r *http.Request) {
	v := recover()
	switch v {
	case nil:
		return
	case http.ErrAbortHandler:
		panic(v)
	}
	log.Error("panic in a handler", "method", r.Method, "path", r.URL.Path,
		"remote", r.RemoteAddr, "panic", v, "stack", string(debug.Stack()))
	httpjson.Error(w, http.StatusInternalServerError, errors.New("internal error"))
}

// first is a middleware that does its part before the handler it wraps,
// and may answer instead: ok says whether to go on. It is a type rather
// than an http.HandlerFunc around a closure for one frame less below each
// stream: a stream's goroutine waits below the frames of its middleware
// for as long as the stream lives, and the runtime keeps a goroutine's
// stack at more than four times what it uses (see sse.Handler's ServeHTTP). A
// middleware's work after the handler keeps to a function of its own, for
// the same reason (enter, limit's).
type first struct {
	ok   func(w http.ResponseWriter, r *http.Request) bool
	next http.Handler
}

func (m *first) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.ok(w, r) {
		m.next.ServeHTTP(w, r)
	}
}

// noListings answers 404 for a directory other than the root, where a file
// server would list the files: the page is its files, not their index.
func noListings(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && strings.HasSuffix(r.URL.Path, "/") {
			notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
