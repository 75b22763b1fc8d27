package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/ratelimit"
)

// conn is one client's WebSocket: a writer pushing the feed and a reader
// taking the client's messages, on the same connection.
type conn struct {
	c       *websocket.Conn
	sub     *feed.Subscription
	pub     Source
	from    string // the client's name in the messages it publishes (Options.From)
	sent    func(events, eventBytes, written int)
	done    func() // the Meter's: the answer is finished
	ping    time.Duration
	control func(Control) // told of each ping and pong
	pong    atomic.Int64  // payload bytes of the last pong received

	limit      *ratelimit.Bucket                  // the messages it may publish
	mayPublish func() (ok bool, code, why string) // whether it may publish at all now

	readDone  chan struct{} // closed when the reader stops
	readErr   error         // why the reader stopped; read after readDone is closed
	stopWatch func()        // stops the watcher that AfterEnd set

	log    *slog.Logger
	closed func(error) // told why the connection ended (Options.OnClose)
	err    error       // why it ended

	beat    heartbeat
	pingErr error // why the heartbeat closed the connection; read after stopHeartbeat
}

// begin starts what runs beside the writer (write): the watcher on the
// delivery's end, the reader and the heartbeat. end stops them. The
// writer runs in between, on the goroutine that serves the request (see
// handler.ServeHTTP for why these are apart).
func (cn *conn) begin() {
	// The hub ends a delivery on shutdown, when the client fell so far
	// behind that its queue filled, or when a write to it got stuck. The
	// writer may then be blocked in Write on a client that stopped reading,
	// where it cannot notice; closing the connection from a watcher
	// unblocks it. One watcher per connection costs far less than a timeout
	// context around every write.
	cn.stopWatch = cn.sub.AfterEnd(func() {
		if errors.Is(cn.sub.Err(), feed.ErrStuck) {
			cn.c.CloseNow() // no close frame gets through to a client that does not read
			return
		}
		code, reason := closeStatus(cn.sub.Err())
		cn.c.Close(code, reason)
	})
	cn.readDone = make(chan struct{})
	go func() {
		defer close(cn.readDone)
		cn.readErr = cn.read()
	}()
	cn.startHeartbeat()
}

// end stops what begin started, once the writer returned err, and returns
// why the connection ended.
func (cn *conn) end(err error) error {
	cn.stopWatch()  // let the watcher finish its goodbye, if the delivery ended
	cn.c.CloseNow() // unblock the reader, and a ping waiting for its pong
	<-cn.readDone
	cn.stopHeartbeat()
	switch cause := cn.sub.Err(); {
	case cause != nil:
		return cause // the write error, if any, came from the watcher's close
	case cn.pingErr != nil:
		return cn.pingErr // the read error came from the heartbeat's close
	}
	return err
}

// heartbeat pings the client every cn.ping until stopped. A peer that
// has not answered by the next ping is gone (a closed laptop, a dropped
// network) and would otherwise hold its connection until a write failed:
// the heartbeat closes the connection, which ends the reader and so the
// writer, and keeps why in cn.pingErr. Each ping runs on a timer's own
// goroutine, which lives only while the ping waits for its pong: between
// pings a connection keeps no goroutine for its heartbeat, only the timer.
// The reader must be running: it is what receives the pongs.
type heartbeat struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
	pings   sync.WaitGroup // the ping under way, if any
}

// startHeartbeat arms the first ping, one period from now.
func (cn *conn) startHeartbeat() {
	cn.beat.timer = time.AfterFunc(cn.ping, cn.pingNow)
}

// stopHeartbeat stops the pings, and waits for the one under way.
func (cn *conn) stopHeartbeat() {
	cn.beat.mu.Lock()
	cn.beat.stopped = true
	cn.beat.timer.Stop()
	cn.beat.mu.Unlock()
	cn.beat.pings.Wait()
}

// pingNow pings the client and, once it answered, arms the next ping one
// period after this one began, as a ticker would.
func (cn *conn) pingNow() {
	cn.beat.mu.Lock()
	if cn.beat.stopped {
		cn.beat.mu.Unlock()
		return
	}
	cn.beat.pings.Add(1)
	cn.beat.mu.Unlock()
	defer cn.beat.pings.Done()

	start := time.Now()
	if err := cn.pingOnce(start); err != nil {
		if errors.Is(err, ErrPeerGone) {
			cn.pingErr = err
		}
		return // no more pings: the connection is closed, or closing
	}
	cn.beat.mu.Lock()
	if !cn.beat.stopped {
		cn.beat.timer.Reset(max(0, cn.ping-time.Since(start)))
	}
	cn.beat.mu.Unlock()
}

