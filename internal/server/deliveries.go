package server

import (
	"errors"
	"net/http"
	"sync/atomic"

	"transportlab/internal/feed"
	"transportlab/internal/polling"
)

// How deliveries begin and end, per transport, for /metrics: a client
// that resumes and what it found, and a client cut off and why. Each is
// counted once a connection (once a poll, for a poll's resume), never once
// an event: the counting stays off the path every delivery takes.

// The causes a client is cut off for, as the label cause of
// transportlab_cutoffs_total.
const (
	CutTooSlow       = "too_slow"       // its queue was full when an event was published (feed.ErrTooSlow)
	CutStuckWrite    = "stuck_write"    // a write to it took longer than the write timeout (feed.ErrStuck)
	CutPingTimeout   = "ping_timeout"   // a WebSocket that did not answer a ping in time
	CutDeadPeer      = "dead_peer"      // the kernel gave up on data left unacknowledged (Config.DeadPeer)
	CutSimulatedDrop = "simulated_drop" // the page dropped its own connections (POST /api/sim/drop)
	CutInstructor    = "instructor"     // the instructor dropped a transport or disconnected a page
)

// The outcomes of a resume, as the label outcome of transportlab_resumes_total.
const (
	ResumeWhole  = "whole"  // everything after the client's seq was still in history
	ResumeMissed = "missed" // some of it was gone: the hello says how many were missed
	ResumeReset  = "reset"  // the seq was of another epoch or beyond the head: started again
)

var (
	cutCauses      = []string{CutTooSlow, CutStuckWrite, CutPingTimeout, CutDeadPeer, CutSimulatedDrop, CutInstructor}
	resumeOutcomes = []string{ResumeWhole, ResumeMissed, ResumeReset}
)

// ends counts one transport's cut-offs by cause and resumes by outcome.
type ends struct {
	cut     map[string]*atomic.Int64 // by cause; the keys are cutCauses, fixed at creation
	resumed map[string]*atomic.Int64 // by outcome; the keys are resumeOutcomes
}

func newEnds() *ends {
	e := &ends{cut: map[string]*atomic.Int64{}, resumed: map[string]*atomic.Int64{}}
	for _, c := range cutCauses {
		e.cut[c] = new(atomic.Int64)
	}
	for _, o := range resumeOutcomes {
		e.resumed[o] = new(atomic.Int64)
	}
	return e
}

// endsPerTransport holds one ends per transport.
type endsPerTransport map[string]*ends

func newEndsPerTransport() endsPerTransport {
	e := make(endsPerTransport, len(transports))
	for _, t := range transports {
		e[t] = newEnds()
	}
	return e
}

// cutOff counts n clients of transport cut off for cause.
func (s *server) cutOff(transport, cause string, n int) {
	if e, ok := s.ends[transport]; ok && n > 0 {
		e.cut[cause].Add(int64(n))
	}
}

// resumed counts a delivery that started where p asked, as hello
// explains; one that did not ask to resume is no resume.
func (e *ends) resume(p feed.Position, hello feed.Hello) {
	if !p.Resume {
		return
	}
	switch {
	case hello.Reset:
		e.resumed[ResumeReset].Add(1)
	case hello.Missed > 0:
		e.resumed[ResumeMissed].Add(1)
	default:
		e.resumed[ResumeWhole].Add(1)
	}
}

// source returns the feed as transport's handler sees it: the hub, with
// each delivery's resume counted as it starts, and its cut-off by the hub
// as it ends. It is every transport package's Source.
func (s *server) source(transport string) countedSource {
	return countedSource{Hub: s.hub, ends: s.ends[transport]}
}

// countedSource is the hub, counting how deliveries begin and end.
type countedSource struct {
	*feed.Hub
	ends *ends
}

// Subscribe starts a delivery as the hub does, and counts its resume now
// and, once it ends, its cut-off: the hub's own cut-offs are told by the
// subscription's cause; one ended by the transport or the client is none.
func (c countedSource) Subscribe(p feed.Position) (*feed.Subscription, error) {
	sub, err := c.Hub.Subscribe(p)
	if err != nil {
		return nil, err
	}
	c.ends.resume(p, sub.Hello)
	sub.AfterEnd(func() {
		switch cause := sub.Err(); {
		case errors.Is(cause, feed.ErrStuck): // one way of being too slow: first
			c.ends.cut[CutStuckWrite].Add(1)
		case errors.Is(cause, feed.ErrTooSlow):
			c.ends.cut[CutTooSlow].Add(1)
		}
	})
	return sub, nil
}

// pollSource returns the hub as /poll's source, counting each answer's
// resume once, as short or long polling: a long poll may look at the feed
// several times while it waits, and is still one resume.
func (s *server) pollSource() pollSource {
	return pollSource{Hub: s.hub, s: s}
}

// pollSource is the hub for /poll (polling.Counter).
type pollSource struct {
	*feed.Hub
	s *server
}

// Answered counts r's resume: every poll that sends the seq it saw last is one.
func (ps pollSource) Answered(r *http.Request, p feed.Position, h feed.Hello) {
	t := Poll
	if polling.IsLong(r) {
		t = LongPoll
	}
	ps.s.ends[t].resume(p, h)
}
