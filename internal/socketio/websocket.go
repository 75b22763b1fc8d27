package socketio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"

	"github.com/coder/websocket"

	"transportlab/internal/hijack"
	"transportlab/internal/wsframe"
)

// Buffer sizes of a session's WebSocket, kept for its whole life by
// coder/websocket (see hijack). The read buffer holds what the client
// usually sends whole: its probe (2probe) and upgrade (5), its pongs (3)
// and a short message; a longer one takes more reads. The library writes
// only control frames itself, and the probe's answer (3probe): at most
// 2 + 125 bytes, so each goes out whole in one write (see wsframe.Out).
// The session's packets are framed here (pushWebSocket) and written in
// one write a batch, with no buffer kept between writes.
const (
	readBuffer  = 128
	writeBuffer = 128
)

// flushAt is how many bytes of frames pushWebSocket gathers before it
// writes them: a long backlog goes out in writes of about this size.
const flushAt = 16 << 10

// wsConn is the WebSocket that carries a session: coder/websocket's
// connection, which reads it and writes its control frames, and out,
// where the session's packets are written, framed here.
type wsConn struct {
	c   *websocket.Conn
	out wsframe.Out
}

// wsStream is a session's WebSocket once upgraded, as its reader keeps
// it: the connection, and of the request only what Options' callbacks are
// given (request), never the request itself, its headers and all.
type wsStream struct {
	s      *session
	ws     *wsConn
	remote string
	target target
	done   func() // the Meter's: the answer is finished
}

// target is the part of the upgrade's request that the stream keeps.
type target struct{ host, path, query string }

// request returns the upgrade's request as Options.MayPublish sees it on
// the WebSocket: its method, host, URL and remote address, without its
// headers, body or context.
func (st *wsStream) request() *http.Request {
	return &http.Request{Method: http.MethodGet, Host: st.target.host, RemoteAddr: st.remote,
		URL: &url.URL{Path: st.target.path, RawQuery: st.target.query}}
}

// upgrade upgrades r to a WebSocket: a new session straight on it (s is
// nil: transports: ['websocket']), or the upgrade of s from long
// polling. It returns the WebSocket once it carries the session, for
// ServeHTTP to read; nil when it does not (refused, or the probe failed),
// having answered or closed it.
//
// From the upgrade on, the session's run writes the WebSocket (attach),
// and its reader is the only other goroutine it costs.
func (h *handler) upgrade(w http.ResponseWriter, r *http.Request, s *session, sent func(events, eventBytes, written int)) *wsStream {
	var release func()
	if s == nil {
		var ok bool
		if release, ok = h.admit(w, r); !ok {
			return nil
		}
	}
	ws := &wsConn{out: wsframe.Out{Timeout: h.opts.WriteTimeout}}
	c, err := websocket.Accept(&hijack.ResponseWriter{
		ResponseWriter: w,
		ReadSize:       readBuffer,
		WriteSize:      writeBuffer,
		Out:            ws.out.On,
	}, r, &websocket.AcceptOptions{OriginPatterns: h.opts.OriginPatterns})
	if err != nil {
		if release != nil {
			release()
		}
		h.log.Info("upgrade refused", "transport", "socketio", "remote", r.RemoteAddr, "err", err)
		return nil
	}
	c.SetReadLimit(int64(h.opts.MaxPayload))
	ws.c = c
	// Never r.Context() from here on: the upgrade has taken the connection.

	if s != nil && !s.mayUpgrade() {
		// One WebSocket a session: the protocol closes any other.
		c.Close(websocket.StatusPolicyViolation, "the session has upgraded already, or is upgrading")
		c.CloseNow()
		return nil
	}
	if s == nil {
		s = h.open(r, transportWebSocket, release)
		open := s.handshake(transportWebSocket)
		if err := ws.out.WriteFrames(wsframe.AppendText(nil, []byte(open))); err != nil {
			s.close(err)
			c.CloseNow()
			return nil
		}
		sent(0, 0, len(open))
	} else if won, err := s.probe(c, sent); err != nil {
		if won {
			s.abortUpgrade() // only the probe that began the upgrade may end it
		}
		s.log.Info("upgrade failed", "err", err)
		c.Close(websocket.StatusPolicyViolation, wsframe.CloseReason(err.Error()))
		c.CloseNow()
		return nil
	}
	if !s.attach(ws, sent) { // closed meanwhile
		code, reason := closeStatus(s.cause())
		c.Close(code, reason)
		c.CloseNow()
		return nil
	}
	return &wsStream{s: s, ws: ws, remote: r.RemoteAddr, target: target{r.Host, r.URL.Path, r.URL.RawQuery}}
}

