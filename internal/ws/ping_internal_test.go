package ws

import (
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// A late pong for the last ping, which the reader takes while the writer
// sends the next, must not be taken for the new one's answer: it would
// report the new ping with a wrong round trip, and the new ping's own
// pong would then be ignored. Here the writer sends ping after ping while
// the reader takes the last ping's pong again and again; each ping must
// be reported once, by its own pong.
func TestLatePongIsNotTakenForTheNextPing(t *testing.T) {
	const pings = 20000
	var stale bool // the reader is taking the last ping's pong
	var staleReports, reports int
	h := &handler{opts: Options{OnControl: func(_ *http.Request, c Control) {
		if c.Kind != "pong" {
			return
		}
		if stale {
			staleReports++
		} else {
			reports++
		}
	}}}
	h.pings.start = time.Now()
	cn := &conn{h: h}
	b := &cn.beat
	for i := uint64(1); i <= pings; i++ {
		last := []byte(strconv.FormatUint(i-1, 10))
		b.due.Store(true)
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.appendPing(&h.pings, nil)
		}()
		stale = true
	late:
		for {
			cn.ponged(last)
			select {
			case <-done:
				break late
			default:
			}
		}
		cn.ponged(last)
		stale = false
		cn.ponged([]byte(strconv.FormatUint(i, 10)))
		if staleReports != 0 || reports != int(i) {
			t.Fatalf("ping %d: %d pongs reported by a late pong of the last ping, %d by their own of %d",
				i, staleReports, reports, i)
		}
	}
}

// Whether a connection is gone is decided under the pinger's lock, by the
// tick that finds its ping unanswered: a connection that ended (removed)
// before that is never marked gone, one that had not is, before the lock
// is let go, so that its end cannot be told otherwise after it.
func TestTickMarksGoneUnderItsLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pinger{every: time.Hour}
		ended, open := &conn{}, &conn{} // their writers not open: a tick's kick starts none
		p.add(ended)
		p.add(open)
		for _, cn := range []*conn{ended, open} {
			cn.beat.fresh = false
			cn.beat.sent.Store(1) // a ping unanswered
		}
		p.remove(ended)
		gone := p.tick()
		if len(gone) != 1 || gone[0] != open {
			t.Errorf("tick found %d connections gone, want only the one still open", len(gone))
		}
		if !open.beat.gone.Load() {
			t.Error("the connection found gone is not marked gone once tick returns")
		}
		if ended.beat.gone.Load() {
			t.Error("a connection that had ended is marked gone")
		}
		p.remove(open) // stops the ticker
	})
}
