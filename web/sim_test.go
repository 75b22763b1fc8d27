package web_test

// The network simulation and the tutorial preset, seen from the page: the
// real server, two tabs of headless Chromium with a client id each, and the
// Network strip driven as an instructor drives it. What the class is told
// must be what it sees: 200 ms added to one page moves that page's latency
// by about 200 ms and leaves the other tab alone; a drop is one reconnect and
// loses nothing; a stall shorter than the write timeout only delays; the
// tutorial's replies each cost polling and SSE one more request.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// pushes are the transports whose latency is one trip of the network: the
// ones a delay moves by exactly the delay.
var pushes = []string{"sse", "ws"}

func TestNetworkSimulation(t *testing.T) {
	requireChromium(t)
	lab := startLab(t)
	srv := lab.srv
	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	other, closeOther := chromedp.NewContext(ctx) // a second tab: another page, another client id
	t.Cleanup(closeOther)

	page := srv.URL + "/?transports=sse,ws"
	for _, c := range []context.Context{ctx, other} {
		if err := chromedp.Do(c, chromedp.Navigate(page)); err != nil {
			t.Fatalf("opening the page: %v", err)
		}
	}
	otherConsole := watchConsole(t, other)
	id := pageKey(t, ctx)
	otherID := pageKey(t, other)
	if id == otherID {
		t.Fatalf("both tabs have client id %q, want one each", id)
	}

	ok := t.Run("200 ms on one page moves its latency by about 200 ms, not the other's", func(t *testing.T) {
		settled := `['sse', 'ws'].every((t) => window.transportlab.ledgers()[t].received >= 20 &&
			document.querySelector('#panel-' + t + ' [data-metric="latency-median"]').textContent !== '—')`
		waitFor(t, ctx, "both pushes delivered 20 events", settled)
		waitFor(t, other, "both pushes delivered 20 events in the other tab", settled)
		before, otherBefore := medians(t, ctx), medians(t, other)
		received := pageLedgers(t, ctx)

		setNet(t, ctx, "200", "0")
		waitFor(t, ctx, "the header says 200 ms are added",
			`document.querySelector('#sim-badge').textContent === '+200 ms'`)
		if got := evaluate[string](t, ctx, `location.search`); !strings.Contains(got, "net=200,0") {
			t.Errorf("location.search = %q, want net=200,0 in it", got)
		}
		if got := simOf(t, srv, id); got.DelayMs != 200 || got.JitterMs != 0 {
			t.Errorf("GET /api/sim for the page = %+v, want 200 ± 0 ms", got)
		}
		if got := simOf(t, srv, otherID); got.DelayMs != 0 || got.JitterMs != 0 {
			t.Errorf("GET /api/sim for the other tab = %+v, want nothing added", got)
		}
		if got := evaluate[string](t, other, `document.querySelector('#sim-badge').textContent`); got != "none" {
			t.Errorf("the other tab's #sim-badge = %q, want %q", got, "none")
		}

		// The median is over the last minute: wait until the events received
		// since the change are most of it.
		waitFor(t, ctx, "the delayed events are most of the last minute", fmt.Sprintf(
			`['sse', 'ws'].every((t) => window.transportlab.ledgers()[t].received >= 2 * %s[t].received + 20)`,
			jsonOf(t, received)))
		after, otherAfter := medians(t, ctx), medians(t, other)
		t.Logf("median latency, ms: this page %v before, %v after; the other tab %v before, %v after",
			before, after, otherBefore, otherAfter)
		for _, tr := range pushes {
			if rise := after[tr] - before[tr]; rise < 150 || rise > 400 {
				t.Errorf("%s median latency went from %.1f to %.1f ms with 200 ms added: a rise of %.1f ms, want 150..400",
					tr, before[tr], after[tr], rise)
			}
			if rise := otherAfter[tr] - otherBefore[tr]; rise > 50 {
				t.Errorf("the other tab's %s median went from %.1f to %.1f ms: its network was not touched, want a rise under 50 ms",
					tr, otherBefore[tr], otherAfter[tr])
			}
		}
		checkNothingLost(t, pageLedgers(t, ctx))
		checkNothingLost(t, pageLedgers(t, other))
	})
	if !ok {
		return
	}

	t.Run("the page checks a delay and jitter before sending them", func(t *testing.T) {
		setNet(t, ctx, "200", "300")
		waitFor(t, ctx, "the page says the jitter is too large",
			`document.querySelector('#sim-error').textContent.startsWith('Jitter')`)
		setNet(t, ctx, "5000", "0")
		waitFor(t, ctx, "the page says the delay is too large",
			`document.querySelector('#sim-error').textContent.startsWith('Delay')`)
		if got := simOf(t, srv, id); got.DelayMs != 200 || got.JitterMs != 0 {
			t.Errorf("GET /api/sim after two refused entries = %+v, want 200 ± 0 ms still", got)
		}
	})

	t.Run("a link with net= sets the network of a fresh page", func(t *testing.T) {
		if err := chromedp.Do(other, chromedp.Navigate(srv.URL+"/?transports=sse,ws&net=150,50")); err != nil {
			t.Fatalf("opening the link: %v", err)
		}
		fresh := pageKey(t, other)
		waitFor(t, other, "the header says 150 ± 50 ms and mobile 3G is chosen", `
			document.querySelector('#sim-badge').textContent === '+150 ± 50 ms' &&
			document.querySelector('[data-preset="mobile"]').getAttribute('aria-pressed') === 'true'`)
		if got := simOf(t, srv, fresh); got.DelayMs != 150 || got.JitterMs != 50 {
			t.Errorf("GET /api/sim for the page opened by the link = %+v, want 150 ± 50 ms", got)
		}
		if err := chromedp.Do(other, chromedp.Click(chromedp.CSS(`[data-preset="localhost"]`))); err != nil {
			t.Fatalf("clicking localhost: %v", err)
		}
		waitFor(t, other, "nothing is simulated, and the URL says no more", `
			document.querySelector('#sim-badge').textContent === 'none' &&
			!location.search.includes('net=')`)
		if got := simOf(t, srv, fresh); got.DelayMs != 0 || got.JitterMs != 0 {
			t.Errorf("GET /api/sim after localhost = %+v, want nothing added", got)
		}
	})

	t.Run("a drop on the WebSocket is one reconnect, with nothing lost", func(t *testing.T) {
		before := pageLedgers(t, ctx)["ws"]
		click(t, ctx, "#panel-ws .drop")

		waitFor(t, ctx, "the panel says the server dropped one connection",
			`document.querySelector('#panel-ws .state-detail').textContent.includes('dropped 1 connection')`)
		waitFor(t, ctx, "the WebSocket reconnected and caught up", fmt.Sprintf(`
			document.querySelector('#panel-ws .state').dataset.state === 'open' &&
			window.transportlab.ledgers().ws.reconnects === %d &&
			window.transportlab.ledgers().ws.received > %d`, before.Reconnects+1, before.Received+20))
		after := pageLedgers(t, ctx)
		checkNothingLost(t, after)
		if got := after["ws"].Reconnects; got != before.Reconnects+1 {
			t.Errorf("ledgers().ws.reconnects = %d after one drop, want %d", got, before.Reconnects+1)
		}
		counts := waitServer(t, srv, id, "the server counted the new upgrade", func(c map[string]counters) bool {
			return c["ws"].Requests == after["ws"].Requests
		})
		if counts["ws"].Open != 1 || counts["ws"].Requests != 2 {
			t.Errorf("server: client.ws = %+v, want 2 requests (one drop, one reconnect) and 1 open", counts["ws"])
		}
	})

	t.Run("a stall shorter than the write timeout only delays", func(t *testing.T) {
		const stallMs = 5000 // one of the page's stall buttons
		var sim simState
		getJSON(t, srv, "/api/sim?client="+id, &sim)
		if sim.WriteTimeoutMs > 0 && sim.WriteTimeoutMs <= stallMs {
			t.Skipf("the server's write timeout is %d ms: a %d ms stall would be cut", sim.WriteTimeoutMs, stallMs)
		}
		note := "no write timeout" // the lab's hub has no watcher: nothing is ever cut
		if sim.WriteTimeoutMs > 0 {
			note = fmt.Sprintf("longer than %g s", float64(sim.WriteTimeoutMs)/1000)
		}
		button := fmt.Sprintf(`[data-stall="%d"]`, stallMs)
		waitFor(t, ctx, "the stall buttons and what the server cuts are shown", fmt.Sprintf(
			`document.querySelector(%q) !== null &&
			document.querySelector('#stall-note').textContent.includes(%q)`, button, note))
		before := pageLedgers(t, ctx)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			t.Fatalf("clicking the 5 s stall: %v", err)
		}
		waitFor(t, ctx, "the header counts the stall down",
			`/^stalled, [0-9.]+ s left$/.test(document.querySelector('#sim-stall').textContent)`)
		if got := simOf(t, srv, id); got.StalledMs <= 0 {
			t.Errorf("GET /api/sim during the stall: stalledMs = %d, want more than 0", got.StalledMs)
		}
		// Everything the feed published during the stall came once it was over.
		waitFor(t, ctx, "the stall is over and the events came", fmt.Sprintf(`
			document.querySelector('#sim-stall').textContent === '' &&
			['sse', 'ws'].every((t) => window.transportlab.ledgers()[t].received > %s[t].received + %d)`,
			jsonOf(t, before), rate*stallMs/1000))
		after := pageLedgers(t, ctx)
		checkNothingLost(t, after)
		for _, tr := range pushes {
			if after[tr].Reconnects != before[tr].Reconnects {
				t.Errorf("%s reconnected during a 5 s stall (%d, was %d): the server cut it, want only a delay",
					tr, after[tr].Reconnects, before[tr].Reconnects)
			}
		}
	})

	for _, c := range []*consoleLog{console, otherConsole} {
		if problems := c.problems(); len(problems) > 0 {
			t.Errorf("a page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
				len(problems), strings.Join(problems, "\n"))
		}
	}
}

