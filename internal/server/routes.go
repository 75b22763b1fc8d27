package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"transportlab/internal/polling"
	"transportlab/internal/socketio"
	"transportlab/internal/sse"
	"transportlab/internal/wire"
	"transportlab/internal/ws"
)

// routes lists every endpoint, and the middleware of each: reading it says
// where bytes are counted, and who is limited. Nothing that buffers a
// response or times it out may wrap /sse, /ws or /socket.io/: they are
// meant to stay open (a Socket.IO poll waits for the feed).
func (s *server) routes(r chi.Router) {
	poll := polling.Handler(s.pollSource(), s.pollMeter(), s.log)
	stream := sse.Handler(s.source(SSE), s.meter(SSE), s.log, s.sseOptions())
	socket := ws.Handler(s.source(WS), s.meter(WS), s.log, s.wsOptions())
	sio := socketio.Handler(s.source(SocketIO), s.meter(SocketIO), s.log, s.socketIOOptions())
	page := noListings(http.FileServerFS(s.cfg.Page))

	r.Use(s.cfg.TrustedProxies.Resolve) // who the client is: the socket, or what a trusted proxy says; before anything reads it
	r.Use(wire.Mark)                    // where each request begins and ends on its connection: whose bytes are whose
	r.Use(goodNetwork)                  // no page's simulated network, until a transport's route claims the request
	r.Use(recoverer(s.log))             // a panic answers 500 and is logged; the server goes on
	r.Use(s.checkKey)                   // ?client= must be a key this server minted, when given
	r.Use(s.refuseDisconnected)         // and not of a page the instructor disconnected

	r.With(s.limitAddress(limitPolls), s.accountPolls).Method(http.MethodGet, "/poll", poll) // short polling, and long polling with ?wait=, so many a second an address
	r.Group(func(r chi.Router) {
		r.Use(s.limitAddress(limitStreams))                                               // new streams, so many a second an address
		r.Use(s.streams.limit)                                                            // streams are capped, in all and per address
		r.Use(s.dropDeadPeers)                                                            // and a vanished peer is let go
		r.With(s.account(SSE)).Method(http.MethodGet, "/sse", stream)                     // Server-Sent Events
		r.With(s.account(WS), s.refuseUpgrades(WS)).Method(http.MethodGet, "/ws", socket) // WebSocket; refused on a page whose network blocks it
	})
	// Socket.IO, every request of a session: only one that opens a session
	// or its WebSocket is a new stream, limited per address (socketio.go);
	// its upgrades are refused on a page whose network blocks WebSockets.
	r.With(s.opening(s.limitAddress(limitStreams)), s.opening(s.dropDeadPeers), s.account(SocketIO), s.refuseUpgrades(SocketIO)).Handle("/socket.io/", sio)

	r.With(s.limitAddress(limitPages)).Post("/api/pages", s.mintPage) // a new page's secret key and public name, so many a second an address
	r.Post("/api/messages", s.postMessage)                            // a message from a transport that cannot send; accounted to it, limited per page and address
	r.Get("/api/time", s.time)                                        // the server's clock, for the page's offset
	r.Get("/api/stats", s.statsAnswer)                                // what each transport spent, in all and for ?client=
	r.Get("/api/wire", s.wire)                                        // what crossed a page's wire that its browser hides
	r.With(s.steer).Put("/api/feed", s.setFeed)                       // the feed's rate, for everyone: the instructor's alone (steer)
	r.Get("/api/sim", s.getSim)                                       // the page's simulated network
	r.Put("/api/sim", s.putSim)                                       // set its delay and jitter
	r.Post("/api/sim/stall", s.stall)                                 // stop writing to the page for a while
	r.Post("/api/sim/drop", s.drop)                                   // close one transport's connections of the page now
	r.Get("/healthz", s.health)                                       // liveness
	r.Method(http.MethodGet, "/metrics", s.metrics)                   // Prometheus text: each transport's totals, the process's cost; no transport's
	r.Method(http.MethodGet, "/", page)                               // the page
	r.Method(http.MethodGet, "/style.css", page)                      // its style
	r.Method(http.MethodGet, "/js/*", page)                           // its ES modules
	r.Method(http.MethodGet, "/vendor/*", page)                       // the one library it runs as published: socket.io-client

	// Classroom mode only; without it, 404. The printed link's token
	// becomes a cookie (SignIn); then only its holder passes (Require),
	// and changes come only from the class's own origin, at a bounded
	// pace (limitChanges). The follow channel and the reports are the
	// pages', public, and no transport's: not accounted, not slowed.
	if c := s.cfg.Class; c != nil {
		r.With(c.Auth.SignIn, c.Auth.Require).Method(http.MethodGet, "/instructor", c.Page)    // the instructor page
		r.With(c.Auth.Require).Get("/api/class", s.getClass)                                   // the class state, the pages, the server: the dashboard
		r.With(c.Auth.Require, s.limitChanges).Put("/api/class", s.putClass)                   // change any of the settings, all or nothing
		r.With(c.Auth.Require, s.limitChanges).Post("/api/class/drop", s.dropAll)              // close one transport's connections of every page
		r.With(c.Auth.Require, s.limitChanges).Post("/api/class/run", s.newRun)                // following pages start their numbers from zero
		r.With(c.Auth.Require, s.limitChanges).Post("/api/class/mute", s.mute)                 // refuse one page's messages, or take them again
		r.With(c.Auth.Require, s.limitChanges).Post("/api/class/disconnect", s.disconnect)     // close one page's connections, and refuse its key from now on
		r.With(s.limitAddress(limitClass), s.follows.limit).Get("/api/class/follow", s.follow) // the settings, held until they change: pages follow; so many an address
		r.With(s.limitAddress(limitClass)).Post("/api/class/report", s.report)                 // what a page measured, for the dashboard; so many an address
	}

	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed)
}
