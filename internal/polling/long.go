package polling

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/query"
)

// MaxWait bounds a long poll's wait. Proxies and browsers give up on a
// silent response after a minute or two; a client that asks again every
// 25 to 60 s stays under all of them and still costs few requests while the
// feed is quiet.
const MaxWait = 60 * time.Second

// IsLong reports whether a request to /poll is a long poll: it names a
// wait. The server counts it as its own transport, longpoll.
func IsLong(r *http.Request) bool { return query.Has(r, "wait") }

// ParseWait returns the wait=D of a poll's query (time.ParseDuration: 25s,
// 500ms), or 0 for a short poll without one. A wait that is malformed, not
// positive or longer than MaxWait is an error that says which.
func ParseWait(r *http.Request) (time.Duration, error) {
	w, ok := query.Lookup(r, "wait")
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(w)
	switch {
	case err != nil:
		return 0, errors.New("wait must be a duration such as 25s or 500ms")
	case d <= 0:
		return 0, errors.New("wait must be more than zero")
	case d > MaxWait:
		return 0, fmt.Errorf("wait must be at most %v", MaxWait)
	}
	return d, nil
}

// transport names a poll for the log: short, or long when it may wait.
func transport(wait time.Duration) string {
	if wait > 0 {
		return "longpoll"
	}
	return "poll"
}

// await answers a poll at p: at once when there are events after p or
// wait is 0 (a short poll); else when the next event is published, the
// wait passes, or the feed stops (all three answer, the last two with no
// events). ok is false when ctx ends first: the client went away.
//
// The request's own goroutine does the waiting, on the feed's shared Next
// channel and one timer that is stopped on the way out: a held poll costs
// no other goroutine, no queue, and leaves nothing behind.
func await(ctx context.Context, src Source, p feed.Position, wait time.Duration) (_ []*feed.Frame, _ feed.Hello, ok bool) {
	if wait == 0 {
		frames, hello := src.Since(p, MaxPollEvents)
		return frames, hello, true
	}
	next := src.Next()
	frames, hello := src.Since(p, MaxPollEvents)
	if len(frames) > 0 {
		return frames, hello, true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-next:
		case <-timer.C:
			return frames, hello, true
		case <-src.Done():
			return frames, hello, true // shutting down: the client asks again later
		case <-ctx.Done():
			return nil, hello, false
		}
		next = src.Next()
		if frames, hello = src.Since(p, MaxPollEvents); len(frames) > 0 {
			return frames, hello, true
		}
	}
}
