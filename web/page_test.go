package web_test

// The page's test: the real server, the real feed and the real page, driven
// in headless Chromium through chromedp. One page session walks through the
// lesson a class sees: all three transports open and deliver, a message sent
// over the WebSocket comes back over all three, the page's request counts
// agree with the server's, and turning a transport off really stops it. The
// screenshot in README.md is taken on the way.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
	"transportlab/web"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	// chromium is the browser the test drives: Debian's package.
	chromium = "/usr/bin/chromium"

	// rate is the feed's events per second: fast, so that every transport
	// has plenty to deliver within a second or two.
	rate = 20

	// width and height are the browser window's, and so the screenshot's width.
	width, height = 1600, 1000

	// timeout bounds every wait for the page or the server. It only matters
	// when something is broken.
	timeout = 10 * time.Second
)

// The picture of the page in README.md comes from this test, run by make
// screenshot with a longer settle and the default polling interval, so that
// the charts show polling's sawtooth beside the flat lines of the pushes.
// A plain test run keeps its screenshot in a temporary directory, leaving
// the tree as it was.
var (
	screenshot = flag.String("screenshot", "", "write the page's screenshot to this `file` (relative to web/)")
	settle     = flag.Duration("settle", 6*time.Second, "how long the page runs before the screenshot")
	interval   = flag.Int("interval", 250, "the page's polling interval in `ms`")
)

var transports = []string{"poll", "sse", "ws"}

