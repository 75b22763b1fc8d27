package class

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Bounds of the polling interval the class sets, in whole milliseconds:
// four polls a second at most, so a class of 30 cannot flood the server
// by the interval alone, and one every 5 s at least, so polling still
// looks like a live feed.
const (
	MinInterval     = 250
	MaxInterval     = 5000
	DefaultInterval = 1000
)

// TutorialRate is the feed's rate during the tutorial: one event every
// three seconds, slow enough to follow each one by eye on every lane.
const TutorialRate = 1.0 / 3

// Limits are what a class setting may be. They are the server's (its
// transports, its feed, its simulated network): the class state knows
// none of them.
type Limits struct {
	Transports       []string      // the lanes, in the order the pages show them
	Default          []string      // the lanes a new class has on (nil: all of Transports)
	MinRate, MaxRate float64       // the feed's events a second
	MaxDelay         time.Duration // the simulated network's delay
}

// lanesOn returns the lanes a new class has on.
func (l Limits) lanesOn() []string {
	if l.Default != nil {
		return l.Default
	}
	return l.Transports
}

// Network is a simulated network for every following page, as each page
// sets its own with PUT /api/sim: a delay, and a jitter of at most the
// delay, in milliseconds.
type Network struct {
	DelayMs  int64 `json:"delayMs"`
	JitterMs int64 `json:"jitterMs"`
}

// Settings are the class state the instructor sets and every following
// page applies: the body of GET /api/class/follow. A Settings is a value:
// nothing in it changes once handed out (Transports is never modified in
// place, only replaced).
type Settings struct {
	Version    uint64   `json:"version"` // bumps on every change: what a follower waits on
	Run        uint64   `json:"run"`     // bumps on a new run: following pages start their numbers from zero
	Transports []string `json:"transports"`
	Interval   int      `json:"interval"` // ms between polls
	Rate       float64  `json:"rate"`     // the feed's events a second
	Paused     bool     `json:"paused"`   // no quotes while set; messages still go
	Messages   bool     `json:"messages"` // whether students may send messages
	Network    Network  `json:"network"`
	Tutorial   bool     `json:"tutorial"` // the tutorial preset: TutorialRate, pages reply to quotes
}

// Patch is a change of Settings: the fields that are set change, the
// others stay. Version and Run are not in it: they are the state's to
// count, and a body that names them is refused before it gets here
// (httpjson.Decode rejects unknown fields).
type Patch struct {
	Transports *[]string `json:"transports"`
	Interval   *int      `json:"interval"`
	Rate       *float64  `json:"rate"`
	Paused     *bool     `json:"paused"`
	Messages   *bool     `json:"messages"`
	Network    *Network  `json:"network"`
	Tutorial   *bool     `json:"tutorial"`
}

// State is the class state: one per server, safe for concurrent use. It
// knows no HTTP; the server's handlers read it, patch it and wait on it.
//
// Every change bumps the version and closes the channel that Get handed
// out, which wakes every follower at once: a thousand held requests cost
// one close, not a thousand sends.
type State struct {
	limits Limits
	effect func(Settings) // makes the feed match the settings; called under mu

	mu      sync.Mutex
	s       Settings
	rateWas float64       // the rate before the tutorial, restored after it
	changed chan struct{} // closed on the next change, then replaced
}

// NewState returns the state of a class that has just begun: every lane
// on, polling every second, the feed at rate, running, messages allowed,
// a good network. effect is called with the new settings after every
// change, while no other change can happen, so that the feed (rate and
// pause) always matches the state, even when two changes race; it must
// be quick and not call back into the state.
func NewState(limits Limits, rate float64, effect func(Settings)) *State {
	if effect == nil {
		effect = func(Settings) {}
	}
	return &State{
		limits: limits,
		effect: effect,
		s: Settings{
			Version:    1,
			Run:        1,
			Transports: slices.Clone(limits.lanesOn()),
			Interval:   DefaultInterval,
			Rate:       rate,
			Messages:   true,
		},
		changed: make(chan struct{}),
	}
}

// Get returns the settings now, and a channel that is closed at the next
// change: a follower that has these settings waits on it.
func (st *State) Get() (Settings, <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.s, st.changed
}

