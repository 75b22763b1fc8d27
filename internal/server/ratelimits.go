package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"transportlab/internal/clientaddr"
	"transportlab/internal/httpjson"
	"transportlab/internal/ratelimit"
)

// PerAddress are the limits on what one client address (an IPv4 address,
// or an IPv6 /64: clientaddr.Key) may do, a second. Page keys cost
// nothing to ask for, so a limit per page alone stops nobody who asks for
// many; a limit per address does, as long as addresses cannot be forged
// (Config.TrustedProxies). A class behind one NAT address shares each of
// them: each must hold a whole class, which is how the defaults of
// cmd/transportlab are sized. The zero value is no limit.
type PerAddress struct {
	Messages Rate // POST /api/messages and WebSocket messages together: what floods everyone's feed
	Polls    Rate // GET /poll: what costs the server CPU and bandwidth by the request
	Pages    Rate // POST /api/pages: new pages, each a key that sends, and a row the registry keeps
	Streams  Rate // new SSE and WebSocket connections, Socket.IO sessions and upgrades: a reconnect loop costs a handshake and a backlog each
	// Class is classroom mode's own requests, GET /api/class/follow and
	// POST /api/class/report together: no transport's, so no other limit
	// counts them, and each wakes the server as a poll does.
	Class Rate
}

// Rate is how often: PerSecond after a burst of Burst (at least 1). A
// PerSecond of 0 means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// DefaultPerAddress are the limits transportlab starts with. Each holds
// a class of 30 and more pages behind one NAT address, polling every
// 250 ms with the tutorial on (TestClassBehindOneAddressIsNeverLimited),
// and holds one student to what such a class does.
var DefaultPerAddress = PerAddress{
	// The tutorial: each page replies to each quote three times (by POST
	// for polling and SSE, over its socket for the WebSocket), a quote
	// every 3 s: 90 messages at once for 30 pages. The burst holds 66
	// pages' replies, the rate 60 pages'.
	Messages: Rate{PerSecond: 60, Burst: 200},
	// A page polls 4 times a second at 250 ms, the class's shortest
	// interval: 120 a second for 30 pages, 100 pages in all, and room for
	// all of them asking at once after a reconnect.
	Polls: Rate{PerSecond: 400, Burst: 800},
	// A page gets its key when it opens: a class opening the page at
	// once, then reloads, never 3 a second for long.
	Pages: Rate{PerSecond: 3, Burst: 100},
	// Two streams a page (SSE and WebSocket): 100 pages connecting at
	// once, as after the instructor drops a transport for the class.
	Streams: Rate{PerSecond: 30, Burst: 200},
	// A page reports every 2 s and asks for the class state at least once
	// every 25 s: 54 a second for 100 pages. Each change of the class
	// answers every held follow request at once, and each page asks again
	// at once: the burst holds 100 pages through 3 quick changes.
	Class: Rate{PerSecond: 100, Burst: 400},
}

// The per-address limits, by the names the dashboard and the log use.
const (
	limitMessages = "messages"
	limitPolls    = "polls"
	limitPages    = "pages"
	limitStreams  = "streams"
	limitClass    = "class"
)

// maxAddresses bounds each limit's table of addresses; a class is far
// smaller (see ratelimit.Buckets for what happens past it). maxHeld
// bounds the refusals held at once (holdRefusal).
const (
	maxAddresses = 10000
	maxHeld      = 256
)

// addressLimits makes the table of buckets of each per-address limit.
func addressLimits(pa PerAddress) map[string]*ratelimit.Buckets {
	table := func(r Rate) *ratelimit.Buckets { return ratelimit.NewBuckets(r.PerSecond, r.Burst, maxAddresses) }
	return map[string]*ratelimit.Buckets{
		limitMessages: table(pa.Messages),
		limitPolls:    table(pa.Polls),
		limitPages:    table(pa.Pages),
		limitStreams:  table(pa.Streams),
		limitClass:    table(pa.Class),
	}
}

