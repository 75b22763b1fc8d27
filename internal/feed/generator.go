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

// Publisher takes events into the feed; *Hub is one.
type Publisher interface {
	Publish(Event) (*Frame, error)
}

// quote is one simulated stock and its current price.
type quote struct {
	symbol string
	price  float64
}

// Quotes publishes simulated stock quotes into pub at rate events per second
// until ctx is done or pub is closed. It is the feed's one producer: clients
// never cause an event, so every client sees the same sequence.
//
// Each event moves one stock, in turn, by a small random step, so the numbers
// on the page look alive without meaning anything.
func Quotes(ctx context.Context, pub Publisher, rate float64, rng *rand.Rand) error {
	if !(rate >= MinRate) { // NaN too
		rate = MinRate
	}
	rate = min(rate, MaxRate)
	stocks := []quote{
		{"ACME", 101.37}, {"GLOBX", 54.20}, {"INITE", 12.85},
		{"UMBRL", 230.10}, {"STARK", 412.64}, {"WAYNE", 88.02},
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		q := &stocks[i%len(stocks)]
		q.price = max(0.01, math.Round(q.price*(1+rng.NormFloat64()*0.002)*100)/100)
		if _, err := pub.Publish(Event{Kind: KindQuote, Symbol: q.symbol, Price: q.price}); err != nil {
			return err
		}
	}
}
