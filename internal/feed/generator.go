package feed

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Rate limits for the generator, in events per second.
const (
	MinRate = 0.1
	MaxRate = 10000.0
)

// Feed is what the generator publishes into, at the rate it sets; *Hub is one.
type Feed interface {
	Publish(Event) (*Frame, error)
	Rate() float64            // events per second
	Paused() bool             // publish nothing until it is false again
	Changed() <-chan struct{} // told when Rate or Paused changes
}

// quote is one simulated stock and its current price.
type quote struct {
	symbol string
	price  float64
}

// Quotes publishes simulated stock quotes into f at f's rate, following its
// changes, until ctx is done or f is closed. It is the feed's one
// producer: clients never cause an event, so every client sees the same
// sequence.
//
// While f is paused the ticker is stopped, not merely ignored: a paused
// feed at 10,000 events a second costs no wake-ups. Once resumed, the
// next quote comes one period later.
//
// Each event moves one stock, in turn, by a small random step, so the numbers
// on the page look alive without meaning anything.
func Quotes(ctx context.Context, f Feed, rng *rand.Rand) error {
	period := func() time.Duration {
		rate := f.Rate()
		if !(rate >= MinRate) { // NaN too
			rate = MinRate
		}
		return time.Duration(float64(time.Second) / min(rate, MaxRate))
	}
	stocks := []quote{
		{"ACME", 101.37}, {"GLOBX", 54.20}, {"INITE", 12.85},
		{"UMBRL", 230.10}, {"STARK", 412.64}, {"WAYNE", 88.02},
	}
	tick := time.NewTicker(period())
	defer tick.Stop()
	if f.Paused() {
		tick.Stop()
	}
	for i := 0; ; {
		select {
		case <-ctx.Done():
			return nil
		case <-f.Changed():
			if f.Paused() {
				tick.Stop() // no tick is delivered after Stop returns
			} else {
				tick.Reset(period()) // the next event one new period from now
			}
			continue
		case <-tick.C:
		}
		q := &stocks[i%len(stocks)]
		i++
		q.price = max(0.01, math.Round(q.price*(1+rng.NormFloat64()*0.002)*100)/100)
		if _, err := f.Publish(Event{Kind: KindQuote, Symbol: q.symbol, Price: q.price}); err != nil {
			return err
		}
	}
}
