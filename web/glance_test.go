package web_test

// The page at a glance, on a projector's 1366×768: the numbers that matter
// are the big ones, the charts can be compared, and the page never becomes
// what it measures.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

var glanceShots = flag.String("glance-screenshots", "", "write TestGlance's 1366×768 screenshots (English and Korean, the first screen and the whole page) to this `directory`")

// projector is the screen the page must fit at a glance: the most common
// projector and classroom laptop resolution.
const projectorW, projectorH = 1366, 768

func TestGlance(t *testing.T) {
	lab, ctx, console := openPage(t, "?interval=250")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(projectorW, projectorH)); err != nil {
		t.Fatalf("emulating a %d×%d screen: %v", projectorW, projectorH, err)
	}
	waitFor(t, ctx, "every panel is open and shows a median", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
		window.transportlab.ledgers()[t].received > 5 &&
		document.querySelector('#panel-' + t + ' [data-metric="latency-median"]').textContent !== '—')`)

	t.Run("the median is the big number", func(t *testing.T) {
		for _, tr := range transports {
			// The figures in the order they are read, and the size of each number.
			got := evaluate[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#panel-%s .latency .num')]
				.map((n) => n.dataset.metric + ':' + parseFloat(getComputedStyle(n).fontSize))`, tr))
			// Median, p95, last, and the clock's uncertainty beside them.
			if len(got) != 4 || !strings.HasPrefix(got[0], "latency-median:") {
				t.Fatalf("#panel-%s latency figures = %q, want the median first", tr, got)
			}
			size := func(f string) float64 {
				v, _ := strconv.ParseFloat(f[strings.Index(f, ":")+1:], 64)
				return v
			}
			for _, other := range got[1:] {
				if size(got[0]) < 1.3*size(other) {
					t.Errorf("#panel-%s: the median's number is %.0f px, %s is %.0f px: want the median at least 1.3 times as big",
						tr, size(got[0]), other[:strings.Index(other, ":")], size(other))
				}
			}
		}
	})

	t.Run("the panels' charts share one log scale", func(t *testing.T) {
		// Polling every 250 ms takes up to ~250 ms, the pushes a few: on one
		// axis for all three, it reaches 1000 ms in every panel.
		waitFor(t, ctx, "polling's latencies are on the charts", `window.transportlab.ledgers().poll.received > 20`)
		domains := evaluate[[]string](t, ctx, `['poll', 'sse', 'ws'].map((t) => document.querySelector('#panel-' + t + ' canvas').dataset.domain)`)
		for i, d := range domains {
			if d != domains[0] {
				t.Errorf("#panel-%s canvas data-domain = %q, #panel-poll's = %q: want one axis", transports[i], d, domains[0])
			}
		}
		var lo, hi float64
		if _, err := fmt.Sscanf(domains[0], "%g %g", &lo, &hi); err != nil || lo != 0.1 || hi < 1000 {
			t.Errorf("the panels' axis = %q, want 0.1 ms up to at least 1000 ms", domains[0])
		}
	})

	t.Run("on a 1366×768 screen, the numbers and charts come first", func(t *testing.T) {
		for _, lang := range []string{"en", "ko"} {
			click(t, ctx, "#lang-"+lang)
			waitFor(t, ctx, "the page speaks "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
			evaluate[bool](t, ctx, `window.scrollTo(0, 0), true`)
			// The page's name is drawn from word lists: the header keeps one
			// line with the longest, not only with this run's.
			evaluate[bool](t, ctx, fmt.Sprintf(`(document.querySelector('#client-id').textContent = %q, true)`, longestName))
			controls := evaluate[float64](t, ctx, `document.querySelector('#panels').getBoundingClientRect().top`)
			if controls > projectorH/2 {
				t.Errorf("%s: the panels start %.0f px down, want the header and controls in the top half of %d px", lang, controls, projectorH)
			}
			// Each panel in view: a lane beyond the design card's three is out
			// of view while it is off.
			bottoms := evaluate[map[string]float64](t, ctx, `Object.fromEntries([...document.querySelectorAll('.panel:not([hidden])')].map((p) =>
				[p.id, p.querySelector('.chart').getBoundingClientRect().bottom]))`)
			if len(bottoms) != len(transports) {
				t.Errorf("%s: panels in view %v, want the design card's %d", lang, bottoms, len(transports))
			}
			for id, b := range bottoms {
				if b > projectorH {
					t.Errorf("%s: #%s's chart ends %.0f px down, want it on the first %d px", lang, id, b, projectorH)
				}
			}
			shoot(t, ctx, lang)
		}
		click(t, ctx, "#lang-en")
		click(t, ctx, "a.jump")
		waitFor(t, ctx, "the link brought the side-by-side charts to the top of the screen", `
			Math.abs(document.querySelector('#compare').getBoundingClientRect().top) < 2 && window.scrollY > 0`)
		evaluate[bool](t, ctx, `window.scrollTo(0, 0), true`)
	})

	t.Run("zero counters fold away until something happens", func(t *testing.T) {
		shown := func(tr, name string) bool {
			return evaluate[bool](t, ctx, fmt.Sprintf(`document.querySelector('#panel-%s [data-metric="%s"]').checkVisibility()`, tr, name))
		}
		for _, tr := range transports {
			for _, name := range []string{"missed", "duplicates", "resets", "reconnects"} {
				if shown(tr, name) {
					t.Errorf("#panel-%s %s = %s is shown, want it folded away while 0", tr, name, metric(t, ctx, tr, name))
				}
			}
			if !shown(tr, "open-server") {
				t.Errorf("#panel-%s open-server is folded away, want it shown: it is no counter", tr)
			}
		}
		// A stream's first connection starts at the head: no catch-up to show yet.
		for _, tr := range []string{"sse", "ws"} {
			if shown(tr, "catchup-median") {
				t.Errorf("#panel-%s catch-up median = %s is shown, want it folded away while there was none", tr, metric(t, ctx, tr, "catchup-median"))
			}
		}
		// A cut by the server: SSE and the WebSocket reconnect, and say so.
		console.expect("net::ERR_")
		lab.conns.Cut()
		waitFor(t, ctx, "SSE and the WebSocket reconnected", `['sse', 'ws'].every((t) =>
			window.transportlab.ledgers()[t].reconnects >= 1 &&
			document.querySelector('#panel-' + t + ' [data-metric="reconnects"]').textContent !== '0')`)
		for _, tr := range []string{"sse", "ws"} {
			if !shown(tr, "reconnects") {
				t.Errorf("#panel-%s reconnects = %s is folded away, want it shown once it counts", tr, metric(t, ctx, tr, "reconnects"))
			}
		}
	})

	if p := console.problems(); len(p) > 0 {
		t.Errorf("the console reported: %q", p)
	}
}

