package web_test

// The comparison section's test: the charts below the panels draw every
// transport in its own colour, the cost table shows what the page and the
// server counted, and the export buttons download the run as JSON and CSV
// that a lab write-up can read back.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

var chartsScreenshot = flag.String("charts-screenshot", "", "write a 1280-px-wide screenshot of the page with its charts, in Korean, to this `file`")

func TestChartsAndExport(t *testing.T) {
	lab, ctx, console := openPage(t, "?interval=250")
	srv := lab.srv
	id := pageKey(t, ctx)
	// Five polls at least, so the table has five requests to show.
	waitFor(t, ctx, "every transport delivered 20 events with a latency, and polling asked 5 times", `
		window.transportlab.ledgers().poll.requests >= 5 &&
		['poll', 'sse', 'ws'].every((t) =>
			window.transportlab.ledgers()[t].received >= 20 &&
			document.querySelector('#costs tr[data-transport="' + t + '"] [data-cost="median"]').textContent !== '—')`)

	t.Run("every chart draws every transport in its colour", func(t *testing.T) {
		// A dot of the timeline alone is a dozen pixels; a CDF's curve or a
		// bar is a hundred or more. Only pixels wholly inside a shape count
		// (its antialiased edge is another colour). In the first seconds the
		// timeline's dots of one transport are crowded into a few pixels of
		// width (60 s span the chart), and SSE and the WebSocket deliver at
		// nearly the same latency, so the WebSocket's markers, drawn last,
		// cover most of SSE's: a single reading may find fewer than 12 of
		// SSE's pixels. As the dots spread to the left, SSE's corners show;
		// so wait for it, up to the usual timeout: a transport not drawn, or
		// drawn in another colour, never gets there.
		waitFor(t, ctx, "every chart has at least 12 pixels of every transport's colour",
			`Object.values(`+countColoursJS+`).every((n) => n.poll >= 12 && n.sse >= 12 && n.ws >= 12)`)
	})

	t.Run("the cost table shows what was counted", func(t *testing.T) {
		cost := func(tr, name string) string {
			return evaluate[string](t, ctx, fmt.Sprintf(
				`document.querySelector('#costs tr[data-transport="%s"] [data-cost="%s"]').textContent`, tr, name))
		}
		// The table is drawn with each render from the server's last counts,
		// which the page reads once a second: wait for a render after five
		// polls and after a read that had events of every transport.
		waitFor(t, ctx, "the cost table has five polls and the server's wire bytes for every transport", `
			Number(document.querySelector('#costs tr[data-transport="poll"] [data-cost="requests-minute"]').textContent) >= 5 &&
			['poll', 'sse', 'ws'].every((t) => /^\d/.test(
				document.querySelector('#costs tr[data-transport="' + t + '"] [data-cost="wire-event"]').textContent))`)
		// The page is younger than a minute: every request it made is in it.
		for _, tr := range []string{"sse", "ws"} {
			if got := cost(tr, "requests-minute"); got != "1" {
				t.Errorf("%s requests in the last minute = %q, want %q (one stream)", tr, got, "1")
			}
		}
		if n, err := strconv.Atoi(cost("poll", "requests-minute")); err != nil || n < 5 {
			t.Errorf("poll requests in the last minute = %q, want at least 5 (one every 250 ms)", cost("poll", "requests-minute"))
		}

		// Wire bytes: this server always counts them, so every cell is a number.
		var stats struct {
			Client map[string]map[string]float64 `json:"client"`
		}
		getJSON(t, srv, "/api/stats?client="+id, &stats)
		for _, tr := range transports {
			c := stats.Client[tr]
			if _, ok := c["wireOut"]; !ok {
				t.Fatalf("/api/stats has no wireOut for %s: %v", tr, c)
			}
			for _, name := range []string{"wire-minute", "wire-event", "overhead"} {
				if got := cost(tr, name); got == "—" {
					t.Errorf("%s %s = —, want a number: the server counts wire bytes", tr, name)
				}
			}
			// The table refreshes from a sample up to a second older than
			// the server's count now, and early in a run, with few events
			// yet, a second moves an event's share of the handshake: the
			// two meet within a few refreshes, a wrong sum never does.
			deadline := time.Now().Add(timeout)
			for {
				getJSON(t, srv, "/api/stats?client="+id, &stats)
				c := stats.Client[tr]
				want := (c["wireIn"] + c["wireOut"]) / c["events"]
				got, err := strconv.ParseFloat(cost(tr, "wire-event"), 64)
				if err == nil && math.Abs(got-want) <= 0.15*want {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("%s wire bytes per event = %q, want about %.0f (the server's count now)", tr, cost(tr, "wire-event"), want)
					break
				}
				time.Sleep(250 * time.Millisecond)
			}
		}
	})

	t.Run("export downloads the run as JSON and CSV", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior:      browser.SetDownloadBehaviorBehaviorAllow,
			DownloadPath:  dir,
			EventsEnabled: new(true),
		}); err != nil {
			t.Fatalf("allowing downloads: %v", err)
		}
		pageName := pageName(t, ctx)
		name, data := download(t, ctx, dir, "#export-json")
		slug := strings.ReplaceAll(pageName, " ", "-")
		if filepath.Ext(name) != ".json" || !strings.HasPrefix(name, "transportlab-"+slug+"-") {
			t.Errorf("JSON download is named %q, want transportlab-%s-….json", name, slug)
		}
		if strings.Contains(name, id) || bytes.Contains(data, []byte(id)) {
			t.Errorf("the JSON download %q holds the page's key %q: a file is handed around", name, id)
		}
		var run exportedRun
		if err := json.Unmarshal(data, &run); err != nil {
			t.Fatalf("%s is not JSON: %v\n%.300s", name, err, data)
		}
		checkRun(t, run, pageName)

		name, data = download(t, ctx, dir, "#export-csv")
		if filepath.Ext(name) != ".csv" || strings.Contains(name, id) {
			t.Errorf("CSV download is named %q, want a .csv file without the page's key", name)
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s is not CSV: %v", name, err)
		}
		want := []string{"transport", "seq", "kind", "ts", "receivedAt", "latencyMs", "replayed"}
		if len(rows) == 0 || !slices.Equal(rows[0], want) {
			t.Fatalf("CSV header = %q, want %q", rows[:min(1, len(rows))], want)
		}
		per := map[string]int{}
		for _, r := range rows[1:] {
			per[r[0]]++
		}
		for _, tr := range transports {
			// Exported after the JSON: the same arrivals and perhaps more.
			if got, inJSON := per[tr], len(run.Arrivals[tr].Events); got < inJSON {
				t.Errorf("CSV has %d rows for %s, want at least the %d of the JSON before it", got, tr, inJSON)
			}
		}
	})

	t.Run("the section speaks Korean", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-ko"))); err != nil {
			t.Fatalf("clicking #lang-ko: %v", err)
		}
		waitFor(t, ctx, "the section speaks Korean", `document.querySelector('#compare-title').textContent === '나란히 비교'`)
		checks := map[string]string{
			`#export-json`:                           "JSON",
			`#export-label`:                          "내려받기",
			`#costs [data-i18n="costs.wireEvent"]`:   "이벤트당",
			`#compare .legend [data-i18n="name.ws"]`: "웹 소켓",
		}
		for sel, want := range checks {
			if got := evaluate[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", sel, got, want)
			}
		}
		if got := attribute(t, ctx, "#chart-cdf", "aria-label"); !strings.Contains(got, "지연 시간") {
			t.Errorf("#chart-cdf aria-label = %q, want it in Korean", got)
		}
	})

	if *chartsScreenshot != "" {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatalf("narrowing the window: %v", err)
		}
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("taking a screenshot: %v", err)
		}
		if err := os.WriteFile(*chartsScreenshot, img, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings or errors to the console, want none:\n%v", len(problems), problems)
	}
}

