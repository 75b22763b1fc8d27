package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"transportlab/internal/polling"
	"transportlab/internal/sse"
	"transportlab/internal/ws"
)

// routes lists every endpoint. Nothing that buffers a response or times it
// out may wrap /sse or /ws: both are meant to stay open.
func (s *server) routes(r chi.Router) {
	poll := polling.Handler(s.hub, s.stats.meter(Poll), s.log)
	stream := sse.Handler(s.hub, s.stats.meter(SSE), s.log, s.cfg.SSE)
	socket := ws.Handler(s.hub, s.stats.meter(WS), s.log, s.cfg.WS)
	page := noListings(http.FileServerFS(s.cfg.Page))

	r.Use(s.countWire)      // bytes on the wire, put down to their transport and page
	r.Use(recoverer(s.log)) // a panic answers 500 and is logged; the server goes on
	r.Use(checkClient)      // ?client= must be a valid page id, when given

	r.Method(http.MethodGet, "/poll", poll)                                         // short polling
	r.With(s.streams.limit, s.dropDeadPeers).Method(http.MethodGet, "/sse", stream) // Server-Sent Events, capped
	r.With(s.streams.limit, s.dropDeadPeers).Method(http.MethodGet, "/ws", socket)  // WebSocket, capped
	r.Post("/api/messages", s.postMessage)                                          // a message from a transport that cannot send
	r.Get("/api/time", s.time)                                                      // the server's clock, for the page's offset
	r.Get("/api/stats", s.statsAnswer)                                              // what each transport spent, in all and for ?client=
	r.Get("/api/wire", s.wire)                                                      // what crossed a page's wire that its browser hides
	r.Put("/api/feed", s.setFeed)                                                   // the feed's rate, for everyone; from the server's machine only
	r.Get("/api/sim", s.getSim)                                                     // the page's simulated network
	r.Put("/api/sim", s.putSim)                                                     // set its delay and jitter
	r.Post("/api/sim/stall", s.stall)                                               // stop writing to the page for a while
	r.Post("/api/sim/drop", s.drop)                                                 // close one transport's connections of the page now
	r.Get("/healthz", s.health)                                                     // liveness
	r.Method(http.MethodGet, "/", page)                                             // the page
	r.Method(http.MethodGet, "/style.css", page)                                    // its style
	r.Method(http.MethodGet, "/js/*", page)                                         // its ES modules

	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed)
}
