package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"transportlab/internal/httpjson"
)

// A browser hides much of what crosses the wire from the page's code: the
// headers it sends, an SSE stream's heartbeat comments, a WebSocket's pings
// and pongs. The server sees them all, so it keeps, for each page, a short
// log of them that the page reads from GET /api/wire and shows beside what
// it saw itself.

// wireLogSize is how many entries the server keeps for each page.
const wireLogSize = 64

// wireLog is one page's log: the newest wireLogSize entries, each encoded
// once when it is added.
type wireLog struct {
	mu      sync.Mutex
	last    uint64            // n of the newest entry; they count from 1
	entries []json.RawMessage // oldest first; entries[i] has n = last-len+1+i
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
	In     int64  `json:"in"`     // bytes read: request line, headers, body
	Out    int64  `json:"out"`    // bytes written: status line, headers, body (so far, for a stream)
	Body   int64  `json:"body"`   // body or message bytes of the answer
	Events int64  `json:"events"` // events in it
}

// frameEntry is something the browser hides: an SSE heartbeat, a
// WebSocket ping or pong.
type frameEntry struct {
	entryHead
	Dir   string  `json:"dir"`   // "out": the server sent it; "in": it received it
	Bytes int     `json:"bytes"` // on the wire
	RTTMs float64 `json:"rttMs,omitempty"`
}

// simEntry is what the simulated network did to the page.
type simEntry struct {
	entryHead
	Ms      int64 `json:"ms,omitempty"`      // for a stall, how long
	Dropped int   `json:"dropped,omitempty"` // for a drop, how many connections
}

// add puts an entry into the log, numbering it. v points to the entry, and
// head to its entryHead, which add numbers before it encodes v.
func (l *wireLog) add(head *entryHead, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	head.N = l.last
	b, err := json.Marshal(v)
	if err != nil {
		return // the entry types above always encode
	}
	if len(l.entries) == wireLogSize {
		l.entries = append(l.entries[:0], l.entries[1:]...)
	}
	l.entries = append(l.entries, b)
}

// since returns the entries after n that it still has, oldest first, how
// many after n it no longer has, and the newest n.
func (l *wireLog) since(n uint64) (entries []json.RawMessage, missed, last uint64) {
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

func (s *stats) head(transport, kind string) entryHead {
	return entryHead{TS: s.now().UnixMicro(), Transport: transport, Kind: kind}
}

// logRequest logs x's request, answered with status, in its page's log.
func (s *stats) logRequest(x *exchange, status int) {
	if x.page == nil {
		return
	}
	e := requestEntry{
		entryHead: s.head(x.transport, "request"),
		Method:    x.request.Method,
		Target:    x.request.URL.RequestURI(),
		Status:    status,
		In:        x.in.Load(),
		Out:       x.out.Load(),
		Body:      x.body.Load(),
		Events:    x.events.Load(),
	}
	x.page.wire.add(&e.entryHead, &e)
}

// logFrame logs a frame the browser hides, for the page r came from.
func (s *stats) logFrame(r *http.Request, transport, kind, dir string, at time.Time, bytes int, rtt time.Duration) {
	p := s.known(r.URL.Query().Get("client"))
	if p == nil {
		return
	}
	e := frameEntry{
		entryHead: entryHead{TS: at.UnixMicro(), Transport: transport, Kind: kind},
		Dir:       dir,
		Bytes:     bytes,
		RTTMs:     float64(rtt.Microseconds()) / 1000,
	}
	p.wire.add(&e.entryHead, &e)
}

// logSim logs what the simulated network did to page p.
func (s *stats) logSim(p *page, transport, kind string, ms int64, dropped int) {
	e := simEntry{entryHead: s.head(transport, kind), Ms: ms, Dropped: dropped}
	p.wire.add(&e.entryHead, &e)
}

// countWire marks where each request begins and ends on its connection,
// which is how bytes on the wire find their request (see wire.go), and logs
// each transport's request with what it cost.
func (s *server) countWire(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wc := wireOf(r)
		if wc == nil {
			next.ServeHTTP(w, r)
			return
		}
		wc.begin()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		x := wc.end()
		if x == nil || x.logged.Swap(true) {
			return
		}
		// Every answer the transports give has its Content-Length: flushed
		// now, it is all on the wire, and the log can say what it cost.
		// (A hijacked connection refuses, and has nothing left to flush.)
		http.NewResponseController(w).Flush()
		s.stats.logRequest(x, rec.status)
	})
}

// wireAnswer is the body of GET /api/wire.
type wireAnswer struct {
	Next    uint64            `json:"next"`   // the after= to ask with next time
	Missed  uint64            `json:"missed"` // entries after after= no longer kept: never a silent gap
	Entries []json.RawMessage `json:"entries"`
}

// wire answers GET /api/wire?client=ID&after=N: what the server logged on
// the wire for that page after entry N, oldest first.
func (s *server) wire(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("client")
	if id == "" {
		httpjson.Error(w, http.StatusBadRequest, errors.New("client is required: the page's id"))
		return
	}
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, errors.New("after must be an entry number (0 or more)"))
			return
		}
		after = n
	}
	a := wireAnswer{Entries: []json.RawMessage{}}
	if p := s.stats.known(id); p != nil {
		a.Entries, a.Missed, a.Next = p.wire.since(after)
	}
	httpjson.Write(w, http.StatusOK, a)
}