// pingOnce pings the client and reports the ping and its pong. It closes
// the connection of a peer that does not answer within a period, and
// says so with ErrPeerGone; another error means the connection ended
// meanwhile.
func (cn *conn) pingOnce(start time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), cn.ping)
	defer cancel()
	err := cn.c.Ping(ctx)
	rtt := time.Since(start)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		cn.c.CloseNow()
		return fmt.Errorf("%w: no pong within %v", ErrPeerGone, cn.ping)
	case err != nil:
		return err
	}
	// The pong echoes the ping's payload (RFC 6455), as the reader saw it.
	payload := int(cn.pong.Load())
	cn.control(Control{Kind: "ping", Dir: "out", At: start, Bytes: controlFrameSize(payload, false)})
	cn.control(Control{Kind: "pong", Dir: "in", At: start.Add(rtt), Bytes: controlFrameSize(payload, true), RTT: rtt})
	return nil
}

// controlFrameSize is the size on the wire of a control frame with payload
// bytes (at most 125): two header bytes, the 4-byte mask that every frame
// from a client carries, and the payload.
func controlFrameSize(payload int, fromClient bool) int {
	if fromClient {
		return 2 + 4 + payload
	}
	return 2 + payload
}

// ErrPeerGone: the client stopped answering pings, and its connection was
// closed (Options.OnClose is told so).
var ErrPeerGone = errors.New("peer gone")

// write sends the hello, the backlog and then every event, until the
// delivery ends, a write fails or the reader stops.
func (cn *conn) write() error {
	hello, err := json.Marshal(cn.sub.Hello)
	if err != nil {
		return err
	}
	if err := cn.push(hello, 0); err != nil {
		return err
	}
	for _, f := range cn.sub.Backlog {
		if err := cn.push(f.JSON, 1); err != nil {
			return err
		}
	}
	var take []*feed.Frame // reused: the events that queued up
	for {
		select {
		case <-cn.sub.Ready():
			take = cn.sub.Take(take[:0])
			for _, f := range take {
				if err := cn.push(f.JSON, 1); err != nil {
					return err
				}
			}
		case <-cn.sub.Done():
			return cn.sub.Err()
		case <-cn.readDone:
			return cn.readErr
		}
	}
}

// push sends what the writer sends: the hello and the events. The hub
// watches how long each write takes (feed.Hub.Watch) and ends the delivery of
// a client that stopped reading; the watcher in serve then closes the
// connection, which ends the write.
func (cn *conn) push(b []byte, events int) error {
	cn.sub.StartWrite()
	defer cn.sub.EndWrite()
	return cn.send(b, events)
}

// send writes one text message. Its context never expires: a stuck write is
// ended by the watcher in serve, not by a timer per write.
func (cn *conn) send(b []byte, events int) error {
	if err := cn.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		return err
	}
	size := 0 // an event message is its JSON, byte for byte; other messages are not events
	if events > 0 {
		size = len(b)
	}
	cn.sent(events, size, len(b))
	return nil
}

// reply writes an answer to one of the client's messages: a pong, an ack or
// an error. It is no event and not counted as one.
func (cn *conn) reply(b []byte) error {
	return cn.send(b, 0)
}

// clientMessage is what a client may send: {"kind":"message","text":"...","id":3}
// (the id optional) or {"kind":"ping","id":7}. Unknown fields are ignored.
type clientMessage struct {
	Kind string          `json:"kind"`
	Text string          `json:"text"`
	ID   json.RawMessage `json:"id"`
}

// read handles the client's messages until the connection ends. A message
// it cannot take closes the connection with a status and a reason that say
// what was wrong; nothing of it is published.
func (cn *conn) read() error {
	for {
		typ, b, err := cn.c.Read(context.Background())
		if err != nil {
			return err
		}
		code, err := cn.handle(typ, b)
		if err != nil {
			if code != 0 {
				cn.c.Close(code, closeText(err.Error()))
			}
			return err
		}
	}
}

// handle acts on one client message. On error it returns the close status
// that describes the client's mistake, or 0 when the fault is not the client's.
func (cn *conn) handle(typ websocket.MessageType, b []byte) (websocket.StatusCode, error) {
	m, code, err := parse(typ, b)
	if err != nil {
		return code, err
	}
	switch m.Kind {
	case "ping":
		pong, err := json.Marshal(pong{Kind: "pong", ID: m.ID, TS: time.Now().UnixMicro()})
		if err != nil {
			return 0, err
		}
		return 0, cn.reply(pong)
	case "message":
		return cn.publish(m)
	}
	return 0, nil
}

