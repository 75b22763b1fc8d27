package web_test

// Tests that the numbers the page shows can be trusted through what a class
// does to the server: restarts it, at another rate, to a lower seq.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPollingLiveAfterRestart restarts the server to a run whose seq is far
// below the old head: the events of the new run are live at once, so
// polling's latency comes back within seconds, as on the streams.
func TestPollingLiveAfterRestart(t *testing.T) {
	lab, ctx, console := openPage(t, "?transports=poll&interval=250")
	waitFor(t, ctx, "polling measures latencies", `window.transportlab.latencies().poll.count > 5`)

	// Run the old server far ahead of where the new one starts, and start
	// polling again there: its first answer is catch-up up to that head.
	old := lab.current()
	if err := old.hub.SetRate(1000); err != nil {
		t.Fatalf("SetRate(1000) = %v", err)
	}
	const ahead = 500
	waitFor(t, ctx, "the page has seen the old run get far", fmt.Sprintf(
		`window.transportlab.ledgers().poll.lastSeq > %d`, ahead))
	toggle(t, ctx, "poll")
	waitFor(t, ctx, "polling is off", `document.querySelector('#panel-poll .state').dataset.state === 'off'`)
	toggle(t, ctx, "poll")
	waitFor(t, ctx, "polling is back", `document.querySelector('#panel-poll .state').dataset.state === 'open'`)

	before := pageLedgers(t, ctx)["poll"]
	oldName := pageName(t, ctx)
	// The browser reports the requests the restart cut, and those the new
	// run refuses with the old run's key (bad_key) until the page has another.
	console.expect("net::ERR_")
	console.expect("client=" + pageKey(t, ctx))
	lab.restart(t)
	restartedAt := evaluate[float64](t, ctx, `performance.timeOrigin + performance.now()`)
	waitFor(t, ctx, "polling saw the reset and measures latencies again", fmt.Sprintf(`
		window.transportlab.ledgers().poll.resets > %d &&
		window.transportlab.latencies().poll.newestAt > %f`, before.Resets, restartedAt))

	// The new run names every page anew: the page learns its name from
	// /api/stats, to know its own messages, and shows it.
	var stats struct{ Name string }
	getJSON(t, lab.srv, "/api/stats?client="+pageKey(t, ctx), &stats)
	if stats.Name == oldName { // one run in 409,600 gives the same name
		t.Errorf("the page is %q in both runs, want a name of each run's own", oldName)
	}
	waitFor(t, ctx, "the page shows its name of the new run", fmt.Sprintf(`
		window.transportlab.name === %q && document.querySelector('#client-id').textContent === %[1]q`, stats.Name))

	after := pageLedgers(t, ctx)["poll"]
	if after.LastSeq >= ahead {
		t.Fatalf("after the restart lastSeq = %d, want below the old head %d: the test needs a lower seq", after.LastSeq, ahead)
	}
	// Only the first answer after the reset may be catch-up, and a reset
	// answer starts at the new head: a handful at most, never the new run.
	const oneAnswer = 10 // 20 events a second for 250 ms, with room
	if got, received := after.Replayed-before.Replayed, after.Received-before.Received; got > oneAnswer {
		t.Errorf("after the restart %d of %d events counted as replayed, want at most %d: the new run's events are live",
			got, received, oneAnswer)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote to the console: %v", problems)
	}
}

// current returns the run the server is on now.
func (l *lab) current() *run {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs[len(l.runs)-1]
}

// latencyMs reads a latency as a panel shows it: "12.3", or "≤ 1.4" for one
// inside the clock offset's uncertainty (then the bound it is at most).
func latencyMs(text string) (float64, error) {
	return strconv.ParseFloat(strings.TrimPrefix(text, "≤ "), 64)
}

