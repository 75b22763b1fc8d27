package ws

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"transportlab/internal/wsframe"
)

// pinger pings every connection of a handler, on one clock: a ticker for
// them all, as feed.Hub.Watch watches every write, rather than a timer a
// connection. At each tick a connection whose last ping has not been
// answered is gone (a closed laptop, a dropped network, which would
// otherwise hold its connection until a write failed): it is closed, which
// ends its reader and so the stream, and it ends with ErrPeerGone. Every
// other connection gets a ping: the tick kicks its writer, which writes it
// (with the events, when some are queued), and its reader takes the pong.
// The ticker runs while there are connections.
//
// A connection gets a whole period before its first ping, as it would
// with a timer of its own: one that joins while the ticker runs sits out
// the tick that follows, which may come at once, so its first ping goes
// out between one and two periods after it connected; one that starts
// the ticker is pinged at its first tick, a period later. Either way a
// peer has until the next tick to answer a ping, and is closed then if
// it has not: a silent peer goes between two and three periods after it
// connected.
type pinger struct {
	every time.Duration

	mu    sync.Mutex
	conns map[*conn]struct{}
	stop  chan struct{} // closed to stop the ticker; nil while none runs
	// start is when the first connection came, set then and never after:
	// pings' times count from it, on the monotonic clock. A connection
	// reads it after add, which wrote it under mu.
	start time.Time
}

// beat is a connection's side of the pings. The pinger marks a ping due,
// the writer sends it and the reader takes its pong: each goes on in its
// own goroutine, so each field they share is one atomic. sent and id go
// together, and are kept so by their order (appendPing, ponged).
type beat struct {
	sent atomic.Int64  // when the ping awaiting its pong went out, after start; 0: none awaits
	id   atomic.Uint64 // the number of the last ping, which is its payload
	due  atomic.Bool   // a ping is due and not yet written
	gone atomic.Bool   // closed for a ping unanswered; set under the pinger's mu
	// fresh: joined since the ticker's last tick, which it sits out (see
	// pinger). The pinger's, under its mu.
	fresh bool
}

// add starts pinging cn: its first ping goes out one to two periods from
// now (see pinger).
func (p *pinger) add(cn *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// A ticker that runs may tick at once; one started now ticks a whole
	// period from now.
	cn.beat.fresh = p.stop != nil
	if p.stop == nil {
		if p.conns == nil {
			p.conns, p.start = make(map[*conn]struct{}), time.Now()
		}
		p.stop = make(chan struct{})
		go p.run(p.stop)
	}
	p.conns[cn] = struct{}{}
}

// remove stops pinging cn; the ticker stops with the last connection.
func (p *pinger) remove(cn *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, cn)
	if len(p.conns) == 0 && p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
}

// run ticks until stop is closed.
func (p *pinger) run(stop chan struct{}) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			for _, cn := range p.tick() {
				cn.c.CloseNow()
			}
		}
	}
}

// tick marks a ping due on every connection whose last was answered, but
// those that joined since the last tick, and marks the others gone and
// returns them, for the caller to close. It marks them under mu: one that
// ended meanwhile has been removed, and ends for its own reason, not as
// gone.
func (p *pinger) tick() (gone []*conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for cn := range p.conns {
		b := &cn.beat
		if b.fresh {
			b.fresh = false
			continue
		}
		if b.due.Load() || b.sent.Load() != 0 { // not written, or not answered, in a whole period
			b.gone.Store(true)
			gone = append(gone, cn)
			continue
		}
		b.due.Store(true)
		cn.writer.Kick()
	}
	return gone
}

// appendPing appends a ping frame to b when one is due, and notes when it
// went out: now, for it goes out with b.
//
// The new id comes first, then the time, which makes the ping awaited
// (sent is 0 until then: the last ping was answered, or there is none
// due): a late pong for the last id, which ponged takes meanwhile, finds
// no ping awaited or the new id, and is ignored. The other way round it
// would match the old id and take the new ping's time.
func (b *beat) appendPing(p *pinger, frames []byte) []byte {
	if !b.due.Load() {
		return frames
	}
	id := b.id.Add(1)
	b.sent.Store(int64(max(time.Since(p.start), 1))) // before the pong can come
	// Last: a tick meanwhile finds the ping due still, not answered.
	b.due.Store(false)
	var payload [20]byte
	pl := strconv.AppendUint(payload[:0], id, 10)
	return wsframe.AppendPing(frames, pl)
}

// ponged takes a pong the reader received: the answer to the ping awaited,
// reported with its ping (Options.OnControl), or another, ignored (a
// client may send pongs unasked, RFC 6455, 5.5.3).
//
// It reads the ping's time before its id, the reverse of appendPing's
// order: a time it finds was stored after its ping's id, so a pong is
// matched with its own ping's time, or none. Only this reader clears
// sent, and a ping is marked due only once it is clear (tick): the time
// it read is still there.
func (cn *conn) ponged(payload []byte) {
	b := &cn.beat
	sent := b.sent.Load()
	if sent == 0 { // no ping awaits
		return
	}
	var want [20]byte
	if string(payload) != string(strconv.AppendUint(want[:0], b.id.Load(), 10)) {
		return
	}
	b.sent.Store(0)
	if cn.h.opts.OnControl == nil {
		return
	}
	start := cn.h.pings.start.Add(time.Duration(sent))
	rtt := time.Since(start)
	// The pong echoes the ping's payload (RFC 6455), as the reader saw it.
	r := cn.request()
	cn.h.opts.OnControl(r, Control{Kind: "ping", Dir: "out", At: start, Bytes: controlFrameSize(len(payload), false)})
	cn.h.opts.OnControl(r, Control{Kind: "pong", Dir: "in", At: start.Add(rtt), Bytes: controlFrameSize(len(payload), true), RTT: rtt})
}

// controlFrameSize is the size on the wire of a control frame with payload
// bytes (at most 125): two header bytes, the 4-byte mask that every frame
// from a client carries, and the payload.
func controlFrameSize(payload int, fromClient bool) int {
	if fromClient {
		return 2 + 4 + payload
	}
	return 2 + payload
}

// ErrPeerGone: the client stopped answering pings, and its connection was
// closed (Options.OnClose is told so).
var ErrPeerGone = errors.New("peer gone")
