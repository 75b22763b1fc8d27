package server

import (
	"errors"
	"net/http"
	"regexp"

	"transportlab/internal/httpjson"
)

// clientID is what a page calls itself in ?client=, so the server can count
// what it spends for that page.
var clientID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkClient rejects a request whose ?client= is not a valid page id.
func checkClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := clientOf(r); id != "" && !clientID.MatchString(id) {
			httpjson.Error(w, http.StatusBadRequest, errors.New("client must be 1 to 64 letters, digits, '-' or '_'"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientOf returns the page id r carries in ?client=, or "".
func clientOf(r *http.Request) string {
	return r.URL.Query().Get("client")
}
