package wire

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"
)

// A browser hides much of what crosses the wire from the page's code: the
// headers it sends, an SSE stream's heartbeat comments, a WebSocket's pings
// and pongs. The server sees them all, so it keeps, for each page, a short
// log of them that the page reads from GET /api/wire and shows beside what
// it saw itself.

// LogSize is how many entries a Log keeps.
const LogSize = 64

// Log is one page's wire log: the newest LogSize entries, each encoded once
// when it is added.
type Log struct {
	now func() time.Time

	mu      sync.Mutex
	last    uint64            // n of the newest entry; they count from 1
	entries []json.RawMessage // oldest first; entries[i] has n = last-len+1+i
}

// NewLog returns an empty log that stamps its entries with now.
func NewLog(now func() time.Time) *Log {
	return &Log{now: now}
}

// entryHead is what every entry says first.
type entryHead struct {
	N         uint64 `json:"n"`
	TS        int64  `json:"ts"` // when, Unix microseconds, as an event's ts
	Transport string `json:"transport"`
	Kind      string `json:"kind"`
}

// requestEntry is one HTTP request of a transport and its cost on the wire.
type requestEntry struct {
	entryHead
	Method string `json:"method"`
	Target string `json:"target"`
	Status int    `json:"status"`
	In     int64  `json:"in"`  // bytes read: request line, headers, body
	Out    int64  `json:"out"` // bytes written: status line, headers, body (so far, for a stream)
	// Written is every byte of body written (framing and hellos included),
	// not only the events' JSON that /api/stats counts as bytes: a poll
	// answer's envelope; SSE's retry: line, id: and data: framing and
	// heartbeats; every WebSocket message's payload, hello, pongs and acks
	// too. Chunk framing and WebSocket frame headers are Out's alone. So
	// far, for a stream.
	Written int64 `json:"body"`
	Events  int64 `json:"events"` // events in it
}

// frameEntry is something the browser hides: an SSE heartbeat, a
// WebSocket ping or pong.
type frameEntry struct {
	entryHead
	Dir   string  `json:"dir"`   // "out": the server sent it; "in": it received it
	Bytes int     `json:"bytes"` // on the wire
	RTTMs float64 `json:"rttMs,omitempty"`
}

// networkEntry is what a simulated network did to the page.
type networkEntry struct {
	entryHead
	Ms      int64 `json:"ms,omitempty"`      // for a stall, how long
	Dropped int   `json:"dropped,omitempty"` // for a drop, how many connections
}

// Frame logs a frame the browser hides: kind "heartbeat", "ping" or
// "pong", sent ("out") or received ("in") at at, size bytes on the wire,
// and for a pong the round trip.
func (l *Log) Frame(transport, kind, dir string, at time.Time, size int, rtt time.Duration) {
	e := frameEntry{
		entryHead: entryHead{TS: at.UnixMicro(), Transport: transport, Kind: kind},
		Dir:       dir,
		Bytes:     size,
		RTTMs:     float64(rtt.Microseconds()) / 1000,
	}
	var scratch [128]byte // most entries fit (see request)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	e.N = l.last
	l.keep(bytes.Clone(e.append(scratch[:0])))
}

// Network logs what the simulated network did: kind "stall" (for ms), with
// transport "" since a stall holds every transport of the page, or "drop"
// (of dropped connections of transport).
func (l *Log) Network(transport, kind string, ms int64, dropped int) {
	e := networkEntry{entryHead: l.head(transport, kind), Ms: ms, Dropped: dropped}
	l.add(&e.entryHead, &e)
}

// request logs x's request, answered with status. A nil log logs nothing.
func (l *Log) request(x *Exchange, status int) {
	if l == nil {
		return
	}
	e := requestEntry{
		entryHead: l.head(x.Transport, "request"),
		Method:    x.method,
		Target:    x.url.RequestURI(),
		Status:    status,
		In:        x.in.Load(),
		Out:       x.out.Load(),
		Written:   x.written.Load(),
		Events:    x.events.Load(),
	}
	// Encoded on the stack, kept in a copy of its own size. (A func that
	// encodes, passed to a helper, would move the scratch to the heap.)
	var scratch [256]byte // most entries fit
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	e.N = l.last
	l.keep(bytes.Clone(e.append(scratch[:0])))
}

func (l *Log) head(transport, kind string) entryHead {
	return entryHead{TS: l.now().UnixMicro(), Transport: transport, Kind: kind}
}

// add puts an entry into the log, numbering it. v points to the entry, and
// head to its entryHead, which add numbers before it encodes v.
func (l *Log) add(head *entryHead, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	head.N = l.last
	b, err := json.Marshal(v)
	if err != nil {
		return // the entry types above always encode
	}
	l.keep(b)
}

// keep puts an encoded entry into the log, the oldest out when it is
// full. l.mu is held.
func (l *Log) keep(b json.RawMessage) {
	if len(l.entries) == LogSize {
		l.entries = append(l.entries[:0], l.entries[1:]...)
	}
	l.entries = append(l.entries, b)
}

// Since returns the entries after n that it still has, oldest first, how
// many after n it no longer has, and the newest n.
func (l *Log) Since(n uint64) (entries []json.RawMessage, missed, last uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.last + 1 - uint64(len(l.entries)) // n of entries[0]
	skip := uint64(0)
	switch {
	case n >= first:
		skip = min(n-first+1, uint64(len(l.entries)))
	case n+1 < first:
		missed = first - (n + 1)
	}
	return append([]json.RawMessage(nil), l.entries[skip:]...), missed, l.last
}
