package feed

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// subscribe subscribes to h at its head, and closes the subscription when
// the test ends.
func subscribe(tb testing.TB, h *Hub) *Subscription {
	tb.Helper()
	s, err := h.Subscribe(Position{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// told reports whether s's Ready was told, and takes the telling.
func told(s *Subscription) bool {
	select {
	case <-s.Ready():
		return true
	default:
		return false
	}
}

// recorder is a direct func that notes each frame it is given, and
// answers what answer says (take it, with no rest, when nil).
type recorder struct {
	mu     sync.Mutex
	seqs   []uint64
	answer func(f *Frame) (taken, wake bool)
}

func (r *recorder) direct(f *Frame) (taken, wake bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = append(r.seqs, f.Seq)
	if r.answer == nil {
		return true, false
	}
	return r.answer(f)
}

func (r *recorder) calls() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.seqs...)
}

// With nothing waiting, each event goes to direct, and nothing is queued
// nor told: the owner's goroutine is not woken.
func TestDirectTakesEventsWhenNothingWaits(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	var r recorder
	s.SetDirect(r.direct)
	publish(t, h, 3)
	if got := r.calls(); !equal(got, span(1, 3)) {
		t.Errorf("direct was given %v, want 1..3", got)
	}
	if got := s.Take(nil); len(got) != 0 {
		t.Errorf("queued %v, want nothing", seqs(got))
	}
	if told(s) {
		t.Error("Ready was told, with nothing queued")
	}
}

// An event direct does not take is queued and Ready told; the events after
// it queue behind it, without going to direct, until the owner took them.
func TestDirectDeclinedEventIsQueued(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	r := recorder{answer: func(f *Frame) (bool, bool) { return f.Seq != 1, false }}
	s.SetDirect(r.direct)
	publish(t, h, 3)
	if got := r.calls(); !equal(got, []uint64{1}) {
		t.Errorf("direct was given %v, want only 1: 2 and 3 must queue behind it", got)
	}
	if !told(s) {
		t.Error("Ready was not told of the queued event")
	}
	if got := seqs(s.Take(nil)); !equal(got, span(1, 3)) {
		t.Fatalf("queued %v, want 1..3", got)
	}
	publish(t, h, 1) // the queue is empty again
	if got := r.calls(); !equal(got, []uint64{1, 4}) {
		t.Errorf("direct was given %v, want 1 and 4", got)
	}
	if got := s.Take(nil); len(got) != 0 {
		t.Errorf("queued %v after direct took 4, want nothing", seqs(got))
	}
}

// While the owner holds the subscription, events queue rather than go to
// direct: a direct write would overtake what the owner took. After
// Unhold, events still queue until the owner took those waiting.
func TestDirectWaitsWhileTheOwnerHolds(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	var r recorder
	s.SetDirect(r.direct)
	s.Hold()
	publish(t, h, 1)
	if got := r.calls(); len(got) != 0 {
		t.Errorf("direct was given %v while held, want nothing", got)
	}
	if !told(s) {
		t.Error("Ready was not told of the event queued while held")
	}
	s.Unhold()
	publish(t, h, 1)
	if got := r.calls(); len(got) != 0 {
		t.Errorf("direct was given %v while 1 waited, want nothing", got)
	}
	s.Hold()
	if got := seqs(s.Take(nil)); !equal(got, span(1, 2)) {
		t.Fatalf("took %v, want 1..2", got)
	}
	s.Unhold()
	publish(t, h, 1)
	if got := r.calls(); !equal(got, []uint64{3}) {
		t.Errorf("direct was given %v, want 3 once the queue was taken", got)
	}
}

// An event taken with a rest left tells Ready, so the owner writes the
// rest; the event itself is not queued again.
func TestDirectWakeTellsReady(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	r := recorder{answer: func(*Frame) (bool, bool) { return true, true }}
	s.SetDirect(r.direct)
	publish(t, h, 1)
	if !told(s) {
		t.Error("Ready was not told of the rest")
	}
	if got := s.Take(nil); len(got) != 0 {
		t.Errorf("queued %v, want nothing: direct took it", seqs(got))
	}
}

// SetDirect(nil) returns only once a direct call under way has returned:
// the owner may then let the connection go. Later events queue.
func TestSetDirectNilWaitsForADirectCall(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	entered, release := make(chan struct{}), make(chan struct{})
	var returned sync.WaitGroup // done when the direct call has returned
	returned.Add(1)
	s.SetDirect(func(*Frame) (bool, bool) {
		defer returned.Done()
		close(entered)
		<-release
		return true, false
	})
	published := publishInBackground(h)
	<-entered
	unset := make(chan struct{})
	go func() {
		s.SetDirect(nil)
		close(unset)
	}()
	// Give a SetDirect that did not wait the time to return. The test
	// cannot fail for want of time, only miss the fault.
	time.Sleep(20 * time.Millisecond)
	select {
	case <-unset:
		t.Error("SetDirect(nil) returned while a direct call was under way")
	default:
	}
	close(release)
	<-unset
	returned.Wait()
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	publish(t, h, 1)
	if got := seqs(s.Take(nil)); !equal(got, []uint64{2}) {
		t.Errorf("after SetDirect(nil) queued %v, want 2", got)
	}
}

// A direct that keeps declining leaves the queue's bound as it was: the
// subscriber is cut off when one more than Queue would wait.
func TestDirectDecliningStillCutsOffASlowSubscriber(t *testing.T) {
	h := NewHub(Config{Queue: 4})
	s := subscribe(t, h)
	r := recorder{answer: func(*Frame) (bool, bool) { return false, false }}
	s.SetDirect(r.direct)
	publish(t, h, 4)
	if err := s.Err(); err != nil {
		t.Fatalf("with 4 waiting in a queue of 4: Err() = %v, want nil", err)
	}
	publish(t, h, 1)
	if !errors.Is(s.Err(), ErrTooSlow) {
		t.Fatalf("with a fifth published: Err() = %v, want ErrTooSlow", s.Err())
	}
	if got := r.calls(); !equal(got, []uint64{1}) {
		t.Errorf("direct was given %v, want only 1", got)
	}
	if got := seqs(s.Take(nil)); !equal(got, span(1, 4)) {
		t.Errorf("queued %v, want 1..4", got)
	}
}

// A client that takes every event directly never fills its queue, however
// many are published.
func TestDirectTakingAllIsNeverCutOff(t *testing.T) {
	h := NewHub(Config{Queue: 2})
	s := subscribe(t, h)
	var r recorder
	s.SetDirect(r.direct)
	publish(t, h, 100)
	if err := s.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	if got := r.calls(); !equal(got, span(1, 100)) {
		t.Errorf("direct was given %d events, want 1..100", len(got))
	}
}

// Events written by the hub (direct) and by the owner (Hold, Take, write,
// Unhold) reach the client each once, in order, whatever the interleaving:
// a direct that declines, or leaves a rest that the owner writes before
// anything else, or takes an event whole.
func TestDirectAndOwnerDeliverInOrder(t *testing.T) {
	const n = 3000
	h := NewHub(Config{Queue: n + 1}) // no cut-off: this is about order
	s := subscribe(t, h)

	// conn is the client's connection: what it received, and whether a
	// rest of the last direct write waits for the owner.
	var conn struct {
		sync.Mutex
		seqs []uint64
		rest bool
	}
	s.SetDirect(func(f *Frame) (taken, wake bool) {
		conn.Lock()
		defer conn.Unlock()
		switch {
		case conn.rest, f.Seq%5 == 0: // a rest waits, or the connection is busy
			return false, false
		case f.Seq%7 == 0: // part of it went, the rest is the owner's
			conn.seqs = append(conn.seqs, f.Seq)
			conn.rest = true
			return true, true
		}
		conn.seqs = append(conn.seqs, f.Seq)
		return true, false
	})

	var queued []*Frame
	write := func() {
		s.Hold()
		defer s.Unhold()
		queued = s.Take(queued[:0])
		runtime.Gosched() // a direct write that did not wait for Unhold would overtake
		conn.Lock()
		defer conn.Unlock()
		conn.rest = false // written first
		conn.seqs = append(conn.seqs, seqs(queued)...)
	}
	published, owned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(owned)
		for {
			select {
			case <-s.Ready():
				write()
			case <-published:
				write() // what queued last
				return
			}
		}
	}()
	var publishers sync.WaitGroup
	for range 2 {
		publishers.Go(func() {
			for range n / 2 {
				if _, err := h.Publish(Event{Kind: KindQuote, Symbol: "ACME", Price: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	publishers.Wait()
	close(published)
	<-owned

	if err := s.Err(); err != nil {
		t.Fatalf("Err() = %v, want nil", err)
	}
	if got := conn.seqs; !equal(got, span(1, n)) {
		for i, seq := range got {
			if seq != uint64(i+1) {
				t.Fatalf("the client received %d events; the %dth is seq %d, want %d", len(got), i+1, seq, i+1)
			}
		}
		t.Fatalf("the client received %d events, want %d", len(got), n)
	}
	if conn.rest {
		t.Error("a rest was left unwritten")
	}
}

// While a fan-out is under way (a direct write that takes its time), the
// hub's lock is free: a poll's Since and a new subscription go on, and
// see the event being handed out. The subscription that starts meanwhile
// has it in its backlog, and is not handed it again.
func TestFanOutLeavesTheHubFree(t *testing.T) {
	h := NewHub(Config{})
	s := subscribe(t, h)
	entered, release := make(chan struct{}), make(chan struct{})
	s.SetDirect(func(f *Frame) (taken, wake bool) {
		close(entered)
		<-release
		return true, false
	})
	published := publishInBackground(h)
	<-entered // the fan-out is in the direct write, and stays there

	// Under the hub's lock, these would wait for the release below: the
	// test fails after a while, rather than hang.
	var since []*Frame
	var late *Subscription
	var err error
	asked := make(chan struct{})
	go func() {
		defer close(asked)
		since, _ = h.Since(Position{Resume: true}, 0)
		late, err = h.Subscribe(Position{Resume: true})
	}()
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("Since and Subscribe waited for the fan-out")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if !equal(seqs(since), []uint64{1}) {
		t.Errorf("Since during the fan-out: %v, want [1]", seqs(since))
	}
	if got := seqs(late.Backlog); !equal(got, []uint64{1}) {
		t.Errorf("a subscription during the fan-out has backlog %v, want [1]", got)
	}

	close(release)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	if got := late.Take(nil); len(got) != 0 {
		t.Errorf("the late subscription was handed %v as well, want nothing: 1 is in its backlog", seqs(got))
	}
}

// publishInBackground publishes one event on a goroutine of its own, and
// sends Publish's error when it returns.
func publishInBackground(h *Hub) <-chan error {
	published := make(chan error, 1)
	go func() {
		_, err := h.Publish(Event{Kind: KindQuote, Symbol: "ACME", Price: 1})
		published <- err
	}()
	return published
}

// A fan-out reaches the subscriptions in the order they came, which is
// what keeps it cheap (Hub.subs); one that ends hands its place to the
// last. Close ends every one of them, though each cut moves another.
func TestFanOutInTheOrderSubscriptionsCame(t *testing.T) {
	h := NewHub(Config{})
	defer h.Close()
	var (
		mu    sync.Mutex
		order []int
	)
	const n = 20
	subs := make([]*Subscription, n)
	for i := range subs {
		subs[i] = subscribe(t, h)
		subs[i].SetDirect(func(*Frame) (taken, wake bool) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, i)
			return true, false
		})
	}
	fanOut := func() []int {
		mu.Lock()
		order = nil
		mu.Unlock()
		if _, err := h.Publish(Event{Kind: KindQuote}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return order
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	if got := fanOut(); !slices.Equal(got, want) {
		t.Fatalf("fan-out order %v, want %v", got, want)
	}

	subs[3].Close()
	want = slices.Delete(want, n-1, n)
	want[3] = n - 1
	if got := fanOut(); !slices.Equal(got, want) {
		t.Fatalf("after the 4th left: fan-out order %v, want %v", got, want)
	}

	h.Close()
	for i, s := range subs {
		if i == 3 {
			continue
		}
		select {
		case <-s.Done():
		default:
			t.Fatalf("subscription %d still delivers after Close", i)
		}
		if !errors.Is(s.Err(), ErrClosed) {
			t.Errorf("subscription %d: Err() = %v, want ErrClosed", i, s.Err())
		}
	}
}
