package server

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"transportlab/internal/clientaddr"
	"transportlab/internal/httpjson"
	"transportlab/internal/wire"
)

// retryAfter is what a client turned away for lack of room is told to wait.
const retryAfter = 5 // seconds

// streamLimit caps the open streams (SSE and WebSocket) in all and from one
// client address (an IPv4 address or an IPv6 /64: clientaddr.Key), so that one laptop in a loop cannot take the server from
// the class. A limit of 0 means none. The follow requests the server
// holds (class.go) are capped the same way: each is a goroutine and a
// connection held for up to 25 s.
type streamLimit struct {
	max, maxPerIP int
	what          string // what is open, as the refusal says: "streams"

	mu    sync.Mutex
	open  int
	perIP map[string]int
}

func newStreamLimit(max, maxPerIP int, what string) *streamLimit {
	return &streamLimit{max: max, maxPerIP: maxPerIP, what: what, perIP: make(map[string]int)}
}

// limit answers 503 with Retry-After when a stream would go over a limit.
func (l *streamLimit) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, ok := l.enter(w, r)
		if !ok {
			return
		}
		defer wire.AtEnd(r, func() { l.release(ip) }) // a stream holds its place until it ends, even handed off its handler
		next.ServeHTTP(w, r)
	})
}

// enter takes a stream of r's address, or answers 503 with Retry-After
// and says no. It is limit's work in a frame of its own, out of the one
// that a stream's goroutine keeps for as long as the stream lives (see
// first).
func (l *streamLimit) enter(w http.ResponseWriter, r *http.Request) (ip string, ok bool) {
	ip = clientaddr.Key(r.RemoteAddr)
	if err := l.acquire(ip); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.TooManyStreams, err)
		return "", false
	}
	return ip, true
}

func (l *streamLimit) acquire(ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open >= l.max {
		return fmt.Errorf("too many open %s on this server: try again later", l.what)
	}
	if l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP {
		return fmt.Errorf("too many open %s from your address: try again later", l.what)
	}
	l.open++
	l.perIP[ip]++
	return nil
}

func (l *streamLimit) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perIP[ip]--; l.perIP[ip] == 0 {
		delete(l.perIP, ip)
	}
}
