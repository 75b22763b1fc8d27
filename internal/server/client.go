package server

import (
	"errors"
	"net/http"

	"transportlab/internal/httpjson"
	"transportlab/internal/query"
)

// checkKey refuses a request whose ?client= is not a key this run of the
// server minted (pagekey.Keys.Valid): a made-up id, a public name, or the
// key of an earlier run. It is refused before anything is kept for it, so
// ids made up in a loop cost the server nothing; the page that gets this
// answer asks POST /api/pages for a key and goes on with it. A request
// without client= passes: curl needs no key.
func (s *server) checkKey(next http.Handler) http.Handler {
	return &first{next: next, ok: func(w http.ResponseWriter, r *http.Request) bool {
		if id := clientOf(r); id != "" && !s.minted(id) {
			httpjson.ErrorCode(w, http.StatusBadRequest, httpjson.BadKey,
				errors.New("client is not a key of this server: ask POST /api/pages for a key"))
			return false
		}
		return true
	}}
}

// minted reports whether id is a key this server minted. A page is kept
// only for a key that passed here (every route is behind checkKey) or was
// just minted (POST /api/pages), so a key with a page is one: only the
// key of no page has its tag checked, an HMAC, which cost a poll more
// than anything else its key did.
func (s *server) minted(id string) bool {
	if _, ok := s.pages.Lookup(id); ok {
		return true
	}
	return s.keys.Valid(id)
}

// clientOf returns the page key r carries in ?client=, or "".
func clientOf(r *http.Request) string {
	return query.Get(r, "client")
}

// nameOf is how other pages see r's page: its public name, derived from
// its key, or "" when r has none. A page's key lets whoever holds it steer
// that page (its network, stall, drops), so the server shows the name
// wherever another could read it: the feed, and the log, which a
// classroom's projector may show.
func (s *server) nameOf(r *http.Request) string {
	return s.keys.Name(clientOf(r))
}
