// Package ratelimit caps how often a client may do something (send a
// message, poll, open a stream): a token bucket per client, in a bounded
// table.
//
// Read Bucket first: it holds up to burst tokens and gains rate tokens a
// second; each request takes one. Buckets keeps one per client key.
//
// The token arithmetic is golang.org/x/time/rate's, the bucket the Go
// team maintains: it takes the time as an argument, so tests drive it with
// their own clock, and it reports the tokens left, from which the wait a
// Retry-After announces follows. What it lacks is what this package adds:
// one bucket per client in a table that a loop of made-up keys cannot
// grow without bound, the wait itself, and a rate of 0 meaning no limit,
// as every flag of the server says.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Bucket lets through a burst of requests, then rate requests a second.
// The zero Bucket is no limit: it lets everything through, as New with a
// rate of 0 does. It is safe for concurrent use.
type Bucket struct {
	rate float64
	lim  *rate.Limiter // nil: no limit
}

// New returns a full bucket: rate requests a second, at most burst at once
// (at least one). A rate of 0 or less means no limit.
func New(r float64, burst int) *Bucket {
	if r <= 0 {
		return &Bucket{}
	}
	return &Bucket{rate: r, lim: rate.NewLimiter(rate.Limit(r), max(burst, 1))}
}

// Rate returns the requests a second the bucket lets through after its
// burst; 0: no limit.
func (b *Bucket) Rate() float64 { return b.rate }

// Allow takes a token at time now, if there is one. When there is none it
// returns how long until there will be, for a Retry-After.
func (b *Bucket) Allow(now time.Time) (ok bool, wait time.Duration) {
	if b.lim == nil {
		return true, 0
	}
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	// Another request may take or leave a token in between: the wait is
	// advice, and the next Allow decides.
	missing := 1 - b.lim.TokensAt(now)
	return false, time.Duration(math.Ceil(missing / b.rate * float64(time.Second)))
}

// Reserve takes a token at time now, as Allow does, and returns with it
// cancel, which gives the token back: for a request that another limit
// may still refuse, so that a refusal elsewhere costs nothing here.
// cancel is nil when ok is false.
func (b *Bucket) Reserve(now time.Time) (ok bool, wait time.Duration, cancel func()) {
	if b.lim == nil {
		return true, 0, func() {}
	}
	r := b.lim.ReserveN(now, 1) // OK: a burst is at least 1
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // not taken: the token stays for the next
		return false, d, nil
	}
	return true, 0, func() { r.CancelAt(now) }
}

// full reports whether the bucket has refilled by now: forgetting it then
// changes nothing for its client.
func (b *Bucket) full(now time.Time) bool {
	return b.lim == nil || b.lim.TokensAt(now) >= float64(b.lim.Burst())
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
func (bs *Buckets) Rate() float64 { return max(bs.rate, 0) }

// Burst returns how many tokens a full bucket holds.
func (bs *Buckets) Burst() int { return bs.burst }

// Allow takes a token from key's bucket at time now; see Bucket.Allow.
func (bs *Buckets) Allow(key string, now time.Time) (ok bool, wait time.Duration) {
	if bs.rate <= 0 {
		return true, 0 // no limit: no table either
	}
	return bs.bucket(key, now).Allow(now)
}

// Reserve takes a token from key's bucket at time now, to give back with
// cancel; see Bucket.Reserve.
func (bs *Buckets) Reserve(key string, now time.Time) (ok bool, wait time.Duration, cancel func()) {
	if bs.rate <= 0 {
		return true, 0, func() {}
	}
	return bs.bucket(key, now).Reserve(now)
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
