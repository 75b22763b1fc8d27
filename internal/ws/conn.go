package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/httpjson"
	"transportlab/internal/ondemand"
	"transportlab/internal/ratelimit"
	"transportlab/internal/wsframe"
)

// conn is one client's WebSocket: the feed pushed to it, and the client's
// messages taken, on the same connection.
//
// One goroutine lives as long as the connection: it writes the hello and
// the backlog, then reads the client's messages until the connection ends
// (stream). The hub writes each event itself, on its own goroutine, when
// the connection takes it at once (direct). Anything else to write (events
// that queued while the client was slow, what a write left, a ping that is
// due) starts a writer on a goroutine of its own, which writes until there
// is nothing left and ends (internal/ondemand): an idle connection costs
// one goroutine, not two.
type conn struct {
	h      *handler
	c      *websocket.Conn
	out    wsframe.Out // where every frame is written
	sub    *feed.Subscription
	from   string // the client's name in the messages it publishes (Options.From)
	remote string // its address, for the log and Options' callbacks (request)
	target target // the rest of the request that Options' callbacks are given
	sent   func(events, eventBytes, written int)
	done   func() // the Meter's: the answer is finished
	limit  *ratelimit.Bucket
	beat   beat // its pings (pinger)

	writer    ondemand.Writer // runs writeWaiting while something waits to be written
	stopWatch func()          // stops the watcher that AfterEnd set
	panicked  atomic.Bool     // a direct write or the writer panicked (and logged it)

	err error // why it ended
}

// target is what Options' callbacks are given of the request, besides the
// client's address, once it has been answered: the stream does not keep
// the request itself, its headers and all, for as long as it lives.
type target struct{ host, path, query string }

// request returns the request as Options' callbacks see it: its method,
// host, URL and remote address, and nothing else.
func (cn *conn) request() *http.Request {
	return &http.Request{Method: http.MethodGet, Host: cn.target.host, RemoteAddr: cn.remote,
		URL: &url.URL{Path: cn.target.path, RawQuery: cn.target.query}}
}

// serve runs the stream until it ends, then finishes the answer.
func (cn *conn) serve() {
	defer cn.finish()
	cn.err = cn.run()
}