func TestPage(t *testing.T) {
	lab, ctx, console := openPage(t, fmt.Sprintf("?interval=%d", *interval))
	srv := lab.srv
	opened := time.Now()
	id := pageKey(t, ctx)

	ok := t.Run("all three open and deliver", func(t *testing.T) {
		waitFor(t, ctx, "every panel is open, has more than 5 events and a median latency", `
			['poll', 'sse', 'ws'].every((t) =>
				document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
				window.transportlab.ledgers()[t].received > 5 &&
				document.querySelector('#panel-' + t + ' [data-metric="latency-median"]').textContent !== '—')`)
		ledgers := pageLedgers(t, ctx)
		for _, tr := range transports {
			if got := panelState(t, ctx, tr); got != "open" {
				t.Errorf("#panel-%s .state data-state = %q, want %q", tr, got, "open")
			}
			if got := ledgers[tr].Received; got <= 5 {
				t.Errorf("ledgers().%s.received = %d, want more than 5", tr, got)
			}
			median := metric(t, ctx, tr, "latency-median")
			if _, err := latencyMs(median); err != nil {
				t.Errorf("#panel-%s latency-median = %q, want a number", tr, median)
			}
		}
		checkNothingLost(t, ledgers)
	})
	if !ok {
		return // nothing else can work without the transports
	}

	// Each subtest below turns on the transports it needs (use), so that it
	// runs alone (go test -run 'TestPage/name') as well as after the others.
	t.Run("a WebSocket message comes back", func(t *testing.T) {
		use(t, ctx, "poll", "sse", "ws")
		const text = "hello from chromedp"
		sendMessage(t, ctx, "ws", text)
		// Every transport is on, so the message must arrive over all three.
		waitFor(t, ctx, "the message arrived over every transport", `
			['poll', 'sse', 'ws'].every((t) =>
				document.querySelector('#message-rows td[data-arrival="' + t + '"] .num') !== null)`)
		for _, tr := range transports {
			sel := `#message-rows td[data-arrival="` + tr + `"] .num`
			got := evaluate[string](t, ctx, `document.querySelector('`+sel+`').textContent`)
			if _, err := strconv.ParseFloat(got, 64); err != nil {
				t.Errorf("%s = %q, want a number of milliseconds", sel, got)
			}
		}

		var answer struct {
			Events []feed.Event `json:"events"`
		}
		getJSON(t, srv, "/poll?since=0", &answer)
		var found []feed.Event
		for _, e := range answer.Events {
			if e.Kind == feed.KindMessage && e.Text == text {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Fatalf("GET /poll?since=0 has %d message events with text %q, want 1: %+v", len(found), text, found)
		}
		if got, name := found[0], pageName(t, ctx); got.Via != "ws" || got.From != name {
			t.Errorf("message event: via %q from %q, want via %q from %q, the page's public name", got.Via, got.From, "ws", name)
		}
		checkNothingLost(t, pageLedgers(t, ctx))
	})

	t.Run("screenshot", func(t *testing.T) {
		use(t, ctx, "poll", "sse", "ws")
		if wait := *settle - time.Since(opened); wait > 0 {
			time.Sleep(wait)
		}
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("taking a screenshot: %v", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("screenshot: not a PNG: %v", err)
		}
		if cfg.Width != width {
			t.Errorf("screenshot is %d px wide, want %d", cfg.Width, width)
		}
		if len(img) < 50<<10 {
			t.Errorf("screenshot is %d bytes, want more than 50 KB: is the page blank?", len(img))
		}
		path := *screenshot
		if path == "" {
			path = filepath.Join(t.TempDir(), "screenshot.png")
		}
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %dx%d, %d KB", path, cfg.Width, cfg.Height, len(img)>>10)
	})

	t.Run("한국어 by the toggle, and back", func(t *testing.T) {
		use(t, ctx, "poll", "sse", "ws")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-ko"))); err != nil {
			t.Fatalf("clicking #lang-ko: %v", err)
		}
		waitFor(t, ctx, "the page speaks Korean", `document.documentElement.lang === 'ko' &&
			document.querySelector('#panel-poll .name').textContent.includes('폴링')`)
		checks := map[string]string{
			`#panel-sse .name`:                       "서버 전송 이벤트(SSE)",
			`#panel-ws .name`:                        "웹 소켓",
			`#panel-poll .state`:                     "연결됨",
			`#log-title`:                             "메시지",
			`#panel-poll .facts dt`:                  "누락",
			`#transports-label`:                      "전송 방식",
			`#panel-ws [data-i18n="panel.requests"]`: "요청",
		}
		for sel, want := range checks {
			if got := evaluate[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", sel, got, want)
			}
		}
		if got := evaluate[string](t, ctx, `location.search`); !strings.Contains(got, "lang=ko") {
			t.Errorf("location.search = %q, want lang=ko in it", got)
		}
		for _, tr := range transports {
			for _, m := range []string{"requests-page", "events", "latency-median"} {
				if v := metric(t, ctx, tr, m); v == "" || v != strings.TrimSpace(v) {
					t.Errorf("#panel-%s %s = %q, want a number", tr, m, v)
				} else if _, err := latencyMs(v); err != nil {
					t.Errorf("#panel-%s %s = %q, want a number", tr, m, v)
				}
			}
		}

		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))); err != nil {
			t.Fatalf("clicking #lang-en: %v", err)
		}
		waitFor(t, ctx, "the page speaks English again", `document.documentElement.lang === 'en' &&
			document.querySelector('#panel-poll .name').textContent === 'Polling' &&
			location.search.includes('lang=en')`)
		checkNothingLost(t, pageLedgers(t, ctx))
	})

	t.Run("requests agree with the server", func(t *testing.T) {
		// Ten polls at least, then polling off, so that both counts hold
		// still while they are compared.
		use(t, ctx, "poll", "sse", "ws")
		waitFor(t, ctx, "the page polled ten times", `window.transportlab.ledgers().poll.requests >= 10`)
		use(t, ctx, "sse", "ws")
		counts := waitRequestsAgree(t, ctx, srv, id)
		for _, tr := range []string{"sse", "ws"} {
			if got := counts[tr].Requests; got != 1 {
				t.Errorf("server: client.%s.requests = %d, want 1 (one stream, no reconnects)", tr, got)
			}
		}
		if got := counts["poll"].Requests; got < 10 {
			t.Errorf("server: client.poll.requests = %d, want at least 10 (one per 250 ms)", got)
		}
	})

	t.Run("polling off stops its requests", func(t *testing.T) {
		use(t, ctx, "sse", "ws")
		// Once the request in flight as it was turned off is answered, none more.
		before := waitServer(t, srv, id, "no poll is open", func(c map[string]counters) bool { return c["poll"].Open == 0 })["poll"]
		pageWait(t, ctx, 6**interval) // six intervals of the page's own timers
		after := serverCounts(t, srv, id)["poll"]
		if after.Requests != before.Requests {
			t.Errorf("server: client.poll.requests went from %d to %d in six intervals with polling off, want no change",
				before.Requests, after.Requests)
		}
		if after.Open != 0 {
			t.Errorf("server: client.poll.open = %d with polling off, want 0", after.Open)
		}
		if got := panelState(t, ctx, "poll"); got != "off" {
			t.Errorf("#panel-poll .state data-state = %q, want %q", got, "off")
		}
		if got := attribute(t, ctx, "#toggle-poll", "aria-pressed"); got != "false" {
			t.Errorf("#toggle-poll aria-pressed = %q, want %q", got, "false")
		}
	})

	t.Run("WebSocket off closes its connection", func(t *testing.T) {
		use(t, ctx, "sse", "ws")
		toggle(t, ctx, "ws")
		waitFor(t, ctx, "the WebSocket is off", `document.querySelector('#panel-ws .state').dataset.state === 'off'`)
		counts := waitServer(t, srv, id, "client.ws.open is 0", func(c map[string]counters) bool {
			return c["ws"].Open == 0
		})
		if got := counts["sse"].Open; got != 1 {
			t.Errorf("server: client.sse.open = %d with SSE still on, want 1", got)
		}
		if got := attribute(t, ctx, "#toggle-ws", "aria-pressed"); got != "false" {
			t.Errorf("#toggle-ws aria-pressed = %q, want %q", got, "false")
		}
	})

	t.Run("SSE off and on resumes with nothing lost", func(t *testing.T) {
		use(t, ctx, "sse")
		requests := waitServer(t, srv, id, "client.sse has 1 open", func(c map[string]counters) bool {
			return c["sse"].Open == 1
		})["sse"].Requests
		toggle(t, ctx, "sse")
		waitFor(t, ctx, "SSE is off", `document.querySelector('#panel-sse .state').dataset.state === 'off'`)
		before := pageLedgers(t, ctx)["sse"]
		// Every transport is off: the header's head seq (from /api/stats)
		// tells when ten events have gone by meanwhile.
		waitFor(t, ctx, "ten events went by with SSE off", fmt.Sprintf(
			`Number(document.querySelector('#head').textContent) >= %d`, before.LastSeq+10))
		toggle(t, ctx, "sse")
		waitFor(t, ctx, "SSE is open again and caught up", fmt.Sprintf(`
			document.querySelector('#panel-sse .state').dataset.state === 'open' &&
			window.transportlab.ledgers().sse.received >= %d`, before.Received+10))
		checkNothingLost(t, pageLedgers(t, ctx))
		counts := waitServer(t, srv, id, "client.sse has one more request, 1 open", func(c map[string]counters) bool {
			return c["sse"].Requests == requests+1 && c["sse"].Open == 1
		})
		if page := pageLedgers(t, ctx)["sse"].Requests; page != counts["sse"].Requests {
			t.Errorf("sse requests: page counted %d, server counted %d", page, counts["sse"].Requests)
		}

		// SSE cannot send: a message goes by POST, one more request on both counts.
		const text = "hello over a POST"
		sendMessage(t, ctx, "sse", text)
		waitFor(t, ctx, "the POSTed message came back over SSE",
			`document.querySelector('#message-rows tr:first-child td[data-arrival="sse"] .num') !== null`)
		counts = waitServer(t, srv, id, "client.sse has two more requests", func(c map[string]counters) bool {
			return c["sse"].Requests == requests+2
		})
		if page := pageLedgers(t, ctx)["sse"].Requests; page != counts["sse"].Requests {
			t.Errorf("sse requests after a POST: page counted %d, server counted %d", page, counts["sse"].Requests)
		}
	})

	t.Run("a drop by the server is a reconnect with nothing lost", func(t *testing.T) {
		use(t, ctx, "sse", "ws")
		before := pageLedgers(t, ctx)
		// The browser reports a stream cut in the middle; that is the point.
		console.expect("net::ERR_INCOMPLETE_CHUNKED_ENCODING")
		lab.conns.Cut() // every connection of the page, cut by the server
		// SSE comes back by the browser's own retry (2 s), the WebSocket by
		// the page's backoff; both resume after the last seq they saw.
		waitFor(t, ctx, "SSE and WebSocket reconnected and caught up", `['sse', 'ws'].every((t) =>
			document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
			window.transportlab.ledgers()[t].reconnects > `+jsonOf(t, before)+`[t].reconnects)`)
		reconnected := pageLedgers(t, ctx)
		waitFor(t, ctx, "five events arrived after the reconnect", fmt.Sprintf(`
			window.transportlab.ledgers().sse.received >= %d && window.transportlab.ledgers().ws.received >= %d`,
			reconnected["sse"].Received+5, reconnected["ws"].Received+5))
		checkNothingLost(t, pageLedgers(t, ctx))
		ledgers := pageLedgers(t, ctx)
		counts := waitServer(t, srv, id, "the server counted the reconnections", func(c map[string]counters) bool {
			return c["sse"].Requests == ledgers["sse"].Requests && c["ws"].Requests == ledgers["ws"].Requests
		})
		for _, tr := range []string{"sse", "ws"} {
			if got := metric(t, ctx, tr, "reconnects"); got == "0" {
				t.Errorf("#panel-%s reconnects shows %s, want at least 1", tr, got)
			}
			if counts[tr].Open != 1 {
				t.Errorf("server: client.%s.open = %d, want 1", tr, counts[tr].Open)
			}
		}
	})

	t.Run("a server restart is a reset on every transport, never a silent gap", func(t *testing.T) {
		use(t, ctx, "poll", "sse", "ws")
		before := pageLedgers(t, ctx)
		// The browser reports the requests the restart cut, and those the new
		// run refuses with the old run's key (bad_key) until the page has another.
		console.expect("net::ERR_")
		console.expect("client=" + pageKey(t, ctx))
		epoch := lab.restart(t)
		waitFor(t, ctx, "every transport saw the new run and resumed", fmt.Sprintf(`
			['poll', 'sse', 'ws'].every((t) =>
				document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
				window.transportlab.ledgers()[t].resets > %s[t].resets &&
				window.transportlab.ledgers()[t].received > %s[t].received + 5) &&
			document.querySelector('#epoch').textContent === %q`, jsonOf(t, before), jsonOf(t, before), epoch))
		after := pageLedgers(t, ctx)
		for _, tr := range transports {
			if after[tr].Missed != before[tr].Missed || after[tr].Duplicates != 0 {
				t.Errorf("%s after the restart: missed %d (was %d), duplicates %d; a reset is no gap and no repeat",
					tr, after[tr].Missed, before[tr].Missed, after[tr].Duplicates)
			}
			if got := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` .state-detail').textContent`); !strings.Contains(got, "server restarted") {
				t.Errorf("#panel-%s .state-detail = %q, want it to say the server restarted", tr, got)
			}
		}
	})

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}

