// Package pages is the registry of the pages the server knows, by the id
// each sends as ?client=: what the server keeps for a page lives as long
// as the page is about, within a bound, so that a class of made-up ids
// cannot grow the server without end.
//
// What a page is (its counters, wire log, network) is the server's to say:
// the registry needs of it only whether it may be forgotten (Page).
package pages

import (
	"iter"
	"sync"
	"time"
)

// Page is what the registry needs of what it keeps for a page.
type Page interface {
	// Idle reports whether the page has nothing open and made no request
	// after t: then it may be forgotten.
	Idle(t time.Time) bool
}

// Registry keeps one P per page id, at most Max of them. When full, a new
// id makes room by forgetting the pages idle for IdleFor; if none is that
// old, the new id gets nothing (the server does not count it, rather than
// wipe a live page's counts).
//
// Looking for idle pages means looking at all of them, so a full registry
// looks at most once per IdleFor/10: a stream of new ids then costs a map
// look-up each, not a scan, and a page is forgotten at most a tenth of
// IdleFor later than it could be.
type Registry[P Page] struct {
	max     int
	idleFor time.Duration
	now     func() time.Time
	newPage func() P

	mu        sync.Mutex
	pages     map[string]P
	lastSweep time.Time // when makeRoom last looked for idle pages
}

// New returns an empty registry of at most max pages, each made by
// newPage when first asked for, forgotten when idle for idleFor and room
// is needed; now is its clock.
func New[P Page](max int, idleFor time.Duration, now func() time.Time, newPage func() P) *Registry[P] {
	return &Registry[P]{max: max, idleFor: idleFor, now: now, newPage: newPage, pages: make(map[string]P)}
}

// Lookup returns what is kept for page id, and whether anything is.
func (r *Registry[P]) Lookup(id string) (P, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pages[id]
	return p, ok
}

// All yields every page kept, with its id. It looks at a copy of the
// table, made at once: the caller may take its time over each page (the
// class dashboard reads them all every second) without holding up the
// requests that look pages up meanwhile.
func (r *Registry[P]) All() iter.Seq2[string, P] {
	r.mu.Lock()
	ids, ps := make([]string, 0, len(r.pages)), make([]P, 0, len(r.pages))
	for id, p := range r.pages {
		ids, ps = append(ids, id), append(ps, p)
	}
	r.mu.Unlock()
	return func(yield func(string, P) bool) {
		for i, id := range ids {
			if !yield(id, ps[i]) {
				return
			}
		}
	}
}

// GetOrCreate returns what is kept for page id, made if need be. It
// reports false when id is empty or there is no room for it.
func (r *Registry[P]) GetOrCreate(id string) (P, bool) {
	var none P
	if id == "" {
		return none, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.pages[id]; ok {
		return p, true
	}
	if len(r.pages) >= r.max && !r.makeRoom() {
		return none, false
	}
	p := r.newPage()
	r.pages[id] = p
	return p, true
}

// makeRoom forgets the pages idle for idleFor, unless it looked less than
// idleFor/10 ago, and reports whether there is room now. r.mu is held.
func (r *Registry[P]) makeRoom() bool {
	now := r.now()
	if !r.lastSweep.IsZero() && now.Sub(r.lastSweep) < r.idleFor/10 {
		return false // full at the last look, and too soon to look again
	}
	r.lastSweep = now
	before := now.Add(-r.idleFor)
	for id, p := range r.pages {
		if p.Idle(before) {
			delete(r.pages, id)
		}
	}
	return len(r.pages) < r.max
}
