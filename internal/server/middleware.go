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
			defer func() {
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
			}()
			next.ServeHTTP(w, r)
		})
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