// requireChromium skips the test on a machine without Chromium, except in
// CI, which must run it.
func requireChromium(tb testing.TB) {
	tb.Helper()
	_, err := os.Stat(chromium)
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("CI must run the browser test: install chromium (%v)", err)
	}
	tb.Skipf("no browser to drive: %v", err)
}

// lab serves the whole of transportlab, with its page, fed by the real
// quote generator, on one address where the test can cut every connection
// and restart the server.
type lab struct {
	srv   *httptest.Server
	conns *transporttest.Listener
	log   *slog.Logger
	cfg   labConfig

	mu      sync.Mutex
	runs    []*run
	handler http.Handler // the current run's
}

// run is one run of the server: a hub, with its own epoch, and its feed.
type run struct {
	hub    *feed.Hub
	stop   context.CancelFunc
	quotes chan error
	end    sync.Once
}

// labConfig is what a lab serves besides transportlab's defaults.
type labConfig struct {
	// server changes the server's Config of each run: classroom mode.
	server func(*server.Config)
	// front, when set, stands before the server: a test that sees the
	// requests as they arrive.
	front func(http.Handler) http.Handler
}

// startLab starts the server. Cleanup stops it the way a shutdown does.
func startLab(tb testing.TB) *lab {
	tb.Helper()
	return startLabWith(tb, labConfig{})
}

