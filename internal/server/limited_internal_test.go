package server

import (
	"fmt"
	"testing"
	"time"
)

func TestLimitedCountsAndLogsOnceAMinute(t *testing.T) {
	l := newLimited()
	t0 := time.Unix(1764150000, 0)
	for i, tt := range []struct {
		at         time.Duration
		address    string
		limit      string
		wantN      int
		wantLogged bool
	}{
		{0, "192.0.2.7", "polls", 1, true},
		{time.Second, "192.0.2.7", "polls", 2, false},
		{2 * time.Second, "192.0.2.7", "messages", 1, false}, // once a minute an address, whatever the limit
		{3 * time.Second, "192.0.2.8", "polls", 1, true},     // another address
		{61 * time.Second, "192.0.2.7", "polls", 3, true},
		{12 * time.Minute, "192.0.2.7", "polls", 1, true}, // an old story starts again
	} {
		n, logged := l.refuse(tt.address, "", tt.limit, t0.Add(tt.at))
		if n != tt.wantN || logged != tt.wantLogged {
			t.Errorf("refusal %d (%s, %s at %v) = %d, %v; want %d, %v", i, tt.address, tt.limit, tt.at, n, logged, tt.wantN, tt.wantLogged)
		}
	}
}

func TestLimitedListsTheLastTenMinutesNewestFirst(t *testing.T) {
	l := newLimited()
	t0 := time.Unix(1764150000, 0)
	l.refuse("192.0.2.1", "quiet otter 17", "messages", t0)
	l.refuse("192.0.2.2", "", "polls", t0.Add(5*time.Minute))
	l.refuse("2001:db8::/64", "bold heron 3", "streams", t0.Add(9*time.Minute))
	l.refuse("2001:db8::/64", "", "streams", t0.Add(9*time.Minute)) // a request without a key keeps the name known

	got := l.list(t0.Add(10*time.Minute + time.Second))
	want := []limitedAnswer{
		{Address: "2001:db8::/64", Name: "bold heron 3", Limit: "streams", Refused: 2, LastAgoMs: 61_000},
		{Address: "192.0.2.2", Limit: "polls", Refused: 1, LastAgoMs: 301_000},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("list = %+v, want %+v (the first, 10 min old, gone)", got, want)
	}
	if got := newLimited().list(t0); got == nil || len(got) != 0 {
		t.Errorf("list of nothing = %#v, want an empty list, never nil", got)
	}
}

// A flood from many addresses keeps the table bounded, the dashboard's
// list short, and the log quiet once it has said enough.
func TestLimitedIsBounded(t *testing.T) {
	l := newLimited()
	t0 := time.Unix(1764150000, 0)
	logged := 0
	for i := range 3 * maxLimited {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if _, ok := l.refuse(fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255), "", "polls", now); ok {
			logged++
		}
	}
	if n := len(l.entries); n > maxLimited {
		t.Errorf("%d entries kept, want at most %d", n, maxLimited)
	}
	if n := len(l.logged); n > maxLimited {
		t.Errorf("%d addresses remembered for the log, want at most %d", n, maxLimited)
	}
	if logged > maxLimited {
		t.Errorf("%d log lines for a minute's flood, want at most %d", logged, maxLimited)
	}
	list := l.list(t0.Add(3 * maxLimited * time.Millisecond))
	if len(list) != maxLimitedShown || list[0].Address != "10.0.11.183" {
		t.Errorf("list has %d entries, first %+v; want %d, the newest (10.0.11.183) first", len(list), list[0], maxLimitedShown)
	}
}
