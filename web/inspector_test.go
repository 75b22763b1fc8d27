package web_test

// The wire inspector, the explanations and the hints, in headless Chromium
// against the real server: the SSE inspector shows the id: and data: lines
// of the events the page received, the WebSocket inspector shows frames
// both ways with their sizes as frames (RFC 6455), a paused list holds still while it
// counts what arrives, and each panel explains itself with a diagram and
// hints quoting its live numbers.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// inspectorShots, when set, is a directory where the test leaves its
// screenshots (light and dark, 1280 px wide) for a person to look at.
var inspectorShots = flag.String("inspector-shots", "", "write the inspector test's screenshots to this `dir`")

// wireRow is one row of an inspector, as the page shows it.
type wireRow struct {
	Source string   `json:"source"`
	Kind   string   `json:"kind"`
	Dir    string   `json:"dir"`
	Lines  []string `json:"lines"`
	Facts  string   `json:"facts"`
}

// wireRows returns the rows a transport's inspector shows, newest first.
func wireRows(tb testing.TB, ctx context.Context, transport string) []wireRow {
	tb.Helper()
	return evaluate[[]wireRow](tb, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll('#panel-%s .wire-row'), (li) => ({
		source: li.dataset.source, kind: li.dataset.kind, dir: li.dataset.dir ?? '',
		lines: Array.from(li.querySelectorAll('.wire-line'), (c) => c.textContent),
		facts: li.querySelector('.wire-facts').textContent,
	}))`, transport))
}

func TestInspector(t *testing.T) {
	requireChromium(t)
	lab := startLab(t)
	srv := lab.srv
	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	// Until the server keeps a wire log, the page asks for it, gets a 404,
	// and shows "—" for what only the server could tell.
	hasWireLog := wireLogServed(t, srv)
	if !hasWireLog {
		console.expect("/api/wire")
	}

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/?interval=250"),
	); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	pageKey(t, ctx) // the page draws itself once the server gave it its key
	waitFor(t, ctx, "every panel is open and has events", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
		window.transportlab.ledgers()[t].received > 5)`)
	// Opened by their property rather than by a click: a click lands where
	// the summary was a moment ago, and the live hints above it move it.
	for _, tr := range transports {
		for _, details := range []string{".inspector", ".explain"} {
			sel := "#panel-" + tr + " " + details
			evaluate[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).open = true`, sel))
		}
	}
	waitFor(t, ctx, "every inspector is open", `Array.from(document.querySelectorAll('.panel:not([hidden]) .inspector')).every((d) => d.open)`)

	t.Run("SSE shows the id: and data: lines of each event", func(t *testing.T) {
		waitFor(t, ctx, "the SSE inspector has ten events", `
			document.querySelectorAll('#panel-sse .wire-row[data-kind="event"]').length >= 10`)
		var ids []int
		for _, r := range wireRows(t, ctx, "sse") {
			if r.Kind != "event" || r.Source != "page" || strings.HasPrefix(r.Lines[0], "event: hello") {
				continue // the hello has no id: the server writes none for it
			}
			if len(r.Lines) != 2 || !strings.HasPrefix(r.Lines[0], "id: ") || !strings.HasPrefix(r.Lines[1], "data: ") {
				t.Errorf("SSE event row = %q, want an id: line and a data: line", r.Lines)
				continue
			}
			id, err := strconv.Atoi(strings.TrimPrefix(r.Lines[0], "id: "))
			if err != nil {
				t.Errorf("SSE row %q: the id is not a seq: %v", r.Lines[0], err)
				continue
			}
			var ev struct {
				Seq int `json:"seq"`
			}
			data := strings.TrimPrefix(r.Lines[1], "data: ")
			if err := json.Unmarshal([]byte(data), &ev); err != nil || ev.Seq != id {
				t.Errorf("SSE row: id %d, data %s; want the event of that seq (%v)", id, data, err)
			}
			if want := fmt.Sprintf("%d B", len(data)); !strings.Contains(r.Facts, want) {
				t.Errorf("SSE row %d facts = %q, want the data's %s", id, r.Facts, want)
			}
			ids = append(ids, id)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] != ids[i-1]-1 {
				t.Errorf("SSE ids, newest first: %v; want each one less than the one above", ids)
				break
			}
		}
	})

	t.Run("WebSocket shows frames both ways with their size as a frame", func(t *testing.T) {
		const text = "frames, both ways — 양방향"
		sendMessage(t, ctx, "ws", text)
		// At 20 events a second the 30 rows last about a second: pause the
		// inspector the moment both frames show, so that they stay to be read.
		waitFor(t, ctx, "the message went up and came back down", `(() => {
			const rows = Array.from(document.querySelectorAll('#panel-ws .wire-row[data-kind="frame"]'));
			const has = (dir) => rows.some((r) => r.dataset.dir === dir && r.textContent.includes('"kind":"message"'));
			if (!has('up') || !has('down')) return false;
			document.querySelector('#panel-ws .wire-pause').click();
			return true;
		})()`)
		defer func() { // resume, for the subtests that follow
			click(t, ctx, "#panel-ws .wire-pause")
		}()
		// The page numbers its messages; this is its first over the WebSocket.
		sent, err := json.Marshal(struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
			ID   int    `json:"id"`
		}{"message", text, 1})
		if err != nil {
			t.Fatal(err)
		}
		var up, down int
		for _, r := range wireRows(t, ctx, "ws") {
			if r.Kind != "frame" {
				continue
			}
			payload, frame := sizes(t, r.Facts)
			header := frame - payload
			switch {
			case r.Dir == "up" && strings.Contains(r.Lines[0], `"kind":"message"`):
				up++
				if payload != len(sent) {
					t.Errorf("up frame payload = %d B, want %d (the JSON sent: %s)", payload, len(sent), sent)
				}
				if header != 6 {
					t.Errorf("up frame of %d B payload: %d B as a frame, want 2 header + 4 mask", payload, frame)
				}
			case r.Dir == "down":
				down++
				want := 2
				if payload > 125 {
					want = 4
				}
				if header != want {
					t.Errorf("down frame of %d B payload: %d B as a frame, want a %d-byte header", payload, frame, want)
				}
				if n := utf8.RuneCountInString(r.Lines[0]); n > 60 {
					t.Errorf("down frame text has %d characters, want at most 60 (abbreviated)", n)
				}
			}
		}
		if up != 1 || down == 0 {
			t.Errorf("WebSocket inspector: %d message frames up (want 1), %d frames down (want some)", up, down)
		}
	})

	t.Run("polling shows each request line and its answer", func(t *testing.T) {
		waitFor(t, ctx, "the polling inspector has five requests", `
			document.querySelectorAll('#panel-poll .wire-row[data-kind="request"]').length >= 5`)
		rows := wireRows(t, ctx, "poll")
		if len(rows) > 30 {
			t.Errorf("polling inspector shows %d rows, want the last 30 at most", len(rows))
		}
		// The page's key is its secret: the inspector shows where it goes, not what it is.
		line := regexp.MustCompile(`^GET /poll\?(since=\d+&epoch=[0-9a-f]+&)?client=<key> HTTP/1\.1$`)
		facts := regexp.MustCompile(`^→ 200 · \d+ events · body \d+ B · headers (\d+|—) B$`)
		for _, r := range rows[:5] {
			if len(r.Lines) != 1 || !line.MatchString(r.Lines[0]) {
				t.Errorf("poll row = %q, want a request line like GET /poll?since=N&epoch=E&client=<key> HTTP/1.1", r.Lines)
			}
			if !facts.MatchString(r.Facts) {
				t.Errorf("poll row facts = %q, want status, events, body and header bytes", r.Facts)
			}
		}
		if hasWireLog {
			// Turn polling off so that the server's log still holds the
			// requests the inspector shows, then check their numbers.
			toggle(t, ctx, "poll")
			waitFor(t, ctx, "polling is off", `document.querySelector('#panel-poll .state').dataset.state === 'off'`)
			waitFor(t, ctx, "header bytes from the server's wire log", `
				/headers \d+ B/.test(document.querySelector('#panel-poll .wire-row:first-child .wire-facts').textContent)`)
			checkHeaderBytes(t, srv, pageKey(t, ctx), wireRows(t, ctx, "poll")[:3])
			toggle(t, ctx, "poll")
		} else if got := evaluate[bool](t, ctx, `!document.querySelector('#panel-poll .wire-missing').hidden`); !got {
			t.Errorf("no /api/wire on the server, and the inspector does not say so")
		}
	})

	t.Run("pause holds the list still and counts what arrives", func(t *testing.T) {
		click(t, ctx, "#panel-sse .wire-pause")
		waitFor(t, ctx, "paused", `document.querySelector('#panel-sse .wire-pause').getAttribute('aria-pressed') === 'true'`)
		evaluate[bool](t, ctx, `(window.__pausedList = document.querySelector('#panel-sse .wire-rows').textContent) !== ''`)
		waitFor(t, ctx, "ten more events arrived while paused", `
			Number(document.querySelector('#panel-sse .wire-waiting').textContent.match(/\d+/)?.[0] ?? 0) >= 10`)
		if still := evaluate[bool](t, ctx, `document.querySelector('#panel-sse .wire-rows').textContent === window.__pausedList`); !still {
			t.Errorf("the paused list changed")
		}
		if got := evaluate[string](t, ctx, `document.querySelector('#panel-sse .wire-pause').textContent`); !strings.Contains(got, "Resume") {
			t.Errorf("pause button while paused = %q, want Resume", got)
		}
		click(t, ctx, "#panel-sse .wire-pause")
		waitFor(t, ctx, "resumed with the new rows", `
			document.querySelector('#panel-sse .wire-pause').getAttribute('aria-pressed') === 'false' &&
			document.querySelector('#panel-sse .wire-rows').textContent !== window.__pausedList &&
			document.querySelector('#panel-sse .wire-waiting').textContent === ''`)
	})

	t.Run("each panel explains itself: text, a diagram, live hints", func(t *testing.T) {
		for _, tr := range transports {
			if n := evaluate[int](t, ctx, `document.querySelectorAll('#panel-`+tr+` .explain svg.seq .seq-msg').length`); n < 6 {
				t.Errorf("#panel-%s diagram has %d messages, want at least 6", tr, n)
			}
			if got := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` .explain-text').textContent`); len(got) < 100 {
				t.Errorf("#panel-%s explanation = %q, want two or three sentences", tr, got)
			}
		}
		waitFor(t, ctx, "polling's hint quotes its median against half its interval", `
			/now [\d.]+ ms, and half the interval is 125 ms/.test(document.querySelector('#panel-poll .hint-list').textContent)`)
		hint := evaluate[string](t, ctx, `document.querySelector('#panel-poll .hint-list').textContent`)
		m := regexp.MustCompile(`now ([\d.]+) ms`).FindStringSubmatch(hint)
		median := metric(t, ctx, "poll", "latency-median")
		if m == nil || !sameMs(m[1], median) {
			t.Errorf("polling hint %q, want the median the panel shows (%s ms)", hint, median)
		}
		for _, tr := range []string{"sse", "ws"} {
			got := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` .hint-list').textContent`)
			if !strings.Contains(got, "requests for") && !strings.Contains(got, "One request for") {
				t.Errorf("#panel-%s hints = %q, want requests against events", tr, got)
			}
		}
	})

	t.Run("a reconnect: the hint says it resumed with nothing missed", func(t *testing.T) {
		console.expect("net::ERR_INCOMPLETE_CHUNKED_ENCODING") // the browser reports the cut stream
		lab.conns.Cut()
		waitFor(t, ctx, "SSE and WebSocket point at their reconnect", `['sse', 'ws'].every((t) =>
			document.querySelector('#panel-' + t + ' .hint-list').textContent.includes('resumed with nothing missed'))`)
		checkNothingLost(t, pageLedgers(t, ctx))
	})

	t.Run("한국어: the inspector, the explanation and the hints follow", func(t *testing.T) {
		click(t, ctx, "#lang-ko")
		waitFor(t, ctx, "the hints speak Korean", `document.documentElement.lang === 'ko' &&
			/요청 한 번으로|요청 \d+번/.test(document.querySelector('#panel-sse .hint-list').textContent)`)
		checks := map[string]string{
			"#panel-ws .inspector > summary": "통신 내용 보기",
			"#panel-ws .wire-pause":          "일시 정지",
			"#panel-poll .explain > summary": "동작 원리",
			"#panel-poll .explain-text":      "주기의 절반",
			"#panel-sse .explain svg title":  "서버 전송 이벤트(SSE)",
			"#panel-ws .hints-title":         "지금 눈여겨볼 것",
		}
		for sel, want := range checks {
			if got := evaluate[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want it to contain %q", sel, got, want)
			}
		}
		if dir := *inspectorShots; dir != "" {
			img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "inspector-ko.png"), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		click(t, ctx, "#lang-en")
		waitFor(t, ctx, "English again", `document.querySelector('#panel-ws .inspector > summary').textContent.startsWith('Wire inspector')`)
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := *inspectorShots
		if dir == "" {
			dir = t.TempDir()
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatalf("emulating %s: %v", scheme, err)
			}
			img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(img))
			if err != nil {
				t.Fatalf("screenshot: not a PNG: %v", err)
			}
			if cfg.Width != 1280 {
				t.Errorf("screenshot is %d px wide, want 1280", cfg.Width)
			}
			path := filepath.Join(dir, "inspector-"+scheme+".png")
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s: %dx%d", path, cfg.Width, cfg.Height)
		}
	})

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}