// startLabWith starts the server as cfg says.
func startLabWith(tb testing.TB, cfg labConfig) *lab {
	tb.Helper()
	l := &lab{log: slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), cfg: cfg}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		h := l.handler
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
	if cfg.front != nil {
		h = cfg.front(h)
	}
	l.srv = httptest.NewUnstartedServer(h)
	l.conns = &transporttest.Listener{Listener: l.srv.Listener}
	l.srv.Listener = server.Install(l.srv.Config, l.conns) // bytes on the wire, as transportlab counts them
	l.start()
	l.srv.Start()
	tb.Cleanup(func() {
		l.mu.Lock()
		runs := l.runs
		l.mu.Unlock()
		for _, r := range runs {
			l.stop(tb, r)
		}
		// Only once every hub has ended its streams can srv.Close, which
		// waits for every response, return.
		l.srv.Close()
	})
	return l
}

// start begins a new run and sends every new request to it.
func (l *lab) start() {
	hub := feed.NewHub(feed.Config{Rate: rate})
	ctx, stop := context.WithCancel(context.Background())
	r := &run{hub: hub, stop: stop, quotes: make(chan error, 1)}
	go func() {
		watched := make(chan struct{})
		go func() { defer close(watched); hub.Watch(ctx, feed.DefaultWriteTimeout) }()
		err := feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2)))
		<-watched
		r.quotes <- err
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, r)
	// The limits of transportlab's defaults, which the page shows and obeys.
	cfg := server.Config{
		Page:         web.Files,
		MessageRate:  2,
		MessageBurst: 5,
		WriteTimeout: feed.DefaultWriteTimeout,
	}
	if l.cfg.server != nil {
		l.cfg.server(&cfg)
	}
	l.handler = server.New(hub, l.log, cfg)
}

