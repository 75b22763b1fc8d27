package netsim

import (
	"net"
	"sync"
	"time"
)

// delayLine holds back what is written to a connection and writes it when
// it is due, in order: a jitter never reorders bytes, as TCP never does.
// One goroutine per line writes; it ends when its connection closes.
//
// Bytes count as written when they enter the line; those that never leave
// it, because the connection closed first, are reported lost to whoever
// wrote them.
type delayLine struct {
	conn net.Conn // the socket

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
	due     time.Time
	b       []byte
	network *Network    // the one b crossed: its stall holds b too; nil: a good network
	lost    func(n int) // told of b's bytes that never leave; nil: nobody to tell
}

func newDelayLine(conn net.Conn) *delayLine {
	l := &delayLine{
		conn: conn,
		wake: make(chan struct{}, 1),
		room: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	go l.run()
	return l
}

// push queues p, which crossed n (nil: a good network), to be written
// after hold. It reports false, queuing nothing, when the line is full:
// the caller waits for l.room.
func (l *delayLine) push(p []byte, n *Network, hold time.Duration, lost func(int)) (bool, error) {
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
	l.queue = append(l.queue, held{due, append([]byte(nil), p...), n, lost})
	l.queued += len(p)
	signal(l.wake)
	return true, nil
}

// run writes each queued write when it is due, and none while the network
// it crossed is stalled, until the line is dropped, or closed and empty.
// A write that crossed a good network waits only for those before it.
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
		var stallChanged <-chan struct{} // nil: no stall to watch
		if len(l.queue) > 0 {
			next = l.queue[0]
			due := next.due
			if next.network != nil && !l.closing {
				var until time.Time
				until, stallChanged = next.network.stall()
				if until.After(due) {
					due = until
				}
			}
			wait = time.Until(due)
		}
		l.mu.Unlock()

		if len(next.b) > 0 && wait <= 0 {
			n, err := l.conn.Write(next.b)
			l.mu.Lock()
			switch {
			case l.dropped: // drop gave all of next up for lost; n of it went out after all
				next.report(-n)
			default:
				l.queue = l.queue[1:]
				l.queued -= len(next.b)
				if n < len(next.b) {
					next.report(len(next.b) - n)
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
		case <-stallChanged: // extended or shortened: look again
			timer.Stop()
		}
	}
}

// report tells whoever wrote h that n of its bytes were lost.
func (h held) report(n int) {
	if h.lost != nil && n != 0 {
		h.lost(n)
	}
}

// lose gives up what is queued: it will never leave. l.mu is held.
func (l *delayLine) lose() {
	for _, h := range l.queue {
		h.report(len(h.b))
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
// is due, within MaxDelay and a second.
func (l *delayLine) close() {
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.conn.SetWriteDeadline(time.Now().Add(MaxDelay + time.Second))
	signal(l.wake)
	<-l.done
}
