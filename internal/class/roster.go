package class

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// How long what a page did counts for the dashboard. A page reports every
// 2 s and a follow request is held at most 25 s, so 15 s without a word
// means the tab is gone (or asleep); a poll every 5 s at most, so 10 s
// without one means polling is off.
const (
	SeenWithin   = 15 * time.Second
	PolledWithin = 10 * time.Second
	MaxListed    = 200 // pages the dashboard lists, newest-seen first
)

// Bounds of a report: a name fits a line of the dashboard; a latency is
// at most the 10 minutes nothing on the page would wait longer than.
const (
	MaxNameLen   = 32
	MaxLatencyMs = 600000
)

// Latency is what a page measured on one lane: the median and the 95th
// percentile of its events' latency, over n events.
type Latency struct {
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
	N     int64   `json:"n"`
}

// Report is what a page tells the instructor every 2 s: the body of
// POST /api/class/report. Name is the student's, shown only as text.
type Report struct {
	Name       string             `json:"name"`
	Following  bool               `json:"following"`
	Transports []string           `json:"transports"`
	Latency    map[string]Latency `json:"latency"`
}

// CheckReport trims r's name and checks every field: a name of at most
// MaxNameLen characters without control characters (a newline or an escape
// would break the dashboard's lines) nor format characters (a bidi
// override turns the rest of a row around, a zero-width space makes two
// names that look alike differ), known transports, and latencies in
// [0, MaxLatencyMs] over a count of zero or more. The name is otherwise
// kept as it is: markup in it is text, which the dashboard shows as such.
func (st *State) CheckReport(r *Report) error {
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case utf8.RuneCountInString(r.Name) > MaxNameLen:
		return fmt.Errorf("name must be at most %d characters", MaxNameLen)
	case strings.ContainsFunc(r.Name, unicode.IsControl):
		return errors.New("name must not hold control characters")
	case strings.ContainsFunc(r.Name, func(c rune) bool { return unicode.Is(unicode.Cf, c) }):
		return errors.New("name must not hold format characters (bidi controls, zero-width characters)")
	}
	if err := st.checkTransports(r.Transports); err != nil {
		return err
	}
	for t, l := range r.Latency {
		if !slices.Contains(st.limits.Transports, t) {
			return fmt.Errorf("latency: unknown transport %q", t)
		}
		for _, ms := range []float64{l.P50Ms, l.P95Ms} {
			if !(ms >= 0 && ms <= MaxLatencyMs) { // NaN too
				return fmt.Errorf("latency.%s: p50Ms and p95Ms must be from 0 to %d", t, MaxLatencyMs)
			}
		}
		if l.N < 0 {
			return fmt.Errorf("latency.%s: n must not be negative", t)
		}
	}
	return nil
}

// Student is what the class knows of one page beyond its requests: its
// last report and its follow requests. The zero Student is a page that
// has done neither; it is safe for concurrent use.
type Student struct {
	mu sync.Mutex
	student
}

// student is a Student's fields, read together under its lock.
type student struct {
	report   Report
	reported time.Time // when report came; zero: never
	follows  int       // follow requests open now
	followed time.Time // when the last follow request began or ended
}

// Reported keeps r, which CheckReport passed, as the page's last report.
func (s *Student) Reported(r Report, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.report, s.reported = r, now
}

// Follow marks a follow request open from now; done marks it answered.
func (s *Student) Follow(now time.Time) (done func(time.Time)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.follows++
	s.followed = now
	return func(end time.Time) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.follows--
		s.followed = end
	}
}