// countColoursJS counts, on each chart's canvas, the pixels that are
// exactly a transport's colour (--poll, --sse, --ws, as the page's
// stylesheet says them; a 1-pixel canvas turns each into RGB).
const countColoursJS = `(() => {
	const rgb = (color) => {
		const c = document.createElement('canvas');
		c.width = c.height = 1;
		const x = c.getContext('2d', { willReadFrequently: true });
		x.fillStyle = color;
		x.fillRect(0, 0, 1, 1);
		return Array.from(x.getImageData(0, 0, 1, 1).data.slice(0, 3));
	};
	const style = getComputedStyle(document.querySelector('#compare'));
	const colours = ['poll', 'sse', 'ws'].map((t) => [t, rgb(style.getPropertyValue('--' + t).trim())]);
	return Object.fromEntries(['chart-timeline', 'chart-cdf', 'chart-bars'].map((id) => {
		// Read a copy, made for reading: the page's canvas stays as it is.
		const c = document.getElementById(id);
		const copy = document.createElement('canvas');
		copy.width = c.width;
		copy.height = c.height;
		const x = copy.getContext('2d', { willReadFrequently: true });
		x.drawImage(c, 0, 0);
		const d = x.getImageData(0, 0, c.width, c.height).data;
		const n = { poll: 0, sse: 0, ws: 0 };
		for (let i = 0; i < d.length; i += 4) {
			for (const [t, [r, g, b]] of colours) {
				if (d[i] === r && d[i + 1] === g && d[i + 2] === b && d[i + 3] === 255) n[t]++;
			}
		}
		return [id, n];
	}));
})()`

