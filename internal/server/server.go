// Package server puts the feed and its three transports behind one chi
// router, with the small API the page needs and the page itself.
//
// Read routes.go first: it lists the whole surface, one route a line.
// stats.go counts what each transport spends; api.go answers the API.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"transportlab/internal/feed"
	"transportlab/internal/ratelimit"
	"transportlab/internal/sse"
	"transportlab/internal/ws"
)

// Config is everything New needs besides the feed and the logger.
type Config struct {
	Page            fs.FS // the page's files, served at /
	SSE             sse.Options
	WS              ws.Options
	MaxStreams      int // open SSE and WebSocket streams in all; 0: no limit
	MaxStreamsPerIP int // open streams from one client address; 0: no limit
	// MessageRate caps the messages a client may send upstream, a second
	// (after a burst of MessageBurst); 0: no limit. The WebSocket's own cap
	// is in WS.
	MessageRate  float64
	MessageBurst int
	// DeadPeer is how long the data sent on a stream may stay
	// unacknowledged before the kernel gives up on the connection (Linux,
	// with ConnContext installed); 0 leaves the system's default, many
	// minutes. Set to half the heartbeat or ping period, a vanished peer is
	// gone within two periods. On Linux 5.11 and later it also bounds how
	// long a client that stopped reading keeps the window shut.
	DeadPeer time.Duration
	// WriteTimeout is after how long the hub cuts off a stream whose write
	// is blocked (feed.Hub.Watch), for the page to show beside a stall.
	WriteTimeout time.Duration
	Now          func() time.Time
}

// server holds what the handlers share.
type server struct {
	hub      *feed.Hub
	log      *slog.Logger
	cfg      Config
	stats    *stats
	streams  *streamLimit
	messages *ratelimit.Buckets // per page id, or address

	defaultRate float64 // the feed's rate when the server started
}

// New returns the whole HTTP surface of transportlab.
func New(hub *feed.Hub, log *slog.Logger, cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &server{
		hub:      hub,
		log:      log,
		cfg:      cfg,
		stats:    newStats(cfg.Now),
		streams:  newStreamLimit(cfg.MaxStreams, cfg.MaxStreamsPerIP),
		messages: ratelimit.NewBuckets(cfg.MessageRate, cfg.MessageBurst, maxClients),

		defaultRate: hub.Rate(),
	}
	// What the browser hides goes into the page's wire log.
	s.cfg.SSE.OnHeartbeat = func(r *http.Request) {
		// Counted at the connection: what went out since the flush before.
		if x := exchangeOf(r); x != nil {
			s.stats.logFrame(r, SSE, "heartbeat", "out", s.cfg.Now(), int(x.out.Load()-x.flushed.Load()), 0)
		}
	}
	s.cfg.WS.OnControl = func(r *http.Request, c ws.Control) {
		s.stats.logFrame(r, WS, c.Kind, c.Dir, c.At, c.Bytes, c.RTT)
	}
	r := chi.NewRouter()
	s.routes(r)
	return r
}
