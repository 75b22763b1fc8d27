package class_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"transportlab/internal/class"
)

var limits = class.Limits{
	Transports: []string{"poll", "sse", "ws"},
	MinRate:    0.1,
	MaxRate:    10000,
	MaxDelay:   5 * time.Second,
}

// newState returns a fresh class state at rate 1, and the settings its
// effect was last called with (nil before the first change).
func newState(t *testing.T) (*class.State, *[]class.Settings) {
	t.Helper()
	var effects []class.Settings
	return class.NewState(limits, 1, func(s class.Settings) { effects = append(effects, s) }), &effects
}

// patch decodes a PUT /api/class body, as the server does, into a Patch.
func patch(t *testing.T, body string) class.Patch {
	t.Helper()
	var p class.Patch
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return p
}

func TestStateStartsOpen(t *testing.T) {
	st, _ := newState(t)
	got, _ := st.Get()
	want := class.Settings{Version: 1, Run: 1, Transports: []string{"poll", "sse", "ws"}, Interval: 1000, Rate: 1, Messages: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a new class: %+v, want %+v", got, want)
	}
}

func TestApplyChangesWhatIsSetAndBumps(t *testing.T) {
	st, effects := newState(t)
	_, changed := st.Get()
	got, err := st.Apply(patch(t, `{"transports":["ws","poll"],"interval":250,"rate":20,"paused":true,"messages":false,"network":{"delayMs":150,"jitterMs":50}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := class.Settings{Version: 2, Run: 1, Transports: []string{"ws", "poll"}, Interval: 250, Rate: 20, Paused: true, Network: class.Network{DelayMs: 150, JitterMs: 50}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a patch: %+v, want %+v", got, want)
	}
	select {
	case <-changed:
	default:
		t.Error("the channel Get handed out is still open after a change")
	}
	if len(*effects) != 1 || !reflect.DeepEqual((*effects)[0], want) {
		t.Errorf("effects %+v, want one with %+v", *effects, want)
	}

	// The same values again change nothing: no bump, no wake-up.
	_, changed = st.Get()
	if again, err := st.Apply(patch(t, `{"interval":250,"paused":true}`)); err != nil || again.Version != 2 {
		t.Errorf("a patch that changes nothing: version %d, %v; want 2, nil", again.Version, err)
	}
	select {
	case <-changed:
		t.Error("a patch that changed nothing woke the followers")
	default:
	}
	if got, err := st.Apply(patch(t, `{"transports":[]}`)); err != nil || got.Transports == nil || len(got.Transports) != 0 {
		t.Errorf("every lane off: transports %#v, %v; want [] and nil", got.Transports, err)
	}
}

// Each bad value is refused, and nothing of the patch is applied: not even
// its good fields, which come first.
func TestApplyRefusesBadValuesAndChangesNothing(t *testing.T) {
	for _, body := range []string{
		`{"paused":true,"transports":["poll","carrier pigeon"]}`,
		`{"paused":true,"transports":["sse","sse"]}`,
		`{"paused":true,"interval":249}`,
		`{"paused":true,"interval":5001}`,
		`{"paused":true,"interval":0}`,
		`{"paused":true,"rate":0}`,
		`{"paused":true,"rate":0.09}`,
		`{"paused":true,"rate":10001}`,
		`{"paused":true,"rate":-1}`,
		`{"paused":true,"network":{"delayMs":-1,"jitterMs":0}}`,
		`{"paused":true,"network":{"delayMs":5001,"jitterMs":0}}`,
		`{"paused":true,"network":{"delayMs":100,"jitterMs":101}}`,
		`{"paused":true,"network":{"delayMs":100,"jitterMs":-1}}`,
		`{"paused":true,"tutorial":true,"rate":2}`,
	} {
		st, effects := newState(t)
		before, _ := st.Get()
		after, err := st.Apply(patch(t, body))
		if err == nil {
			t.Errorf("Apply(%s) = nil error, want one", body)
		}
		if !reflect.DeepEqual(after, before) {
			t.Errorf("Apply(%s) returned %+v, want the state as it was, %+v", body, after, before)
		}
		if now, _ := st.Get(); !reflect.DeepEqual(now, before) {
			t.Errorf("after Apply(%s): %+v, want it unchanged, %+v", body, now, before)
		}
		if len(*effects) != 0 {
			t.Errorf("Apply(%s) called the effect %d times, want none", body, len(*effects))
		}
	}
	st, _ := newState(t)
	if _, err := st.Apply(class.Patch{Rate: new(math.NaN())}); err == nil {
		t.Error("rate NaN: nil error, want one")
	}
}

// The tutorial sets the rate to a third and restores it after; while it
// lasts the rate is its own.
func TestTutorialKeepsTheRateBefore(t *testing.T) {
	st, effects := newState(t)
	mustApply := func(body string) class.Settings {
		t.Helper()
		s, err := st.Apply(patch(t, body))
		if err != nil {
			t.Fatalf("Apply(%s): %v", body, err)
		}
		return s
	}
	mustApply(`{"rate":5}`)
	if s := mustApply(`{"tutorial":true}`); !s.Tutorial || s.Rate != class.TutorialRate {
		t.Errorf("tutorial on: %+v, want tutorial and rate 1/3", s)
	}
	if got := (*effects)[len(*effects)-1].Rate; got != class.TutorialRate {
		t.Errorf("the effect saw rate %v, want 1/3", got)
	}
	if s := mustApply(`{"tutorial":true}`); s.Rate != class.TutorialRate {
		t.Errorf("tutorial on twice: rate %v", s.Rate)
	}
	if _, err := st.Apply(patch(t, `{"rate":2}`)); err == nil {
		t.Error("a rate during the tutorial: nil error, want one")
	}
	if s := mustApply(`{"tutorial":false}`); s.Tutorial || s.Rate != 5 {
		t.Errorf("tutorial off: %+v, want rate 5 again", s)
	}
	// Twice on and off, the rate before the first is the one restored.
	mustApply(`{"tutorial":true}`)
	if s := mustApply(`{"tutorial":false,"rate":8}`); s.Rate != 8 {
		t.Errorf("tutorial off with a rate: %v, want 8", s.Rate)
	}
	if s := mustApply(`{"tutorial":false}`); s.Rate != 8 {
		t.Errorf("tutorial off when it is off: rate %v, want 8 unchanged", s.Rate)
	}
}

func TestNewRunBumpsRunAndVersion(t *testing.T) {
	st, _ := newState(t)
	_, changed := st.Get()
	s := st.NewRun()
	if s.Run != 2 || s.Version != 2 {
		t.Errorf("after NewRun: run %d version %d, want 2 and 2", s.Run, s.Version)
	}
	<-changed // closed, or the test hangs
}

// A thousand followers wait on one channel; a change wakes them all.
func TestChangeWakesEveryFollower(t *testing.T) {
	st, _ := newState(t)
	ready, woke := make(chan struct{}), make(chan struct{})
	for range 1000 {
		go func() {
			_, changed := st.Get()
			ready <- struct{}{}
			<-changed
			woke <- struct{}{}
		}()
	}
	for range 1000 {
		<-ready
	}
	if _, err := st.Apply(patch(t, `{"messages":false}`)); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		<-woke
	}
}
