package feed

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// publish puts n quotes into h and returns their frames.
func publish(tb testing.TB, h *Hub, n int) []*Frame {
	tb.Helper()
	frames := make([]*Frame, n)
	for i := range frames {
		f, err := h.Publish(Event{Kind: KindQuote, Symbol: "ACME", Price: float64(100 + i)})
		if err != nil {
			tb.Fatalf("Publish: %v", err)
		}
		frames[i] = f
	}
	return frames
}

// seqs returns the seq of each frame.
func seqs(frames []*Frame) []uint64 {
	s := make([]uint64, len(frames))
	for i, f := range frames {
		s[i] = f.Seq
	}
	return s
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// span returns the seqs from..to.
func span(from, to uint64) []uint64 {
	var s []uint64
	for seq := from; seq <= to; seq++ {
		s = append(s, seq)
	}
	return s
}

func TestPublishStampsSeqAndTimeAndEncodesOnce(t *testing.T) {
	now := time.UnixMicro(1764150000123456)
	h := NewHub(Config{Now: func() time.Time { return now }})
	f, err := h.Publish(Event{Kind: KindQuote, Symbol: "ACME", Price: 101.37})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":1,"ts":1764150000123456,"kind":"quote","symbol":"ACME","price":101.37}`
	if string(f.JSON) != want {
		t.Errorf("JSON = %s, want %s", f.JSON, want)
	}
	m, err := h.Publish(Event{Kind: KindMessage, From: "abc", Text: "hi", Via: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"seq":2,"ts":1764150000123456,"kind":"message","from":"abc","text":"hi","via":"ws"}`
	if string(m.JSON) != want {
		t.Errorf("JSON = %s, want %s", m.JSON, want)
	}
}

func TestSeqGrowsByOne(t *testing.T) {
	h := NewHub(Config{})
	if got := seqs(publish(t, h, 5)); !equal(got, span(1, 5)) {
		t.Errorf("seqs = %v, want 1..5", got)
	}
	if h.Head() != 5 {
		t.Errorf("Head() = %d, want 5", h.Head())
	}
}

func TestSince(t *testing.T) {
	h := NewHub(Config{History: 10})
	publish(t, h, 25) // history keeps 16..25
	tests := []struct {
		name   string
		p      Position
		want   []uint64
		missed uint64
		reset  bool
	}{
		{"new client gets the latest", Position{}, []uint64{25}, 0, false},
		{"resume inside history", Position{Resume: true, Since: 20}, span(21, 25), 0, false},
		{"resume at the head", Position{Resume: true, Since: 25}, nil, 0, false},
		{"resume at the oldest kept", Position{Resume: true, Since: 15}, span(16, 25), 0, false},
		{"resume before history", Position{Resume: true, Since: 5}, span(16, 25), 10, false},
		{"resume from zero", Position{Resume: true, Since: 0}, span(16, 25), 15, false},
		{"since beyond the head", Position{Resume: true, Since: 99}, []uint64{25}, 0, true},
		{"another epoch", Position{Resume: true, Since: 20, Epoch: "0123456789abcdef"}, []uint64{25}, 0, true},
		{"this epoch", Position{Resume: true, Since: 20, Epoch: h.Epoch()}, span(21, 25), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, hello := h.Since(tt.p, 0)
			if got := seqs(frames); !equal(got, tt.want) {
				t.Errorf("Since(%+v) = %v, want %v", tt.p, got, tt.want)
			}
			if hello.Missed != tt.missed || hello.Reset != tt.reset {
				t.Errorf("Since(%+v) missed, reset = %d, %v, want %d, %v", tt.p, hello.Missed, hello.Reset, tt.missed, tt.reset)
			}
			if hello.Head != 25 || hello.Epoch != h.Epoch() {
				t.Errorf("hello = %+v, want head 25 and epoch %s", hello, h.Epoch())
			}
		})
	}
}

// A limit gives the oldest events after p and no more: the next answer
// starts after the last one given, and the hello is the same as without.
func TestSinceAtMostLimit(t *testing.T) {
	h := NewHub(Config{History: 10})
	publish(t, h, 25) // history keeps 16..25
	tests := []struct {
		p     Position
		limit int
		want  []uint64
	}{
		{Position{Resume: true, Since: 0}, 4, span(16, 19)},
		{Position{Resume: true, Since: 19}, 4, span(20, 23)},
		{Position{Resume: true, Since: 23}, 4, span(24, 25)},
		{Position{Resume: true, Since: 21}, 4, span(22, 25)}, // exactly the limit
		{Position{Resume: true, Since: 25}, 4, nil},
		{Position{}, 4, []uint64{25}},
		{Position{Resume: true, Since: 20}, 0, span(21, 25)}, // no limit
	}
	for _, tt := range tests {
		frames, hello := h.Since(tt.p, tt.limit)
		if got := seqs(frames); !equal(got, tt.want) {
			t.Errorf("Since(%+v, %d) = %v, want %v", tt.p, tt.limit, got, tt.want)
		}
		if _, whole := h.Since(tt.p, 0); hello != whole {
			t.Errorf("Since(%+v, %d) hello %+v, want %+v as without a limit", tt.p, tt.limit, hello, whole)
		}
	}
}

func TestSinceOnAnEmptyFeed(t *testing.T) {
	h := NewHub(Config{})
	for _, p := range []Position{{}, {Resume: true, Since: 0}} {
		if frames, hello := h.Since(p, 0); len(frames) != 0 || hello.Missed != 0 || hello.Reset {
			t.Errorf("Since(%+v) = %v, %+v, want nothing", p, seqs(frames), hello)
		}
	}
}

// receive takes n frames from s, or fails after a second or when more
// than n waited.
func receive(tb testing.TB, s *Subscription, n int) []*Frame {
	tb.Helper()
	frames := s.Take(nil)
	timeout := time.After(time.Second)
	for len(frames) < n {
		select {
		case <-s.Ready():
			frames = s.Take(frames)
		case <-timeout:
			tb.Fatalf("received %v, want %d frames", seqs(frames), n)
		}
	}
	if len(frames) > n {
		tb.Fatalf("received %v, want %d frames", seqs(frames), n)
	}
	return frames
}

func TestSubscribeResumesWithoutGapOrRepeat(t *testing.T) {
	h := NewHub(Config{History: 100})
	publish(t, h, 10)
	s, err := h.Subscribe(Position{Resume: true, Since: 7, Epoch: h.Epoch()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	publish(t, h, 3)
	got := append(seqs(s.Backlog), seqs(receive(t, s, 3))...)
	if !equal(got, span(8, 13)) {
		t.Errorf("backlog and frames = %v, want 8..13", got)
	}
}

func TestSubscribeWithoutSinceStartsAtTheHead(t *testing.T) {
	h := NewHub(Config{})
	publish(t, h, 10)
	s, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Backlog) != 0 || s.Hello.Head != 10 {
		t.Errorf("backlog %v, head %d, want none and 10", seqs(s.Backlog), s.Hello.Head)
	}
	publish(t, h, 1)
	if got := receive(t, s, 1)[0].Seq; got != 11 {
		t.Errorf("first frame = %d, want 11", got)
	}
}

func TestSubscribeReportsMissedBeyondHistory(t *testing.T) {
	h := NewHub(Config{History: 4})
	publish(t, h, 10) // history keeps 7..10
	s, err := h.Subscribe(Position{Resume: true, Since: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Hello.Missed != 4 || !equal(seqs(s.Backlog), span(7, 10)) {
		t.Errorf("missed %d, backlog %v, want 4 (3..6) and 7..10", s.Hello.Missed, seqs(s.Backlog))
	}
}

func TestHubEncodesEachEventOnce(t *testing.T) {
	h := NewHub(Config{})
	live, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	f := publish(t, h, 1)[0]
	late, err := h.Subscribe(Position{Resume: true, Since: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	polled, _ := h.Since(Position{}, 0)
	for name, g := range map[string]*Frame{"live": receive(t, live, 1)[0], "backlog": late.Backlog[0], "poll": polled[0]} {
		if &g.JSON[0] != &f.JSON[0] {
			t.Errorf("%s frame has its own copy of the JSON: encoded more than once, or copied", name)
		}
	}
}

func TestSlowSubscriberIsCutOffWhileOthersReceive(t *testing.T) {
	h := NewHub(Config{Queue: 4})
	slow, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()

	// fast reads as events come; slow never reads. The fifth event finds
	// slow's queue full.
	for i := range 10 {
		publish(t, h, 1)
		if got := receive(t, fast, 1)[0].Seq; got != uint64(i+1) {
			t.Fatalf("fast got seq %d, want %d", got, i+1)
		}
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("slow subscriber was not cut off")
	}
	if !errors.Is(slow.Err(), ErrTooSlow) {
		t.Errorf("slow.Err() = %v, want ErrTooSlow", slow.Err())
	}
	if fast.Err() != nil {
		t.Errorf("fast.Err() = %v, want nil", fast.Err())
	}
	// What slow had queued is still there; it resumes from history after it.
	queued := receive(t, slow, 4)
	again, err := h.Subscribe(Position{Resume: true, Since: queued[3].Seq})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if !equal(seqs(again.Backlog), span(5, 10)) || again.Hello.Missed != 0 {
		t.Errorf("resume after cut-off: backlog %v missed %d, want 5..10 and 0", seqs(again.Backlog), again.Hello.Missed)
	}
}

// The cut-off is at the bound exactly: Queue events may wait, one more
// may not. What waits counts, not what was ever published.
func TestQueueBoundIsExact(t *testing.T) {
	h := NewHub(Config{Queue: 4})
	s, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	publish(t, h, 4)
	if err := s.Err(); err != nil {
		t.Fatalf("with 4 waiting in a queue of 4: Err() = %v, want nil", err)
	}
	if got := seqs(receive(t, s, 4)); !equal(got, span(1, 4)) {
		t.Fatalf("took %v, want 1..4", got)
	}
	publish(t, h, 4) // the queue is empty again: room for 4 more
	if err := s.Err(); err != nil {
		t.Fatalf("with 4 waiting again: Err() = %v, want nil", err)
	}
	publish(t, h, 1)
	if !errors.Is(s.Err(), ErrTooSlow) {
		t.Fatalf("with a fifth published: Err() = %v, want ErrTooSlow", s.Err())
	}
	if got := seqs(receive(t, s, 4)); !equal(got, span(5, 8)) {
		t.Errorf("after the cut-off took %v, want 5..8: the fifth is not queued", got)
	}
}

// A subscriber's queue costs what waits in it: a client that keeps up
// holds a few slots, and one that caught up after a burst lets the burst's
// array go.
func TestQueueStaysSmall(t *testing.T) {
	h := NewHub(Config{})
	s, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if cap(s.queue) != 0 {
		t.Errorf("a new subscription's queue has %d slots, want 0", cap(s.queue))
	}
	for range 100 {
		publish(t, h, 1)
		receive(t, s, 1)
	}
	if cap(s.queue) > keepQueue {
		t.Errorf("a queue that never held more than one event has %d slots, want at most %d", cap(s.queue), keepQueue)
	}
	publish(t, h, 200) // a burst
	receive(t, s, 200)
	for range 3 {
		publish(t, h, 1)
		receive(t, s, 1)
	}
	if cap(s.queue) > keepQueue {
		t.Errorf("after a burst and a catch-up the queue keeps %d slots, want at most %d", cap(s.queue), keepQueue)
	}
}

func TestCloseEndsSubscriptionsAndWaitsForOwners(t *testing.T) {
	h := NewHub(Config{})
	s, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.Done():
		t.Fatal("Done() is closed before Close")
	default:
	}
	h.Close()
	h.Close() // a second Close is harmless
	<-h.Done()
	<-s.Done()
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", s.Err())
	}
	if _, err := h.Subscribe(Position{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if _, err := h.Publish(Event{Kind: KindQuote}); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with a subscription held = %v, want DeadlineExceeded", err)
	}
	s.Close()
	s.Close() // a second Close is harmless
	if err := h.Wait(context.Background()); err != nil {
		t.Errorf("Wait after release = %v", err)
	}
}

func TestAfterEnd(t *testing.T) {
	h := NewHub(Config{})
	s, err := h.Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	stop := s.AfterEnd(func() { ran <- s.Err() })
	h.Close()
	stop() // returns only once f has finished
	select {
	case err := <-ran:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("f saw Err() = %v, want ErrClosed", err)
		}
	default:
		t.Error("stop returned before f ran")
	}
	s.Close()

	s2, err := NewHub(Config{}).Subscribe(Position{})
	if err != nil {
		t.Fatal(err)
	}
	stop = s2.AfterEnd(func() { t.Error("f ran after stop") })
	kept := make(chan struct{})
	s2.AfterEnd(func() { close(kept) }) // another's stop leaves it be
	stop()
	s2.Close()
	<-kept

	late := make(chan struct{}) // left after the end: runs at once
	s2.AfterEnd(func() { close(late) })()
	select {
	case <-late:
	default:
		t.Error("stop of an AfterEnd left after the end returned before f ran")
	}
}

func TestHelloJSON(t *testing.T) {
	h := NewHub(Config{Rate: 5})
	publish(t, h, 3)
	_, hello := h.Since(Position{Resume: true, Since: 7}, 0)
	b, err := json.Marshal(hello)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"hello","epoch":"` + h.Epoch() + `","head":3,"rate":5,"missed":0,"reset":true}`
	if string(b) != want {
		t.Errorf("hello = %s, want %s", b, want)
	}
}

func TestWatchCutsOffAStuckWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{})
		stuck, err := h.Subscribe(Position{})
		if err != nil {
			t.Fatal(err)
		}
		defer stuck.Close()
		busy, err := h.Subscribe(Position{})
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go h.Watch(ctx, time.Second)

		stuck.StartWrite() // and never ends
		for range 10 {     // many writes, each quick
			busy.StartWrite()
			time.Sleep(100 * time.Millisecond)
			busy.EndWrite()
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		if !errors.Is(stuck.Err(), ErrStuck) || !errors.Is(stuck.Err(), ErrTooSlow) {
			t.Errorf("stuck.Err() = %v, want ErrStuck, a kind of ErrTooSlow", stuck.Err())
		}
		if busy.Err() != nil {
			t.Errorf("busy.Err() = %v, want nil: none of its writes took a second", busy.Err())
		}
	})
}

// Next is closed by the next Publish, and only by it: a long poll that
// waits on it wakes once per event, and a later waiter gets a new channel.
func TestNextIsClosedByTheNextPublish(t *testing.T) {
	h := NewHub(Config{})
	next := h.Next()
	if h.Next() != next {
		t.Error("two waiters before an event got different channels, want one shared")
	}
	select {
	case <-next:
		t.Fatal("Next closed before any Publish")
	default:
	}
	publish(t, h, 1)
	select {
	case <-next:
	default:
		t.Fatal("Next still open after Publish")
	}
	select {
	case <-h.Next():
		t.Error("the next Next is already closed, want open until the following Publish")
	default:
	}
}