// stop ends a run as a shutdown does: the feed stops, and every stream is
// closed with a goodbye.
func (l *lab) stop(tb testing.TB, r *run) {
	tb.Helper()
	r.end.Do(func() {
		r.stop()
		if err := <-r.quotes; err != nil {
			tb.Errorf("feed.Quotes = %v, want nil", err)
		}
		r.hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := r.hub.Wait(ctx); err != nil {
			tb.Errorf("hub.Wait after Close = %v, want nil", err)
		}
	})
}

// restart replaces the server by a new run, with a new epoch and a history
// that knows nothing of the old one, on the same address, and cuts what is
// left of the old run's connections.
func (l *lab) restart(tb testing.TB) (epoch string) {
	tb.Helper()
	l.mu.Lock()
	old := l.runs[len(l.runs)-1]
	l.mu.Unlock()
	l.start()
	l.stop(tb, old)
	l.conns.Cut()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs[len(l.runs)-1].hub.Epoch()
}

// startBrowser starts headless Chromium with a fresh profile and returns the
// context of its one tab. Cleanup closes the browser and waits for it to exit.
func startBrowser(tb testing.TB) context.Context {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // Debian's chromium refuses to run as root with its sandbox
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"), // the page follows the browser's language: English here
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx
		cancelTab()
		cancelAlloc()
		tb.Fatalf("starting %s: %v", chromium, err)
	}
	tb.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil {
			tb.Errorf("closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc() // waits until the browser process has exited
	})
	return ctx
}

// consoleLog gathers what a page writes to its console that a working page
// never should: warnings, errors, failed assertions and uncaught exceptions.
type consoleLog struct {
	mu       sync.Mutex
	bad      []string
	expected []string // what the browser must say about a connection the test cut
}

// expect allows messages containing text from now on: the browser's own
// report of a stream the test cut on purpose.
func (c *consoleLog) expect(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expected = append(c.expected, text)
}

func (c *consoleLog) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bad...)
}

func (c *consoleLog) add(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, text := range c.expected {
		if strings.Contains(line, text) {
			return
		}
	}
	c.bad = append(c.bad, line)
}

// watchConsole records the console of ctx's tab from now until cleanup.
func watchConsole(tb testing.TB, ctx context.Context) *consoleLog {
	tb.Helper()
	ctx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(ctx) // subscribes now: nothing is missed
	c := new(consoleLog)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				if ctx.Err() == nil {
					tb.Errorf("reading the console: %v", err)
				}
				return
			}
			switch m.Type {
			case chromedp.ConsoleWarning, chromedp.ConsoleError, chromedp.ConsoleException, "assert":
				c.add(fmt.Sprintf("  %s (%s:%d)", m, m.URL, m.Line+1))
			}
		}
	}()
	tb.Cleanup(func() {
		stop()
		<-done
	})
	return c
}

// evaluate runs a JavaScript expression in the page and returns its value.
func evaluate[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript expression is true in the page, and
// stops the test with what the page shows when it never becomes true.
func waitFor(tb testing.TB, ctx context.Context, what, expr string) {
	tb.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(timeout),
	))
	if err != nil {
		tb.Fatalf("waiting until %s: %v\nthe page: %s", what, err, describePage(ctx))
	}
}

