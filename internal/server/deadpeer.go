package server

import (
	"context"
	"net"
	"net/http"
)

// connKey is the context key under which ConnContext keeps the connection
// a request came on.
type connKey struct{}

// ConnContext is the http.Server hook that lets the server reach the TCP
// connection under a stream, to give up on it when its peer has vanished
// (see Config.DeadPeer). Install it as the server's ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// dropDeadPeers asks the kernel to close a stream's connection when the
// data sent on it has stayed unacknowledged for Config.DeadPeer
// (TCP_USER_TIMEOUT, on Linux; elsewhere it does nothing). A peer that
// vanished without a goodbye (a closed laptop, a dropped Wi-Fi) leaves a
// half-open connection that writes alone would not notice for many
// minutes: heartbeats and pings land in the send buffer and seem to
// succeed. It is set on streams only, where something is written at least
// every heartbeat or ping period.
func (s *server) dropDeadPeers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := netConnOf(r); c != nil && s.cfg.DeadPeer > 0 {
			if err := setUserTimeout(c, s.cfg.DeadPeer); err != nil {
				s.log.Warn("cannot limit unacknowledged data on a stream", "remote", r.RemoteAddr, "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}
