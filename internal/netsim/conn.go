package netsim

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"transportlab/internal/rawsock"
)

// Listen wraps ln so that every connection it accepts is a *Conn, on a good
// network until it is told to cross another.
func Listen(ln net.Listener) net.Listener {
	return listener{ln}
}

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c, try: rawsock.For(c), kick: make(chan struct{}, 1), closed: make(chan struct{})}, nil
}

// Conn is a connection whose writes cross a simulated Network: each waits
// out a stall, and is held back by the delay in a line that keeps the
// order of bytes. Reads are the socket's.
type Conn struct {
	net.Conn

	// Every write looks these up: atomics keep that cheap.
	network atomic.Pointer[Network]   // what its writes cross; nil: a good network
	line    atomic.Pointer[delayLine] // holds writes back; nil until a delay is first asked for

	try rawsock.TryWriter // the socket, written without waiting; nil: it cannot be

	mu        sync.Mutex    // line's creation, member and deadline
	member    *Network      // the network that may drop it; nil: none
	deadline  time.Time     // the write deadline, which a stall must not outlast
	kick      chan struct{} // a new deadline
	closed    chan struct{} // closed by Close
	closeOnce sync.Once
}

// Cross sends every later write across n, and lets n drop c under label
// until Leave. A good network (nil) means no delay and no stall for what is
// written after it; it still leaves after what a delay holds back already,
// since bytes never overtake each other.
func (c *Conn) Cross(n *Network, label string) {
	c.network.Store(n)
	c.mu.Lock()
	old := c.member
	c.member = n
	c.mu.Unlock()
	if old != nil && old != n {
		old.leave(c)
	}
	if n != nil {
		n.join(c, label)
	}
}

// Leave takes c out of the connections its network may drop. Its writes
// still cross that network until the next Cross.
func (c *Conn) Leave() {
	c.mu.Lock()
	n := c.member
	c.member = nil
	c.mu.Unlock()
	if n != nil {
		n.leave(c)
	}
}

// NetConn returns the connection c wraps.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Write writes p across c's network.
func (c *Conn) Write(p []byte) (int, error) { return c.WriteOrLose(p, nil) }

// WriteOrLose writes p across c's network. Bytes held back by a delay
// count as written; if the connection closes before they leave, they are
// lost, and lost is told how many (when not nil). A negative count is
// bytes given up for lost that went out after all.
func (c *Conn) WriteOrLose(p []byte, lost func(n int)) (int, error) {
	n, line := c.network.Load(), c.line.Load()
	if n != nil {
		if err := c.waitStall(n); err != nil {
			return 0, err
		}
		if line == nil && n.delayed() {
			c.mu.Lock()
			if c.line.Load() == nil {
				c.line.Store(newDelayLine(c.Conn))
			}
			line = c.line.Load()
			c.mu.Unlock()
		}
	}
	if line == nil {
		return c.Conn.Write(p)
	}
	// Once held back, every later write queues behind, even one that
	// crosses no network: bytes never overtake each other.
	var hold time.Duration
	if n != nil {
		hold = n.hold()
	}
	for {
		queued, err := line.push(p, n, hold, lost)
		if err == nil && !queued {
			err = c.wait(time.Time{}, line.room) // full: as a send buffer, it blocks
			if err == nil {
				continue
			}
		}
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
}

// TryWrite writes what the socket takes of p now, without waiting
// (rawsock.TryWriter). A connection whose network delays it or stalls it
// now, or that a delay ever held back, takes nothing this way
// (rawsock.ErrWouldBlock): its writes wait out the network, with Write.
func (c *Conn) TryWrite(p []byte) (int, error) {
	if n := c.network.Load(); c.try == nil || c.line.Load() != nil || n != nil && !n.clear() {
		return 0, rawsock.ErrWouldBlock
	}
	return c.try.TryWrite(p)
}

// waitStall waits until n's stall has ended, the one that holds at the
// time: a stall extended or shortened meanwhile moves the end.
func (c *Conn) waitStall(n *Network) error {
	for {
		until, changed := n.stall()
		if !time.Now().Before(until) {
			return nil
		}
		if err := c.wait(until, changed); err != nil {
			return err
		}
	}
}

// wait returns nil once ready fires or until has come (zero: no such
// time), and an error when the write deadline passes or the connection is
// closed first: a write the simulated network holds is still bound by both.
func (c *Conn) wait(until time.Time, ready <-chan struct{}) error {
	for {
		c.mu.Lock()
		deadline := c.deadline
		c.mu.Unlock()
		now := time.Now()
		if !until.IsZero() && !now.Before(until) {
			return nil
		}
		if !deadline.IsZero() && !now.Before(deadline) {
			return errHeld
		}
		wake := until
		if wake.IsZero() || !deadline.IsZero() && deadline.Before(wake) {
			wake = deadline
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if !wake.IsZero() {
			timer = time.NewTimer(wake.Sub(now))
			timeout = timer.C
		}
		done, err := false, error(nil)
		select {
		case <-ready:
			done = true
		case <-timeout:
		case <-c.kick: // a new deadline: look again
		case <-c.closed:
			done, err = true, net.ErrClosed
		}
		if timer != nil {
			timer.Stop()
		}
		if done {
			return err
		}
	}
}

// errHeld says why a write the simulated network held back failed.
var errHeld = fmt.Errorf("simulated network: write still held at its deadline: %w", os.ErrDeadlineExceeded)

// SetDeadline sets the socket's deadlines, and bounds a held write too.
func (c *Conn) SetDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline sets the socket's write deadline, and bounds a held
// write too.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *Conn) setWriteDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	signal(c.kick)
}

// Close closes the connection at once, as a network that fails does: what
// a delay still holds back never arrives.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.Leave()
	// Closed first, the socket fails a write the line may be blocked in,
	// on a client that stopped reading; then the line can end.
	err := c.Conn.Close()
	if line := c.line.Load(); line != nil {
		line.drop() // what is held back is lost, as bytes in flight are
	}
	return err
}

// CloseWrite shuts down the writing side, as net/http does before it
// closes a connection it is done with, so the client reads the whole answer.
func (c *Conn) CloseWrite() error {
	if line := c.line.Load(); line != nil {
		line.close() // what is held back goes first, when due
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// signal wakes whoever waits on c, if anyone, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
