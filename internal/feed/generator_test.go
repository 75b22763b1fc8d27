package feed

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

func TestQuotesPublishesAtTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- Quotes(ctx, h, 5, rand.New(rand.NewPCG(1, 2))) }()

		time.Sleep(2*time.Second + time.Millisecond) // fake time: 10 ticks of 200 ms
		if got := h.Head(); got != 10 {
			t.Errorf("after 2 s at 5/s: head = %d, want 10", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Quotes = %v, want nil after cancel", err)
		}

		frames, _ := h.Since(Position{Resume: true})
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
		h := NewHub(Config{})
		done := make(chan error, 1)
		go func() { done <- Quotes(t.Context(), h, 1000, rand.New(rand.NewPCG(1, 2))) }()
		time.Sleep(10 * time.Millisecond)
		h.Close()
		if err := <-done; err != ErrClosed {
			t.Errorf("Quotes = %v, want ErrClosed", err)
		}
	})
}
