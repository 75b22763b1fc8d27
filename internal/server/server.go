// Package server puts the feed and its three transports behind one chi
// router, with the small API the page needs and the page itself.
//
// Read routes.go first: it lists the whole surface, one route a line, and
// the middleware of each. Then account.go, where a request's bytes on the
// wire find their transport and page, and where its page's simulated
// network applies; stats.go, what each transport spent; page.go, what the
// server keeps for each page, by the key in ?client= (client.go: only
// keys this run minted pass).
// limits.go caps streams, ratelimits.go limits what one address may do
// a second (limited.go remembers who went over, for the dashboard),
// deadpeer.go lets a vanished peer go, and middleware.go holds the rest.
// api.go, sim.go and wirelog.go are the handlers of the API; class.go
// those of classroom mode, acts.go the instructor's acts on one page,
// process.go what the server process costs, for its dashboard;
// metrics.go serves the same numbers to Prometheus, with deliveries.go
// counting how deliveries began and ended. The rooms
// beside the router each do one thing and
// know nothing of each other: internal/wire counts bytes on the socket and
// keeps the wire log, internal/netsim simulates a network at the
// connection, internal/pages is the registry of pages, internal/pagekey
// mints the pages' keys and names them, internal/clientaddr says which
// address a request comes from, internal/query parses a request's query
// once for every layer that reads it, internal/class is
// classroom mode: who may steer, and where students find the server.
package server

import (
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"transportlab/internal/class"
	"transportlab/internal/clientaddr"
	"transportlab/internal/feed"
	"transportlab/internal/netsim"
	"transportlab/internal/pagekey"
	"transportlab/internal/pages"
	"transportlab/internal/ratelimit"
	"transportlab/internal/rawsock"
	"transportlab/internal/sse"
	"transportlab/internal/wire"
	"transportlab/internal/ws"
)

// Config is everything New needs besides the feed and the logger. Zero
// durations take the transports' defaults.
type Config struct {
	Page fs.FS // the page's files, served at /

	Heartbeat time.Duration // how long an SSE stream may stay silent before a comment keeps it alive
	Ping      time.Duration // how often each WebSocket is pinged; one silent until the next is closed
	Origins   []string      // hosts whose pages may open a WebSocket besides the server's own

	MaxStreams      int // open SSE and WebSocket streams in all; 0: no limit
	MaxStreamsPerIP int // open streams from one client address; 0: no limit
	// MaxPagesPerIP bounds the pages the server keeps for one client
	// address (an IPv6 /64): over it, a new page of that address takes the
	// place of its page seen least recently with nothing open. 0: no bound
	// but the registry's own, maxPages. DefaultMaxPagesPerIP suits a class.
	MaxPagesPerIP int
	// MessageRate caps the messages a page may send upstream, a second,
	// after a burst of MessageBurst: by POST, and over its WebSockets,
	// each way its own allowance; 0: no limit.
	MessageRate  float64
	MessageBurst int
	// PerAddress limits what one client address may do, a second
	// (ratelimits.go); the zero value: no limit.
	PerAddress PerAddress
	// HoldRefusals is how long a request over a limit of its address, or
	// a POSTed message over its page's, waits before its 429 is sent, so
	// that a loop ignoring Retry-After slows down (holdRefusal); 0: sent
	// at once.
	HoldRefusals time.Duration
	// TrustedProxies are the reverse proxies in front of the server, whose
	// X-Forwarded-For or Forwarded names the client (internal/clientaddr);
	// none: a client is its socket's address, whatever its headers say.
	TrustedProxies clientaddr.Proxies
	// DeadPeer is how long the data sent on a stream may stay
	// unacknowledged before the kernel gives up on the connection (Linux,
	// with Install); 0 leaves the system's default, many minutes. Set to
	// half the heartbeat or ping period, a vanished peer is gone within two
	// periods. On Linux 5.11 and later it also bounds how long a client
	// that stopped reading keeps the window shut.
	DeadPeer time.Duration
	// WriteTimeout is after how long the hub cuts off a stream whose write
	// is blocked (feed.Hub.Watch), for the page to show beside a stall.
	WriteTimeout time.Duration
	Now          func() time.Time
	// Keys mint the pages' keys (POST /api/pages) and name pages in the
	// feed; nil: new ones, with a secret of this run.
	Keys *pagekey.Keys

	// Class is classroom mode; nil without -class, when its routes are 404.
	Class *Class
}

// Class is what classroom mode adds: the guard of its routes, and the
// instructor page behind it.
type Class struct {
	Auth *class.Auth  // the instructor's token: cookie or Bearer, see internal/class
	Page http.Handler // the instructor page (class.NewPage)
}

// maxPages bounds the pages the server keeps in all (see pages.Registry):
// a class is far smaller, pages minted in a loop are not.
const maxPages = 10000

// DefaultMaxPagesPerIP is the bound on one address's pages a server
// should start with: a class of 30 behind one NAT address, each student
// reloading the page a few times, stays far under it; one student minting
// pages in a loop replaces their own, never the class's.
const DefaultMaxPagesPerIP = 300