// Apply checks every field of p, then changes them all, or, when any is
// wrong, none: a half-applied change would leave the class in a state no
// one asked for. It returns the settings after the change. A patch that
// sets every field as it is changes nothing and bumps nothing.
func (st *State) Apply(p Patch) (Settings, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	next, rateWas, err := st.patched(p)
	if err != nil {
		return st.s, err
	}
	if equal(next, st.s) {
		return st.s, nil
	}
	st.rateWas = rateWas
	st.change(next)
	return st.s, nil
}

// NewRun starts a new run: every following page starts its numbers from
// zero, as if the class began again with the same settings.
func (st *State) NewRun() Settings {
	st.mu.Lock()
	defer st.mu.Unlock()
	next := st.s
	next.Run++
	st.change(next)
	return st.s
}

// change makes next the settings, with the next version, and wakes the
// followers. st.mu is held.
func (st *State) change(next Settings) {
	next.Version = st.s.Version + 1
	st.s = next
	st.effect(next)
	close(st.changed)
	st.changed = make(chan struct{})
}

// patched returns the settings p makes of the current ones, and the rate
// to restore after the tutorial; or the first thing wrong with p. st.mu
// is held.
func (st *State) patched(p Patch) (Settings, float64, error) {
	next, rateWas := st.s, st.rateWas
	if p.Transports != nil {
		if err := st.checkTransports(*p.Transports); err != nil {
			return next, rateWas, err
		}
		next.Transports = slices.Clone(*p.Transports)
		if next.Transports == nil {
			next.Transports = []string{}
		}
	}
	if p.Interval != nil {
		if *p.Interval < MinInterval || *p.Interval > MaxInterval {
			return next, rateWas, fmt.Errorf("interval must be from %d to %d ms", MinInterval, MaxInterval)
		}
		next.Interval = *p.Interval
	}
	if p.Network != nil {
		if err := st.checkNetwork(*p.Network); err != nil {
			return next, rateWas, err
		}
		next.Network = *p.Network
	}
	if p.Paused != nil {
		next.Paused = *p.Paused
	}
	if p.Messages != nil {
		next.Messages = *p.Messages
	}
	// The tutorial owns the rate while it lasts: a rate may come with the
	// tutorial's end (it wins over the rate restored), not with its start
	// nor during it.
	tutorial := st.s.Tutorial
	if p.Tutorial != nil {
		tutorial = *p.Tutorial
	}
	if p.Rate != nil {
		if tutorial {
			return next, rateWas, errors.New("the tutorial sets the rate: turn the tutorial off to set another")
		}
		if !(*p.Rate >= st.limits.MinRate && *p.Rate <= st.limits.MaxRate) { // NaN too
			return next, rateWas, fmt.Errorf("rate must be from %g to %g events a second", st.limits.MinRate, st.limits.MaxRate)
		}
	}
	switch {
	case tutorial && !st.s.Tutorial: // it starts
		rateWas, next.Rate = st.s.Rate, TutorialRate
	case !tutorial && st.s.Tutorial: // it ends
		next.Rate = rateWas
	}
	next.Tutorial = tutorial
	if p.Rate != nil {
		next.Rate = *p.Rate
	}
	return next, rateWas, nil
}

// checkTransports refuses a lane the server does not have, or one named
// twice.
func (st *State) checkTransports(ts []string) error {
	for i, t := range ts {
		if !slices.Contains(st.limits.Transports, t) {
			return fmt.Errorf("transports: unknown transport %q: the server has %q", t, st.limits.Transports)
		}
		if slices.Contains(ts[:i], t) {
			return fmt.Errorf("transports: %q is named twice", t)
		}
	}
	return nil
}

// checkNetwork applies /api/sim's rules: a delay up to the simulation's
// bound, and a jitter of at most the delay, since a write cannot leave
// before it is made.
func (st *State) checkNetwork(n Network) error {
	if limit := st.limits.MaxDelay.Milliseconds(); n.DelayMs < 0 || n.DelayMs > limit {
		return fmt.Errorf("network.delayMs must be from 0 to %d", limit)
	}
	if n.JitterMs < 0 || n.JitterMs > n.DelayMs {
		return errors.New("network.jitterMs must be from 0 to network.delayMs")
	}
	return nil
}

// equal reports whether two settings are equal, version aside.
func equal(a, b Settings) bool {
	return a.Run == b.Run && slices.Equal(a.Transports, b.Transports) && a.Interval == b.Interval &&
		a.Rate == b.Rate && a.Paused == b.Paused && a.Messages == b.Messages &&
		a.Network == b.Network && a.Tutorial == b.Tutorial
}