// serve reads the session's packets on the WebSocket until it ends, and
// then finishes the answer, once run has closed the WebSocket: the
// session ends with it.
func (st *wsStream) serve() {
	defer st.done()
	err := st.read()
	st.s.close(err) // the WebSocket carried the session: it ends with it
	<-st.s.stopped  // run has closed the WebSocket, with the session's cause
	st.ws.c.CloseNow()
}

// serveHandedOff serves the stream on a goroutine of its own, once its
// handler has returned (wire.HandOff), and calls end last. No recoverer
// middleware is above it any more: a panic of its own is logged (read).
func (st *wsStream) serveHandedOff(end func()) {
	defer end()
	st.serve()
}

// read runs the reader until it stops, and recovers a panic of its, which
// it logs: the session then ends, and the server goes on.
func (st *wsStream) read() (err error) {
	defer func() {
		if v := recover(); v != nil {
			st.s.log.Error("panic in a WebSocket's reader", "panic", v, "stack", string(debug.Stack()))
			err = errPanic
		}
	}()
	return st.s.readWebSocket(st.ws.c, st.request)
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

// attach makes c the session's transport, and run its writer, with sent
// to count what it writes; it says whether it did: not when the session
// closed first. After an upgrade it waits for a poll still open, or still
// writing its answer, to end: from then on c is the session's one writer,
// and polls are refused. Once attached, c is closed when the session is
// (run).
func (s *session) attach(c *wsConn, sent func(events, eventBytes, written int)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.transport, s.upgrading, s.ws, s.wsSent = transportWebSocket, false, c, sent
	s.notifyLocked() // a poll that still waits answers now, and is the last
	for (s.polling || s.answering > 0) && !s.closed {
		changed := s.changed
		s.mu.Unlock()
		<-changed
		s.mu.Lock()
	}
	close(s.attached) // run writes c from now on
	return true
}

// cause returns why s closed.
func (s *session) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// pushWebSocket sends what waits in the session's queue on ws, one packet
// a message, and returns what run waits on for more: a change of the
// session, or events. It returns nil channels once the session has
// closed (run then returns), and the error of a write that failed.
func (s *session) pushWebSocket(ws *wsConn) (changed, ready <-chan struct{}, err error) {
	var queued [8]packet // what a take holds, when it fits: most often one event
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, nil, nil
		}
		batch := s.takeLocked(queued[:0], math.MaxInt) // one packet a message: the batch is never one body
		changed, ready = s.waitLocked()
		sent := s.wsSent
		s.mu.Unlock()
		if len(batch) == 0 {
			return changed, ready, nil
		}
		err := s.writeWebSocket(ws, batch, sent)
		clear(batch) // the frames are the hub's history's, not this goroutine's to keep
		if err != nil {
			return nil, nil, err
		}
	}
}

// writeWebSocket writes batch on ws, each packet a message framed here,
// in one write (a long backlog in writes of about flushAt bytes), and
// counts them with sent. A client that stops reading makes the write fail
// after Options.WriteTimeout (wsframe.Out's Timeout), and the session
// close, rather than hold run forever.
func (s *session) writeWebSocket(ws *wsConn, batch []packet, sent func(events, eventBytes, written int)) error {
	buf := wsframe.GetBuffer()
	defer wsframe.PutBuffer(buf)
	b, events, eventBytes, written := *buf, 0, 0, 0
	for i, p := range batch {
		n := packetLen(p)
		b = wsframe.AppendTextHeader(b, n)
		var e, eb int
		b, e, eb = appendPacket(b, p)
		events, eventBytes, written = events+e, eventBytes+eb, written+n
		if len(b) < flushAt && i < len(batch)-1 {
			continue
		}
		err := s.write(func() error { return ws.out.WriteFrames(b) })
		*buf = b // keep what it grew to
		if err != nil {
			return err
		}
		sent(events, eventBytes, written)
		b, events, eventBytes, written = b[:0], 0, 0, 0
	}
	return nil
}

// readWebSocket acts on the client's packets, one a message, until the
// WebSocket ends or a packet breaks the protocol.
func (s *session) readWebSocket(c *websocket.Conn, r func() *http.Request) error {
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