// server holds what the handlers share.
type server struct {
	router  http.Handler // routes.go
	hub     *feed.Hub
	log     *slog.Logger
	cfg     Config
	all     perTransport     // what each transport spent, in all
	ends    endsPerTransport // how each transport's deliveries began and ended (deliveries.go)
	metrics http.Handler     // GET /metrics (metrics.go)
	pages   *pages.Registry[*page]
	streams *streamLimit
	follows *streamLimit  // the follow requests held open, per address (class.go)
	keys    *pagekey.Keys // the pages' keys, and their public names

	// The limits on messages: each page's, by POST and by WebSocket (by
	// key, or address without one), and each address's (ratelimits.go).
	messages, wsMessages *ratelimit.Buckets
	perAddress           map[string]*ratelimit.Buckets // by limit: messages, polls, pages, streams
	limited              *limited                      // who went over a limit per address lately
	held                 chan struct{}                 // a token for each refusal held (holdRefusal)

	// Each page's allowance of Socket.IO messages, as wsMessages is of
	// WebSocket messages (socketio.go).
	sioMessages *ratelimit.Buckets

	defaultRate float64   // the feed's rate when the server started
	started     time.Time // for the uptime the class dashboard shows

	// Classroom mode's state, and the bounds on changing it; nil without it.
	class   *class.State
	changes *ratelimit.Bucket  // the instructor's changes, all together
	reports *ratelimit.Buckets // each page's reports

	// The pages the instructor muted, and disconnected (acts.go), by key;
	// empty without classroom mode.
	muted, disconnected keySet
}

// New returns the whole HTTP surface of transportlab. Serve it on a
// listener from Install, for the bytes on the wire and the simulated
// network; without, those read zero and nothing is simulated.
func New(hub *feed.Hub, log *slog.Logger, cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Keys == nil {
		cfg.Keys = pagekey.New()
	}
	s := &server{
		hub:     hub,
		log:     log,
		cfg:     cfg,
		all:     newPerTransport(),
		ends:    newEndsPerTransport(),
		streams: newStreamLimit(cfg.MaxStreams, cfg.MaxStreamsPerIP, "streams"),
		// An address may hold as many follow requests as streams: one a
		// page, where a page may open two streams.
		follows: newStreamLimit(0, cfg.MaxStreamsPerIP, "follow requests"),
		keys:    cfg.Keys,

		messages:   ratelimit.NewBuckets(cfg.MessageRate, cfg.MessageBurst, maxPages),
		wsMessages: ratelimit.NewBuckets(cfg.MessageRate, cfg.MessageBurst, maxPages),
		perAddress: addressLimits(cfg.PerAddress),
		limited:    newLimited(),
		held:       make(chan struct{}, maxHeld),

		sioMessages: ratelimit.NewBuckets(cfg.MessageRate, cfg.MessageBurst, maxPages),

		defaultRate: hub.Rate(),
		started:     cfg.Now(),
	}
	if cfg.Class != nil {
		s.class = newClassState(hub)
		s.changes = ratelimit.New(changeRate, changeBurst)
		s.reports = ratelimit.NewBuckets(reportRate, reportBurst, maxPages)
	}
	s.metrics = s.metricsHandler()
	s.pages = pages.New(maxPages, cfg.MaxPagesPerIP, func() *page { return newPage(cfg.Now) })
	r := chi.NewRouter()
	s.routes(r)
	s.router = r
	return s
}

// ServeHTTP serves r through the route table.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// sseOptions and wsOptions are the transports' options, with what the
// browser hides from the page going into the page's wire log.
func (s *server) sseOptions() sse.Options {
	return sse.Options{
		Heartbeat: s.cfg.Heartbeat,
		OnHeartbeat: func(r *http.Request) func(wireBytes int) {
			// The page is looked up once, while the request is at hand: the
			// stream outlives it. Each heartbeat is logged with what it put on
			// the connection, chunk framing and all.
			p, ok := s.pages.Lookup(clientOf(r))
			if !ok {
				return nil
			}
			log := p.log
			return func(wireBytes int) {
				log.Frame(SSE, "heartbeat", "out", s.cfg.Now(), wireBytes, 0)
			}
		},
		Name: s.nameOf, // the log names a page as the feed does, never by its key
	}
}

func (s *server) wsOptions() ws.Options {
	return ws.Options{
		OriginPatterns: s.cfg.Origins,
		Ping:           s.cfg.Ping,
		MayPublish:     s.mayPublishWS, // the class's say, the page's allowance and its address's: no rate per connection
		OnControl: func(r *http.Request, c ws.Control) {
			if p, ok := s.pages.Lookup(clientOf(r)); ok {
				p.log.Frame(WS, c.Kind, c.Dir, c.At, c.Bytes, c.RTT)
			}
		},
		From: s.nameOf, // every page sees the sender: its public name, never its key
		OnClose: func(_ *http.Request, err error) {
			if errors.Is(err, ws.ErrPeerGone) {
				s.cutOff(WS, CutPingTimeout, 1)
			}
		},
	}
}

// Install makes hs serve, on the listener it returns, connections that
// count every byte they move (internal/wire) and that cross each page's
// simulated network (internal/netsim), the one below the other: the
// server's writes are counted, then held back or stalled, then reach the
// socket, which is read and written with raw system calls
// (internal/rawsock). Serve hs on the listener it returns.
func Install(hs *http.Server, ln net.Listener) net.Listener {
	return wire.Install(hs, netsim.Listen(rawsock.Listen(ln)))
}
