package server

import (
	"errors"
	"net"
	"net/http"
	"syscall"

	"transportlab/internal/wire"
)

// dropDeadPeers asks the kernel to close a stream's connection when the
// data sent on it has stayed unacknowledged for Config.DeadPeer
// (TCP_USER_TIMEOUT, on Linux; elsewhere it does nothing). A peer that
// vanished without a goodbye (a closed laptop, a dropped Wi-Fi) leaves a
// half-open connection that writes alone would not notice for many
// minutes: heartbeats and pings land in the send buffer and seem to
// succeed. It is set on streams only, where something is written at least
// every heartbeat or ping period.
func (s *server) dropDeadPeers(next http.Handler) http.Handler {
	return &first{next: next, ok: func(_ http.ResponseWriter, r *http.Request) bool {
		if c := socketOf(r); c != nil && s.cfg.DeadPeer > 0 {
			if err := setUserTimeout(c, s.cfg.DeadPeer); err != nil {
				s.log.Warn("cannot limit unacknowledged data on a stream", "remote", r.RemoteAddr, "err", err)
			}
		}
		return true
	}}
}

// socketOf returns the socket under r's connection, or nil when the server
// was not installed with Install.
func socketOf(r *http.Request) net.Conn {
	if c := simConnOf(r); c != nil {
		return c.NetConn()
	}
	return nil
}

// countDeadPeer counts x's request, of transport, as a client cut off for
// a dead peer when its connection broke because the kernel gave up on the
// data left unacknowledged: a read or a write failed with ETIMEDOUT, after
// Config.DeadPeer or the system's own, much longer, limit.
func (s *server) countDeadPeer(x *wire.Exchange, transport string) {
	if errors.Is(x.Err(), syscall.ETIMEDOUT) {
		s.cutOff(transport, CutDeadPeer, 1)
	}
}