// describePage says what each panel shows, for a failure message.
func describePage(ctx context.Context) string {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		panels: Object.fromEntries(['poll', 'sse', 'ws'].map((t) => [t,
			document.querySelector('#panel-' + t + ' .state').dataset.state + ': ' +
			document.querySelector('#panel-' + t + ' .state-detail').textContent])),
		ledgers: window.transportlab.ledgers(),
		clock: window.transportlab.clock(),
		log: document.querySelector('#message-rows').textContent.trim(),
	})`))
	if err != nil {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return s
}

// ledger is what window.transportlab.ledgers() reports for one transport.
type ledger struct {
	Received   int64 `json:"received"`
	Missed     int64 `json:"missed"`
	Duplicates int64 `json:"duplicates"`
	Resets     int64 `json:"resets"`
	Reconnects int64 `json:"reconnects"`
	Replayed   int64 `json:"replayed"`
	Requests   int64 `json:"requests"`
	Bytes      int64 `json:"bytes"`
	Probe      int64 `json:"probe"`
	LastSeq    int64 `json:"lastSeq"`
}

func pageLedgers(tb testing.TB, ctx context.Context) map[string]ledger {
	tb.Helper()
	return evaluate[map[string]ledger](tb, ctx, `window.transportlab.ledgers()`)
}

// checkNothingLost reports any event a transport missed or delivered twice.
func checkNothingLost(tb testing.TB, ledgers map[string]ledger) {
	tb.Helper()
	for _, tr := range transports {
		if got := ledgers[tr].Missed; got != 0 {
			tb.Errorf("ledgers().%s.missed = %d, want 0", tr, got)
		}
		if got := ledgers[tr].Duplicates; got != 0 {
			tb.Errorf("ledgers().%s.duplicates = %d, want 0", tr, got)
		}
	}
}

// panelState returns the data-state of a transport's badge.
func panelState(tb testing.TB, ctx context.Context, transport string) string {
	tb.Helper()
	return attribute(tb, ctx, "#panel-"+transport+" .state", "data-state")
}

// metric returns the text of a panel's [data-metric=name].
func metric(tb testing.TB, ctx context.Context, transport, name string) string {
	tb.Helper()
	sel := fmt.Sprintf(`#panel-%s [data-metric="%s"]`, transport, name)
	return evaluate[string](tb, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

func attribute(tb testing.TB, ctx context.Context, sel, name string) string {
	tb.Helper()
	return evaluate[string](tb, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute(%q)`, sel, name))
}

// use turns on the transports named and off the others, as an instructor
// does with the toggles, and waits until each is open or off.
func use(tb testing.TB, ctx context.Context, on ...string) {
	tb.Helper()
	for _, tr := range transports {
		want := slices.Contains(on, tr)
		if evaluate[string](tb, ctx, `document.querySelector('#toggle-`+tr+`').getAttribute('aria-pressed')`) != strconv.FormatBool(want) {
			toggle(tb, ctx, tr)
		}
	}
	waitFor(tb, ctx, fmt.Sprintf("only %v are on, and open", on), fmt.Sprintf(`['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === (%s.includes(t) ? 'open' : 'off'))`, jsonOf(tb, on)))
}

// pageWait waits ms by the page's own timers: a page slowed down by a busy
// machine runs its other timers due before as late, so what they would do
// has been done when it returns.
func pageWait(tb testing.TB, ctx context.Context, ms int) {
	tb.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
		fmt.Sprintf(`new Promise((done) => setTimeout(done, %d))`, ms), chromedp.EvalAwaitPromise)); err != nil {
		tb.Fatalf("waiting %d ms in the page: %v", ms, err)
	}
}

// toggle clicks a transport's on/off button, as an instructor does.
func toggle(tb testing.TB, ctx context.Context, transport string) {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#toggle-"+transport))); err != nil {
		tb.Fatalf("clicking #toggle-%s: %v", transport, err)
	}
}

// counters are the server's counts for one transport, as /api/stats has them.
type counters struct {
	Requests int64 `json:"requests"`
	Open     int64 `json:"open"`
	Events   int64 `json:"events"`
	Bytes    int64 `json:"bytes"`
	WireIn   int64 `json:"wireIn"`
	WireOut  int64 `json:"wireOut"`
}