// serveHandedOff serves the stream on a goroutine of its own, once its
// handler has returned (wire.HandOff), and calls end last. No recoverer
// middleware is above it any more: a panic of its own is logged here.
func (cn *conn) serveHandedOff(end func()) {
	defer end()
	defer func() {
		if v := recover(); v != nil {
			cn.h.log.Error("panic in a WebSocket's stream", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	cn.serve()
}

// run runs the stream until the connection ends, then stops the writer,
// the pings and the watcher on the delivery's end. It recovers a panic of
// the stream's, logs it and ends the stream with errPanic: a panic in one
// stream must not take the server down, nor leave the others without
// their pings.
func (cn *conn) run() (err error) {
	defer func() {
		if v := recover(); v != nil {
			cn.h.log.Error("panic in a WebSocket's stream", "panic", v, "stack", string(debug.Stack()))
			err = cn.end(errPanic)
		}
	}()
	cn.begin()
	return cn.end(cn.stream())
}

// errPanic: the stream's reader or a writer panicked (and logged it).
var errPanic = errors.New("panic")

// begin starts the watcher on the delivery's end. end stops it.
func (cn *conn) begin() {
	// The hub ends a delivery on shutdown, when the client fell so far
	// behind that its queue filled, or when a write to it got stuck. The
	// reader then waits for a message that may never come, and a writer
	// may be blocked in Write on a client that stopped reading, where it
	// cannot notice; closing the connection from a watcher ends both. One
	// watcher per connection costs far less than a timeout context around
	// every write.
	cn.stopWatch = cn.sub.AfterEnd(func() {
		if errors.Is(cn.sub.Err(), feed.ErrStuck) {
			cn.c.CloseNow() // no close frame gets through to a client that does not read
			return
		}
		code, reason := closeStatus(cn.sub.Err())
		cn.c.Close(code, reason)
	})
}

// stream sends the hello and the backlog, then hands the writing to the
// hub and the writer (internal/ondemand), and reads the client's messages
// until the connection ends. The hello is a client's first message, even
// when the client sent one right behind the upgrade, which the reader
// would answer: the reader starts once it is out.
func (cn *conn) stream() error {
	hello, err := json.Marshal(cn.sub.Hello)
	if err != nil {
		return err
	}
	if err := cn.push(hello, cn.sub.Backlog); err != nil {
		return err
	}
	cn.sub.Backlog = nil // sent: let it go
	cn.h.pings.add(cn)
	cn.sub.SetWake(cn.writer.Kick)
	cn.sub.SetDirect(cn.direct) // from now on, the hub writes what it can itself
	// And writes what queued while the hello and the backlog went out; a
	// write that fails closes the connection, which ends the reader.
	cn.writer.Open(cn.writeWaiting, func() { cn.c.CloseNow() })
	return cn.read()
}

// writeWaiting is the writer's (ondemand.Writer): it writes what queued,
// what the hub left, and a ping when one is due. A panic of its own is
// recovered and logged here, and ends this stream alone.
func (cn *conn) writeWaiting() (err error) {
	defer func() {
		if v := recover(); v != nil {
			cn.h.log.Error("panic in a WebSocket's writer", "transport", "ws", "remote", cn.remote, "client", cn.from,
				"panic", v, "stack", string(debug.Stack()))
			cn.panicked.Store(true)
			err = errPanic
		}
	}()
	var queued [16]*feed.Frame // what queued up, when it fits: most often one event
	return cn.pushQueued(queued[:0])
}

// end stops what begin and stream started, once the reader returned err,
// and returns why the connection ended. It may run again, after a panic
// in it: each step is done once or does no harm twice.
func (cn *conn) end(err error) error {
	// Why the delivery ended, if it did, before this end closes the
	// connection: a shutdown that comes after explains nothing.
	cause := cn.sub.Err()
	cn.sub.SetDirect(nil) // no write of the hub's under way, nor to come
	cn.h.pings.remove(cn)
	cn.writer.Close() // no writer starts from now on
	if stop := cn.stopWatch; stop != nil {
		cn.stopWatch = nil
		stop() // let the watcher finish its goodbye, if the delivery ended
	}
	cn.c.CloseNow() // unblock a writer
	cn.writer.Wait()
	switch {
	case errors.Is(err, errPanic), cn.panicked.Load():
		return errPanic
	case cause != nil:
		return cause // a write error, if any, came from the watcher's close
	case cn.writer.Err() != nil:
		return cn.writer.Err()
	case cn.beat.gone.Load():
		return fmt.Errorf("%w: no pong within %v", ErrPeerGone, cn.h.opts.Ping)
	}
	return err
}

// push writes msg (when not nil: the hello, no event), then the events,
// and a ping when one is due, in as few writes as it can: one, unless the
// backlog is long. The hub watches how long each write takes
// (feed.Hub.Watch) and ends the delivery of a client that stopped reading;
// the watcher in begin then closes the connection, which ends the write.
func (cn *conn) push(msg []byte, events []*feed.Frame) error {
	buf := wsframe.GetBuffer()
	defer wsframe.PutBuffer(buf)
	b, n, size, written := (*buf)[:0], 0, 0, 0
	if msg != nil {
		b, written = wsframe.AppendText(b, msg), len(msg)
	}
	for i, f := range events {
		b, n, size = wsframe.AppendText(b, f.JSON), n+1, size+len(f.JSON)
		if len(b) >= flushAt && i < len(events)-1 {
			if err := cn.flush(b, n, size, written+size); err != nil {
				return err
			}
			b, n, size, written = b[:0], 0, 0, 0
		}
	}
	b = cn.beat.appendPing(&cn.h.pings, b)
	*buf = b                                  // keep what it grew to
	return cn.flush(b, n, size, written+size) // with what the hub left to write, if anything
}

// direct writes one event for the hub, on the goroutine that publishes
// it, without waiting (feed.Subscription.SetDirect): all of it when the
// connection takes it at once, else what it takes, and the rest is the
// writer's to write. It is counted once taken, as the writer counts what
// it wrote.
//
// It runs on the publisher's goroutine, which serves every client: a
// panic of its own is recovered and logged here, and ends this stream
// alone (the writer ends the stream with errPanic). The event it was
// writing is lost with the connection; the client resumes after the
// last one it got.
func (cn *conn) direct(f *feed.Frame) (taken, wake bool) {
	defer func() {
		if v := recover(); v != nil {
			cn.h.log.Error("panic in a WebSocket's direct write", "transport", "ws", "remote", cn.remote, "client", cn.from,
				"panic", v, "stack", string(debug.Stack()))
			cn.panicked.Store(true)
			taken, wake = true, true
		}
	}()
	buf := wsframe.GetBuffer()
	defer wsframe.PutBuffer(buf)
	*buf = wsframe.AppendText(*buf, f.JSON)
	taken, wake = cn.out.TryWriteFrames(*buf)
	if taken {
		cn.sent(1, len(f.JSON), len(f.JSON))
	}
	return taken, wake
}

// pushQueued writes what queued up, taken into dst, and what the hub
// left unwritten (direct), if anything, while the hub writes nothing to
// the client itself (feed.Subscription.Hold): no event it writes may
// overtake one taken here.
func (cn *conn) pushQueued(dst []*feed.Frame) error {
	cn.sub.Hold()
	defer cn.sub.Unhold()
	if cn.panicked.Load() {
		return errPanic
	}
	batch := cn.sub.Take(dst)
	defer clear(batch) // the frames are the hub's history's, not this goroutine's to keep
	return cn.push(nil, batch)
}

// flushAt is how many bytes of frames push gathers before it writes them:
// a long backlog goes out in writes of about this size.
const flushAt = 16 << 10

// flush writes b, whole frames that carry events messages of eventBytes
// and written bytes in all, under the hub's watch on writes, and counts
// them. An event message is its JSON, byte for byte; a ping is no message.
func (cn *conn) flush(b []byte, events, eventBytes, written int) error {
	cn.sub.StartWrite()
	err := cn.out.WriteFrames(b)
	cn.sub.EndWrite()
	if err != nil {
		return err
	}
	if written > 0 {
		cn.sent(events, eventBytes, written)
	}
	return nil
}

// reply writes an answer to one of the client's messages: a pong, an ack or
// an error. It is no event and not counted as one.
func (cn *conn) reply(msg []byte) error {
	buf := wsframe.GetBuffer()
	defer wsframe.PutBuffer(buf)
	*buf = wsframe.AppendText(*buf, msg)
	if err := cn.out.WriteFrames(*buf); err != nil {
		return err
	}
	cn.sent(0, 0, len(msg))
	return nil
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
				cn.c.Close(code, wsframe.CloseReason(err.Error()))
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
	f, err := cn.h.src.Publish(e)
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

// mayPublish asks Options.MayPublish whether the client may publish now.
func (cn *conn) mayPublish() (ok bool, code, why string) {
	if cn.h.opts.MayPublish == nil {
		return true, "", ""
	}
	return cn.h.opts.MayPublish(cn.request())
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
