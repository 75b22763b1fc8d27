package server

import (
	"net"
	"sync"
	"time"
)

// delayLine holds back what is written to a connection and writes it when
// it is due, in order: a jitter never reorders bytes, as TCP never does.
// One goroutine per line writes; it ends when its connection closes.
//
// Bytes are counted as written (exchange.wrote) when the server writes them
// into the line; those that never leave it, because the connection closed
// first, are taken back.
type delayLine struct {
	conn net.Conn // the real one
	sim  *netSim  // the page's: its stall stops the line too

	mu      sync.Mutex
	queue   []held
	queued  int           // bytes in queue
	last    time.Time     // when the newest write is due: none goes before it
	err     error         // the first write that failed; every later one fails too
	closing bool          // no more writes: write what is queued, when due, then end
	dropped bool          // no more writes, and what is queued is lost
	wake    chan struct{} // something to write, or closing
	room    chan struct{} // a write went out: room in the queue
	done    chan struct{} // closed when the writing goroutine has ended
}

// held is one write, held back until due.
type held struct {
	due time.Time
	b   []byte
	x   *exchange // whose bytes they are; nil: nobody's
}

func newDelayLine(conn net.Conn, sim *netSim) *delayLine {
	l := &delayLine{
		conn: conn,
		sim:  sim,
		wake: make(chan struct{}, 1),
		room: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	go l.run()
	return l
}

// push queues p, x's bytes, to be written after hold. It reports false,
// queuing nothing, when the line is full: the caller waits for l.room.
func (l *delayLine) push(p []byte, hold time.Duration, x *exchange) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.err != nil:
		return false, l.err
	case l.closing || l.dropped:
		return false, net.ErrClosed
	case l.queued > 0 && l.queued+len(p) > maxHeld:
		return false, nil
	}
	due := time.Now().Add(hold)
	if due.Before(l.last) {
		due = l.last
	}
	l.last = due
	l.queue = append(l.queue, held{due, append([]byte(nil), p...), x})
	l.queued += len(p)
	signal(l.wake)
	return true, nil
}

// run writes each queued write when it is due, and none while the page is
// stalled, until the line is dropped, or closed and empty.
func (l *delayLine) run() {
	defer close(l.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		l.mu.Lock()
		if l.dropped || l.closing && len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		wait := time.Hour
		var next held
		if len(l.queue) > 0 {
			next = l.queue[0]
			due := next.due
			if until := l.sim.stall(); until.After(due) && !l.closing {
				due = until
			}
			wait = time.Until(due)
		}
		l.mu.Unlock()

		if len(next.b) > 0 && wait <= 0 {
			n, err := l.conn.Write(next.b)
			l.mu.Lock()
			switch {
			case l.dropped: // drop took back all of next; n of it went out after all
				if next.x != nil {
					next.x.wrote(int64(n))
				}
			default:
				l.queue = l.queue[1:]
				l.queued -= len(next.b)
				if next.x != nil && n < len(next.b) {
					next.x.wrote(int64(n - len(next.b)))
				}
				if err != nil && l.err == nil {
					l.err = err
					l.lose()
				}
			}
			l.mu.Unlock()
			signal(l.room)
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-l.wake:
			timer.Stop()
		}
	}
}

// lose takes back what is queued: it will never leave. l.mu is held.
func (l *delayLine) lose() {
	for _, h := range l.queue {
		if h.x != nil {
			h.x.wrote(int64(-len(h.b)))
		}
	}
	l.queue, l.queued = nil, 0
}

// drop ends the line at once: what is still held back is lost, as the
// bytes in flight are when a network fails.
func (l *delayLine) drop() {
	l.mu.Lock()
	l.dropped = true
	l.lose()
	l.mu.Unlock()
	signal(l.wake)
	signal(l.room)
	<-l.done
}

// close ends the line once what is queued has gone out, each write when it
// is due, within maxDelay and a second.
func (l *delayLine) close() {
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.conn.SetWriteDeadline(time.Now().Add(maxDelay + time.Second))
	signal(l.wake)
	<-l.done
}

// signal wakes whoever waits on c, if anyone, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
