package wire

import (
	"net/http"
	"net/url"
	"sync/atomic"
)

// Tally adds up bytes on the wire, in and out: one transport's, in all or
// for one page. An exchange adds to several.
type Tally struct {
	In, Out atomic.Int64
}

// Account says whose a claimed request's bytes are.
type Account struct {
	Transport string // as named in the wire log
	// Tallies are where its bytes go too: its transport's, in all and for
	// its page; a nil one is none. An array, not a slice: a request
	// allocates nothing for it, and a write follows no pointer more.
	Tallies [2]*Tally
	Log     *Log // its page's wire log; nil: none
	// UnderWay is, for a stream, the status it answers with (200, 101): it
	// is logged once its first answer is on the wire rather than when it
	// ends, minutes later. 0: logged when its handler returns.
	UnderWay int
	// Owner is whoever the claimer puts the request down to (the server:
	// its page, or a nil one), for what serves the request further down
	// to find from its exchange (ExchangeOf), rather than in a copy of
	// the request made to carry it.
	Owner any
}

// Exchange is one request of a transport and what it has cost on the wire
// so far, in both directions.
type Exchange struct {
	Account
	method string      // the request's, for the log
	url    *url.URL    // the request's, for the log: not the whole request, which a stream handed off (HandOff) would keep alive
	lost   func(n int) // takes back bytes counted as written that never left

	in, out  atomic.Int64          // on the wire
	flushed  atomic.Int64          // out by the last flush
	events   atomic.Int64          // as the handler reported them
	written  atomic.Int64          // body bytes, as the handler reported them: framing and hellos included
	reported atomic.Bool           // the handler reported something sent
	buffered atomic.Bool           // written through net/http since the last flush: not on the wire yet
	logged   atomic.Bool           // in its page's wire log
	err      atomic.Pointer[error] // the first error its connection returned (Err)
}

// Claim makes the request being handled a's, with what its connection read
// for it so far, and returns its exchange: from now until the next request
// on the connection begins, every byte the connection moves is a's. It
// returns nil when r came on no counting connection (see Install).
func Claim(r *http.Request, a Account) *Exchange {
	c := ConnOf(r)
	if c == nil {
		return nil
	}
	x := &Exchange{Account: a, method: r.Method, url: r.URL}
	x.lost = func(n int) { x.wrote(int64(-n)) }
	c.claim(x)
	return x
}

// ExchangeOf returns the exchange that owns r's connection, or nil.
func ExchangeOf(r *http.Request) *Exchange {
	if c := ConnOf(r); c != nil {
		return c.owner.Load()
	}
	return nil
}

// Err returns the first error a read or a write of the connection
// returned while x was its request's, or nil: why the connection broke,
// when the socket said so (a peer that reset it, a kernel that gave up on
// it), for whoever counts how connections end.
func (x *Exchange) Err() error {
	if x == nil {
		return nil
	}
	if err := x.err.Load(); err != nil {
		return *err
	}
	return nil
}

// fail keeps err as x's, if it is the first. It is called on errors only,
// off the path of a read or a write that succeeds.
func (x *Exchange) fail(err error) {
	if x != nil {
		x.err.CompareAndSwap(nil, &err)
	}
}

// Sent records what the handler reports it wrote in answer, for the wire
// log: events, and every byte of body written (framing, hellos, pongs and
// acks included), not only the events' JSON. A stream is logged at its first, once it
// is on the wire: at once on a hijacked connection, which writes through
// (WebSocket); else at the flush that follows (SSE), since until then the
// status line, headers and the first answer wait in net/http's buffer.
func (x *Exchange) Sent(events, written int) {
	if x == nil {
		return
	}
	x.events.Add(int64(events))
	x.written.Add(int64(written))
	x.reported.Store(true)
	if !x.buffered.Load() {
		x.underWay()
	}
}

// underWay logs a stream that has sent its first answer, once.
func (x *Exchange) underWay() {
	if x.UnderWay != 0 && x.reported.Load() && x.logged.CompareAndSwap(false, true) {
		x.Log.request(x, x.UnderWay)
	}
}

// Flushed returns how many bytes the last flush of x's answer put on the
// wire: for a heartbeat, the heartbeat's, chunk framing and all.
func (x *Exchange) Flushed() int {
	if x == nil {
		return 0
	}
	return int(x.flushed.Load())
}

func (x *Exchange) read(n int64) {
	x.in.Add(n)
	for _, t := range x.Tallies {
		if t != nil {
			t.In.Add(n)
		}
	}
}

func (x *Exchange) wrote(n int64) {
	x.out.Add(n)
	for _, t := range x.Tallies {
		if t != nil {
			t.Out.Add(n)
		}
	}
}
