package socketio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/coder/websocket"
)

// serveWebSocket serves a WebSocket GET: a new session straight on the
// WebSocket (s is nil: transports: ['websocket']), or the upgrade of s
// from long polling. It returns when the WebSocket ends, and with it the
// session.
func (h *handler) serveWebSocket(w http.ResponseWriter, r *http.Request, s *session, sent func(events, eventBytes, written int)) {
	var release func()
	if s == nil {
		var ok bool
		if release, ok = h.admit(w, r); !ok {
			return
		}
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.opts.OriginPatterns})
	if err != nil {
		if release != nil {
			release()
		}
		h.log.Info("upgrade refused", "transport", "socketio", "remote", r.RemoteAddr, "err", err)
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(int64(h.opts.MaxPayload))
	// Never r.Context() from here on: the upgrade has taken the connection.

	if s != nil && !s.mayUpgrade() {
		// One WebSocket a session: the protocol closes any other.
		c.Close(websocket.StatusPolicyViolation, "the session has upgraded already, or is upgrading")
		return
	}
	if s == nil {
		s = h.open(r, transportWebSocket, release)
		open := s.handshake(transportWebSocket)
		ctx, cancel := context.WithTimeout(context.Background(), h.opts.WriteTimeout)
		err := c.Write(ctx, websocket.MessageText, []byte(open))
		cancel()
		if err != nil {
			s.close(err)
			return
		}
		sent(0, 0, len(open))
	} else if won, err := s.probe(c, sent); err != nil {
		if won {
			s.abortUpgrade() // only the probe that began the upgrade may end it
		}
		s.log.Info("upgrade failed", "err", err)
		c.Close(websocket.StatusPolicyViolation, closeText(err.Error()))
		return
	}
	s.attach(c)

	readDone := make(chan struct{})
	var readErr error
	go func() {
		defer close(readDone)
		readErr = s.readWebSocket(c, r)
	}()
	err = s.pushWebSocket(c, sent, readDone)
	select {
	case <-readDone:
		if err == nil {
			err = readErr // why the reader stopped, and with it the writer
		}
	default:
	}
	s.close(err) // the WebSocket carried the session: it ends with it
	code, reason := closeStatus(s.cause())
	c.Close(code, reason)
	<-readDone
}

// mayUpgrade reports whether s may be probed on a WebSocket: it polls, and
// no other WebSocket is probing it.
func (s *session) mayUpgrade() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed && s.transport == transportPolling && !s.upgrading
}

// probe runs the upgrade's handshake on c: the client's probe (2probe) is
// answered (3probe) at once, a poll that waits is released with a noop,
// and the client's upgrade packet (5) ends it. Until then the session
// still polls, and nothing of its queue goes on c.
//
// Two WebSockets may both pass mayUpgrade and probe the session at once:
// only the one that marks it upgrading goes on (won), so that the session
// never has two writers; the other is refused.
func (s *session) probe(c *websocket.Conn, sent func(events, eventBytes, written int)) (won bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), upgradeTimeout)
	defer cancel()
	if err := expect(ctx, c, "2probe"); err != nil {
		return false, err
	}
	s.mu.Lock()
	won = !s.closed && s.transport == transportPolling && !s.upgrading
	if won {
		s.upgrading = true
		s.notifyLocked() // a waiting poll answers now
	}
	s.mu.Unlock()
	if !won {
		return false, errors.New("the session cannot upgrade now")
	}
	pong := []byte(string(eioPong) + "probe")
	if err := c.Write(ctx, websocket.MessageText, pong); err != nil {
		return true, err
	}
	sent(0, 0, len(pong))
	return true, expect(ctx, c, string(eioUpgrade))
}

// expect reads one message from c, which must be want.
func expect(ctx context.Context, c *websocket.Conn, want string) error {
	typ, b, err := c.Read(ctx)
	switch {
	case err != nil:
		return err
	case typ != websocket.MessageText || string(b) != want:
		return fmt.Errorf("upgrade: want %q, got %.20q", want, b)
	}
	return nil
}

// abortUpgrade lets s poll on as before, its probe having failed.
func (s *session) abortUpgrade() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upgrading = false
	s.notifyLocked()
}

// attach makes c the session's transport. After an upgrade it waits for a
// poll still open, or still writing its answer, to end: from then on c is the session's one
// writer, and polls are refused.
func (s *session) attach(c *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transport, s.upgrading, s.ws = transportWebSocket, false, c
	s.notifyLocked() // a poll that still waits answers now, and is the last
	for (s.polling || s.answering > 0) && !s.closed {
		changed := s.changed
		s.mu.Unlock()
		<-changed
		s.mu.Lock()
	}
}

// cause returns why s closed.
func (s *session) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// pushWebSocket sends the session's queue on c, one packet a message, until
// the session closes, a write fails or the reader stops.
func (s *session) pushWebSocket(c *websocket.Conn, sent func(events, eventBytes, written int), readDone <-chan struct{}) error {
	var buf []byte
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil
		}
		batch := s.takeLocked(math.MaxInt) // one packet a message: the batch is never one body
		changed, ready := s.waitLocked()
		s.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-changed:
				continue
			case <-ready: // the next round takes them
				continue
			case <-readDone:
				return nil
			}
		}
		for _, p := range batch {
			var events, eventBytes int
			buf, events, eventBytes = appendPacket(buf[:0], p)
			err := s.write(func() error {
				// On a client that stops reading, the write fails after
				// the timeout (and closes c) rather than block forever.
				ctx, cancel := context.WithTimeout(context.Background(), s.h.opts.WriteTimeout)
				defer cancel()
				return c.Write(ctx, websocket.MessageText, buf)
			})
			if err != nil {
				return err
			}
			sent(events, eventBytes, len(buf))
		}
	}
}

// readWebSocket acts on the client's packets, one a message, until the
// WebSocket ends or a packet breaks the protocol.
func (s *session) readWebSocket(c *websocket.Conn, r *http.Request) error {
	for {
		typ, b, err := c.Read(context.Background())
		if err != nil {
			if websocket.CloseStatus(err) != -1 {
				return errClientClosed
			}
			return err
		}
		if typ != websocket.MessageText {
			return errors.New("binary messages are not supported")
		}
		ptype, data, err := parsePacket(b)
		if err != nil {
			return err
		}
		if err := s.receive(ptype, data, r); err != nil {
			return err
		}
	}
}
