package server

import (
	"context"
	"net/http"

	"transportlab/internal/clientaddr"
	"transportlab/internal/netsim"
	"transportlab/internal/polling"
	"transportlab/internal/socketio"
	"transportlab/internal/wire"
)

// account is the middleware of a transport's routes: the request's bytes
// on the wire are that transport's, in all and for its page, and its page's
// simulated network applies to what the server writes in answer. A
// request whose connection the kernel gave up on is a dead peer of the
// transport's (deadpeer.go).
func (s *server) account(transport string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claimed, end := s.enter(w, r, transport)
			defer wire.AtEnd(r, end) // when the answer is over: a stream's may outlive its handler
			if claimed != nil {
				next.ServeHTTP(w, claimed)
			}
		})
	}
}

// accountPolls is account for /poll, whose requests are two transports:
// a GET with wait= is a long poll (longpoll), any other a short one (poll).
func (s *server) accountPolls(next http.Handler) http.Handler {
	short, long := s.account(Poll)(next), s.account(LongPoll)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if polling.IsLong(r) {
			long.ServeHTTP(w, r)
			return
		}
		short.ServeHTTP(w, r)
	})
}

// streamStatus is how a stream answers once it is under way.
var streamStatus = map[string]int{SSE: http.StatusOK, WS: http.StatusSwitchingProtocols}

// claim puts r's bytes on the wire down to transport and r's page (see
// wire.Claim), and sends what is written on r's connection across the
// page's simulated network, where a drop of transport may close it until
// release. It hands r's page on, for the meter (pageOf): one look-up a
// request. The page goes with r's exchange (wire.Account's Owner), with
// no copy of r; on a connection that counts nothing, with the copy of r
// that claim returns. A handler that learns its transport late, from the
// body, calls it itself.
func (s *server) claim(r *http.Request, transport string) (_ *http.Request, release func()) {
	a := wire.Account{Transport: transport, Tallies: [2]*wire.Tally{&s.all[transport].wire}} // and the page's
	if r.Method == http.MethodGet {
		a.UnderWay = streamStatus[transport]
		if transport == SocketIO && socketio.Upgrades(r) {
			a.UnderWay = http.StatusSwitchingProtocols // its polls are not streams; its WebSocket is
		}
	}
	p, ok := s.pageFor(r)
	if ok {
		a.Tallies[1] = &p.perTransport[transport].wire
		a.Log = p.log
	}
	a.Owner = p // nil: no page
	if wire.Claim(r, a) == nil {
		// No counting connection to hand p on: a copy of r does.
		r = r.WithContext(context.WithValue(r.Context(), pageKey{}, p))
	}
	c := simConnOf(r)
	if !ok || c == nil {
		return r, func() {}
	}
	c.Cross(&p.net, transport)
	return r, c.Leave // between requests the connection is no transport's to drop
}

// enter claims r for transport (claim), and returns the request to
// serve, and what to do once it is served: count a dead peer, then release
// the connection. A request of a page disconnected since
// refuseDisconnected let it by, before its connection was the page's to
// drop, is refused all the same: enter answers it, and returns no request
// to serve. It is account's work in a frame of its own, out of the one
// that a stream's goroutine keeps for as long as the stream lives (see
// first).
func (s *server) enter(w http.ResponseWriter, r *http.Request, transport string) (_ *http.Request, end func()) {
	r, release := s.claim(r, transport)
	x := wire.ExchangeOf(r)
	end = func() {
		s.countDeadPeer(x, transport)
		release()
	}
	if s.disconnected.Has(clientOf(r)) {
		answerDisconnected(w)
		return nil, end
	}
	return r, end
}

// pageKey is the context key under which claim hands a request's page
// on, when it came on a connection that counts nothing (see Install).
type pageKey struct{}

// pageOf returns r's page, and whether it has one: the one claim found,
// or, for a request no transport claimed, one found now.
func (s *server) pageOf(r *http.Request) (*page, bool) {
	if x := wire.ExchangeOf(r); x != nil {
		if p, claimed := x.Owner.(*page); claimed {
			return p, p != nil
		}
	}
	if p, claimed := r.Context().Value(pageKey{}).(*page); claimed {
		return p, p != nil
	}
	return s.pageFor(r)
}

// pageFor returns the page of r's key, made if need be for r's address,
// and whether there is one (see pages.Registry.GetOrCreate). The address
// is worked out only for a page to make: a string made, every request.
func (s *server) pageFor(r *http.Request) (*page, bool) {
	id := clientOf(r)
	if p, ok := s.pages.Lookup(id); ok {
		return p, true
	}
	return s.pages.GetOrCreate(id, clientaddr.Key(r.RemoteAddr))
}

// goodNetwork sends what a request's answer writes across a good network
// until a transport claims it for a page: the page's files and /api calls,
// such as the /api/time the page's clock offset comes from, are never
// delayed.
func goodNetwork(next http.Handler) http.Handler {
	return &first{next: next, ok: func(_ http.ResponseWriter, r *http.Request) bool {
		if c := simConnOf(r); c != nil {
			c.Cross(nil, "")
		}
		return true
	}}
}

// simConnOf returns the simulated network's connection under r, or nil
// when the server was not installed with Install.
func simConnOf(r *http.Request) *netsim.Conn {
	if c := wire.ConnOf(r); c != nil {
		nc, _ := c.NetConn().(*netsim.Conn)
		return nc
	}
	return nil
}
