package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// A client is one page's connection on one transport: it runs until ctx
// ends, counting into its phase. Each runs on one goroutine, its own.
type client func(ctx context.Context, p *phase, key string)

// clients are the transports the bench can load, by the server's names.
// Another transport (Socket.IO) is one more client here.
var clients = map[string]client{
	"poll":     pollClient,
	"longpoll": longPollClient,
	"sse":      sseClient,
	"ws":       wsClient,
}

// phase is one transport's run: what its clients count, together. Every
// field is added to by many clients at once, and read by the progress line.
type phase struct {
	transport string
	host      string        // host:port of -url
	interval  time.Duration // the polling interval
	offsetUS  int64         // the server's clock minus ours, µs
	ws        *http.Client  // dials WebSocket handshakes

	events, gaps, duplicates atomic.Int64
	requests, errs           atomic.Int64 // HTTP requests made; failures
	refused, capped          atomic.Int64 // failures answered 429; or 503 too_many_streams
	wireIn                   atomic.Int64 // bytes read from the server
	connected                atomic.Int64 // streams open; pollers whose last poll answered
	measuring                atomic.Bool  // latencies count only inside the measured window
	latency                  histogram
	firstErr                 atomic.Pointer[string] // the first failure, to show what went wrong
}

// fail counts a failure and keeps the first one's text.
func (p *phase) fail(err error) {
	p.errs.Add(1)
	var answer *httpError
	if errors.As(err, &answer) {
		switch {
		case answer.status == http.StatusTooManyRequests:
			p.refused.Add(1)
		case answer.code == "too_many_streams":
			p.capped.Add(1)
		}
	}
	msg := err.Error()
	p.firstErr.CompareAndSwap(nil, &msg)
}

// httpError is an answer that was not the one expected: its status, and
// the code of the server's JSON error when it has one.
type httpError struct {
	status int
	code   string
}

func (e *httpError) Error() string {
	if e.code != "" {
		return fmt.Sprintf("HTTP %d %s (%s)", e.status, http.StatusText(e.status), e.code)
	}
	return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
}

// answerError reads the error in an unexpected answer's body, a little of it.
func answerError(res *http.Response) error {
	var body struct {
		Code string `json:"code"`
	}
	json.NewDecoder(io.LimitReader(res.Body, 1024)).Decode(&body)
	return &httpError{status: res.StatusCode, code: body.Code}
}

// tally is where one client is in the feed, as the page's ledger keeps it.
type tally struct {
	last  uint64 // the last seq received; 0 before any
	epoch string
}

// hello applies a hello (or a poll answer's metadata): events the server
// no longer had are gaps, and a new epoch starts the count again.
func (p *phase) hello(t *tally, epoch string, missed uint64, reset bool) {
	if reset || (t.epoch != "" && epoch != t.epoch) {
		t.last = 0
	}
	t.epoch = epoch
	if missed > 0 && t.last > 0 {
		p.gaps.Add(int64(missed))
		t.last += missed // the gap they leave is counted once, here
	}
}

// event applies one event: a gap or a duplicate by its seq, and its
// latency by its ts on the server's clock, which offsetUS turns into ours.
func (p *phase) event(t *tally, seq uint64, ts int64, at time.Time) {
	switch {
	case t.last != 0 && seq <= t.last:
		p.duplicates.Add(1)
		return
	case t.last != 0 && seq > t.last+1:
		p.gaps.Add(int64(seq - t.last - 1))
	}
	t.last = seq
	p.events.Add(1)
	if p.measuring.Load() {
		p.latency.record(float64(at.UnixMicro()+p.offsetUS-ts) / 1000)
	}
}

// resume is the query that resumes after t: since and epoch, once known.
func (t *tally) resume(q url.Values) url.Values {
	if t.last != 0 {
		q.Set("since", strconv.FormatUint(t.last, 10))
		q.Set("epoch", t.epoch)
	}
	return q
}

// wireEvent is all the bench reads of an event, or of a hello: a JSON
// decode of a few fields, the rest skipped.
type wireEvent struct {
	Seq    uint64 `json:"seq"`
	TS     int64  `json:"ts"`
	Kind   string `json:"kind"`
	Epoch  string `json:"epoch"`
	Missed uint64 `json:"missed"`
	Reset  bool   `json:"reset"`
}

// longPollWait is how long a long poll may be held: the page's WAIT_MS
// (web/js/transports/longpoll.js). pollTimeout bounds one poll, answer
// included, a held one too.
const (
	longPollWait = 25 * time.Second
	pollTimeout  = longPollWait + 5*time.Second
)

// pollClient asks GET /poll once an interval, from where it is, over one
// keep-alive connection, as the page does; it asks again at once while
// the server says more events wait.
func pollClient(ctx context.Context, p *phase, key string) {
	poller(ctx, p, key, 0)
}

// longPollClient asks GET /poll?wait=25s, as the page's long polling
// lane does: the server holds each request until an event, and the next
// request leaves as soon as the answer is in.
func longPollClient(ctx context.Context, p *phase, key string) {
	poller(ctx, p, key, longPollWait)
}

