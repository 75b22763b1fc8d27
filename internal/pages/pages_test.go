package pages_test

import (
	"fmt"
	"testing"
	"time"

	"transportlab/internal/pages"
)

// page is a page as a test sees it: when it was last seen, and whether it
// has something open.
type page struct {
	seen time.Time
	open bool
}

func (p *page) Idle(t time.Time) bool { return !p.open && !p.seen.After(t) }

func TestRegistryMakesRoomOnlyFromLongIdlePages(t *testing.T) {
	const max, idle = 100, 10 * time.Minute
	now := time.Unix(1764150000, 0)
	r := pages.New(max, idle, func() time.Time { return now }, func() *page { return &page{seen: now} })
	for i := range max {
		if _, ok := r.GetOrCreate(fmt.Sprint("page", i)); !ok {
			t.Fatalf("GetOrCreate(page%d) found no room in a registry of %d", i, max)
		}
	}
	p0, _ := r.Lookup("page0")
	p0.open = true

	// Full, and every page was just seen: a new one gets nothing, and no
	// live page is forgotten.
	if _, ok := r.GetOrCreate("newcomer"); ok {
		t.Error("newcomer kept while every page was recent")
	}
	if _, ok := r.Lookup("page1"); !ok {
		t.Error("page1 forgotten while recent")
	}

	// Long after, the idle pages make room; the one with something open stays.
	now = now.Add(idle + time.Second)
	if _, ok := r.GetOrCreate("newcomer"); !ok {
		t.Error("no room for newcomer once the others were idle")
	}
	if _, ok := r.Lookup("page0"); !ok {
		t.Error("page0, with something open, was forgotten")
	}
	if _, ok := r.Lookup("page1"); ok {
		t.Error("page1, idle for longer than the idle time, is still kept")
	}
}

func TestRegistryGetOrCreateKeepsOnePerID(t *testing.T) {
	r := pages.New(10, time.Minute, time.Now, func() *page { return new(page) })
	if _, ok := r.GetOrCreate(""); ok {
		t.Error(`GetOrCreate("") made a page: an empty id is no page`)
	}
	if _, ok := r.Lookup("a"); ok {
		t.Error("Lookup made a page")
	}
	a, _ := r.GetOrCreate("a")
	if again, _ := r.GetOrCreate("a"); again != a {
		t.Error("GetOrCreate twice made two pages of one id")
	}
	if got, ok := r.Lookup("a"); !ok || got != a {
		t.Errorf("Lookup(a) = %p, %v; want %p", got, ok, a)
	}
}

// counted is a page that counts how often the registry asks whether it is
// idle: each ask is part of a scan of every page.
type counted struct {
	page
	asked *int
}

func (p *counted) Idle(t time.Time) bool { *p.asked++; return p.page.Idle(t) }

// A full registry looks for idle pages at most once per tenth of the idle
// time: a stream of new ids costs a scan now and then, not one each.
func TestRegistryFullScansAtMostOncePerTenthOfIdle(t *testing.T) {
	const max, idle = 100, 10 * time.Minute
	now := time.Unix(1764150000, 0)
	asked := 0
	r := pages.New(max, idle, func() time.Time { return now }, func() *counted { return &counted{page{seen: now}, &asked} })
	for i := range max {
		r.GetOrCreate(fmt.Sprint("page", i))
	}
	for i := range 50 {
		if _, ok := r.GetOrCreate(fmt.Sprint("newcomer", i)); ok {
			t.Fatalf("newcomer%d kept while every page was recent", i)
		}
		now = now.Add(time.Second)
	}
	if asked != max {
		t.Errorf("50 new ids within %v asked %d times whether a page is idle, want %d: one scan", idle/10, asked, max)
	}
	now = now.Add(idle / 10)
	r.GetOrCreate("late")
	if asked != 2*max {
		t.Errorf("a tenth of the idle time later: asked %d times, want %d: a second scan", asked, 2*max)
	}
}

func TestRegistryAllYieldsEveryPage(t *testing.T) {
	now := time.Unix(1764150000, 0)
	r := pages.New(10, time.Minute, func() time.Time { return now }, func() *page { return &page{seen: now} })
	want := map[string]*page{}
	for _, id := range []string{"a", "b", "c"} {
		want[id], _ = r.GetOrCreate(id)
	}
	got := map[string]*page{}
	for id, p := range r.All() {
		got[id] = p
		r.GetOrCreate("during " + id) // the table is not locked meanwhile, nor looked at again
	}
	if len(got) != 3 || got["a"] != want["a"] || got["b"] != want["b"] || got["c"] != want["c"] {
		t.Errorf("All yielded %v, want %v", got, want)
	}
	for range r.All() {
		break // stopping early is fine
	}
}
