package web_test

// Tests that the numbers the page shows can be trusted through what a class
// does to the server: restarts it, at another rate, to a lower seq.

import (
	"fmt"
	"testing"
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
	console.expect("net::ERR_") // the browser reports the requests the restart cut
	lab.restart(t)
	restartedAt := evaluate[float64](t, ctx, `performance.timeOrigin + performance.now()`)
	waitFor(t, ctx, "polling saw the reset and measures latencies again", fmt.Sprintf(`
		window.transportlab.ledgers().poll.resets > %d &&
		window.transportlab.latencies().poll.newestAt > %f`, before.Resets, restartedAt))

	after := pageLedgers(t, ctx)["poll"]
	if after.LastSeq >= ahead {
		t.Fatalf("after the restart lastSeq = %d, want below the old head %d: the test needs a lower seq", after.LastSeq, ahead)
	}
	// Only the first answer after the reset may be catch-up: at 20 events a
	// second and 250 ms, a handful; every event of the new run is not.
	if got, received := after.Replayed-before.Replayed, after.Received-before.Received; got >= received {
		t.Errorf("after the restart %d of %d events counted as replayed, want the new run's events live", got, received)
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