// poller is a polling client: a short poll every interval when wait is 0,
// else a long poll of wait after each answer. After a failure either asks
// again an interval later.
func poller(ctx context.Context, p *phase, key string, wait time.Duration) {
	hc := &httpConn{host: p.host, in: &p.wireIn}
	defer hc.close()
	var t tally
	var answer pollAnswer
	up := false
	q := url.Values{"client": {key}}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	next := time.NewTimer(rand.N(p.interval)) // pollers spread over the interval, as pages do
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
		}
		p.requests.Add(1)
		answer = pollAnswer{Events: answer.Events[:0]}
		err := pollOnce(ctx, hc, t.resume(q), &answer)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.fail(err)
			if up {
				p.connected.Add(-1)
				up = false
			}
		default:
			if !up {
				p.connected.Add(1)
				up = true
			}
			at := time.Now()
			p.hello(&t, answer.Epoch, answer.Missed, answer.Reset)
			for _, e := range answer.Events {
				p.event(&t, e.Seq, e.TS, at)
			}
		}
		after := p.interval
		if err == nil && (wait > 0 || answer.More > 0) {
			after = 0
		}
		next.Reset(after)
	}
}

// pollAnswer is what the bench reads of a poll's answer.
type pollAnswer struct {
	Epoch  string      `json:"epoch"`
	Missed uint64      `json:"missed"`
	Reset  bool        `json:"reset"`
	More   int         `json:"more"`
	Events []wireEvent `json:"events"`
}

// pollOnce makes one poll and decodes its answer into v.
func pollOnce(ctx context.Context, hc *httpConn, q url.Values, v any) error {
	res, err := hc.get(ctx, "/poll?"+q.Encode(), nil, pollTimeout)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		err := answerError(res)
		io.Copy(io.Discard, res.Body)
		return err
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		hc.close()
		return fmt.Errorf("poll answer: %w", err)
	}
	if res.Close {
		hc.close()
	}
	return nil
}

// retryAfter is how long a client waits before it connects again after a
// failure, plus up to as much again at random, so that a server that cut
// everyone is not met by everyone at once.
const retryAfter = time.Second

// sleep waits d plus up to d at random, or until ctx ends: false then.
func sleep(ctx context.Context, d time.Duration) bool {
	return sleepUntil(ctx, d+rand.N(d))
}

// sseClient reads GET /sse as an EventSource does, and resumes with
// Last-Event-ID (and the epoch) when the stream breaks.
func sseClient(ctx context.Context, p *phase, key string) {
	hc := &httpConn{host: p.host, in: &p.wireIn}
	defer hc.close()
	var t tally
	for {
		p.requests.Add(1)
		err := sseStream(ctx, hc, p, &t, key)
		hc.close()
		if ctx.Err() != nil {
			return
		}
		p.fail(err)
		if !sleep(ctx, retryAfter) {
			return
		}
	}
}

// sseStream reads one stream until it breaks.
func sseStream(ctx context.Context, hc *httpConn, p *phase, t *tally, key string) error {
	q := url.Values{"client": {key}}
	header := http.Header{"Accept": {"text/event-stream"}}
	if t.last != 0 {
		q.Set("epoch", t.epoch)
		header.Set("Last-Event-ID", strconv.FormatUint(t.last, 10))
	}
	res, err := hc.get(ctx, "/sse?"+q.Encode(), header, 0)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return answerError(res)
	}
	p.connected.Add(1)
	defer p.connected.Add(-1)
	return readSSE(res.Body, func(event string, data []byte) {
		var e wireEvent
		if json.Unmarshal(data, &e) != nil {
			return
		}
		if event == "hello" {
			p.hello(t, e.Epoch, e.Missed, e.Reset)
			return
		}
		if event == "" && e.Seq != 0 {
			p.event(t, e.Seq, e.TS, time.Now())
		}
	})
}

// readSSE reads an event stream (WHATWG HTML, "server-sent events") and
// hands each event's type and data to dispatch; data is only valid during
// the call. It returns when the stream ends: io.EOF when the server ended
// it. Comments, id and retry lines need nothing: the seq is in the data.
func readSSE(body io.Reader, dispatch func(event string, data []byte)) error {
	r := bufio.NewReaderSize(body, connBuffer)
	var event string
	var data []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch {
		case len(line) == 0:
			if len(data) > 0 {
				dispatch(event, data)
			}
			event, data = "", data[:0]
		case string(field) == "event":
			event = string(value)
		case string(field) == "data":
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, value...)
		}
	}
}

// wsReadLimit bounds one WebSocket message: an event or a hello is a few
// hundred bytes.
const wsReadLimit = 64 << 10

// wsClient reads GET /ws (coder/websocket), and resumes with since and
// epoch when the connection breaks.
func wsClient(ctx context.Context, p *phase, key string) {
	var t tally
	for {
		p.requests.Add(1)
		err := wsStream(ctx, p, &t, key)
		if ctx.Err() != nil {
			return
		}
		p.fail(err)
		if !sleep(ctx, retryAfter) {
			return
		}
	}
}

// wsStream reads one WebSocket until it breaks.
func wsStream(ctx context.Context, p *phase, t *tally, key string) error {
	u := url.URL{Scheme: "ws", Host: p.host, Path: "/ws", RawQuery: t.resume(url.Values{"client": {key}}).Encode()}
	c, res, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: p.ws})
	if err != nil {
		if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
			return answerError(res)
		}
		return err
	}
	defer c.CloseNow()
	c.SetReadLimit(wsReadLimit)
	p.connected.Add(1)
	defer p.connected.Add(-1)
	var buf bytes.Buffer
	for {
		_, r, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return err
		}
		var e wireEvent
		if json.Unmarshal(buf.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Kind == "hello":
			p.hello(t, e.Epoch, e.Missed, e.Reset)
		case e.Seq != 0:
			p.event(t, e.Seq, e.TS, time.Now())
		}
	}
}
