// Package netsim simulates a worse network than loopback, at the
// connection: on localhost every transport looks instant, and a lesson
// about latency needs some. A Network is what one page asked for: a delay
// with jitter on everything the server sends it, a stall (nothing sent for
// a while), a drop (its connections closed now, without a goodbye), and a
// proxy that refuses WebSocket upgrades.
// A Conn is a net.Conn whose writes cross the Network it is told to use.
//
// Read conn.go first, then delay.go for the delay line. The package knows
// no HTTP: what a request is, and which Network its connection crosses, is
// the server's to say (Conn.Cross).
package netsim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// What a page may ask for, at most.
const (
	MaxDelay = time.Second
	MaxStall = 30 * time.Second
	// maxHeld is how many bytes a connection may hold back before a write
	// waits for room, as a full send buffer makes it wait: a client that
	// stopped reading still blocks the server's writes, and the hub still
	// cuts it off.
	maxHeld = 64 << 10
)

// Network is one simulated network, and the connections crossing it now.
// The zero value is a good network with no connections.
type Network struct {
	mu            sync.Mutex
	delay, jitter time.Duration
	stalledUntil  time.Time
	stallChanged  chan struct{}    // closed when the stall changes; nil until asked for
	conns         map[*Conn]string // crossing it, by label, for a drop
	noUpgrades    bool             // WebSocket upgrades are refused, as by a proxy that allows only plain HTTP
}

// BlockWebSockets makes the network refuse WebSocket upgrades from now on,
// as some corporate and school proxies do, or allow them again. The
// connections already upgraded stay: a proxy refuses the upgrade, not a
// connection it let through. The server asks WebSocketsBlocked.
func (n *Network) BlockWebSockets(on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.noUpgrades = on
}

// WebSocketsBlocked reports whether the network refuses WebSocket upgrades.
func (n *Network) WebSocketsBlocked() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.noUpgrades
}

// Set holds back every later write by delay, give or take jitter.
func (n *Network) Set(delay, jitter time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.delay, n.jitter = delay, jitter
}

// Stall stops every write for d from now, in place of the stall before:
// a write that waits for that one now waits for this one, longer or
// shorter (0: none).
func (n *Network) Stall(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stalledUntil = time.Now().Add(d)
	if n.stallChanged != nil {
		close(n.stallChanged) // whoever waits looks again
		n.stallChanged = nil
	}
}

// Conditions returns the delay and jitter, and what is left of a stall.
func (n *Network) Conditions() (delay, jitter, stalled time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.delay, n.jitter, max(time.Until(n.stalledUntil), 0)
}

// Drop closes the connections crossing n under label now, as a network
// that fails does, and says how many.
func (n *Network) Drop(label string) int {
	n.mu.Lock()
	var victims []*Conn
	for c, l := range n.conns {
		if l == label {
			victims = append(victims, c)
		}
	}
	n.mu.Unlock()
	for _, c := range victims {
		c.Close()
	}
	return len(victims)
}

// hold returns how long to hold back a write now: the delay, give or take
// the jitter, uniformly.
func (n *Network) hold() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.jitter == 0 {
		return n.delay
	}
	return n.delay - n.jitter + rand.N(2*n.jitter+1)
}

// stall returns until when writes are stopped, and a channel closed when
// that changes: a write that waits for the stall waits for both.
func (n *Network) stall() (until time.Time, changed <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stallChanged == nil {
		n.stallChanged = make(chan struct{})
	}
	return n.stalledUntil, n.stallChanged
}

// clear reports whether a write may go out now as on a good network: no
// delay, and no stall under way.
func (n *Network) clear() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.delay == 0 && (n.stalledUntil.IsZero() || !time.Now().Before(n.stalledUntil))
}

// delayed reports whether writes are held back at all.
func (n *Network) delayed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.delay > 0
}

func (n *Network) join(c *Conn, label string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conns == nil {
		n.conns = make(map[*Conn]string)
	}
	n.conns[c] = label
}

func (n *Network) leave(c *Conn) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.conns, c)
}
