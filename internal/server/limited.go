package server

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Bounds on what the server remembers of refusals: the dashboard shows the
// last limitedFor, at most maxLimitedShown entries; the log says an
// address was refused at most once a logEvery. A flood from many
// addresses fills the table at most to maxLimited entries: the oldest go.
const (
	limitedFor      = 10 * time.Minute
	maxLimitedShown = 50
	maxLimited      = 1000
	logEvery        = time.Minute
)

// limitedAnswer is one address that went over one limit lately, as GET
// /api/class lists it for the instructor.
type limitedAnswer struct {
	Address   string `json:"address"` // an IPv4 address or an IPv6 /64 (clientaddr.Key)
	Name      string `json:"name"`    // the public name of the last page refused; "" for a request without one
	Limit     string `json:"limit"`   // "messages", "polls", "pages", "streams" or "class"
	Refused   int    `json:"refused"` // requests refused in all, since the first
	LastAgoMs int64  `json:"lastAgoMs"`
}

// limited remembers who went over a limit per address: for the
// instructor's dashboard, and so that a flood of refusals is one log line
// a minute an address, not one a request. It is safe for concurrent use.
type limited struct {
	mu      sync.Mutex
	entries map[limitedKey]*limitedEntry
	logged  map[string]time.Time // when each address was last logged
}

type limitedKey struct{ address, limit string }

type limitedEntry struct {
	name    string
	refused int
	last    time.Time
}

func newLimited() *limited {
	return &limited{entries: make(map[limitedKey]*limitedEntry), logged: make(map[string]time.Time)}
}

// refuse notes that a request of the page named name (or none), from
// address, went over limit at now. It returns how many of that address's
// requests that limit refused lately (since a refusal that came after
// limitedFor of none), and whether to log it: the first refusal of an
// address in a logEvery.
func (l *limited) refuse(address, name, limit string, now time.Time) (refused int, logIt bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitedKey{address, limit}
	e, ok := l.entries[k]
	switch {
	case !ok:
		l.makeRoom(now)
		e = &limitedEntry{}
		l.entries[k] = e
	case now.Sub(e.last) >= limitedFor:
		*e = limitedEntry{} // an old story: the count starts again
	}
	e.refused++
	e.last = now
	if name != "" || e.name == "" {
		e.name = name
	}
	if last, ok := l.logged[address]; ok && now.Sub(last) < logEvery {
		return e.refused, false
	}
	if _, ok := l.logged[address]; !ok && len(l.logged) >= maxLimited {
		for a, t := range l.logged {
			if now.Sub(t) >= logEvery {
				delete(l.logged, a)
			}
		}
		if len(l.logged) >= maxLimited {
			return e.refused, false // a flood from that many addresses: the log has said enough
		}
	}
	l.logged[address] = now
	return e.refused, true
}

// makeRoom forgets what is older than limitedFor, and when that is not
// enough the entry refused longest ago. l.mu is held.
func (l *limited) makeRoom(now time.Time) {
	if len(l.entries) < maxLimited {
		return
	}
	var oldest limitedKey
	for k, e := range l.entries {
		if now.Sub(e.last) >= limitedFor {
			delete(l.entries, k)
		} else if o, ok := l.entries[oldest]; !ok || e.last.Before(o.last) {
			oldest = k
		}
	}
	if len(l.entries) >= maxLimited {
		delete(l.entries, oldest)
	}
}

// list returns what was refused in the last limitedFor, newest first, at
// most maxLimitedShown entries; never nil, so the answer says [].
func (l *limited) list(now time.Time) []limitedAnswer {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []limitedAnswer{}
	for k, e := range l.entries {
		ago := now.Sub(e.last)
		if ago >= limitedFor {
			continue
		}
		out = append(out, limitedAnswer{Address: k.address, Name: e.name, Limit: k.limit,
			Refused: e.refused, LastAgoMs: max(ago.Milliseconds(), 0)})
	}
	slices.SortFunc(out, func(a, b limitedAnswer) int {
		return cmp.Or(cmp.Compare(a.LastAgoMs, b.LastAgoMs), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Limit, b.Limit))
	})
	return out[:min(len(out), maxLimitedShown)]
}
