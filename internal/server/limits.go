package server

import (
	"errors"
	"net/http"
	"strconv"
	"sync"

	"transportlab/internal/clientaddr"
	"transportlab/internal/httpjson"
)

// retryAfter is what a client turned away for lack of room is told to wait.
const retryAfter = 5 // seconds

// streamLimit caps the open streams (SSE and WebSocket) in all and from one
// client address (an IPv4 address or an IPv6 /64: clientaddr.Key), so that one laptop in a loop cannot take the server from
// the class. A limit of 0 means none.
type streamLimit struct {
	max, maxPerIP int

	mu    sync.Mutex
	open  int
	perIP map[string]int
}

func newStreamLimit(max, maxPerIP int) *streamLimit {
	return &streamLimit{max: max, maxPerIP: maxPerIP, perIP: make(map[string]int)}
}

// limit answers 503 with Retry-After when a stream would go over a limit.
func (l *streamLimit) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientaddr.Key(r.RemoteAddr)
		if err := l.acquire(ip); err != nil {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.TooManyStreams, err)
			return
		}
		defer l.release(ip)
		next.ServeHTTP(w, r)
	})
}

func (l *streamLimit) acquire(ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open >= l.max {
		return errors.New("too many open streams on this server: try again later")
	}
	if l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP {
		return errors.New("too many open streams from your address: try again later")
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
