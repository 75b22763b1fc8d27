package ondemand_test

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/ondemand"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A kick before Open is written once the Writer opens, and none after
// Close starts a writer.
func TestOpenAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var writes atomic.Int32
		w := new(ondemand.Writer)
		w.Kick()
		synctest.Wait()
		if n := writes.Load(); n != 0 {
			t.Fatalf("%d writes before Open, want 0", n)
		}
		w.Open(func() error { writes.Add(1); return nil }, func() { t.Error("stop called") })
		synctest.Wait()
		if n := writes.Load(); n != 1 {
			t.Fatalf("%d writes after Open, want 1: the kick before it", n)
		}
		w.Close()
		w.Kick()
		w.Wait()
		synctest.Wait()
		if n := writes.Load(); n != 1 {
			t.Errorf("%d writes after a kick once closed, want still 1", n)
		}
	})
}

// However many goroutines kick at once, writes never overlap, and every
// kick is followed by a write that begins after it: nothing kicked is
// left unwritten. Each of many rounds kicks from two goroutines at once, then waits
// for the write that follows the last kick; a kick lost in the instant a
// writer ends would leave it waiting (5 s, only then).
func TestKicksAreNeverLost(t *testing.T) {
	var (
		inWrite atomic.Int32
		seen    atomic.Int64 // the number of kicks before the last write began
		kicks   atomic.Int64
	)
	w := new(ondemand.Writer)
	write := func() error {
		if inWrite.Add(1) != 1 {
			t.Error("two writes at once")
		}
		seen.Store(kicks.Load())
		inWrite.Add(-1)
		return nil
	}
	w.Open(write, func() { t.Error("stop called") })
	defer func() {
		w.Close()
		w.Wait()
	}()
	for round := range 50000 {
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				kicks.Add(1)
				w.Kick()
			})
		}
		wg.Wait()
		for deadline := time.Now().Add(5 * time.Second); seen.Load() != kicks.Load(); runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the last write began after kick %d of %d: a kick went unwritten", round, seen.Load(), kicks.Load())
			}
		}
	}
}

// A write that fails ends the writing: stop is called once, Err says why,
// and no writer runs again. One that fails after Close is not kept.
func TestFailedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		var writes, stops atomic.Int32
		w := new(ondemand.Writer)
		w.Open(func() error { writes.Add(1); return boom }, func() { stops.Add(1) })
		synctest.Wait()
		w.Kick()
		synctest.Wait()
		w.Close()
		w.Wait()
		if writes.Load() != 1 || stops.Load() != 1 || !errors.Is(w.Err(), boom) {
			t.Errorf("%d writes, %d stops, Err %v; want 1, 1 and boom", writes.Load(), stops.Load(), w.Err())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		closed := make(chan struct{})
		w := new(ondemand.Writer)
		w.Open(func() error { <-closed; return errors.New("broken by the close") }, func() {})
		synctest.Wait() // the writer waits in its write
		w.Close()
		close(closed) // what unblocks a write: a deadline, a closed connection
		w.Wait()
		if err := w.Err(); err != nil {
			t.Errorf("Err = %v after a write that the close broke, want nil", err)
		}
	})
}