// serverCounts returns what the server spent on page id, per transport. The
// request to /api/stats is no transport's and is not counted.
func serverCounts(tb testing.TB, srv *httptest.Server, id string) map[string]counters {
	tb.Helper()
	var stats struct {
		Client map[string]counters `json:"client"`
	}
	getJSON(tb, srv, "/api/stats?client="+id, &stats)
	if stats.Client == nil {
		tb.Fatalf("GET /api/stats?client=%s: no counts for the page", id)
	}
	return stats.Client
}

// waitServer waits until the server's counts for page id satisfy ok, and
// returns them.
func waitServer(tb testing.TB, srv *httptest.Server, id, what string, ok func(map[string]counters) bool) map[string]counters {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c := serverCounts(tb, srv, id)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			tb.Fatalf("waiting until %s: after %v the server counts %+v", what, timeout, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRequestsAgree waits until the page and the server count the same HTTP
// requests for every transport, and returns the server's counts. The page
// counts a request when it sends it and the server when it arrives, so a
// poll still on its way makes them differ for a moment; call it once nothing
// new is sent (polling off), and it fails if they never agree.
func waitRequestsAgree(tb testing.TB, ctx context.Context, srv *httptest.Server, id string) map[string]counters {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ledgers, counts := pageLedgers(tb, ctx), serverCounts(tb, srv, id)
		differ := []string{}
		for _, tr := range transports {
			if page, server := ledgers[tr].Requests, counts[tr].Requests; page != server {
				differ = append(differ, fmt.Sprintf("%s: page counted %d, server %d", tr, page, server))
			}
		}
		if len(differ) == 0 {
			return counts
		}
		if time.Now().After(deadline) {
			tb.Fatalf("requests never agreed within %v: %s", timeout, strings.Join(differ, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getJSON fetches path from the server with its own client (whose idle
// connections srv.Close closes) and decodes the JSON answer into v.
func getJSON(tb testing.TB, srv *httptest.Server, path string, v any) {
	tb.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("GET %s: decoding the answer: %v", path, err)
	}
}

// mint asks the server for a new page's key, as the page does first: for a
// request of the test's own that names a page.
func mint(tb testing.TB, srv *httptest.Server) string {
	tb.Helper()
	resp, err := srv.Client().Post(srv.URL+"/api/pages", "", nil)
	if err != nil {
		tb.Fatalf("POST /api/pages: %v", err)
	}
	defer resp.Body.Close()
	var answer struct{ Key string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("POST /api/pages: %s %v, want 201 and a key", resp.Status, err)
	}
	return answer.Key
}

// jsonOf encodes v for a JavaScript expression.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// openPage starts the lab and a browser, and opens the page with query
// ("?interval=250"), watching its console: how every page test begins.
func openPage(tb testing.TB, query string) (*lab, context.Context, *consoleLog) {
	tb.Helper()
	requireChromium(tb)
	l := startLab(tb)
	ctx := startBrowser(tb)
	console := watchConsole(tb, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(l.srv.URL+"/"+query)); err != nil {
		tb.Fatalf("opening the page: %v", err)
	}
	// The load event does not wait for the page's first request, its key:
	// until the key comes, the page has drawn nothing.
	pageKey(tb, ctx)
	return l, ctx, console
}

// pageKey waits until the page has the key that the server gave it (the
// page asks for it before anything else), and returns it: the page's
// ?client=, for the test to read what the server holds for that page.
func pageKey(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	waitFor(tb, ctx, "the page has its key", `typeof window.transportlab?.clientId === 'string'`)
	return evaluate[string](tb, ctx, `window.transportlab.clientId`)
}

// pageName returns the page's public name, once it has one: how the feed
// names it to every page.
func pageName(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	pageKey(tb, ctx)
	return evaluate[string](tb, ctx, `window.transportlab.name`)
}

// sendMessage sends text from the page's message form over transport via.
func sendMessage(tb testing.TB, ctx context.Context, via, text string) {
	tb.Helper()
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#message-via"), via),
		chromedp.SendKeys(chromedp.CSS("#message-text"), text),
		chromedp.Click(chromedp.CSS("#message-send")),
	); err != nil {
		tb.Fatalf("sending a message: %v", err)
	}
}