// TestLatencyInsideClockBound checks what the panels say of latencies
// smaller than the clock offset's uncertainty, which on loopback most are:
// they are marked and said as "at most", never shown as measured, and a
// negative one is never shown.
func TestLatencyInsideClockBound(t *testing.T) {
	_, ctx, console := openPage(t, "?transports=sse,ws")
	waitFor(t, ctx, "both pushes have a median", `['sse', 'ws'].every((t) =>
		window.transportlab.latencies()[t].count > 20 &&
		document.querySelector('#panel-' + t + ' [data-metric="latency-median"]').textContent !== '—')`)
	type cell struct {
		Text, Within, Title string
		Error               float64
	}
	for _, tr := range []string{"sse", "ws"} {
		for _, name := range []string{"latency-last", "latency-median", "latency-p95"} {
			c := evaluate[cell](t, ctx, fmt.Sprintf(`(() => {
				const el = document.querySelector('#panel-%s [data-metric="%s"]');
				return {text: el.textContent, within: el.dataset.within ?? '', title: el.title,
					error: Number(document.querySelector('#panel-%s [data-metric="latency-error"]').textContent)};
			})()`, tr, name, tr))
			if strings.HasPrefix(c.Text, "-") || strings.HasPrefix(c.Text, "−") {
				t.Errorf("#panel-%s %s = %q: a negative latency shown as one", tr, name, c.Text)
			}
			if !(c.Error > 0) {
				t.Errorf("#panel-%s latency-error = %v, want the clock's uncertainty beside the latencies", tr, c.Error)
			}
			v, err := latencyMs(c.Text)
			if err != nil {
				t.Errorf("#panel-%s %s = %q, want a number or ≤ a number", tr, name, c.Text)
				continue
			}
			within := strings.HasPrefix(c.Text, "≤ ")
			if within != (c.Within == "true") || within && c.Title == "" {
				t.Errorf("#panel-%s %s = %q with data-within %q and title %q, want the mark and its reason together", tr, name, c.Text, c.Within, c.Title)
			}
			// Rounding aside, a bare number is above the bound, and "≤ X" at most bound + bound.
			if !within && v < c.Error-0.05 || within && v > 2*c.Error+0.05 {
				t.Errorf("#panel-%s %s = %q with the clock at ±%.1f ms: marked wrong", tr, name, c.Text, c.Error)
			}
		}
	}
	clock := evaluate[map[string]float64](t, ctx, `window.transportlab.clock()`)
	t.Logf("clock on loopback: offset %+.2f ms, shortest round trip %.2f ms, ±%.2f ms", clock["offsetMs"], clock["rttMs"], clock["errorMs"])
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote to the console: %v", problems)
	}
}

// TestBodyBytesAgree checks that the page and the server count the body the
// same way on every transport: the events' JSON, not the poll answer around
// them, nor SSE's framing and hello, nor WebSocket pongs.
func TestBodyBytesAgree(t *testing.T) {
	lab, ctx, _ := openPage(t, "?interval=250")
	id := pageKey(t, ctx)
	waitFor(t, ctx, "every transport has events and a pong", `['poll', 'sse', 'ws'].every((t) =>
		window.transportlab.ledgers()[t].received > 10) && window.transportlab.latencies().ws.count > 0 &&
		document.querySelector('#panel-ws [data-metric="ws-rtt"]').textContent !== '—'`)
	// Quiet the feed: between two events, polls answer nothing, and both
	// sides' counts stand still long enough to compare.
	if err := lab.current().hub.SetRate(0.1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for {
		page, server := pageLedgers(t, ctx), serverCounts(t, lab.srv, id)
		var differ []string
		for _, tr := range transports {
			if page[tr].Bytes != server[tr].Bytes || page[tr].Bytes == 0 {
				differ = append(differ, fmt.Sprintf("%s: page %d, server %d", tr, page[tr].Bytes, server[tr].Bytes))
			}
		}
		if len(differ) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("body bytes never agreed: %s", strings.Join(differ, "; "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
