package feed

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

func TestQuotesPublishesAtTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{Rate: 5})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- Quotes(ctx, h, rand.New(rand.NewPCG(1, 2))) }()

		time.Sleep(2*time.Second + time.Millisecond) // fake time: 10 ticks of 200 ms
		if got := h.Head(); got != 10 {
			t.Errorf("after 2 s at 5/s: head = %d, want 10", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Quotes = %v, want nil after cancel", err)
		}

		frames, _ := h.Since(Position{Resume: true}, 0)
		symbols := map[string]bool{}
		for _, f := range frames {
			var e Event
			if err := json.Unmarshal(f.JSON, &e); err != nil {
				t.Fatal(err)
			}
			if e.Kind != KindQuote || e.Symbol == "" || e.Price <= 0 {
				t.Errorf("event %s is not a quote", f.JSON)
			}
			symbols[e.Symbol] = true
		}
		if len(symbols) < 6 {
			t.Errorf("quotes for %d symbols, want all 6 in turn", len(symbols))
		}
	})
}

func TestQuotesStopsWhenTheHubCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{Rate: 1000})
		done := make(chan error, 1)
		go func() { done <- Quotes(t.Context(), h, rand.New(rand.NewPCG(1, 2))) }()
		time.Sleep(10 * time.Millisecond)
		h.Close()
		if err := <-done; err != ErrClosed {
			t.Errorf("Quotes = %v, want ErrClosed", err)
		}
	})
}

func TestQuotesFollowsSetRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{Rate: 5})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go Quotes(ctx, h, rand.New(rand.NewPCG(1, 2)))

		time.Sleep(time.Second + time.Millisecond) // 5 events at 5/s
		if err := h.SetRate(1.0 / 3); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the generator has seen the change: next events at 4.001 s and 7.001 s
		time.Sleep(7 * time.Second)
		if got := h.Head(); got != 7 {
			t.Errorf("1 s at 5/s, then 7 s at 1/3 s: head = %d, want 7", got)
		}
		if got := h.Rate(); got != 1.0/3 {
			t.Errorf("Rate() = %v, want 1/3", got)
		}
		for _, bad := range []float64{0, MinRate / 2, MaxRate * 2, math.NaN(), math.Inf(1)} {
			if err := h.SetRate(bad); err == nil {
				t.Errorf("SetRate(%v) = nil, want an error", bad)
			}
		}
		if got := h.Rate(); got != 1.0/3 {
			t.Errorf("Rate() after refused changes = %v, want 1/3", got)
		}
	})
}

// A paused feed publishes no quotes, however long, but still takes
// messages; resumed, it goes on one period later.
func TestQuotesPauses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{Rate: 5})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go Quotes(ctx, h, rand.New(rand.NewPCG(1, 2)))

		time.Sleep(time.Second + time.Millisecond) // 5 quotes at 5/s
		h.SetPaused(true)
		synctest.Wait()
		if !h.Paused() {
			t.Fatal("Paused() = false after SetPaused(true)")
		}
		time.Sleep(time.Minute)
		if got := h.Head(); got != 5 {
			t.Errorf("after a paused minute: head = %d, want 5", got)
		}
		e, err := Message("page", "still here", "ws")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Publish(e); err != nil {
			t.Errorf("Publish(message) while paused = %v, want nil", err)
		}
		if err := h.SetRate(10); err != nil { // a new rate while paused leaves it paused
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(time.Second)
		if got := h.Head(); got != 6 {
			t.Errorf("a new rate while paused: head = %d, want 6 (5 quotes and the message)", got)
		}

		h.SetPaused(false)
		synctest.Wait() // the next quotes at +100 ms, +200 ms, ...
		time.Sleep(time.Second + time.Millisecond)
		if got := h.Head(); got != 16 {
			t.Errorf("1 s after resuming at 10/s: head = %d, want 16", got)
		}
	})
}

// A generator started on a paused hub waits for the pause to end.
func TestQuotesStartsPaused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{Rate: 5})
		h.SetPaused(true)
		<-h.Changed() // as if told before the generator started
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go Quotes(ctx, h, rand.New(rand.NewPCG(1, 2)))
		time.Sleep(10 * time.Second)
		if got := h.Head(); got != 0 {
			t.Errorf("started paused: head = %d after 10 s, want 0", got)
		}
		h.SetPaused(false)
		time.Sleep(time.Second + time.Millisecond)
		if got := h.Head(); got != 5 {
			t.Errorf("1 s after resuming at 5/s: head = %d, want 5", got)
		}
	})
}
