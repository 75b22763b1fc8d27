package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"transportlab/internal/class"
	"transportlab/internal/clientaddr"
	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/netsim"
	"transportlab/internal/query"
)

// Classroom mode's handlers. The class state itself, and what the
// dashboard makes of the pages, are internal/class's: these read it, patch
// it and wait on it, and apply it to the feed and the pages' connections.

// Bounds on classroom mode's requests. The instructor's changes are a few
// a second at most, even dragging a slider; more is a script gone wrong,
// and each change wakes every follower. A page reports every 2 s.
const (
	changeRate, changeBurst = 10, 20
	reportRate, reportBurst = 1, 5
	maxClassBody            = 4096
	// followHold is how long a follow request is held when nothing
	// changes: short enough that no proxy or browser gives up on it first,
	// long enough that a quiet class costs two requests a minute a page.
	followHold = 25 * time.Second
)

// classLanes are the lanes a class switches on and off: those the page
// shows, every transport the server counts.
var classLanes = transports

// newClassState returns the state of a class beginning on hub's feed. Its
// effect sets the feed's rate and pause as the state says, only when they
// differ: each set tells the generator, which starts its period over.
func newClassState(hub *feed.Hub) *class.State {
	limits := class.Limits{Transports: classLanes, Default: designCard, MinRate: feed.MinRate, MaxRate: feed.MaxRate, MaxDelay: netsim.MaxDelay}
	return class.NewState(limits, hub.Rate(), func(s class.Settings) {
		if s.Rate != hub.Rate() {
			hub.SetRate(s.Rate) // checked by the state against the same bounds
		}
		if s.Paused != hub.Paused() {
			hub.SetPaused(s.Paused)
		}
	})
}

// mayPublish says whether r's client may send a message now: not while
// the instructor has muted its page, nor while messages are off for the
// whole class. It is asked by POST /api/messages and, through
// ws.Options, for each WebSocket message, so a mute reaches an open
// WebSocket at its next message.
func (s *server) mayPublish(r *http.Request) (ok bool, code, reason string) {
	if s.class == nil {
		return true, "", ""
	}
	if s.muted.Has(clientOf(r)) {
		return false, httpjson.Muted, "the instructor muted this page's messages"
	}
	if st, _ := s.class.Get(); st.Messages {
		return true, "", ""
	}
	return false, httpjson.MessagesOff, "the instructor has turned messages off"
}

