//go:build !linux

package server

import (
	"net"
	"time"
)

// setUserTimeout does nothing here: TCP_USER_TIMEOUT is Linux's. Dead
// WebSocket peers are still found by pings; dead SSE peers only once their
// send buffer fills (-write-timeout).
func setUserTimeout(net.Conn, time.Duration) error { return nil }
