package sse

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock is the one heartbeat clock of a Handler's streams, in place of a
// ticker per stream: a timer costs memory for as long as its stream lives,
// and thousands of tickers fire at thousands of instants.
//
// A stream on its hijacked connection has no goroutine waiting for the
// tick (stream.listen): the clock calls it (call, stream.tick), and it
// decides whether it owes its client a heartbeat, which a writer of its
// own then sends. A stream that net/http writes waits for the tick, which
// the clock broadcasts by closing a channel: every such stream waits on
// the channel that next returns, all of them on the same one, and when it
// is closed each wakes, takes the next one and decides on its own
// (stream.run). The clock runs only while there are streams (join,
// leave): an idle server has no goroutine ticking.
type clock struct {
	period time.Duration
	tick   atomic.Pointer[chan struct{}] // closed at the next tick, then replaced

	mu      sync.Mutex
	streams int           // joined and not yet left
	stop    chan struct{} // closed to stop the running clock
	// called are the streams with no goroutine waiting on the channel: the
	// clock calls each at its tick (stream.tick), under mu.
	called map[*stream]struct{}
}

func newClock(period time.Duration) *clock {
	c := &clock{period: period}
	ch := make(chan struct{})
	c.tick.Store(&ch)
	return c
}

// next returns the channel that the next tick closes.
func (c *clock) next() <-chan struct{} { return *c.tick.Load() }

// join counts one more stream, and starts the clock for the first.
func (c *clock) join() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams++
	if c.streams == 1 {
		c.stop = make(chan struct{})
		go c.run(c.stop)
	}
}

// call has the clock call s at each tick, until uncall.
func (c *clock) call(s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.called == nil {
		c.called = make(map[*stream]struct{})
	}
	c.called[s] = struct{}{}
}

// uncall stops calling s; a tick under way has called it, or does not.
func (c *clock) uncall(s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.called, s)
}

// leave counts one stream less, and stops the clock after the last.
func (c *clock) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams--
	if c.streams == 0 {
		close(c.stop)
	}
}

// run ticks every period until stop is closed.
func (c *clock) run(stop <-chan struct{}) {
	t := time.NewTicker(c.period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ch := make(chan struct{})
			close(*c.tick.Swap(&ch))
			c.mu.Lock()
			for s := range c.called {
				s.tick()
			}
			c.mu.Unlock()
		}
	}
}