// limitChanges answers 429 with Retry-After when the instructor's changes
// come faster than changeRate a second after a burst of changeBurst.
func (s *server) limitChanges(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.changes.Allow(s.cfg.Now()); !ok {
			tooMany(w, wait, fmt.Errorf("too many class changes: at most %d a second", changeRate))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany answers 429 too_many_requests, to come back after wait.
func tooMany(w http.ResponseWriter, wait time.Duration, err error) {
	tooManyCode(w, httpjson.TooManyRequests, wait, err)
}

// steer guards PUT /api/feed, whose rate every client sees: in classroom
// mode only the instructor may change it (the cookie or the Bearer token,
// from the class's own origin, within the bound on changes), whatever the
// address: in a room the token says who the instructor is, an address
// does not. Otherwise only a request from the server's own machine.
func (s *server) steer(next http.Handler) http.Handler {
	if c := s.cfg.Class; c != nil {
		return c.Auth.Require(s.limitChanges(next))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromThisMachine(r) {
			httpjson.Error(w, http.StatusForbidden, errors.New("the feed rate is everyone's: it can be changed only on the server's own machine"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// classAnswer is the body of GET and PUT /api/class: the settings, the
// roster of pages, what the server spends, and who went over a limit per
// address lately (limited.go), for the instructor to see who floods.
type classAnswer struct {
	class.Settings
	class.Roster
	Server  serverAnswer    `json:"server"`
	Limited []limitedAnswer `json:"limited"`
}

// serverAnswer is the server's side of the dashboard.
type serverAnswer struct {
	At            int64             `json:"at"` // the server's clock, Unix µs: successive reads make rates
	UptimeSeconds float64           `json:"uptimeSeconds"`
	Transports    map[string]Counts `json:"transports"` // the totals of /api/stats
	processStats
}

// classAnswer gathers the dashboard's numbers as they are now.
func (s *server) classAnswer(st class.Settings) classAnswer {
	now := s.cfg.Now()
	var seen []class.Seen
	for id, p := range s.pages.All() {
		seen = append(seen, s.sighting(id, p))
	}
	all, _ := s.snapshot("")
	return classAnswer{
		Settings: st,
		Roster:   s.class.Roster(seen, now),
		Server: serverAnswer{
			At:            now.UnixMicro(),
			UptimeSeconds: now.Sub(s.started).Seconds(),
			Transports:    all,
			processStats:  readProcess(),
		},
		Limited: s.limited.list(now),
	}
}

// sighting is what the server saw of page p, key id, for the class's
// roster.
func (s *server) sighting(id string, p *page) class.Seen {
	v := class.Seen{
		Name:    s.keys.Name(id), // never the key: the dashboard is on the projector
		Last:    time.Unix(0, p.seen.Load()),
		Open:    map[string]bool{},
		Muted:   s.muted.Has(id),
		Student: &p.student,
	}
	if ns := p.polled.Load(); ns != 0 {
		v.Polled = time.Unix(0, ns)
	}
	for t, c := range p.perTransport {
		if c.open.Load() > 0 {
			v.Open[t] = true
		}
	}
	return v
}

// getClass answers GET /api/class: the instructor's dashboard, read about
// once a second.
func (s *server) getClass(w http.ResponseWriter, r *http.Request) {
	st, _ := s.class.Get()
	httpjson.Write(w, http.StatusOK, s.classAnswer(st))
}

// putClass answers PUT /api/class {any subset of the settings}: every
// field is checked before any applies, so a 400 changes nothing. Rate and
// pause act on the feed at once; following pages apply the rest.
func (s *server) putClass(w http.ResponseWriter, r *http.Request) {
	var p class.Patch
	if status, err := httpjson.Decode(w, r, maxClassBody, &p); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	before, _ := s.class.Get()
	st, err := s.class.Apply(p)
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return
	}
	if st.Version != before.Version {
		s.log.Info("class changed", "version", st.Version, "transports", st.Transports, "interval", st.Interval,
			"rate", st.Rate, "paused", st.Paused, "messages", st.Messages, "delay", st.Network.DelayMs,
			"jitter", st.Network.JitterMs, "tutorial", st.Tutorial)
	}
	httpjson.Write(w, http.StatusOK, s.classAnswer(st))
}

// newRun answers POST /api/class/run: every following page starts its
// numbers from zero, so that a comparison starts clean for everyone.
func (s *server) newRun(w http.ResponseWriter, r *http.Request) {
	st := s.class.NewRun()
	s.log.Info("class run started", "run", st.Run, "version", st.Version)
	httpjson.Write(w, http.StatusOK, s.classAnswer(st))
}

// dropAll answers POST /api/class/drop {"transport":"sse"}: every page's
// connections of that transport are closed now, as POST /api/sim/drop
// does for one page, so the room watches every lane reconnect at once.
func (s *server) dropAll(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Transport string `json:"transport"`
	}
	if status, err := httpjson.Decode(w, r, 1024, &req); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if !slices.Contains(transports, req.Transport) {
		httpjson.Error(w, http.StatusBadRequest, fmt.Errorf("transport must be one of %q", transports))
		return
	}
	dropped := 0
	for _, p := range s.pages.All() {
		if n := p.net.Drop(req.Transport); n > 0 {
			p.log.Network(req.Transport, "drop", 0, n)
			s.cutOff(req.Transport, CutInstructor, n)
			dropped += n
		}
	}
	s.log.Info("connections dropped for the class", "transport", req.Transport, "dropped", dropped)
	httpjson.Write(w, http.StatusOK, map[string]any{"transport": req.Transport, "dropped": dropped})
}

// followAnswer is the body of GET /api/class/follow: the settings, and
// the server's run (the hub's epoch), so that a page tells a restarted
// server's state from the one it had, even at the same version.
type followAnswer struct {
	class.Settings
	Epoch string `json:"epoch"`
}

// follow answers GET /api/class/follow?version=N&epoch=E&client=KEY with
// the class settings: at once when the page has another version (or
// none), or another server run's (epoch, when given), else when they change, after followHold, or when the server shuts
// down, whichever comes first. A long poll, so a change reaches every
// page within a round trip; not a measured transport, so it is never
// accounted nor slowed by the page's simulated network. Without client=,
// or for a page the server no longer keeps, it answers all the same, and
// no page counts as following.
func (s *server) follow(w http.ResponseWriter, r *http.Request) {
	var (
		version uint64
		has     bool // the page has a state: it waits for another
	)
	if v := query.Get(r, "version"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			httpjson.Error(w, http.StatusBadRequest, errors.New("version must be a whole number: the last one the page has"))
			return
		}
		version, has = n, true
	}
	// A restarted server counts versions from 1 again: a page's version
	// may be the new server's by chance. Its epoch tells them apart.
	if e := query.Get(r, "epoch"); e != "" && e != s.hub.Epoch() {
		has = false
	}
	// A follow request neither makes a page nor marks it seen: the
	// registry forgets the page seen least recently, and a request that a
	// page may hold open cheaply, 25 s at a time, must not keep one page
	// fresh in a classmate's place. The page's reports, every 2 s, and its
	// lanes' requests say that it is there; the dashboard sees the follow
	// request all the same (Student.Follow).
	if p, ok := s.pages.Lookup(clientOf(r)); ok {
		done := p.student.Follow(s.cfg.Now())
		defer func() { done(s.cfg.Now()) }()
	}
	st, changed := s.class.Get()
	if has && version == st.Version {
		hold := time.NewTimer(followHold)
		defer hold.Stop()
		select {
		case <-changed:
		case <-hold.C:
		case <-s.hub.Done(): // shutting down: answer now, the page asks again later
		case <-r.Context().Done():
			return // the page is gone
		}
		st, _ = s.class.Get()
	}
	httpjson.Write(w, http.StatusOK, followAnswer{Settings: st, Epoch: s.hub.Epoch()})
}

// report answers POST /api/class/report?client=KEY {"name","following",
// "transports","latency"}: what one page measured, for the dashboard, at
// most reportRate a second after a burst. Checked whole: a 400 keeps the
// page's last good report.
func (s *server) report(w http.ResponseWriter, r *http.Request) {
	id := clientOf(r)
	if id == "" {
		httpjson.Error(w, http.StatusBadRequest, errors.New("client is required: the page that reports"))
		return
	}
	var rep class.Report
	if status, err := httpjson.Decode(w, r, maxClassBody, &rep); err != nil {
		httpjson.Error(w, status, err)
		return
	}
	if err := s.class.CheckReport(&rep); err != nil {
		httpjson.Error(w, http.StatusBadRequest, err)
		return
	}
	now := s.cfg.Now()
	if ok, wait := s.reports.Allow(id, now); !ok {
		tooMany(w, wait, fmt.Errorf("too many reports: at most %d a second", reportRate))
		return
	}
	p, ok := s.pages.GetOrCreate(id, clientaddr.Key(r.RemoteAddr))
	if !ok {
		tooManyPages(w)
		return
	}
	p.seen.Store(now.UnixNano())
	p.student.Reported(rep, now)
	w.WriteHeader(http.StatusNoContent)
}