// shoot writes the first screen and the whole page to -glance-screenshots,
// named after lang, when the flag is set.
// longestName is as long as a page's public name can be (pagekey.MaxNameLen),
// with the widest of the words.
var longestName = "cheerful elephant 88"

// mainThreadTime returns the CPU time the page's main thread has spent in
// tasks: Chromium's TaskDuration, in thread ticks once Performance.enable
// asked for them.
func mainThreadTime(tb testing.TB, ctx context.Context) time.Duration {
	tb.Helper()
	m, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		tb.Fatalf("Performance.getMetrics: %v", err)
	}
	for _, metric := range m.Metrics {
		if metric.Name == "TaskDuration" {
			return time.Duration(metric.Value * float64(time.Second))
		}
	}
	tb.Fatal("Performance.getMetrics has no TaskDuration")
	return 0
}

func shoot(tb testing.TB, ctx context.Context, lang string) {
	tb.Helper()
	if *glanceShots == "" {
		return
	}
	for name, action := range map[string]chromedp.Action[[]byte]{
		"screen": chromedp.CaptureScreenshot(),
		"page":   chromedp.FullScreenshot(100),
	} {
		img, err := chromedp.Run(ctx, action)
		if err != nil {
			tb.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(*glanceShots, fmt.Sprintf("glance-%s-%s.png", lang, name))
		if err := os.WriteFile(path, img, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

var pageCostFor = flag.Duration("page-cost", 65*time.Second, "how long TestPageCost runs the page at 100 events/s: the charts fill for a minute (-short: 20 s)")

// TestPageCost checks that the page never becomes what it measures: at 100
// events a second, with every transport on and every chart drawing, the
// page's own work on its one thread stays a small share of a core, also
// once the charts hold a full minute. A page whose drawing grew with its
// charts would hold each event behind a frame, and its medians would show
// the page's cost, not the transports'.
//
// The bound is on the main thread's CPU time (Chromium's Performance
// metrics in thread ticks), not on the latencies it protects: a busy
// 2-core machine delays every process, and the medians with them, however
// little the page does; the thread's own time is what the page spends.
// The medians are logged beside it.
func TestPageCost(t *testing.T) {
	const (
		rate     = 100
		interval = 250
		// The share of a core the page's thread may take: measured about
		// 0.1 here; the rest is headroom for -race's server and a slow CPU.
		maxShare = 0.35
	)
	lab, ctx, console := openPage(t, fmt.Sprintf("?interval=%d", interval))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(projectorW, projectorH)); err != nil {
		t.Fatalf("emulating a %d×%d screen: %v", projectorW, projectorH, err)
	}
	putFeed(t, lab.srv, rate)
	waitFor(t, ctx, "every transport is open", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open')`)
	// Long tasks (50 ms and more) on the page's one thread, for the log.
	evaluate[bool](t, ctx, `(window.longTasks = [],
		new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration)))
			.observe({ type: 'longtask', buffered: true }), true)`)
	if _, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks}); err != nil {
		t.Fatalf("Performance.enable: %v", err)
	}
	busyBefore, wallBefore := mainThreadTime(t, ctx), time.Now()
	start := pageLedgers(t, ctx)
	runFor := *pageCostFor
	if testing.Short() {
		runFor = min(runFor, 20*time.Second)
	}
	time.Sleep(runFor)

	end := pageLedgers(t, ctx)
	if got, want := end["sse"].Received-start["sse"].Received, int64(runFor.Seconds()*rate/2); got < want {
		t.Fatalf("SSE received %d events in %v, want at least %d: is the feed at %d events/s?", got, runFor, want, rate)
	}
	checkNothingLost(t, end)
	longTasks := evaluate[[]float64](t, ctx, `window.longTasks`)
	t.Logf("after %v at %d events/s: %d long tasks %v ms", runFor, rate, len(longTasks), longTasks)
	for _, tr := range transports {
		t.Logf("%-4s median %s ms, p95 %s ms, %d events", tr,
			metric(t, ctx, tr, "latency-median"), metric(t, ctx, tr, "latency-p95"), end[tr].Received)
	}
	busy, wall := mainThreadTime(t, ctx)-busyBefore, time.Since(wallBefore)
	share := busy.Seconds() / wall.Seconds()
	t.Logf("the page's main thread ran %v in %v: %.2f of a core, %.2f ms an event", busy.Round(time.Millisecond), wall.Round(time.Millisecond),
		share, float64(busy.Microseconds())/1000/float64(end["sse"].Received-start["sse"].Received))
	if share > maxShare {
		t.Errorf("the page's main thread took %.2f of a core at %d events/s, want at most %.2f: is its drawing growing with its charts?", share, rate, maxShare)
	}
	if p := console.problems(); len(p) > 0 {
		t.Errorf("the console reported: %q", p)
	}
}
