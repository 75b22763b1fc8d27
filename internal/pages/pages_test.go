package pages_test

import (
	"fmt"
	"testing"
	"time"

	"transportlab/internal/pages"
)

// page is a page as a test sees it: when it was last seen, on the test's
// clock, and whether it has something open.
type page struct {
	seen time.Time
	open bool
}

func (p *page) Seen() time.Time { return p.seen }
func (p *page) Busy() bool      { return p.open }

// clock is a test's clock: it moves only when told, and each page it
// makes is seen at the time it is made.
type clock struct{ now time.Time }

func newClock() *clock          { return &clock{now: time.Unix(1764150000, 0)} }
func (c *clock) tick()          { c.now = c.now.Add(time.Second) }
func (c *clock) newPage() *page { return &page{seen: c.now} }
func (c *clock) see(p *page)    { p.seen = c.now }
func (c *clock) registry(max, perAddr int) *pages.Registry[*page] {
	return pages.New(max, perAddr, c.newPage)
}

// fill makes n pages from addr, one a tick, named prefix0 … prefix(n-1):
// prefix0 is the least recently seen.
func fill(tb testing.TB, c *clock, r *pages.Registry[*page], prefix, addr string, n int) {
	tb.Helper()
	for i := range n {
		if _, ok := r.GetOrCreate(fmt.Sprint(prefix, i), addr); !ok {
			tb.Fatalf("GetOrCreate(%s%d, %s) found no room", prefix, i, addr)
		}
		c.tick()
	}
}

func kept(r *pages.Registry[*page], id string) bool {
	_, ok := r.Lookup(id)
	return ok
}

// When full, a new page takes the place of the page seen least recently,
// not of the one made first: a page that keeps coming back stays.
func TestRegistryEvictsTheLeastRecentlySeen(t *testing.T) {
	c := newClock()
	r := c.registry(3, 0)
	fill(t, c, r, "p", "192.0.2.1", 3)
	p0, _ := r.Lookup("p0")
	c.see(p0) // p0 came back: p1 is now the one seen least recently
	c.tick()

	if _, ok := r.GetOrCreate("new", "192.0.2.2"); !ok {
		t.Fatal("no room for a new page in a full registry of idle pages")
	}
	for id, want := range map[string]bool{"p0": true, "p1": false, "p2": true, "new": true} {
		if got := kept(r, id); got != want {
			t.Errorf("after a new page: %s kept = %v, want %v", id, got, want)
		}
	}
	if r.Len() != 3 {
		t.Errorf("Len = %d, want 3", r.Len())
	}
}

// Full in all, a new page takes the place of its own address's idle page
// seen least recently, however recently seen: a flood from many keys of
// one address replaces its own pages before anyone else's. Only an
// address with no idle page takes the place of another's.
func TestRegistryFullEvictsTheNewcomersOwnFirst(t *testing.T) {
	c := newClock()
	r := c.registry(3, 0)
	fill(t, c, r, "classmate", "192.0.2.1", 1) // seen least recently of all
	fill(t, c, r, "flood", "192.0.2.9", 2)

	if _, ok := r.GetOrCreate("flood-new", "192.0.2.9"); !ok {
		t.Fatal("no room for a new page in a full registry of idle pages")
	}
	for id, want := range map[string]bool{"classmate0": true, "flood0": false, "flood1": true, "flood-new": true} {
		if got := kept(r, id); got != want {
			t.Errorf("after the flood's new page: %s kept = %v, want %v", id, got, want)
		}
	}

	if _, ok := r.GetOrCreate("stranger", "192.0.2.5"); !ok {
		t.Fatal("no room for an address with no page")
	}
	if kept(r, "classmate0") {
		t.Error("an address with no page of its own: the least recently seen of all, classmate0, is still kept")
	}
}

// A page with a connection open is never forgotten, however long ago it
// was seen: its stream is live. When every page is busy, a new one is
// refused and nothing changes.
func TestRegistryNeverEvictsABusyPage(t *testing.T) {
	c := newClock()
	r := c.registry(3, 0)
	fill(t, c, r, "p", "192.0.2.1", 3)
	p0, _ := r.Lookup("p0")
	p0.open = true // seen longest ago, but streaming

	if _, ok := r.GetOrCreate("new", "192.0.2.1"); !ok {
		t.Fatal("no room for a new page while two were idle")
	}
	if !kept(r, "p0") || kept(r, "p1") {
		t.Errorf("p0 (busy) kept = %v, p1 (idle, oldest) kept = %v; want true, false", kept(r, "p0"), kept(r, "p1"))
	}

	for _, id := range []string{"p2", "new"} {
		p, _ := r.Lookup(id)
		p.open = true
	}
	if _, ok := r.GetOrCreate("late", "192.0.2.1"); ok {
		t.Error("a new page kept while every page was busy")
	}
	if r.Len() != 3 || kept(r, "late") {
		t.Errorf("after a refusal: Len = %d, late kept = %v; want 3, false", r.Len(), kept(r, "late"))
	}
}