// click clicks the element sel selects.
func click(tb testing.TB, ctx context.Context, sel string) {
	tb.Helper()
	// The element's own click(), not a mouse at its place: the panels' live
	// hints change height as they render, and a mouse lands where the
	// element was a moment ago.
	if !evaluate[bool](tb, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el?.click(); return el !== null; })()`, sel)) {
		tb.Fatalf("clicking %s: no such element", sel)
	}
}

// checkHeaderBytes checks each poll row's body and header bytes against the
// server's wire log for page id: header bytes are the request's and the
// answer's bytes on the wire less the answer's body.
func checkHeaderBytes(tb testing.TB, srv *httptest.Server, id string, rows []wireRow) {
	tb.Helper()
	var log struct {
		Entries []struct {
			Kind   string `json:"kind"`
			Target string `json:"target"`
			Status int    `json:"status"`
			In     int    `json:"in"`
			Out    int    `json:"out"`
			Body   int    `json:"body"`
		} `json:"entries"`
	}
	getJSON(tb, srv, "/api/wire?after=0&client="+id, &log)
	facts := regexp.MustCompile(`body (\d+) B · headers (\d+) B$`)
	for _, r := range rows {
		m := facts.FindStringSubmatch(r.Facts)
		if m == nil {
			tb.Errorf("poll row facts = %q, want body and header bytes", r.Facts)
			continue
		}
		// The line shows client=<key>; the server logged the key itself.
		target := strings.TrimSuffix(strings.TrimPrefix(r.Lines[0], "GET "), " HTTP/1.1")
		target = strings.Replace(target, "client=<key>", "client="+id, 1)
		found := false
		for _, e := range log.Entries {
			if e.Kind == "request" && e.Target == target &&
				m[1] == strconv.Itoa(e.Body) && m[2] == strconv.Itoa(e.In+e.Out-e.Body) {
				found = true
			}
		}
		if !found {
			tb.Errorf("poll row %s (%s): no request in the server's wire log with that body and those header bytes:\n%+v",
				target, r.Facts, log.Entries)
		}
	}
}

// sizes reads "payload N B · frame M B" from a WebSocket row's facts.
func sizes(tb testing.TB, facts string) (payload, frame int) {
	tb.Helper()
	m := regexp.MustCompile(`^payload (\d+) B · frame (\d+) B$`).FindStringSubmatch(facts)
	if m == nil {
		tb.Fatalf("WebSocket row facts = %q, want payload and frame sizes", facts)
	}
	payload, _ = strconv.Atoi(m[1])
	frame, _ = strconv.Atoi(m[2])
	return payload, frame
}

// sameMs reports whether a hint's rounded milliseconds agree with the
// panel's (one decimal) within the rounding.
func sameMs(hint, panel string) bool {
	h, err1 := strconv.ParseFloat(hint, 64)
	p, err2 := strconv.ParseFloat(panel, 64)
	return err1 == nil && err2 == nil && h-p <= 1 && p-h <= 1
}

// wireLogServed reports whether the server keeps a wire log (GET /api/wire).
func wireLogServed(tb testing.TB, srv *httptest.Server) bool {
	tb.Helper()
	resp, err := srv.Client().Get(srv.URL + "/api/wire?after=0&client=" + mint(tb, srv))
	if err != nil {
		tb.Fatalf("GET /api/wire: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