func TestTutorialPreset(t *testing.T) {
	lab, ctx, console := openPage(t, "?transports=poll,sse,ws&interval=250")
	srv := lab.srv
	id := pageKey(t, ctx)
	waitFor(t, ctx, "every panel is open", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open')`)
	defaultRate := feedRate(t, srv)

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tutorial"))); err != nil {
		t.Fatalf("clicking the tutorial: %v", err)
	}
	waitFor(t, ctx, "the tutorial is on and the header shows its rate", `
		document.querySelector('#tutorial').getAttribute('aria-pressed') === 'true' &&
		document.querySelector('#rate').textContent === '0.333'`)
	if got := feedRate(t, srv); got != 1.0/3 {
		t.Errorf("GET /api/stats rate = %v with the tutorial on, want 1/3", got)
	}

	// The next quote is answered over each transport, and each reply comes
	// back over all three.
	waitFor(t, ctx, "a quote was answered over every transport and the replies came back", `(() => {
		const rows = [...document.querySelectorAll('#message-rows tr')];
		const answered = (t) => rows.some((r) => /^re #\d+ \(/.test(r.cells[1]?.textContent) &&
			r.cells[1].textContent.endsWith('(' + t + ')') &&
			r.querySelectorAll('td[data-arrival] .num').length === 3);
		return ['poll', 'sse', 'ws'].every(answered);
	})()`)
	checkNothingLost(t, pageLedgers(t, ctx))
	// The tutorial counts the replies the server took in a line of its own,
	// beside its state (which alone a screen reader announces); a reply is no
	// message of the student's, so nothing is said under the message form.
	waitFor(t, ctx, "the tutorial counts a reply over each transport", `
		/Polling [1-9].*SSE [1-9].*WebSocket [1-9]/.test(document.querySelector('#tutorial-counts').textContent)`)
	if got := evaluate[string](t, ctx, `document.querySelector('#tutorial-status').textContent`); !strings.HasPrefix(got, "On:") {
		t.Errorf("#tutorial-status = %q while replying, want the state alone (On: …)", got)
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#message-error').textContent`); got != "" {
		t.Errorf("#message-error = %q during the tutorial, want nothing: the student sent no message", got)
	}

	// Polling and SSE paid a request for each reply; the WebSocket none.
	toggle(t, ctx, "poll") // so that the counts hold still while compared
	waitFor(t, ctx, "polling is off", `document.querySelector('#panel-poll .state').dataset.state === 'off'`)
	counts := waitRequestsAgree(t, ctx, srv, id)
	if got := counts["sse"].Requests; got < 2 {
		t.Errorf("server: client.sse.requests = %d after a reply over SSE, want the stream and a POST (2 or more)", got)
	}
	if got := counts["ws"].Requests; got != 1 {
		t.Errorf("server: client.ws.requests = %d after a reply over the WebSocket, want 1 (it replies over its socket)", got)
	}

	t.Run("faster than 1 event a second, the page stops replying and says why", func(t *testing.T) {
		putFeed(t, srv, 5) // as another page on the server's machine could
		waitFor(t, ctx, "the page says it is not replying", `
			document.querySelector('#rate').textContent === '5' &&
			document.querySelector('#tutorial-status').textContent.startsWith('Not replying')`)
		replies := countReplies(t, ctx)
		seen := pageLedgers(t, ctx)["sse"].Received
		waitFor(t, ctx, "five more quotes went by", fmt.Sprintf(`window.transportlab.ledgers().sse.received >= %d`, seen+5))
		if got := countReplies(t, ctx); got != replies {
			t.Errorf("the page sent %d more replies at 5 events/s, want none", got-replies)
		}
	})

	t.Run("a second click puts the feed back and stops replying", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tutorial"))); err != nil {
			t.Fatalf("clicking the tutorial again: %v", err)
		}
		waitFor(t, ctx, "the tutorial is off", `document.querySelector('#tutorial').getAttribute('aria-pressed') === 'false' &&
			document.querySelector('#tutorial-off').hidden`)
		if got := feedRate(t, srv); got != defaultRate {
			t.Errorf("GET /api/stats rate = %v after the tutorial, want the default %v", got, defaultRate)
		}
	})

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}

