package class_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"transportlab/internal/class"
)

func TestCheckReport(t *testing.T) {
	st, _ := newState(t)
	for _, tc := range []struct {
		name string
		r    class.Report
		ok   bool
	}{
		{"everything", class.Report{Name: "Minji", Following: true, Transports: []string{"poll", "sse"},
			Latency: map[string]class.Latency{"poll": {P50Ms: 312.5, P95Ms: 880, N: 40}}}, true},
		{"nothing", class.Report{}, true},
		{"markup is text", class.Report{Name: "<img src=x onerror=alert(1)>"}, true},
		{"32 characters", class.Report{Name: strings.Repeat("é", 32)}, true},
		{"33 characters", class.Report{Name: strings.Repeat("é", 33)}, false},
		{"a newline", class.Report{Name: "Min\nji"}, false},
		{"an escape", class.Report{Name: "Min\x1b[2Jji"}, false},
		{"a DEL", class.Report{Name: "Min\x7fji"}, false},
		{"unknown transport", class.Report{Transports: []string{"fax"}}, false},
		{"a transport twice", class.Report{Transports: []string{"ws", "ws"}}, false},
		{"unknown latency lane", class.Report{Latency: map[string]class.Latency{"fax": {}}}, false},
		{"negative p50", class.Report{Latency: map[string]class.Latency{"ws": {P50Ms: -1}}}, false},
		{"p95 too large", class.Report{Latency: map[string]class.Latency{"ws": {P95Ms: 600001}}}, false},
		{"negative n", class.Report{Latency: map[string]class.Latency{"ws": {N: -1}}}, false},
	} {
		err := st.CheckReport(&tc.r)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckReport = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	r := class.Report{Name: "  Minji \t"}
	if err := st.CheckReport(&r); err != nil || r.Name != "Minji" {
		t.Errorf("a name with spaces around: %q, %v; want it trimmed", r.Name, err)
	}
}

func TestRoster(t *testing.T) {
	st, _ := newState(t)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }

	reporting := func(r class.Report, at time.Time) *class.Student {
		s := new(class.Student)
		s.Reported(r, at)
		return s
	}
	holding := new(class.Student) // a follow request open for 20 s, no report yet
	holding.Follow(ago(20 * time.Second))
	left := new(class.Student) // followed until 20 s ago
	left.Follow(ago(40 * time.Second))(ago(20 * time.Second))

	pages := []class.Seen{
		{Name: "a polling", Last: ago(time.Second), Polled: ago(time.Second),
			Student: reporting(class.Report{Name: "Minji", Following: true, Transports: []string{"poll", "sse"},
				Latency: map[string]class.Latency{"poll": {P50Ms: 300, P95Ms: 900, N: 10}, "sse": {P50Ms: 10, P95Ms: 20, N: 0}}}, ago(time.Second))},
		{Name: "b streaming", Last: ago(time.Minute), Open: map[string]bool{"sse": true, "ws": true}, Muted: true,
			Student: reporting(class.Report{Following: false, Transports: []string{"sse", "ws"},
				Latency: map[string]class.Latency{"poll": {P50Ms: 100, P95Ms: 500, N: 3}}}, ago(2*time.Second))},
		{Name: "c holding", Last: ago(20 * time.Second), Student: holding},
		{Name: "d gone", Last: ago(16 * time.Second), Polled: ago(16 * time.Second), Student: left},
		{Name: "e polled a while ago", Last: ago(11 * time.Second), Polled: ago(11 * time.Second)},
		{Name: "f old report", Last: ago(3 * time.Second), Open: map[string]bool{"ws": true},
			Student: reporting(class.Report{Following: true, Latency: map[string]class.Latency{"poll": {P50Ms: 1, P95Ms: 1, N: 1}}}, ago(time.Minute))},
	}
	ro := st.Roster(pages, now)

	wantStudents := map[string]int{"pages": 5, "following": 2, "poll": 1, "sse": 1, "ws": 2}
	if !reflect.DeepEqual(ro.Students, wantStudents) {
		t.Errorf("students %v, want %v", ro.Students, wantStudents)
	}
	var names []string
	for _, p := range ro.Pages {
		names = append(names, p.Name)
	}
	if want := []string{"a polling", "b streaming", "f old report", "e polled a while ago", "c holding"}; !reflect.DeepEqual(names, want) {
		t.Errorf("pages %q, want %q: the present ones, newest-seen first", names, want)
	}
	a, b, c := ro.Pages[0], ro.Pages[1], ro.Pages[4]
	if a.Student != "Minji" || !a.Following || a.SeenAgoMs != 1000 || !reflect.DeepEqual(a.Transports, []string{"poll", "sse"}) {
		t.Errorf("page a: %+v", a)
	}
	if b.Following || b.SeenAgoMs != 2000 || !b.Muted || a.Muted {
		t.Errorf("page b, exploring alone, reported 2 s ago, muted: %+v (page a not muted: %v)", b, a.Muted)
	}
	if !c.Following || c.Student != "" || len(c.Transports) != 0 {
		t.Errorf("page c, a follow request open: %+v", c)
	}
	// Lane by lane, the median of the fresh reports with events: a and b
	// on poll (f's report is stale, a's sse has none).
	want := map[string]class.Reported{"poll": {Pages: 2, P50Ms: 200, P95Ms: 700}}
	if !reflect.DeepEqual(ro.Reported, want) {
		t.Errorf("reported %+v, want %+v", ro.Reported, want)
	}
}

func TestRosterListsAtMost200(t *testing.T) {
	st, _ := newState(t)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	pages := make([]class.Seen, 250)
	for i := range pages {
		pages[i] = class.Seen{Name: "p", Last: now.Add(-time.Duration(i) * time.Millisecond)}
	}
	ro := st.Roster(pages, now)
	if ro.Students["pages"] != 250 || len(ro.Pages) != class.MaxListed {
		t.Errorf("250 pages: counted %d, listed %d; want 250 and %d", ro.Students["pages"], len(ro.Pages), class.MaxListed)
	}
	if got := st.Roster(nil, now); got.Pages == nil || got.Reported == nil || got.Students["ws"] != 0 {
		t.Errorf("no pages: %+v, want empty lists and zero counts", got)
	}
}
