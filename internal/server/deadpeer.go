package server

import (
	"context"
	"log/slog"
	"net"
	"time"
)

// DropDeadPeers returns an http.Server ConnContext hook that asks the
// kernel to close a connection whose sent data has stayed unacknowledged
// for half of heartbeat (TCP_USER_TIMEOUT, on Linux; elsewhere it does
// nothing). A peer that vanished without a goodbye (a closed laptop, a
// dropped Wi-Fi) leaves a half-open connection that the server's writes
// alone would not notice for many minutes: its heartbeats and pings would
// land in the send buffer and seem to succeed. With a write at least every
// heartbeat, such a connection is gone within two heartbeat periods.
func DropDeadPeers(heartbeat time.Duration, log *slog.Logger) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		if err := setUserTimeout(c, heartbeat/2); err != nil {
			log.Warn("cannot limit unacknowledged data on a connection", "remote", c.RemoteAddr(), "err", err)
		}
		return ctx
	}
}
