package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(1764150000, 0)
	b := New(2, 3) // a burst of 3, then 2 a second
	for i := range 3 {
		if ok, _ := b.Allow(now); !ok {
			t.Fatalf("message %d of the burst refused", i+1)
		}
	}
	ok, wait := b.Allow(now)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("fourth message at once: %v, wait %v; want refused, wait 500ms", ok, wait)
	}
	if ok, _ := b.Allow(now.Add(499 * time.Millisecond)); ok {
		t.Error("a message before a token came back was let through")
	}
	if ok, _ := b.Allow(now.Add(500 * time.Millisecond)); !ok {
		t.Error("a message after a token came back was refused")
	}
	// A long pause refills the bucket only up to the burst.
	later := now.Add(time.Hour)
	for i := range 3 {
		if ok, _ := b.Allow(later); !ok {
			t.Fatalf("message %d after an hour refused", i+1)
		}
	}
	if ok, _ := b.Allow(later); ok {
		t.Error("an hour's pause let more than the burst through")
	}
}

func TestNoLimit(t *testing.T) {
	b := New(0, 1)
	for range 1000 {
		if ok, _ := b.Allow(time.Unix(0, 0)); !ok {
			t.Fatal("rate 0 refused a message")
		}
	}
}

func TestBucketsKeepClientsApartAndBounded(t *testing.T) {
	now := time.Unix(1764150000, 0)
	bs := NewBuckets(1, 1, 10)
	if ok, _ := bs.Allow("a", now); !ok {
		t.Fatal("a's first message refused")
	}
	if ok, _ := bs.Allow("a", now); ok {
		t.Error("a's second message at once let through")
	}
	if ok, _ := bs.Allow("b", now); !ok {
		t.Error("b refused because of a")
	}
	for i := range 20 {
		bs.Allow(fmt.Sprint("c", i), now)
	}
	if n := len(bs.buckets); n > 10 {
		t.Errorf("%d buckets kept, want at most 10", n)
	}
	// a is still empty: it must not get a fresh bucket by being forgotten.
	if ok, _ := bs.Allow("a", now); ok {
		t.Error("a, still over its limit, was let through after the table filled")
	}
}

// A token reserved and given back is there for the next request: a
// request another limit refuses costs this one nothing.
func TestReserveAndCancel(t *testing.T) {
	now := time.Unix(1764150000, 0)
	for _, b := range []*Bucket{New(1, 2), NewBuckets(1, 2, 10).bucket("a", now)} {
		ok, _, cancel := b.Reserve(now)
		if !ok {
			t.Fatal("the first reservation refused")
		}
		cancel()
		for i := range 2 {
			if ok, _ := b.Allow(now); !ok {
				t.Errorf("request %d of the burst after a cancelled reservation refused", i+1)
			}
		}
		if ok, wait, cancel := b.Reserve(now); ok || wait != time.Second || cancel != nil {
			t.Errorf("a reservation past the burst: %v, wait %v, cancel %v; want refused, 1s, nil", ok, wait, cancel != nil)
		}
		if ok, _ := b.Allow(now.Add(time.Second)); !ok {
			t.Error("a refused reservation took the token that came back")
		}
	}
	if ok, _, cancel := NewBuckets(0, 1, 1).Reserve("a", now); !ok || cancel == nil {
		t.Error("no limit: a reservation refused")
	}
}

// The zero Bucket is no limit, as its doc says.
func TestZeroBucketIsNoLimit(t *testing.T) {
	var zero Bucket
	for range 100 {
		if ok, _ := zero.Allow(time.Unix(1764150000, 0)); !ok {
			t.Fatal("the zero Bucket refused: it is no limit")
		}
	}
}
