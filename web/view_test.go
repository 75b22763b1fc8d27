package web_test

// The page's honesty about what it cannot know right now, in headless
// Chromium against the real server: when /api/stats fails, the header says
// so and every number that came from the server shows "—" instead of its
// last value; while the tab is hidden the page does not ask; and when the
// tab comes back, the polling panel says why its numbers look odd for a
// minute.

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// serverCells is every cell in view whose number comes from /api/stats: a
// lane beyond the design card's three is out of view while it is off.
const serverCells = `[
	...document.querySelectorAll('.panel [data-metric$="-server"]'),
	...['wire-minute', 'wire-event', 'body-event', 'overhead'].flatMap((c) =>
		[...document.querySelectorAll('#costs [data-cost="' + c + '"]')]),
].filter((el) => el.closest('[hidden]') === null)`

func TestStaleStatsAndHiddenTab(t *testing.T) {
	requireChromium(t)
	lab := startLab(t)
	ctx := startBrowser(t)
	console := watchConsole(t, ctx)

	// The server's /api/stats, failing on demand, and counted. The page's
	// polls, every 250 ms by the page's own timers, are the test's clock: a
	// page slowed down by a busy machine is measured in its own time, and a
	// wall-clock wait can neither pass while the page's timers have not yet
	// run nor fail because they ran late.
	var failing atomic.Bool
	var asked, polls atomic.Int64
	var firstAsk atomic.Int64 // the polls made when /api/stats was first asked once armed with -1
	lab.mu.Lock()
	next := lab.handler
	lab.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/poll" {
			polls.Add(1)
		}
		if r.URL.Path == "/api/stats" {
			firstAsk.CompareAndSwap(-1, polls.Load())
			asked.Add(1)
			if failing.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"error":"counts are resting"}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
	lab.mu.Unlock()

	if err := chromedp.Do(ctx, chromedp.Navigate(lab.srv.URL+"/?interval=250")); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	pageKey(t, ctx) // the page draws itself once the server gave it its key
	waitFor(t, ctx, "every server cell shows a number", serverCells+`.every((td) => /^\d+/.test(td.textContent))`)
	if got := evaluate[bool](t, ctx, `document.querySelector('#stats-error').hidden`); !got {
		t.Errorf("#stats-error is shown while /api/stats answers")
	}

	t.Run("a failing /api/stats is said, and its numbers are not shown as current", func(t *testing.T) {
		console.expect("status of 503 (Service Unavailable)") // the browser's own word on each failure
		failing.Store(true)
		waitFor(t, ctx, "the header says the counts could not be read", `
			!document.querySelector('#stats-error').hidden &&
			document.querySelector('#stats-error').textContent.includes('counts are resting (HTTP 503)')`)
		if got := attribute(t, ctx, "#stats-error", "role"); got != "status" {
			t.Errorf("#stats-error role = %q, want status", got)
		}
		waitFor(t, ctx, "every server cell shows —", serverCells+`.every((td) => td.textContent === '—')`)
		// The page's own counts are still measured, and still shown.
		for _, tr := range transports {
			if got := metric(t, ctx, tr, "requests-page"); got == "—" || got == "" {
				t.Errorf("#panel-%s requests-page = %q, want the page's own count", tr, got)
			}
		}
		click(t, ctx, "#lang-ko")
		waitFor(t, ctx, "the error speaks Korean", `
			document.querySelector('#stats-error').textContent.includes('서버 집계를 읽지 못했습니다')`)
		click(t, ctx, "#lang-en")
	})

	t.Run("a hidden tab does not ask; shown again, it asks at once", func(t *testing.T) {
		// A failing server first, so that the page backs off from it.
		console.expect("status of 503 (Service Unavailable)")
		failing.Store(true)
		waitFor(t, ctx, "the header says the counts could not be read", `!document.querySelector('#stats-error').hidden`)
		failing.Store(false)
		// Headless Chromium keeps every tab visible: the page is told otherwise.
		setHidden(t, ctx, true)
		before := asked.Load()
		// Ten polls: 2.5 s of the page's time, in which a visible page would
		// have asked twice at least.
		waitPolls(t, &polls, polls.Load()+10)
		if got := asked.Load(); got > before+1 { // one may have been on its way
			t.Errorf("/api/stats asked %d times in ten polls while hidden, want none", got-before)
		}
		// The stats poll is backing off from the failures: its next try is a
		// second or more away (repeat.js: never less than its period). Only
		// waking it asks within three polls (750 ms).
		shown := polls.Load()
		firstAsk.Store(-1)
		setHidden(t, ctx, false)
		waitFor(t, ctx, "the error is gone and the numbers are back", `
			document.querySelector('#stats-error').hidden &&
			`+serverCells+`.every((td) => /^\d+/.test(td.textContent))`)
		if got := firstAsk.Load() - shown; got > 3 {
			t.Errorf("/api/stats was asked %d polls after the tab was shown, want at once (within 3)", got)
		}
	})

	t.Run("the polling panel says the browser slowed it while hidden", func(t *testing.T) {
		setHidden(t, ctx, true)
		setHidden(t, ctx, false)
		const note = "This tab was in the background"
		waitFor(t, ctx, "the polling panel says it", `document.querySelector('#panel-poll .state-detail').textContent.startsWith(`+strconv.Quote(note)+`)`)
		for _, tr := range []string{"sse", "ws"} {
			if got := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` .state-detail').textContent`); strings.Contains(got, note) {
				t.Errorf("#panel-%s .state-detail = %q: only polling is slowed by the browser's timers", tr, got)
			}
		}
		click(t, ctx, "#lang-ko")
		waitFor(t, ctx, "the note speaks Korean", `
			document.querySelector('#panel-poll .state-detail').textContent.includes('백그라운드')`)
		click(t, ctx, "#lang-en")
	})

	if p := console.problems(); len(p) > 0 {
		t.Errorf("the console reported: %q", p)
	}
}

// waitPolls waits until the page has polled n times in all.
func waitPolls(tb testing.TB, polls *atomic.Int64, n int64) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for polls.Load() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("the page polled %d times, want %d within %v", polls.Load(), n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setHidden makes document.hidden say hidden and tells the page, as a
// browser does when its tab goes to the background or comes back.
func setHidden(tb testing.TB, ctx context.Context, hidden bool) {
	tb.Helper()
	js := `Object.defineProperty(document, 'hidden', { configurable: true, get: () => ` + strconv.FormatBool(hidden) + ` });
		document.dispatchEvent(new Event('visibilitychange'));
		document.hidden`
	if got := evaluate[bool](tb, ctx, js); got != hidden {
		tb.Fatalf("document.hidden = %v, want %v", got, hidden)
	}
}
