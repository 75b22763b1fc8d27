package web_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/web"
)

// The numbers in README.md's "What it costs" come from this test, run by
// make measure: the page in headless Chromium against the server at the
// defaults (5 events a second, a poll every second), for a minute, with
// and without a simulated delay. A plain test run skips it.
var (
	measureFor   = flag.Duration("measure", 0, "run the page at the defaults for this long and report what each transport cost (0: skip)")
	measureDelay = flag.Int("measure-delay", 0, "a simulated one-way delay for the page, in `ms`")
)

func TestMeasure(t *testing.T) {
	if *measureFor == 0 {
		t.Skip("run with -measure 60s (make measure)")
	}
	requireChromium(t)
	const defaultRate, defaultInterval = 5, 1000
	hub := feed.NewHub(feed.Config{Rate: defaultRate})
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: web.Files}))
	srv.Listener = server.Install(srv.Config, srv.Listener)
	srv.Start()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2))) })
	defer func() {
		stop()
		wg.Wait()
		hub.Close()
		srv.Close()
	}()

	browser := startBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(fmt.Sprintf("%s/?interval=%d", srv.URL, defaultInterval))); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	id := pageKey(t, browser)
	if *measureDelay > 0 {
		body := fmt.Sprintf(`{"delayMs":%d,"jitterMs":0}`, *measureDelay)
		if err := evaluateErr(browser, fmt.Sprintf(`fetch('/api/sim?client=%s', {method: 'PUT', body: %q}).then((r) => r.status)`, id, body)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(*measureFor)

	counts := serverCounts(t, srv, id)
	t.Logf("%s at %d events/s, polling every %d ms, %d ms added:", *measureFor, defaultRate, defaultInterval, *measureDelay)
	clock := evaluate[map[string]float64](t, browser, `window.transportlab.clock()`)
	t.Logf("clock offset %+.1f ± %.1f ms (shortest round trip %.1f ms): a latency below the bound reads \"≤ X\"",
		math.Round(clock["offsetMs"]*10)/10+0, clock["errorMs"], clock["rttMs"]) // +0 turns -0 into 0: no "-0.0"
	ledgers := pageLedgers(t, browser)
	t.Logf("%-5s %8s %8s %7s %9s %9s %9s %9s %8s %9s %8s", "", "median", "p95", "requests", "events", "wire", "wire/ev", "body/ev", "not body", "wire/min", "probe/ev")
	for _, tr := range transports {
		c := counts[tr]
		// The page's own probe (WebSocket pings and pongs) is its measuring,
		// not the transport's cost: apart, as the page shows it.
		probe := ledgers[tr].Probe
		wire := c.WireIn + c.WireOut - probe
		perEvent := func(n int64) string {
			if c.Events == 0 {
				return "—"
			}
			return fmt.Sprintf("%.0f B", float64(n)/float64(c.Events))
		}
		t.Logf("%-5s %8s %8s %8d %9d %7d B %9s %9s %7.0f%% %7.0f B %8s",
			tr, metric(t, browser, tr, "latency-median"), metric(t, browser, tr, "latency-p95"),
			c.Requests, c.Events, wire, perEvent(wire), perEvent(c.Bytes),
			100*(1-float64(c.Bytes)/float64(wire)), float64(wire)/measureFor.Minutes(), perEvent(probe))
	}
}

// evaluateErr runs a script that returns an HTTP status and fails unless
// it is 2xx.
func evaluateErr(ctx context.Context, expr string) error {
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("status %d", status)
	}
	return nil
}
