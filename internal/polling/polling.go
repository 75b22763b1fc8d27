// Package polling serves the feed by short polling: the client asks, the
// server answers at once with whatever is new, and the client asks again an
// interval later. Every answer costs a whole HTTP request, and an event waits
// up to one interval before the next request picks it up.
//
// With ?wait= the same endpoint long polls: when nothing is new the server
// holds the request until an event arrives (and answers it at once) or the
// wait passes (and answers no events). An event then waits about one round
// trip instead of half an interval; the price is still one request per
// answer, so a busy feed costs a request per event or batch, a quiet one a
// request per wait. Read Handler first, then long.go.
//
// A session with curl:
//
//	$ curl -s 'localhost:8005/poll'
//	{"epoch":"5f0c9a3e7d21b4c8","head":41,"events":[{"seq":41,...}],"next":41,"missed":0}
//	$ curl -s 'localhost:8005/poll?since=41&epoch=5f0c9a3e7d21b4c8'
//	{"epoch":"5f0c9a3e7d21b4c8","head":46,"events":[{"seq":42,...},...],"next":46,"missed":0}
//
// An answer holds at most MaxPollEvents events. A client far behind the
// head is told how many more wait, and asks again from next:
//
//	$ curl -s 'localhost:8005/poll?since=0'
//	{"epoch":"5f0c9a3e7d21b4c8","head":4096,"events":[{"seq":1,...},...],"next":500,"missed":0,"more":3596}
//
// A long poll at the head waits for the next event (here 3 s later), or 25 s:
//
//	$ curl -s 'localhost:8005/poll?since=4096&epoch=5f0c9a3e7d21b4c8&wait=25s'
//	{"epoch":"5f0c9a3e7d21b4c8","head":4097,"events":[{"seq":4097,...}],"next":4097,"missed":0}
package polling

import (
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/query"
)

// MaxPollEvents bounds the events of one answer, so that one request
// cannot ask for megabytes: /poll?since=0 against the default history of
// 4096 events would otherwise answer about 330 KB, again and again, for
// the price of a GET. 500 quotes are about 40 KB. A page that keeps up
// never meets the bound: at its slowest interval (5 s) it would take a
// feed of 100 events a second, twenty times the default rate, to put 500
// events between two polls. A page far behind (new with since=0, or back
// from a sleep) catches up in a few requests instead of one, each of them
// counted as polling's requests always are.
const MaxPollEvents = 500

// Source is the part of the feed that polling needs.
type Source interface {
	// Since returns the events after a position, oldest first, at most
	// limit of them, and the hello that explains them.
	Since(p feed.Position, limit int) ([]*feed.Frame, feed.Hello)
	// Next is closed when the next event is published: a long poll waits
	// on it. Asked for before Since, it misses nothing published between.
	Next() <-chan struct{}
	// Done is closed when the feed stops: held polls answer at once.
	Done() <-chan struct{}
}

// Counter is a Source that is told of each answer, once a request however
// long it waited and however often it looked at the feed meanwhile: the
// server counts resumes by it.
type Counter interface {
	Answered(r *http.Request, p feed.Position, h feed.Hello)
}

// Meter counts what this transport spends, for /api/stats.
type Meter interface {
	// Open counts one request of r's client. sent reports what was written in
	// answer: events, their JSON bytes (the body, as /api/stats counts it:
	// the same bytes on every transport) and all the body bytes written
	// (with the answer's envelope or framing); done is called when the
	// answer is finished.
	Open(r *http.Request) (sent func(events, eventBytes, written int), done func())
}

// Handler answers GET /poll?since=N&epoch=E with the events after N, oldest
// first, at most MaxPollEvents of them, and the seq to ask from next time.
// Without since it answers only the latest event, a starting point. With
// wait=D (see ParseWait) it is a long poll: when there is nothing after N,
// the answer waits for the next event, at most D.
func Handler(src Source, m Meter, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent, done := m.Open(r)
		defer done()
		p, err := feed.ParsePosition(query.Get(r, "since"), query.Get(r, "epoch"))
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, err)
			return
		}
		wait, err := ParseWait(r)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, err)
			return
		}
		frames, hello, ok := await(r.Context(), src, p, wait)
		if !ok {
			return // the client is gone: nobody to answer
		}
		if c, ok := src.(Counter); ok {
			c.Answered(r, p, hello)
		}
		buf := bodies.Get().(*[]byte)
		body := appendAnswer(slices.Grow((*buf)[:0], answerSize(frames, hello)), frames, hello)
		h := w.Header()
		h["Content-Type"] = jsonType
		h["Cache-Control"] = noStore
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.Write(body)
		sent(len(frames), size(frames), len(body))
		if cap(body) <= maxPooled {
			*buf = body
			bodies.Put(buf)
		}
		if log.Enabled(r.Context(), slog.LevelDebug) { // its arguments cost allocations even when it is off
			log.Debug("poll", "transport", transport(wait), "remote", r.RemoteAddr,
				"since", p.Since, "events", len(frames), "head", hello.Head)
		}
	})
}

// The headers every answer has, made once: net/http copies them out
// before it writes them, and nothing changes them.
var (
	jsonType = []string{"application/json"}
	noStore  = []string{"no-store"}
)

// bodies keeps answers' buffers for the next answers: a poll's answer is
// its one large allocation (a second of events at 10 a second, about
// 1.6 KB), and with a thousand polls a second, collecting them was much
// of the server's garbage collection. w.Write keeps nothing of its
// argument, so the buffer is free again once it returns. Buffers larger
// than maxPooled, of an answer with a long backlog, are left to the
// collector.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 64 << 10

// size is the JSON bytes of frames: the events, without the answer around them.
func size(frames []*feed.Frame) int {
	n := 0
	for _, f := range frames {
		n += len(f.JSON)
	}
	return n
}

// answerSize is room enough for appendAnswer's answer, so that it
// allocates once: the events and their commas, the epoch, and at most
// 160 bytes around them (the names, the punctuation, four numbers of at
// most 20 digits).
func answerSize(frames []*feed.Frame, hello feed.Hello) int {
	return size(frames) + len(frames) + len(hello.Epoch) + 160
}

// appendAnswer appends the JSON answer to a poll:
//
//	{"epoch":"...","head":H,"events":[...],"next":N,"missed":K[,"reset":true][,"more":M]}
//
// The events are the feed's own encoded bytes, copied as they are. Next is
// the seq of the last event sent, or the head when none is: after this
// answer the client has everything up to next. The events after next, up
// to the head, are still in history (they are newer than those sent), so
// more, the count of them, is exact; it is left out when nothing waits.
func appendAnswer(b []byte, frames []*feed.Frame, hello feed.Hello) []byte {
	next := hello.Head
	if n := len(frames); n > 0 {
		next = frames[n-1].Seq
	}
	b = append(b, `{"epoch":`...)
	b = strconv.AppendQuote(b, hello.Epoch) // hex digits: the same in Go and JSON
	b = append(b, `,"head":`...)
	b = strconv.AppendUint(b, hello.Head, 10)
	b = append(b, `,"events":[`...)
	for i, f := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.JSON...)
	}
	b = append(b, `],"next":`...)
	b = strconv.AppendUint(b, next, 10)
	b = append(b, `,"missed":`...)
	b = strconv.AppendUint(b, hello.Missed, 10)
	if hello.Reset {
		b = append(b, `,"reset":true`...)
	}
	if next < hello.Head {
		b = append(b, `,"more":`...)
		b = strconv.AppendUint(b, hello.Head-next, 10)
	}
	return append(b, "}\n"...)
}