// publish publishes a client's message and, when the client numbered it,
// answers {"kind":"ack","id":N,"seq":S}: the seq its echo will carry, so the
// client knows which event is its own without comparing texts. A message
// that is refused is answered {"kind":"error","id":N,"code":…,"error":…},
// numbered or not, and the connection stays.
func (cn *conn) publish(m clientMessage) (websocket.StatusCode, error) {
	e, err := feed.Message(cn.from, m.Text, "ws")
	if err != nil {
		return websocket.StatusPolicyViolation, err
	}
	id, err := messageID(m.ID)
	if err != nil {
		return 0, cn.reply(errorReply(m.ID, httpjson.BadRequest, err.Error()))
	}
	if ok, code, why := cn.mayPublish(); !ok {
		return 0, cn.reply(errorReply(m.ID, code, why))
	}
	if ok, _ := cn.limit.Allow(time.Now()); !ok {
		why := fmt.Sprintf("too many messages: at most %g a second; this one was not sent", cn.limit.Rate())
		return 0, cn.reply(errorReply(m.ID, httpjson.TooManyMessages, why))
	}
	f, err := cn.pub.Publish(e)
	if err != nil {
		return websocket.StatusGoingAway, err
	}
	if id == nil {
		return 0, nil
	}
	b, err := json.Marshal(ack{Kind: "ack", ID: *id, Seq: f.Seq})
	if err != nil {
		return 0, err
	}
	return 0, cn.reply(b)
}

// messageID reads a message's id: absent (nil), or a whole number from 0 up.
func messageID(raw json.RawMessage) (*uint64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var id uint64
	if err := json.Unmarshal(raw, &id); err != nil {
		return nil, fmt.Errorf("id must be a whole number from 0 to %d, not %s", uint64(math.MaxUint64), raw)
	}
	return &id, nil
}

// ack tells a client that its message numbered ID was published as Seq.
type ack struct {
	Kind string `json:"kind"`
	ID   uint64 `json:"id"`
	Seq  uint64 `json:"seq"`
}

// parse reads a client message: JSON in a text message, of a known kind. On
// error it returns the close status that says what was wrong.
func parse(typ websocket.MessageType, b []byte) (clientMessage, websocket.StatusCode, error) {
	var m clientMessage
	if typ != websocket.MessageText {
		return m, websocket.StatusUnsupportedData, errors.New("send JSON in text messages")
	}
	if !utf8.Valid(b) {
		return m, websocket.StatusInvalidFramePayloadData, errors.New("a text message must be UTF-8")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, websocket.StatusInvalidFramePayloadData, fmt.Errorf("malformed message: %w", err)
	}
	if m.Kind != "ping" && m.Kind != "message" {
		return m, websocket.StatusPolicyViolation, fmt.Errorf(`unknown kind %q: send "message" or "ping"`, m.Kind)
	}
	return m, 0, nil
}

// pong answers a ping: the client's id, as it sent it, and the server's clock.
type pong struct {
	Kind string          `json:"kind"`
	ID   json.RawMessage `json:"id,omitempty"`
	TS   int64           `json:"ts"`
}

// errorReply is the message that tells a client its message was refused:
// {"kind":"error","id":N,"code":"…","error":"…"}, id as the client sent it
// (left out when it sent none, or null, which is none: see messageID), code
// for programs, error for people. Clients that do not know the kind "error"
// ignore it.
func errorReply(id json.RawMessage, code, text string) []byte {
	if string(id) == "null" {
		id = nil
	}
	b, _ := json.Marshal(refusal{Kind: "error", ID: id, Code: code, Error: text}) // strings and valid JSON always encode
	return b
}

// refusal is an error reply; see errorReply.
type refusal struct {
	Kind  string          `json:"kind"`
	ID    json.RawMessage `json:"id,omitempty"`
	Code  string          `json:"code"`
	Error string          `json:"error"`
}

// closeStatus says why the hub ended a delivery, as a close frame.
func closeStatus(cause error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(cause, feed.ErrTooSlow):
		return websocket.StatusTryAgainLater, "too slow to keep up: reconnect and resume from your last seq"
	case errors.Is(cause, feed.ErrClosed):
		return websocket.StatusGoingAway, "server shutting down"
	}
	return websocket.StatusNormalClosure, ""
}

// closeText cuts s to what a close frame can carry (123 bytes), on a
// character boundary.
func closeText(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