// One address's pages are bounded apart: a loop from one laptop replaces
// its own pages, never another address's, even when those are older.
func TestRegistryBoundsPagesPerAddress(t *testing.T) {
	c := newClock()
	r := c.registry(100, 3)
	fill(t, c, r, "class", "198.51.100.9", 3) // the class, seen first
	fill(t, c, r, "loop", "192.0.2.66", 50)   // then a loop of new pages

	for i := range 3 {
		if !kept(r, fmt.Sprint("class", i)) {
			t.Errorf("class%d forgotten by another address's loop", i)
		}
	}
	for i, want := range map[int]bool{0: false, 46: false, 47: true, 48: true, 49: true} {
		if got := kept(r, fmt.Sprint("loop", i)); got != want {
			t.Errorf("loop%d kept = %v, want %v: only the last 3 of the loop", i, got, want)
		}
	}
	if r.Len() != 6 {
		t.Errorf("Len = %d, want 6", r.Len())
	}

	for i := 47; i < 50; i++ {
		p, _ := r.Lookup(fmt.Sprint("loop", i))
		p.open = true
	}
	if _, ok := r.GetOrCreate("loop50", "192.0.2.66"); ok {
		t.Error("a fourth page kept for an address whose three are busy")
	}
	if _, ok := r.GetOrCreate("class3", "198.51.100.9"); !ok || !kept(r, "class1") || kept(r, "class0") {
		t.Error("the class's fourth page did not take the place of its least recently seen, class0")
	}
}

// A page forgotten and asked for again is made anew: its key is still
// good, its counts start from zero.
func TestRegistryMakesAForgottenPageAnew(t *testing.T) {
	c := newClock()
	r := c.registry(2, 0)
	first, _ := r.GetOrCreate("a", "192.0.2.1")
	c.tick()
	fill(t, c, r, "p", "192.0.2.1", 2) // a is forgotten
	if kept(r, "a") {
		t.Fatal("a kept in a registry of 2 after two newer pages")
	}
	again, ok := r.GetOrCreate("a", "192.0.2.1")
	if !ok || again == first {
		t.Errorf("GetOrCreate(a) after it was forgotten = %p, %v; want a new page", again, ok)
	}
}

func TestRegistryGetOrCreateKeepsOnePerID(t *testing.T) {
	r := newClock().registry(10, 0)
	if _, ok := r.GetOrCreate("", "192.0.2.1"); ok {
		t.Error(`GetOrCreate("") made a page: an empty id is no page`)
	}
	if _, ok := r.Lookup("a"); ok {
		t.Error("Lookup made a page")
	}
	a, _ := r.GetOrCreate("a", "192.0.2.1")
	if again, _ := r.GetOrCreate("a", "192.0.2.2"); again != a {
		t.Error("GetOrCreate twice made two pages of one id")
	}
	if got, ok := r.Lookup("a"); !ok || got != a {
		t.Errorf("Lookup(a) = %p, %v; want %p", got, ok, a)
	}
	if r.Len() != 1 {
		t.Errorf("Len = %d, want 1", r.Len())
	}
}

func TestRegistryAllYieldsEveryPage(t *testing.T) {
	r := newClock().registry(10, 0)
	want := map[string]*page{}
	for _, id := range []string{"a", "b", "c"} {
		want[id], _ = r.GetOrCreate(id, "192.0.2.1")
	}
	got := map[string]*page{}
	for id, p := range r.All() {
		got[id] = p
		r.GetOrCreate("during "+id, "192.0.2.1") // the table is not locked meanwhile, nor looked at again
	}
	if len(got) != 3 || got["a"] != want["a"] || got["b"] != want["b"] || got["c"] != want["c"] {
		t.Errorf("All yielded %v, want %v", got, want)
	}
	for range r.All() {
		break // stopping early is fine
	}
}

// A flood of new pages from one address, far over every bound, leaves the
// registry at its bounds, and a page of another address still finds room.
func TestRegistryFloodStaysBounded(t *testing.T) {
	c := newClock()
	r := c.registry(1000, 300)
	fill(t, c, r, "flood", "192.0.2.66", 10050)
	if r.Len() != 300 {
		t.Errorf("Len after a flood of 10050 from one address = %d, want 300", r.Len())
	}
	if _, ok := r.GetOrCreate("newcomer", "198.51.100.9"); !ok {
		t.Error("no room for another address's page after the flood")
	}
}

// A new page in a full registry costs a look at every page it may
// replace: all of them when full in all, one address's when that address
// is at its bound.
func BenchmarkGetOrCreateWhenFull(b *testing.B) {
	for _, tc := range []struct {
		name         string
		max, perAddr int
	}{
		{"in all, 10000 pages", 10000, 0},
		{"per address, 300 pages", 10000, 300},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := newClock()
			r := c.registry(tc.max, tc.perAddr)
			fill(b, c, r, "p", "192.0.2.1", max(tc.perAddr, tc.max))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, ok := r.GetOrCreate(fmt.Sprint("new", i), "192.0.2.1"); !ok {
					b.Fatal("no room in a registry of idle pages")
				}
				c.tick()
			}
		})
	}
}