// setNet types a delay and a jitter into the Network strip and applies them.
func setNet(tb testing.TB, ctx context.Context, delay, jitter string) {
	tb.Helper()
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#net-delay"), delay),
		chromedp.SetValue(chromedp.CSS("#net-jitter"), jitter),
		chromedp.Click(chromedp.CSS("#net-apply")),
	); err != nil {
		tb.Fatalf("setting the network to %s ± %s ms: %v", delay, jitter, err)
	}
}

// medians returns the median latency each push panel shows, in ms.
func medians(tb testing.TB, ctx context.Context) map[string]float64 {
	tb.Helper()
	m := make(map[string]float64)
	for _, tr := range pushes {
		text := metric(tb, ctx, tr, "latency-median")
		v, err := latencyMs(text)
		if err != nil {
			tb.Fatalf("#panel-%s latency-median = %q, want a number", tr, text)
		}
		m[tr] = v
	}
	return m
}

// simState is what GET /api/sim answers.
type simState struct {
	DelayMs        int `json:"delayMs"`
	JitterMs       int `json:"jitterMs"`
	StalledMs      int `json:"stalledMs"`
	WriteTimeoutMs int `json:"writeTimeoutMs"`
}

func simOf(tb testing.TB, srv *httptest.Server, id string) simState {
	tb.Helper()
	var s simState
	getJSON(tb, srv, "/api/sim?client="+id, &s)
	return s
}

// feedRate returns the feed's rate as /api/stats says it.
func feedRate(tb testing.TB, srv *httptest.Server) float64 {
	tb.Helper()
	var stats struct {
		Rate float64 `json:"rate"`
	}
	getJSON(tb, srv, "/api/stats", &stats)
	return stats.Rate
}

// putFeed sets the feed's rate as PUT /api/feed does for any page on the
// server's machine.
func putFeed(tb testing.TB, srv *httptest.Server, rate float64) {
	tb.Helper()
	body := fmt.Sprintf(`{"rate":%g}`, rate)
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/api/feed", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("PUT /api/feed %s: %v", body, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("PUT /api/feed %s: %s", body, resp.Status)
	}
}

// countReplies counts the tutorial's replies in the page's message log.
func countReplies(tb testing.TB, ctx context.Context) int {
	tb.Helper()
	return evaluate[int](tb, ctx, `[...document.querySelectorAll('#message-rows tr')]
		.filter((r) => /^re #\d+ \(/.test(r.cells[1]?.textContent ?? '')).length`)
}
