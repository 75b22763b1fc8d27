// Package ratelimit caps how fast a client may send messages upstream: a
// token bucket per client, in a bounded table.
//
// Read Bucket first: it holds up to burst tokens and gains rate tokens a
// second; each message takes one. Buckets keeps one per client key.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Bucket lets through a burst of messages, then rate messages a second.
// The zero Bucket lets nothing through; use New. It is safe for concurrent use.
type Bucket struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// New returns a full bucket: rate messages a second, at most burst at once.
// A rate of 0 or less means no limit.
func New(rate float64, burst int) *Bucket {
	return &Bucket{rate: rate, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1))}
}

// Rate returns the messages a second the bucket lets through after its burst.
func (b *Bucket) Rate() float64 { return b.rate }

// Allow takes a token at time now, if there is one. When there is none it
// returns how long until there will be, for a Retry-After.
func (b *Bucket) Allow(now time.Time) (ok bool, wait time.Duration) {
	if b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
}

// full reports whether the bucket has refilled by now: forgetting it then
// changes nothing for its client.
func (b *Bucket) full(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last.IsZero() || b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}

// Buckets keeps one Bucket per client key, at most max of them: when full,
// it forgets the buckets that have refilled, which changes nothing for their
// clients; if none has, a new key shares one overflow bucket.
type Buckets struct {
	rate  float64
	burst int
	max   int

	mu       sync.Mutex
	buckets  map[string]*Bucket
	overflow *Bucket
}

// NewBuckets returns an empty table of buckets made with New(rate, burst).
func NewBuckets(rate float64, burst, max int) *Buckets {
	return &Buckets{rate: rate, burst: burst, max: max,
		buckets: make(map[string]*Bucket), overflow: New(rate, burst)}
}

// Rate returns the tokens a second that each bucket gets back; 0: no limit.
func (bs *Buckets) Rate() float64 { return bs.rate }

// Burst returns how many tokens a full bucket holds.
func (bs *Buckets) Burst() int { return bs.burst }

// Allow takes a token from key's bucket at time now; see Bucket.Allow.
func (bs *Buckets) Allow(key string, now time.Time) (ok bool, wait time.Duration) {
	if bs.rate <= 0 {
		return true, 0 // no limit: no table either
	}
	return bs.bucket(key, now).Allow(now)
}

func (bs *Buckets) bucket(key string, now time.Time) *Bucket {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b, ok := bs.buckets[key]; ok {
		return b
	}
	if len(bs.buckets) >= bs.max {
		for k, b := range bs.buckets {
			if b.full(now) {
				delete(bs.buckets, k)
			}
		}
		if len(bs.buckets) >= bs.max {
			return bs.overflow
		}
	}
	b := New(bs.rate, bs.burst)
	bs.buckets[key] = b
	return b
}
