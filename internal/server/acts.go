package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"transportlab/internal/httpjson"
)

// The instructor's acts on one page, for a class where one student spoils
// it for the rest: mute its messages, or disconnect it. The instructor
// knows a page only by its public name (the dashboard shows nothing else),
// so both find the page by name, among the pages present; what they
// change is kept by key, which outlives the registry's entry for the page.

// keySet is a set of page keys, safe for concurrent use. Only the
// instructor's acts add to it, so it stays as small as a class.
type keySet struct {
	mu   sync.RWMutex
	keys map[string]bool
}

// Has reports whether key is in the set; "" never is.
func (k *keySet) Has(key string) bool {
	if key == "" {
		return false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[key]
}

// Put adds key to the set, or with in false takes it out.
func (k *keySet) Put(key string, in bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !in {
		delete(k.keys, key)
		return
	}
	if k.keys == nil {
		k.keys = make(map[string]bool)
	}
	k.keys[key] = true
}

// named returns the page present whose public name is name, with its key
// (present as the dashboard counts pages: class.State.Present); else it
// answers 400 (no name), 404 (no such page) or 409 (more than one) and
// reports false. Only pages present: the registry keeps pages long gone,
// which the instructor no longer sees, and an act must reach the page the
// dashboard shows, not one that shares its name. Names are short, so two
// pages present may share one: then the act is refused rather than fall
// on both, and the instructor waits until one has gone.
func (s *server) named(w http.ResponseWriter, name string) (key string, p *page, ok bool) {
	if strings.TrimSpace(name) == "" {
		httpjson.Error(w, http.StatusBadRequest, errors.New("name is required: a page's public name, as the dashboard lists it"))
		return "", nil, false
	}
	now, found := s.cfg.Now(), 0
	for id, pg := range s.pages.All() {
		if s.keys.Name(id) == name && s.class.Present(s.sighting(id, pg), now) {
			key, p, found = id, pg, found+1
		}
	}
	switch found {
	case 0:
		httpjson.Error(w, http.StatusNotFound, fmt.Errorf("no page present is named %q", name))
		return "", nil, false
	case 1:
		return key, p, true
	}
	httpjson.ErrorCode(w, http.StatusConflict, httpjson.AmbiguousName,
		fmt.Errorf("%d pages present are named %q: nothing done, since the act would fall on each; try again once one has gone", found, name))
	return "", nil, false
}

// mute answers POST /api/class/mute {"name":"quiet otter 17","muted":true}:
// from now on that page's messages are refused with the code muted, by
// POST and over its WebSocket, until it is unmuted. Its lanes go on: a
// muted student still watches the lesson.
func (s *server) mute(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name  string `json:"name"`
		Muted *bool  `json:"muted"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if req.Muted == nil {
		httpjson.Error(w, http.StatusBadRequest, errors.New("muted is required: true or false"))
		return
	}
	key, _, ok := s.named(w, req.Name)
	if !ok {
		return
	}
	s.muted.Put(key, *req.Muted)
	s.log.Info("page muted", "name", req.Name, "muted", *req.Muted)
	httpjson.Write(w, http.StatusOK, map[string]any{"name": req.Name, "muted": *req.Muted, "pages": 1})
}

// disconnect answers POST /api/class/disconnect {"name":"quiet otter 17"}:
// that page's key is refused from now on, for the rest of the run (403
// disconnected, see refuseDisconnected), and its connections are closed
// now, as POST /api/sim/drop closes one transport's. The key is refused
// first, so that no lane reconnects in between; a request let by just
// before, whose connection the drop did not yet hold, looks again once it
// does (account), so no stream of the page outlives the act.
func (s *server) disconnect(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	key, p, ok := s.named(w, req.Name)
	if !ok {
		return
	}
	s.disconnected.Put(key, true)
	dropped := 0
	for _, t := range transports {
		if n := p.net.Drop(t); n > 0 {
			p.log.Network(t, "drop", 0, n)
			s.cutOff(t, CutInstructor, n)
			dropped += n
		}
	}
	s.log.Info("page disconnected", "name", req.Name, "dropped", dropped)
	httpjson.Write(w, http.StatusOK, map[string]any{"name": req.Name, "dropped": dropped, "pages": 1})
}

// refuseDisconnected answers 403 disconnected to every request whose
// client= is a page the instructor disconnected: its lanes, its messages,
// its follow requests and reports. A page that is told so stops asking.
func (s *server) refuseDisconnected(next http.Handler) http.Handler {
	return &first{next: next, ok: func(w http.ResponseWriter, r *http.Request) bool {
		if s.disconnected.Has(clientOf(r)) {
			answerDisconnected(w)
			return false
		}
		return true
	}}
}

// answerDisconnected answers 403 disconnected.
func answerDisconnected(w http.ResponseWriter) {
	httpjson.ErrorCode(w, http.StatusForbidden, httpjson.Disconnected, errors.New("the instructor disconnected this page"))
}