// limitAddress turns away a request over its address's allowance of
// limit with 429 too_many_requests and a Retry-After. Without that limit
// it is not in the way at all.
func (s *server) limitAddress(limit string) func(http.Handler) http.Handler {
	rate := s.perAddress[limit].Rate()
	return func(next http.Handler) http.Handler {
		if rate == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, wait := s.allowAddress(r, limit); !ok {
				tooManyCode(w, httpjson.TooManyRequests, wait-s.holdRefusal(r),
					fmt.Errorf("too many %s from your address: at most %g a second", limit, rate))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// allowAddress takes a token of limit from r's address. A refusal is
// remembered for the dashboard and logged, at most once a minute an
// address: a flood of refusals must not become a flood of log lines.
func (s *server) allowAddress(r *http.Request, limit string) (ok bool, wait time.Duration) {
	addr := clientaddr.Key(r.RemoteAddr)
	now := s.cfg.Now()
	if ok, wait = s.perAddress[limit].Allow(addr, now); ok {
		return true, 0
	}
	name := s.nameOf(r)
	if refused, logIt := s.limited.refuse(addr, name, limit, now); logIt {
		s.log.Warn("over a limit per address: refused (said once a minute an address)",
			"remote", addr, "limit", limit, "client", name, "refused", refused)
	}
	return false, wait
}

// allowMessage takes a token for one message of r's page from its own
// allowance (bucket: POSTs, or WebSocket messages), then from its
// address's. Each refusal costs nothing to the other: a page over its own
// allowance takes nothing from its address's, which its classmates share,
// and a message its address refuses gives the page its token back.
func (s *server) allowMessage(r *http.Request, bucket *ratelimit.Buckets) (ok bool, wait time.Duration, err error) {
	ok, wait, cancel := bucket.Reserve(messageKey(r), s.cfg.Now())
	if !ok {
		return false, wait, fmt.Errorf("too many messages: at most %g a second", bucket.Rate())
	}
	if ok, wait := s.allowAddress(r, limitMessages); !ok {
		cancel()
		return false, wait, fmt.Errorf("too many messages from your address: at most %g a second", s.perAddress[limitMessages].Rate())
	}
	return true, 0, nil
}

// mayPublishWS is ws.Options.MayPublish: what mayPublish says, then the
// page's allowance of WebSocket messages and its address's. The page's is
// kept here, by its key, rather than by the connection in package ws: a
// reconnect brings no fresh burst.
func (s *server) mayPublishWS(r *http.Request) (ok bool, code, reason string) {
	if ok, code, reason := s.mayPublish(r); !ok {
		return false, code, reason
	}
	if ok, _, err := s.allowMessage(r, s.wsMessages); !ok {
		return false, httpjson.TooManyMessages, err.Error() + "; this one was not sent"
	}
	return true, "", ""
}

// holdRefusal keeps a refusal waiting Config.HoldRefusals before it is
// sent, unless the client goes or the server shuts down first. A client
// in a loop that ignores Retry-After then gets one refusal a hold on each
// of its connections, not as many as the server can send: a flood of
// refusals costs the server CPU, and the healthy clients beside it their
// latency, as a flood of answers does. At most maxHeld wait at once, and
// past that a refusal goes out at once: holding must never cost more
// than refusing. A class within its limits never waits here. It returns
// how long it held the refusal: the Retry-After sent after it counts from
// then, so that a client that obeys waits no longer than its allowance
// says.
func (s *server) holdRefusal(r *http.Request) (held time.Duration) {
	if s.cfg.HoldRefusals <= 0 {
		return 0
	}
	select {
	case s.held <- struct{}{}:
		defer func() { <-s.held }()
	default:
		return 0
	}
	start := time.Now() // the timer's clock, whatever Config.Now says
	t := time.NewTimer(s.cfg.HoldRefusals)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.hub.Done():
	}
	return time.Since(start)
}

// tooManyCode answers 429 with code, to come back after wait, from now:
// whole seconds, rounded up. A refusal that was held may have waited out
// its wait already: then Retry-After is 0, come back at once.
func tooManyCode(w http.ResponseWriter, code string, wait time.Duration, err error) {
	w.Header().Set("Retry-After", strconv.Itoa(max(0, int(math.Ceil(wait.Seconds())))))
	httpjson.ErrorCode(w, http.StatusTooManyRequests, code, err)
}
