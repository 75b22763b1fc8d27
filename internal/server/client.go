package server

import (
	"errors"
	"net/http"
	"regexp"

	"transportlab/internal/httpjson"
)

// clientID is what a page calls itself in ?client=, so the server can count
// what it spends for that page: the key POST /api/pages minted, or an id an
// older page made up. A public name has spaces, so it never passes.
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

// nameOf is how other pages see r's page: its public name, derived from
// its id, or "" when r has none. A page's id lets whoever holds it steer
// that page (its network, stall, drops), so the server shows the name
// wherever another could read it: the feed, and the log, which a
// classroom's projector may show.
func (s *server) nameOf(r *http.Request) string {
	return s.keys.Name(clientOf(r))
}
