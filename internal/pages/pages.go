// Package pages is the registry of the pages the server knows, by the key
// each sends as ?client=: what the server keeps for a page lives as long
// as there is room for it, within bounds in all and per client address,
// so that one student minting keys in a loop cannot grow the server
// without end, nor push the rest of the class out.
//
// The registry keeps what it is given: the server hands it only keys it
// minted (internal/pagekey), so a made-up id never takes a place. When
// full, a new page takes the place of the page seen least recently among
// those with nothing open, of its own address first: a page that streams
// is never forgotten, a flood from one address replaces its own pages
// before anyone else's, and a page forgotten that comes back is made
// anew, its counts from zero.
//
// What a page is (its counters, wire log, network) is the server's to say:
// the registry needs of it only when it was last seen and whether it has
// a connection open (Page).
package pages

import (
	"iter"
	"maps"
	"sync"
	"time"
)

// Page is what the registry needs of what it keeps for a page.
type Page interface {
	// Seen is when the page last made a request.
	Seen() time.Time
	// Busy reports whether the page has a connection open: a stream, or
	// a request being answered. A busy page is never forgotten.
	Busy() bool
}

// Registry keeps one P per page id: at most max in all, and at most
// maxPerAddr made from one client address (0: no bound). A new page over
// either bound takes the place of the page seen least recently without a
// connection open, of its own address; over the bound in all, when its
// address has no such page, of all. Only when every one of them is busy
// is the new page refused.
//
// Finding that page means looking at each page it may be: at most
// maxPerAddr when one address is at its bound (the common case, a loop
// from one laptop), all of them when the registry is full in all. It is a
// scan, about 50 ns a page on two cores (BenchmarkGetOrCreateWhenFull: 6
// µs for one address's 300, half a millisecond for 10,000), paid only by a
// new page when there is no room; and new pages are few: each is a POST
// /api/pages, limited per address. A scan is simpler than an ordered
// structure and cannot go stale: when a page was seen is the page's to
// say, and it changes on every request without the registry's lock.
type Registry[P Page] struct {
	max, maxPerAddr int
	newPage         func() P

	mu     sync.Mutex
	pages  map[string]entry[P]
	byAddr map[string]map[string]P // each address's pages, by id
}

// entry is a page as kept: with the address it was made from.
type entry[P Page] struct {
	page P
	addr string
}

// New returns an empty registry of at most max pages, and at most
// maxPerAddr from one address (0: no bound), each made by newPage when
// first asked for.
func New[P Page](max, maxPerAddr int, newPage func() P) *Registry[P] {
	return &Registry[P]{
		max:        max,
		maxPerAddr: maxPerAddr,
		newPage:    newPage,
		pages:      make(map[string]entry[P]),
		byAddr:     make(map[string]map[string]P),
	}
}

// Lookup returns what is kept for page id, and whether anything is.
func (r *Registry[P]) Lookup(id string) (P, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.pages[id]
	return e.page, ok
}

// Len returns how many pages are kept.
func (r *Registry[P]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pages)
}

// All yields every page kept, with its id. It looks at a copy of the
// table, made at once: the caller may take its time over each page (the
// class dashboard reads them all every second) without holding up the
// requests that look pages up meanwhile.
func (r *Registry[P]) All() iter.Seq2[string, P] {
	r.mu.Lock()
	ids, ps := make([]string, 0, len(r.pages)), make([]P, 0, len(r.pages))
	for id, e := range r.pages {
		ids, ps = append(ids, id), append(ps, e.page)
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

// GetOrCreate returns what is kept for page id, made if need be for a
// page of client address addr (see Registry for when there is no room).
// It reports false when id is empty or every page it could replace is
// busy.
func (r *Registry[P]) GetOrCreate(id, addr string) (P, bool) {
	var none P
	if id == "" {
		return none, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.pages[id]; ok {
		return e.page, true
	}
	if mine := r.byAddr[addr]; r.maxPerAddr > 0 && len(mine) >= r.maxPerAddr && !r.evict(maps.All(mine)) {
		return none, false
	}
	if len(r.pages) >= r.max && !r.evict(maps.All(r.byAddr[addr])) && !r.evict(r.all) {
		return none, false
	}
	p := r.newPage()
	r.pages[id] = entry[P]{page: p, addr: addr}
	if r.byAddr[addr] == nil {
		r.byAddr[addr] = make(map[string]P)
	}
	r.byAddr[addr][id] = p
	return p, true
}

// all yields every page kept, with its id. r.mu is held.
func (r *Registry[P]) all(yield func(string, P) bool) {
	for id, e := range r.pages {
		if !yield(id, e.page) {
			return
		}
	}
}

// evict forgets, of pages, the one seen least recently that is not busy,
// and reports whether there was one. Only a page seen before the oldest
// found so far is asked whether it is busy: a few of them, not all. r.mu
// is held.
func (r *Registry[P]) evict(pages iter.Seq2[string, P]) bool {
	var (
		oldest string
		seen   time.Time
		found  bool
	)
	for id, p := range pages {
		if t := p.Seen(); (!found || t.Before(seen)) && !p.Busy() {
			oldest, seen, found = id, t, true
		}
	}
	if !found {
		return false
	}
	r.forget(oldest)
	return true
}

// forget drops page id from both tables. r.mu is held.
func (r *Registry[P]) forget(id string) {
	addr := r.pages[id].addr
	delete(r.pages, id)
	delete(r.byAddr[addr], id)
	if len(r.byAddr[addr]) == 0 {
		delete(r.byAddr, addr)
	}
}
