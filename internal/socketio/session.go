package socketio

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
)

// The transports of a session.
const (
	transportPolling   = "polling"
	transportWebSocket = "websocket"
)

// Why a session ends, besides the feed's reasons (feed.ErrTooSlow,
// feed.ErrClosed, feed.ErrStuck).
var (
	errClientClosed = errors.New("the client closed the session")
	errPingTimeout  = errors.New("no pong in time: the client is gone")
	errNoConnect    = errors.New("no Socket.IO connect in time")
	errPollGone     = errors.New("the client went away during a poll")
	errQueueFull    = fmt.Errorf("%w: its queue of replies is full", feed.ErrTooSlow)
	errClientPing   = errors.New("invalid heartbeat direction: the server pings, the client pongs")
	errPanic        = errors.New("panic") // in the session's goroutine or its WebSocket's reader (logged)
)

// connectTimeout is how long a session may wait for the client's connect
// (40), as socket.io's server does.
const connectTimeout = 45 * time.Second

// maxReplies bounds the packets other than events that may wait for a
// client: pings, and the answers to its messages. A client that sends
// without reading is cut off as one that cannot keep up with the feed is.
const maxReplies = feed.DefaultQueue

// packet is one packet that waits to go out: an event of the feed, sent as
// 42["event",<its JSON>], or any other packet, as it goes on the wire.
type packet struct {
	frame *feed.Frame
	text  string
}

// session is one Engine.IO session: a Socket.IO client, whichever transport
// carries it. Its queue of packets to send belongs to the session, not to a
// transport, so that an upgrade loses and repeats nothing: the polling
// transport stops taking from the queue, and the WebSocket starts.
//
// The queue is the packets in pending (the handshake's answers, pings,
// replies), then the subscription's own bounded queue of events. One
// writer at a time takes from it: a poll, while the session polls, or the
// WebSocket, once it carries the session.
type session struct {
	id      string
	h       *handler
	from    string // the client's name in the messages it publishes (Options.From)
	log     *slog.Logger
	release func() // what Options.Admit gave

	pong      chan struct{}           // told of each pong
	connected chan *feed.Subscription // told of the subscription, once, at connect
	done      chan struct{}           // closed by close
	attached  chan struct{}           // closed by attach: run writes the WebSocket from then on
	stopped   chan struct{}           // closed when run returns, its WebSocket closed

	mu        sync.Mutex
	transport string // transportPolling or transportWebSocket
	upgrading bool   // a WebSocket was probed: a poll answers at once
	polling   bool   // a poll (GET) waits for packets to answer with
	answering int    // polls writing their answers
	posting   bool   // a POST is being read
	pending   []packet
	taken     []*feed.Frame                         // takeLocked's, reused: the events it takes from sub
	replies   int                                   // packets in pending that are replies, for maxReplies
	sub       *feed.Subscription                    // nil until the client connects (40)
	ws        *wsConn                               // once the WebSocket carries the session
	wsSent    func(events, eventBytes, written int) // the Meter's, for what run writes on ws
	changed   chan struct{}                         // closed and replaced on every change: wakes the writer
	closed    bool
	err       error // why it closed
}

