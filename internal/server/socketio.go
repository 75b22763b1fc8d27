package server

import (
	"net/http"
	"strconv"

	"transportlab/internal/clientaddr"
	"transportlab/internal/httpjson"
	"transportlab/internal/socketio"
)

// The Socket.IO lane is one transport made of many requests: the polls and
// POSTs of a session, and the WebSocket it may upgrade to. What a stream
// costs the server is the session, so the limits on streams apply where a
// session or its WebSocket opens (opening), and the cap on open streams
// holds a place for as long as the session lives (admitSocketIO), not for
// as long as one of its requests.

// socketIOOptions are the Socket.IO transport's options: the page's name
// and its allowance of messages, as the WebSocket has them (wsOptions).
func (s *server) socketIOOptions() socketio.Options {
	return socketio.Options{
		OriginPatterns: s.cfg.Origins,
		WriteTimeout:   s.cfg.WriteTimeout, // a poll's answer or a message, as a stream's write
		Admit:          s.admitSocketIO,
		MayPublish:     s.mayPublishSocketIO, // the class's say, the page's allowance and its address's
		From:           s.nameOf,             // every page sees the sender: its public name, never its key
	}
}

// opening applies mw to the Socket.IO requests that open a session or a
// WebSocket (socketio.Opens), and lets the others by.
func (s *server) opening(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		limited := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if socketio.Opens(r) {
				limited.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// admitSocketIO is socketio.Options.Admit: a session takes a place under
// the caps on open streams (streamLimit), in all and for its address,
// until it closes; over a cap it is refused as a stream is, 503 with
// Retry-After.
func (s *server) admitSocketIO(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	ip := clientaddr.Key(r.RemoteAddr)
	if err := s.streams.acquire(ip); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		httpjson.ErrorCode(w, http.StatusServiceUnavailable, httpjson.TooManyStreams, err)
		return nil, false
	}
	return func() { s.streams.release(ip) }, true
}

// mayPublishSocketIO is socketio.Options.MayPublish: what mayPublish says,
// then the page's allowance of Socket.IO messages and its address's, kept
// by its key as the WebSocket's are (mayPublishWS).
func (s *server) mayPublishSocketIO(r *http.Request) (ok bool, code, reason string) {
	if ok, code, reason := s.mayPublish(r); !ok {
		return false, code, reason
	}
	if ok, _, err := s.allowMessage(r, s.sioMessages); !ok {
		return false, httpjson.TooManyMessages, err.Error() + "; this one was not sent"
	}
	return true, "", ""
}
