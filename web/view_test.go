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

// serverCells is every cell of the page whose number comes from /api/stats.
const serverCells = `[
	...document.querySelectorAll('.panel [data-metric$="-server"]'),
	...['wire-minute', 'wire-event', 'body-event', 'overhead'].flatMap((c) =>
		[...document.querySelectorAll('#costs [data-cost="' + c + '"]')]),
]`

func TestStaleStatsAndHiddenTab(t *testing.T) {
	requireChromium(t)
	lab := startLab(t)
	ctx := startBrowser(t)
	console := watchConsole(t, ctx)

	// The server's /api/stats, failing on demand, and counted.
	var failing atomic.Bool
	var asked atomic.Int64
	lab.mu.Lock()
	next := lab.handler
	lab.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/stats" {
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
		failing.Store(false)
		// Headless Chromium keeps every tab visible: the page is told otherwise.
		setHidden(t, ctx, true)
		before := asked.Load()
		time.Sleep(2500 * time.Millisecond)      // nothing may happen: two polls' time and more
		if got := asked.Load(); got > before+1 { // one may have been on its way
			t.Errorf("/api/stats asked %d times in 2.5 s while hidden, want none", got-before)
		}
		setHidden(t, ctx, false)
		// The stats poll is backing off from the failures above (up to 8 s and
		// more); only waking it at once brings the numbers back this soon.
		start := time.Now()
		waitFor(t, ctx, "the error is gone and the numbers are back", `
			document.querySelector('#stats-error').hidden &&
			`+serverCells+`.every((td) => /^\d+/.test(td.textContent))`)
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("the numbers came back %v after the tab was shown, want at once", d)
		}
	})

	t.Run("the polling panel says the browser slowed it while hidden", func(t *testing.T) {
		const note = "This tab was in the background"
		if got := evaluate[string](t, ctx, `document.querySelector('#panel-poll .state-detail').textContent`); !strings.Contains(got, note) {
			t.Errorf("#panel-poll .state-detail = %q, want it to start with %q", got, note)
		}
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