// newSessionID returns 20 random URL-safe characters, as Engine.IO's ids.
func newSessionID() string {
	var b [15]byte
	rand.Read(b[:]) // never fails: see crypto/rand.Read
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// handshake is the open packet that starts s on transport t: a session
// that starts polling may upgrade to a WebSocket.
func (s *session) handshake(t string) string {
	up := []string{}
	if t == transportPolling {
		up = []string{transportWebSocket}
	}
	return openPacket(handshake{
		SID:          s.id,
		Upgrades:     up,
		PingInterval: s.h.opts.PingInterval.Milliseconds(),
		PingTimeout:  s.h.opts.PingTimeout.Milliseconds(),
		MaxPayload:   s.h.opts.MaxPayload,
	})
}

// run is the session's heartbeat and its watch: it pings the client every
// PingInterval, and closes the session when no pong comes within
// PingTimeout (a client that stopped polling, a dead WebSocket), when the
// client never connects, when the feed ends its delivery (too slow, stuck,
// shutting down), or when the server shuts down. It returns when the
// session is closed: no goroutine of a session outlives it.
//
// Once a WebSocket carries the session (attach), run is also its writer:
// it sends the queue on it, and closes it, with the session's cause, when
// the session ends. A session on its WebSocket then costs two goroutines,
// this one and the WebSocket's reader, rather than a third that would
// only write.
func (s *session) run() {
	defer close(s.stopped)
	beat := time.NewTimer(s.h.opts.PingInterval)
	defer beat.Stop()
	connect := time.NewTimer(connectTimeout)
	defer connect.Stop()
	defer func() { // the session is closed: so is its WebSocket, if it has one
		s.mu.Lock()
		ws, cause := s.ws, s.err
		s.mu.Unlock()
		if ws != nil {
			code, reason := closeStatus(cause)
			ws.c.Close(code, reason)
		}
	}()
	defer func() {
		// No handler is above run, nor the recoverer middleware: a panic
		// of its own ends the session, not the server.
		if v := recover(); v != nil {
			s.log.Error("panic in a session's goroutine", "panic", v, "stack", string(debug.Stack()))
			s.close(errPanic)
		}
	}()
	// What run waits on, each channel nil, never ready, while it has
	// nothing to say: a goroutine waiting in a select keeps a record for
	// each channel it waits on, about a hundred bytes each, for as long
	// as the session lives.
	var ws *wsConn // once attached: what run writes
	var sub *feed.Subscription
	var subDone <-chan struct{} // until the client connects: nil
	attached, connected, noConnect := s.attached, s.connected, connect.C
	done := s.done             // until attached: then the WebSocket's writes see the session close
	shutdown := s.h.src.Done() // until the client connects: then its subscription ends at shutdown
	awaitingPong := false
	for {
		var changed, ready <-chan struct{} // until attached: nil
		if ws != nil {
			var err error
			changed, ready, err = s.pushWebSocket(ws)
			switch {
			case err != nil:
				if sub != nil && sub.Err() != nil {
					err = sub.Err() // the hub ended the delivery, and the write failed for it (feed.ErrStuck)
				}
				s.close(err)
				return
			case changed == nil: // closed
				return
			}
		}
		select {
		case <-attached:
			attached, done = nil, nil
			s.mu.Lock()
			ws = s.ws
			s.mu.Unlock()
		case <-changed: // the next round writes what changed, or sees the session closed
		case <-ready:
		case <-done:
			return
		case <-shutdown:
			s.close(feed.ErrClosed)
			return
		case sub = <-connected: // only one connect
			subDone = sub.Done()
			connect.Stop()
			connected, noConnect, shutdown = nil, nil, nil
		case <-subDone:
			s.close(sub.Err())
			return
		case <-noConnect:
			s.close(errNoConnect)
			return
		case <-s.pong:
			if awaitingPong {
				awaitingPong = false
				beat.Reset(s.h.opts.PingInterval)
			}
		case <-beat.C:
			if awaitingPong {
				s.close(errPingTimeout)
				return
			}
			awaitingPong = true
			beat.Reset(s.h.opts.PingTimeout)
			if err := s.send(packet{text: string(eioPing)}, true); err != nil {
				s.close(err)
				return
			}
		}
	}
}

// close ends the session for cause, once: the writer answers its poll with
// a close packet or closes its WebSocket, later requests with its sid are
// told it is unknown, and its subscription and its place under the stream
// caps are given back.
func (s *session) close(cause error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.err = true, cause
	sub, ws := s.sub, s.ws
	s.notifyLocked()
	s.mu.Unlock()

	close(s.done)
	s.h.remove(s.id)
	if sub != nil {
		sub.Close()
	}
	if ws != nil && errors.Is(cause, feed.ErrStuck) {
		ws.c.CloseNow() // the writer is stuck on a client that does not read: no close frame gets through
	}
	s.release()
	s.log.Info("session closed", "reason", closeReason(cause))
}

// send queues packets for the client; reply says they answer the client
// (a ping, an ack) rather than carry the feed, and count towards
// maxReplies.
func (s *session) send(p packet, reply bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if reply {
		if s.replies >= maxReplies {
			return errQueueFull
		}
		s.replies++
	}
	s.pending = append(s.pending, p)
	s.notifyLocked()
	return nil
}

// notifyLocked wakes whoever waits for a change of the session: the
// writer, and an upgrade that waits for a poll to end. The caller holds mu.
func (s *session) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// takeLocked takes what waits to go out, in order: pending first, then
// the events already in the subscription's queue, up to maxEvents events;
// the rest waits for the next take, at the end of pending. A poll takes at most
// polling.MaxPollEvents, so that a resume from far behind (the backlog is
// in pending) catches up in a few answers, not one of all history. The
// caller holds mu and is the session's one writer.
//
// It appends what it takes to batch, a buffer the caller reuses (the
// WebSocket's writer: one take a delivery); nil, it returns a new slice,
// pending's own when only pending is taken.
func (s *session) takeLocked(batch []packet, maxEvents int) []packet {
	events, n := 0, 0
	for ; n < len(s.pending); n++ {
		if s.pending[n].frame != nil {
			if events == maxEvents {
				break
			}
			events++
		}
	}
	if batch == nil {
		batch = s.pending[:n:n]
	} else {
		batch = append(batch, s.pending[:n]...)
	}
	s.pending = s.pending[n:]
	if len(s.pending) == 0 {
		s.pending, s.replies = nil, 0
	} else {
		// What was taken besides events were replies, or the connect's
		// answer and hello, which are not counted: never below zero.
		s.replies = max(0, s.replies-(n-events))
	}
	if s.sub == nil || len(s.pending) > 0 {
		return batch // what is left of pending goes before any later event
	}
	s.taken = s.sub.Take(s.taken[:0])
	n = min(len(s.taken), maxEvents-events)
	for _, f := range s.taken[:n] {
		batch = append(batch, packet{frame: f})
	}
	for _, f := range s.taken[n:] {
		s.pending = append(s.pending, packet{frame: f})
	}
	return batch
}

// waitLocked returns what the writer waits on when there is nothing to
// send: a change of the session, or events in the subscription's queue
// (nil before the client connects: never ready). The caller holds mu.
func (s *session) waitLocked() (changed, ready <-chan struct{}) {
	if s.sub != nil {
		ready = s.sub.Ready()
	}
	return s.changed, ready
}

// write brackets a write for the hub's watch on stuck writes
// (feed.Hub.Watch), once there is a subscription to cut.
func (s *session) write(f func() error) error {
	s.mu.Lock()
	sub := s.sub
	s.mu.Unlock()
	if sub == nil {
		return f()
	}
	sub.StartWrite()
	defer sub.EndWrite()
	return f()
}

// appendPacket appends p as it goes on the wire, packetLen bytes. It
// returns the events in it and their JSON bytes, for the meter.
func appendPacket(b []byte, p packet) (_ []byte, events, eventBytes int) {
	if p.frame != nil {
		return appendEvent(b, "event", p.frame.JSON), 1, len(p.frame.JSON)
	}
	return append(b, p.text...), 0, 0
}

// eventHead is what appendEvent puts before an event's JSON; a "]" follows it.
const eventHead = `42["event",`

// packetLen is the length of p on the wire (appendPacket): what a
// WebSocket frame's header says before the packet is encoded into the
// frame.
func packetLen(p packet) int {
	if p.frame != nil {
		return len(eventHead) + len(p.frame.JSON) + len("]")
	}
	return len(p.text)
}

// receive acts on one Engine.IO packet from the client, which came with
// the request r returns (a POST, or the WebSocket's upgrade as the session
// keeps it: see wsStream.request). An error ends the session.
func (s *session) receive(typ byte, data []byte, r func() *http.Request) error {
	switch typ {
	case eioPong:
		select {
		case s.pong <- struct{}{}:
		default: // one is enough
		}
		return nil
	case eioPing:
		// In Engine.IO v4 only the server pings; the one ping a client
		// sends, the probe of its WebSocket, is read by probe, not here.
		// Answering others would let a client that POSTs large pings
		// without polling make the server hold their pongs.
		return errClientPing
	case eioMessage:
		return s.receiveSocketIO(data, r)
	case eioClose:
		return errClientClosed
	case eioNoop:
		return nil
	}
	return fmt.Errorf("unexpected packet type %q", typ)
}

// receiveSocketIO acts on a Socket.IO packet. Only the main namespace,
// "/", exists; a connect to another is refused, as socket.io refuses it.
func (s *session) receiveSocketIO(data []byte, r func() *http.Request) error {
	p, err := parseSocketIO(data)
	if err != nil {
		return err
	}
	if p.Namespace != "/" {
		if p.Type == sioConnect {
			return s.send(packet{text: connectErrorPacket(p.Namespace, "Invalid namespace")}, true)
		}
		return nil // nothing is connected there: nothing to do
	}
	s.mu.Lock()
	connected := s.sub != nil
	s.mu.Unlock()
	switch {
	case p.Type == sioConnect && connected:
		return errors.New("already connected")
	case p.Type == sioConnect:
		return s.connect(p.Data)
	case !connected:
		return errors.New("send a connect (40) first")
	case p.Type == sioDisconnect:
		return errClientClosed
	case p.Type == sioEvent:
		return s.event(p, r)
	}
	return nil // an ack: the server asks for none
}

// auth is what a client may send with its connect: io(url, {auth: {since, epoch}})
// resumes after seq since of run epoch. Other fields are the client's own.
type auth struct {
	Since json.RawMessage `json:"since"` // a whole number, or its digits in a string
	Epoch *string         `json:"epoch"`
}

// position reads a connect's auth as a resume point (feed.ParsePosition).
func position(data json.RawMessage) (feed.Position, error) {
	var a auth
	if len(data) > 0 {
		if err := json.Unmarshal(data, &a); err != nil {
			return feed.Position{}, fmt.Errorf("auth: %w", err)
		}
	}
	since := string(a.Since)
	switch {
	case since == "null":
		since = ""
	case len(since) > 0 && since[0] == '"':
		if err := json.Unmarshal(a.Since, &since); err != nil {
			return feed.Position{}, err
		}
	}
	epoch := ""
	if a.Epoch != nil {
		epoch = *a.Epoch
	}
	return feed.ParsePosition(since, epoch)
}

// connect starts the feed for the client, where its auth asks: the connect
// answer, the hello, the events it missed, then every new event. An auth
// that is no resume point is refused with a connect error (44), and the
// session stays for another try.
func (s *session) connect(data json.RawMessage) error {
	pos, err := position(data)
	if err != nil {
		return s.send(packet{text: connectErrorPacket("/", err.Error())}, true)
	}
	sub, err := s.h.src.Subscribe(pos)
	if err != nil {
		return err
	}
	hello, err := json.Marshal(sub.Hello)
	if err != nil {
		sub.Close()
		return err
	}
	s.mu.Lock()
	if s.closed || s.sub != nil { // closed meanwhile, or connected by a packet on the other transport
		connected := s.sub != nil
		s.mu.Unlock()
		sub.Close()
		if connected {
			return errors.New("already connected")
		}
		return nil
	}
	s.sub = sub
	s.pending = append(s.pending,
		packet{text: connectPacket(newSessionID())},
		packet{text: string(appendEvent(nil, "hello", hello))})
	for _, f := range sub.Backlog {
		s.pending = append(s.pending, packet{frame: f})
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.connected <- sub // room for one, and there is only one connect
	s.log.Info("stream opened", "since", pos.Since, "resume", pos.Resume, "missed", sub.Hello.Missed, "reset", sub.Hello.Reset)
	return nil
}

// clientMessage is the argument of a client's "message" event: {"text":"…"}.
// Unknown fields are ignored.
type clientMessage struct {
	Text *string `json:"text"`
}

// event acts on a client's event. The one the server knows is "message",
// published to the feed; it is answered, when numbered for an ack, with
// [{"seq":S}], the seq its echo will carry, or refused with
// [{"code":…,"error":…}] (an "error" event when it is not numbered). Other
// events are ignored, as a socket.io server ignores those it has no
// listener for.
func (s *session) event(p sioPacket, r func() *http.Request) error {
	name, args, _ := eventArgs(p.Data) // checked by parseSocketIO
	if name != "message" {
		return nil
	}
	var m clientMessage
	if len(args) == 0 || json.Unmarshal(args[0], &m) != nil || m.Text == nil {
		return s.refuse(p, httpjson.BadRequest, `send {"text":"…"}`)
	}
	e, err := feed.Message(s.from, *m.Text, "socketio")
	if err != nil {
		return s.refuse(p, httpjson.BadRequest, err.Error())
	}
	if may := s.h.opts.MayPublish; may != nil {
		if ok, code, why := may(r()); !ok {
			return s.refuse(p, code, why)
		}
	}
	f, err := s.h.src.Publish(e)
	if err != nil {
		return err
	}
	if !p.HasID {
		return nil
	}
	return s.send(packet{text: ackPacket(p.ID, fmt.Appendf(nil, `{"seq":%d}`, f.Seq))}, true)
}

// refuse tells the client its message was not published, and why: in the
// ack it asked for, else as an "error" event. The session stays.
func (s *session) refuse(p sioPacket, code, why string) error {
	b, _ := json.Marshal(refusal{Code: code, Error: why}) // strings always encode
	if p.HasID {
		return s.send(packet{text: ackPacket(p.ID, b)}, true)
	}
	return s.send(packet{text: string(appendEvent(nil, "error", b))}, true)
}

// refusal says why a message was not published: code for programs, error
// for people, as every error of this server.
type refusal struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

// closeReason says in a few words why a session ended, for the log.
func closeReason(err error) string {
	switch {
	case errors.Is(err, feed.ErrTooSlow):
		return "client too slow: cut off"
	case errors.Is(err, feed.ErrClosed):
		return "server shutting down"
	case err == nil:
		return "ended"
	}
	return err.Error()
}
