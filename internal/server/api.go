package server

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"

	"transportlab/internal/class"
	"transportlab/internal/clientaddr"
	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
)

// maxMessageBody bounds a POST /api/messages body: room for the longest text
// in escaped JSON, and no more.
const maxMessageBody = 4096

// messageRequest is the body of POST /api/messages.
type messageRequest struct {
	Text string `json:"text"`
	Via  string `json:"via"` // the transport the page stands in for: "poll", "longpoll" or "sse"
}

// postMessage publishes a client message into the feed, for transports that
// cannot send upstream themselves. The post is one more HTTP request that
// transport spends, and it is counted as such.
func (s *server) postMessage(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	if status, err := httpjson.Decode(w, r, maxMessageBody, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	switch req.Via {
	case Poll, LongPoll, SSE:
		var release func()
		r, release = s.claim(r, req.Via) // the post's bytes are that transport's
		defer release()
		_, done := s.meter(req.Via).Open(r)
		defer done()
	case WS:
		httpjson.Error(w, http.StatusBadRequest, errors.New(`a WebSocket sends its messages over its own connection, not by POST`))
		return
	case "":
		req.Via = "http" // a client that is none of the transports, such as curl
	default:
		httpjson.Error(w, http.StatusBadRequest, errors.New(`via must be "poll", "longpoll" or "sse"`))
		return
	}
	// Refused or not, the post was one more request of its transport, as
	// the page counts it: the class's say comes after the count, as a 429
	// does.
	if ok, code, why := s.mayPublish(r); !ok {
		httpjson.ErrorCode(w, http.StatusForbidden, code, errors.New(why))
		return
	}
	e, err := feed.Message(s.nameOf(r), req.Text, req.Via)
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return
	}
	if ok, wait, err := s.allowMessage(r, s.messages); !ok {
		tooManyCode(w, httpjson.TooManyMessages, wait-s.holdRefusal(r), err)
		return
	}
	f, err := s.hub.Publish(e)
	if err != nil {
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.ShuttingDown, errors.New("server shutting down"))
		return
	}
	httpjson.Write(w, http.StatusAccepted, map[string]uint64{"seq": f.Seq})
}

// messageKey says whose allowance of messages a request counts against:
// the page's, by its key, or its address's for a client without one.
func messageKey(r *http.Request) string {
	if id := clientOf(r); id != "" {
		return "client " + id
	}
	return "address " + clientaddr.Key(r.RemoteAddr)
}

// pageAnswer is the body of POST /api/pages.
type pageAnswer struct {
	Key  string `json:"key"`  // the page's ?client= from now on; for that page alone
	Name string `json:"name"` // how every other page sees it, in the feed's from
}

// mintPage answers POST /api/pages with a new page's key and public name,
// and keeps the page from now on, as one of its address's (see
// pages.Registry). The key is the page's to keep: whoever holds it steers
// the page. The page learns its name here, to know its own messages in
// the feed.
func (s *server) mintPage(w http.ResponseWriter, r *http.Request) {
	key, name := s.keys.Mint()
	if _, ok := s.pages.GetOrCreate(key, clientaddr.Key(r.RemoteAddr)); !ok {
		tooManyPages(w)
		return
	}
	httpjson.Write(w, http.StatusCreated, pageAnswer{Key: key, Name: name})
}

// tooManyPages answers 503 too_many_pages: every page the registry could
// forget for a new one has a connection open.
func tooManyPages(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.TooManyPages, errors.New("too many pages open: try again later"))
}

// time answers with the server's clock in Unix microseconds, the unit of an
// event's ts. The page estimates its clock offset from a few of these.
func (s *server) time(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]int64{"ts": s.cfg.Now().UnixMicro()})
}

// setFeed answers PUT /api/feed {"rate":0.333}: the generator's rate, which
// every client sees. That is the instructor's to change, not any page's
// (see steer). In classroom mode the rate is the class state's, and
// changes through it: following pages see it, and the tutorial keeps it.
func (s *server) setFeed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rate *float64 `json:"rate"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if req.Rate == nil {
		httpjson.Error(w, http.StatusBadRequest, errors.New("rate is required: events a second"))
		return
	}
	if s.class != nil {
		if _, err := s.class.Apply(class.Patch{Rate: req.Rate}); err != nil {
			httpjson.Error(w, http.StatusBadRequest, err)
			return
		}
	} else if err := s.hub.SetRate(*req.Rate); err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return
	}
	s.log.Info("feed rate changed", "rate", *req.Rate, "remote", r.RemoteAddr)
	httpjson.Write(w, http.StatusOK, map[string]float64{"rate": s.hub.Rate()})
}

// fromThisMachine reports whether r came from this machine: both its
// socket's peer and its client (clientaddr) are loopback addresses. The
// socket alone would let in every student behind a proxy on this machine;
// the client alone, any student whose machine -trusted-proxies covers, by
// writing X-Forwarded-For: 127.0.0.1. A proxy on this machine forwarding
// for a client on this machine passes.
func fromThisMachine(r *http.Request) bool {
	loopback := func(addr string) bool {
		ap, err := netip.ParseAddrPort(addr)
		return err == nil && ap.Addr().IsLoopback()
	}
	return loopback(clientaddr.Peer(r)) && loopback(r.RemoteAddr)
}

// statsAnswer is the body of GET /api/stats.
type statsAnswer struct {
	Epoch       string  `json:"epoch"`
	Head        uint64  `json:"head"`
	Rate        float64 `json:"rate"`
	DefaultRate float64 `json:"defaultRate"` // the rate the server started with
	History     int     `json:"history"`
	// The cap on the messages a page may send: a second, after a burst; 0: none.
	MessageRate  float64           `json:"messageRate"`
	MessageBurst int               `json:"messageBurst"`
	Transports   map[string]Counts `json:"transports"`
	Client       map[string]Counts `json:"client,omitempty"` // for ?client=, once it made a request
	Class        bool              `json:"class,omitempty"`  // classroom mode: the page follows the class state
	// Name is the public name of ?client=, the page asking: each run names
	// a page anew, and a page that outlived a restart learns its new name
	// here, to know its own messages in the feed.
	Name string `json:"name,omitempty"`
}

// statsAnswer reports what each transport spent, in all and for ?client=.
func (s *server) statsAnswer(w http.ResponseWriter, r *http.Request) {
	all, client := s.snapshot(clientOf(r))
	httpjson.Write(w, http.StatusOK, statsAnswer{
		Epoch:        s.hub.Epoch(),
		Head:         s.hub.Head(),
		Rate:         s.hub.Rate(),
		DefaultRate:  s.defaultRate,
		MessageRate:  s.messages.Rate(),
		MessageBurst: s.messages.Burst(),
		History:      s.hub.History(),
		Transports:   all,
		Client:       client,
		Class:        s.class != nil,
		Name:         s.nameOf(r),
	})
}

// health answers while the server runs.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]string{"status": "ok", "epoch": s.hub.Epoch()})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	httpjson.Error(w, http.StatusNotFound, errors.New("no such endpoint: "+r.URL.Path))
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	httpjson.Error(w, http.StatusMethodNotAllowed, errors.New(r.Method+" is not allowed here"))
}
