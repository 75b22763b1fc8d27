package feed

import (
	"fmt"
	"testing"
)

// BenchmarkPublish measures one publish: stamp, encode once, keep in
// history and hand to every subscriber, whose queues are drained meanwhile.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{0, 100, 5000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			h := NewHub(Config{})
			subs := make([]*Subscription, n)
			for i := range subs {
				s, err := h.Subscribe(Position{})
				if err != nil {
					b.Fatal(err)
				}
				subs[i] = s
			}
			e := Event{Kind: KindQuote, Symbol: "ACME", Price: 101.37}
			var taken []*Frame
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := h.Publish(e); err != nil {
					b.Fatal(err)
				}
				if i%100 == 99 { // before any queue (256) fills
					b.StopTimer()
					for _, s := range subs {
						<-s.Ready()
						taken = s.Take(taken[:0])
					}
					b.StartTimer()
				}
			}
			for _, s := range subs {
				s.Close()
			}
		})
	}
}
