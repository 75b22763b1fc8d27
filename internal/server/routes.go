package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"transportlab/internal/polling"
	"transportlab/internal/sse"
	"transportlab/internal/ws"
)

// routes lists every endpoint. Nothing that buffers a response or times it
// out may wrap /sse or /ws: both are meant to stay open.
func (s *server) routes(r chi.Router) {
	r.Use(middleware.Recoverer) // a panic answers 500 and is logged; the server goes on
	r.Use(checkClient)          // ?client= must be a valid page id, when given

	r.Get("/poll", polling.Handler(s.hub, s.stats.Meter(Poll), s.log).ServeHTTP) // short polling
	r.Group(func(r chi.Router) {
		r.Use(s.streams.limit)                                                            // caps open streams in all and per client address
		r.Get("/sse", sse.Handler(s.hub, s.stats.Meter(SSE), s.log, s.cfg.SSE).ServeHTTP) // Server-Sent Events
		r.Get("/ws", ws.Handler(s.hub, s.stats.Meter(WS), s.log, s.cfg.WS).ServeHTTP)     // WebSocket
	})
	r.Post("/api/messages", s.postMessage)               // a client message, for transports that cannot send
	r.Get("/api/time", s.time)                           // the server's clock, for the page's offset estimate
	r.Get("/api/stats", s.statsAnswer)                   // what each transport spent, in all and for ?client=
	r.Get("/healthz", s.health)                          // liveness
	r.Get("/*", http.FileServerFS(s.cfg.Page).ServeHTTP) // the page: index.html, style.css, js/

	r.MethodNotAllowed(methodNotAllowed)
}