// read returns s's fields as they are now; a nil Student has none.
func (s *Student) read() student {
	if s == nil {
		return student{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.student
}

// Seen is what the server saw of one page, for Roster: its requests and
// its open answers, and its Student.
type Seen struct {
	Name    string          // its public name
	Last    time.Time       // its last request of any kind
	Polled  time.Time       // its last poll (on the lane named "poll")
	Open    map[string]bool // the transports with an answer open now: a stream, a poll in flight
	Muted   bool            // the instructor muted its messages
	Student *Student
}

// PageView is one page as the dashboard lists it.
type PageView struct {
	Name      string `json:"name"`
	Student   string `json:"student"` // the name its student typed, if any
	Following bool   `json:"following"`
	// Transports are the lanes the page last reported having on, else
	// (before its first report) the lanes the server sees it use.
	Transports []string           `json:"transports"`
	SeenAgoMs  int64              `json:"seenAgoMs"`
	Latency    map[string]Latency `json:"latency"`
	Muted      bool               `json:"muted"` // the instructor muted its messages
}

// Reported is what the reporting pages measured on one lane: the median
// of their medians, and of their 95th percentiles. A median of pages, not
// a mean, so that one laptop on a bad network does not speak for the room.
type Reported struct {
	Pages int     `json:"pages"`
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
}

// Roster is the class as the dashboard shows it.
type Roster struct {
	// Students counts the pages present ("pages"), those following
	// ("following") and those using each transport now (by its name).
	Students map[string]int      `json:"students"`
	Pages    []PageView          `json:"pages"`
	Reported map[string]Reported `json:"reported"`
}

// Roster counts the pages present at now among pages: those seen within
// SeenWithin, or with an answer or a follow request open. A page uses a
// transport when it has an answer of it open, or, for polling, polled
// within PolledWithin. A page follows when its last report, within
// SeenWithin, says so; without such a report, when it has a follow request
// open or had one within SeenWithin (a page that explores alone may still
// follow the class state, for pauses and messages, and says so in its
// reports).
func (st *State) Roster(pages []Seen, now time.Time) Roster {
	ro := Roster{Students: map[string]int{"pages": 0, "following": 0}, Pages: []PageView{}, Reported: map[string]Reported{}}
	for _, t := range st.limits.Transports {
		ro.Students[t] = 0
	}
	var present []sighting
	for _, p := range pages {
		if s, ok := st.sight(p, now); ok {
			present = append(present, s)
		}
	}
	slices.SortStableFunc(present, func(a, b sighting) int { return b.last.Compare(a.last) })
	var fresh []map[string]Latency
	for i, p := range present {
		ro.Students["pages"]++
		if p.view.Following {
			ro.Students["following"]++
		}
		for _, t := range p.using {
			ro.Students[t]++
		}
		if i < MaxListed {
			ro.Pages = append(ro.Pages, p.view)
		}
		if p.fresh {
			fresh = append(fresh, p.view.Latency)
		}
	}
	ro.Reported = reported(fresh)
	return ro
}

// Present reports whether page p is present at now, as Roster counts
// pages: seen within SeenWithin, or with an answer or a follow request
// open. The instructor's acts on a page by name look only at these: the
// pages the dashboard lists.
func (st *State) Present(p Seen, now time.Time) bool {
	_, ok := st.sight(p, now)
	return ok
}

// sighting is one page present, as Roster counts and lists it.
type sighting struct {
	view  PageView
	last  time.Time // its last request, report or follow
	using []string  // the transports it uses now, as the server sees
	fresh bool      // its last report is within SeenWithin: its latency counts
}

// sight returns page p as the dashboard sees it at now, and whether it is
// present at all.
func (st *State) sight(p Seen, now time.Time) (sighting, bool) {
	recent := func(t time.Time, within time.Duration) bool { return !t.IsZero() && now.Sub(t) < within }
	s := p.Student.read()
	last := latest(p.Last, s.reported, s.followed)
	if s.follows == 0 && len(p.Open) == 0 && !recent(last, SeenWithin) {
		return sighting{}, false
	}
	var using []string
	for _, t := range st.limits.Transports {
		if p.Open[t] || (t == "poll" && recent(p.Polled, PolledWithin)) {
			using = append(using, t)
		}
	}
	v := PageView{Name: p.Name, SeenAgoMs: max(now.Sub(last), 0).Milliseconds(),
		Transports: append([]string{}, using...), Latency: map[string]Latency{}, Muted: p.Muted}
	fresh := recent(s.reported, SeenWithin)
	if fresh {
		v.Following = s.report.Following
	} else {
		v.Following = s.follows > 0 || recent(s.followed, SeenWithin)
	}
	if !s.reported.IsZero() {
		v.Student = s.report.Name
		v.Transports = append([]string{}, s.report.Transports...)
		maps.Copy(v.Latency, s.report.Latency)
	}
	return sighting{view: v, last: last, using: using, fresh: fresh}, true
}

// reported takes, lane by lane, the median of the pages' p50 and of their
// p95, over the pages that measured at least one event there.
func reported(pages []map[string]Latency) map[string]Reported {
	p50s, p95s := map[string][]float64{}, map[string][]float64{}
	for _, latency := range pages {
		for t, l := range latency {
			if l.N > 0 {
				p50s[t] = append(p50s[t], l.P50Ms)
				p95s[t] = append(p95s[t], l.P95Ms)
			}
		}
	}
	out := make(map[string]Reported, len(p50s))
	for t := range p50s {
		out[t] = Reported{Pages: len(p50s[t]), P50Ms: median(p50s[t]), P95Ms: median(p95s[t])}
	}
	return out
}

// median returns the middle of xs, or the mean of the two middle ones; xs
// is sorted in place and not empty.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// latest returns the latest of ts.
func latest(ts ...time.Time) time.Time {
	var last time.Time
	for _, t := range ts {
		if t.After(last) {
			last = t
		}
	}
	return last
}