// download clicks a button that downloads a file into dir, waits until the
// browser says the download completed, and returns its name and content.
func download(tb testing.TB, ctx context.Context, dir, button string) (name string, data []byte) {
	tb.Helper()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Subscribe before the click: no event is missed.
	begins := chromedp.BrowserEvents(wctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(wctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		tb.Fatalf("clicking %s: %v", button, err)
	}
	var guid string
	for ev, err := range begins {
		if err != nil {
			tb.Fatalf("clicking %s: no download began: %v", button, err)
		}
		guid, name = ev.GUID, ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			tb.Fatalf("downloading %s: %v", name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			tb.Fatalf("downloading %s: the browser canceled it", name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatalf("reading the download: %v", err)
	}
	return name, data
}

// exportedRun is the part of the JSON export the test reads.
type exportedRun struct {
	Format   string `json:"format"`
	Settings struct {
		Name       string   `json:"name"`
		Transports []string `json:"transports"`
		IntervalMs int      `json:"intervalMs"`
		Lang       string   `json:"lang"`
		Clock      struct {
			OffsetMs *float64 `json:"offsetMs"`
			RttMs    *float64 `json:"rttMs"`
		} `json:"clock"`
		Server struct {
			Epoch string  `json:"epoch"`
			Rate  float64 `json:"rate"`
		} `json:"server"`
	} `json:"settings"`
	Ledgers     map[string]ledger `json:"ledgers"`
	ServerStats struct {
		Client map[string]counters `json:"client"`
	} `json:"serverStats"`
	Arrivals map[string]struct {
		Dropped int             `json:"dropped"`
		Events  []exportedEvent `json:"events"`
	} `json:"arrivals"`
}

type exportedEvent struct {
	Seq        int64    `json:"seq"`
	Kind       string   `json:"kind"`
	TS         int64    `json:"ts"`
	ReceivedAt float64  `json:"receivedAt"`
	LatencyMs  *float64 `json:"latencyMs"`
	Replayed   bool     `json:"replayed"`
}

// checkRun checks that an export holds what the page measured: the settings
// it ran with, and for every transport that is on, each event it accepted,
// in order, none missing, as many as its ledger counts.
func checkRun(tb testing.TB, run exportedRun, name string) {
	tb.Helper()
	s := run.Settings
	if s.Name != name || !slices.Equal(s.Transports, transports) || s.IntervalMs != 250 || s.Lang != "en" {
		tb.Errorf("settings = %+v, want name %q, transports %v, interval 250, lang en", s, name, transports)
	}
	if s.Clock.OffsetMs == nil || s.Clock.RttMs == nil || s.Server.Epoch == "" || s.Server.Rate != rate {
		tb.Errorf("settings: clock %+v, server %+v, want a measured clock and the server's epoch and rate %d", s.Clock, s.Server, rate)
	}
	for _, tr := range transports {
		a := run.Arrivals[tr]
		if len(a.Events) == 0 {
			tb.Errorf("arrivals.%s has no events, want every event the transport delivered", tr)
			continue
		}
		if got, want := int64(len(a.Events)+a.Dropped), run.Ledgers[tr].Received; got != want {
			tb.Errorf("arrivals.%s: %d events (+%d dropped), ledgers.%s.received = %d, want them equal", tr, len(a.Events), a.Dropped, tr, want)
		}
		live := 0
		for i, e := range a.Events {
			if i > 0 && e.Seq != a.Events[i-1].Seq+1 {
				tb.Errorf("arrivals.%s[%d].seq = %d after %d, want one more", tr, i, e.Seq, a.Events[i-1].Seq)
			}
			if e.Kind == "" || e.TS <= 0 || e.ReceivedAt <= 0 {
				tb.Errorf("arrivals.%s[%d] = %+v, want a kind, ts and receivedAt", tr, i, e)
			}
			if e.LatencyMs != nil {
				live++
			} else if !e.Replayed {
				tb.Errorf("arrivals.%s[%d] has no latency and is not replayed: %+v", tr, i, e)
			}
		}
		if live == 0 {
			tb.Errorf("arrivals.%s: no event has a latency, want the live ones to", tr)
		}
		if run.ServerStats.Client[tr].Requests == 0 {
			tb.Errorf("serverStats.client.%s.requests = 0, want the server's counts for the page", tr)
		}
	}
}
