package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"transportlab/internal/httpjson"
	"transportlab/internal/query"
)

// wireAnswer is the body of GET /api/wire.
type wireAnswer struct {
	Next    uint64            `json:"next"`   // the after= to ask with next time
	Missed  uint64            `json:"missed"` // entries after after= no longer kept: never a silent gap
	Entries []json.RawMessage `json:"entries"`
}

// wire answers GET /api/wire?client=ID&after=N: what the server logged on
// the wire for that page after entry N, oldest first (see wire.Log).
func (s *server) wire(w http.ResponseWriter, r *http.Request) {
	id := query.Get(r, "client")
	if id == "" {
		httpjson.Error(w, http.StatusBadRequest, errors.New("client is required: the page's id"))
		return
	}
	var after uint64
	if v := query.Get(r, "after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, errors.New("after must be an entry number (0 or more)"))
			return
		}
		after = n
	}
	a := wireAnswer{Entries: []json.RawMessage{}}
	if p, ok := s.pages.Lookup(id); ok {
		a.Entries, a.Missed, a.Next = p.log.Since(after)
	}
	httpjson.Write(w, http.StatusOK, a)
}
