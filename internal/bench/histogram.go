package bench

import (
	"math"
	"sync/atomic"
)

// A histogram counts latencies in buckets 2% wide, from histMin up: a
// percentile read from it is within 2% of the true one, and recording is
// one atomic add, whatever the number of clients. Keeping every sample of
// 10,000 clients at 10 events a second for a minute would take 6 million.
type histogram struct {
	counts [histBuckets]atomic.Int64
}

const (
	histMin     = 0.01 // ms: anything at or below is one bucket, the first
	histGrowth  = 1.02 // each bucket is 2% wider than the one before
	histBuckets = 1024 // up to histMin × 1.02^1023, about 6.3 × 10^6 ms: far beyond any run
)

// record counts one latency, in milliseconds. A latency below zero (inside
// the clock offset's error) counts as the smallest.
func (h *histogram) record(ms float64) {
	i := 0
	if ms > histMin {
		i = min(int(math.Log(ms/histMin)/math.Log(histGrowth))+1, histBuckets-1)
	}
	h.counts[i].Add(1)
}

// quantile returns the latency below which q (0..1) of the recorded ones
// lie, in ms: the middle of its bucket. NaN when nothing was recorded.
func (h *histogram) quantile(q float64) float64 {
	var n int64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	if n == 0 {
		return math.NaN()
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i := range h.counts {
		if seen += h.counts[i].Load(); seen >= max(rank, 1) {
			if i == 0 {
				return histMin
			}
			lo := histMin * math.Pow(histGrowth, float64(i-1))
			return lo * math.Sqrt(histGrowth)
		}
	}
	return math.NaN() // counts added while reading; the caller reads after the run
}
