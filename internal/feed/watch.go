package feed

import (
	"context"
	"fmt"
	"time"
)

// DefaultWriteTimeout is how long one write to a client may take before the
// client counts as stuck.
const DefaultWriteTimeout = 10 * time.Second

// ErrStuck: a write to the subscriber's client took longer than the write
// timeout; the client stopped reading. It is one way of being too slow.
var ErrStuck = fmt.Errorf("%w: a write to the client took too long", ErrTooSlow)

// StartWrite marks the start of a write to the subscriber's client, and
// EndWrite its end. Between the two, Watch can tell a writer that is stuck on
// a client that stopped reading, while the queue of a quiet feed would take
// long to fill. Two atomic stores a write cost far less than a deadline timer
// on every write; only the goroutine that writes events should call them.
// (A write may begin at the hub's start itself, on a test's clock: it is
// stored plus one, for 0 to mean none.)
func (s *Subscription) StartWrite() { s.writing.Store(int64(time.Since(s.hub.start)) + 1) }

// EndWrite marks the end of a write started with StartWrite.
func (s *Subscription) EndWrite() { s.writing.Store(0) }

// Watch cuts off, until ctx is done, every subscriber whose current write
// has lasted longer than timeout, with ErrStuck; the transport's AfterEnd
// watcher then unblocks the write. It looks four times per timeout, so a
// stuck client is gone within 1.25 timeouts. One goroutine does this for
// every subscriber.
func (h *Hub) Watch(ctx context.Context, timeout time.Duration) {
	tick := time.NewTicker(timeout / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.cutStuck(time.Since(h.start) - timeout)
		}
	}
}

// cutStuck cuts off the subscribers writing since before, measured from
// the hub's start on the monotonic clock: a wall clock that jumps (a laptop
// waking up) must not cut everyone, nor hide a stuck writer.
func (h *Hub) cutStuck(before time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.subs) - 1; i >= 0; i-- { // from the end: a cut moves the last one into its place
		s := h.subs[i]
		if since := s.writing.Load(); since != 0 && since-1 < int64(before) {
			h.cut(s, ErrStuck)
		}
	}
}
