package web_test

// The instructor page, in classroom mode: the printed link opens it in a
// browser, the token leaves the address bar (which a projector shows), and
// the page shows where students go, with a QR code large enough to scan
// from the back of the room, in English and Korean; then the class
// dashboard and the controls, drawn from the class state.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"transportlab/internal/class"
	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/web"
)

// A documentation address (TEST-NET-1): shown and encoded, never dialed.
const studentURL = "http://192.0.2.10:8005/"

// startInstructor serves transportlab in classroom mode with its instructor
// page, the class API answered by c, and returns the server and the token.
func startInstructor(tb testing.TB, c *classStandIn) (*httptest.Server, string) {
	tb.Helper()
	token := class.NewToken()
	page, err := class.NewPage(web.Files, []string{studentURL})
	if err != nil {
		tb.Fatal(err)
	}
	hub := feed.NewHub(feed.Config{Rate: rate})
	lab := server.New(hub, slog.New(slog.DiscardHandler), server.Config{
		Page:  web.Files,
		Class: &server.Class{Auth: class.NewAuth(token, nil), Page: page},
	})
	mux := http.NewServeMux()
	mux.Handle("/", lab)
	mux.Handle("/api/class", c)
	mux.Handle("/api/class/", c)
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return srv, token
}

// classStandIn answers the class API (GET and PUT /api/class, POST
// /api/class/drop, /mute and /disconnect) from a state the test sets, as the server's
// does: these tests are about what the page makes of the answers, and a
// student page's name or latency is set here in one line. Its server
// totals grow by perRead on each read, so the dashboard has rates to show.
type classStandIn struct {
	mu      sync.Mutex
	state   map[string]any // the GET body, less "server"
	reads   int64
	perRead int64
	puts    []string // each PUT's body, as sent
	refuse  string   // a PUT field answered 400, as a bad value is
	acts    []string // each mute and disconnect: its path and body, as sent
}

func (c *classStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/class":
		c.reads++
	case r.Method == http.MethodPut && r.URL.Path == "/api/class":
		var change map[string]any
		var raw json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil || json.Unmarshal(raw, &change) != nil {
			answer(http.StatusBadRequest, map[string]string{"error": "not JSON", "code": "bad_request"})
			return
		}
		c.puts = append(c.puts, string(raw))
		if _, bad := change[c.refuse]; bad {
			answer(http.StatusBadRequest, map[string]string{"error": c.refuse + " is not valid", "code": "bad_request"})
			return
		}
		for k, v := range change {
			c.state[k] = v
		}
		c.state["version"] = c.state["version"].(float64) + 1
	case r.Method == http.MethodPost && r.URL.Path == "/api/class/drop":
		answer(http.StatusOK, map[string]any{"transport": "sse", "dropped": 3})
		return
	case r.Method == http.MethodPost && (r.URL.Path == "/api/class/mute" || r.URL.Path == "/api/class/disconnect"):
		var act struct {
			Name  string `json:"name"`
			Muted *bool  `json:"muted"`
		}
		raw, _ := io.ReadAll(r.Body)
		json.Unmarshal(raw, &act)
		c.acts = append(c.acts, r.URL.Path+" "+string(raw))
		pages, _ := c.state["pages"].([]any)
		for _, p := range pages {
			if p := p.(map[string]any); p["name"] == act.Name && act.Muted != nil {
				p["muted"] = *act.Muted
			}
		}
		if act.Muted != nil {
			answer(http.StatusOK, map[string]any{"name": act.Name, "muted": *act.Muted, "pages": 1})
		} else {
			answer(http.StatusOK, map[string]any{"name": act.Name, "dropped": 2, "pages": 1})
		}
		return
	default:
		answer(http.StatusNotFound, map[string]string{"error": "no such endpoint", "code": "not_found"})
		return
	}
	body := map[string]any{"server": map[string]any{
		"at": time.Now().UnixMicro(), "uptimeSeconds": 10 + c.reads, "goroutines": 42,
		"cpuSeconds": 0.01 * float64(c.reads), "heapBytes": 1234567, "rssBytes": 23456789,
		"transports": map[string]any{
			"poll": map[string]int64{"requests": c.perRead * c.reads, "open": 0, "events": 20 * c.reads, "wireIn": 300 * c.reads, "wireOut": 900 * c.reads},
			"sse":  map[string]int64{"requests": 2, "open": 2, "events": 20 * c.reads, "wireOut": 400 * c.reads},
			"ws":   map[string]int64{"requests": 1, "open": 1, "events": 10 * c.reads, "wireOut": 200 * c.reads},
		},
	}}
	for k, v := range c.state {
		body[k] = v
	}
	answer(http.StatusOK, body)
}

// newClassStandIn returns a class with no page yet, as it starts.
func newClassStandIn() *classStandIn {
	var state map[string]any
	json.Unmarshal([]byte(`{
		"version": 1, "run": 1, "transports": ["poll","sse","ws"], "interval": 1000, "rate": 1,
		"paused": false, "messages": true, "network": {"delayMs":0,"jitterMs":0}, "tutorial": false,
		"students": {"pages": 0, "following": 0, "poll": 0, "sse": 0, "ws": 0}, "pages": [], "reported": {}
	}`), &state)
	return &classStandIn{state: state, perRead: 30, refuse: "-"}
}

func TestInstructorPage(t *testing.T) {
	requireChromium(t)
	srv, token := startInstructor(t, newClassStandIn())

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/instructor?token="+token)); err != nil {
		t.Fatalf("opening the instructor link: %v", err)
	}
	waitFor(t, ctx, "the page shows the students' address", `document.querySelector('#student-urls li')?.textContent === '`+studentURL+`'`)

	if href := evaluate[string](t, ctx, `location.href`); strings.Contains(href, token) || !strings.HasSuffix(href, "/instructor") {
		t.Errorf("the address bar shows %q, want .../instructor without the token", href)
	}
	if cookies := evaluate[string](t, ctx, `document.cookie`); strings.Contains(cookies, token) {
		t.Errorf("a script reads the token in document.cookie %q: want the cookie HttpOnly", cookies)
	}
	// The QR code is drawn, square, and takes a good part of a projector's screen.
	size := evaluate[[]float64](t, ctx, `(() => {
		const r = document.querySelector('#student-qr svg').getBoundingClientRect();
		return [r.width, r.height, document.querySelectorAll('#student-qr svg path').length];
	})()`)
	if size[0] < 400 || size[0] != size[1] || size[2] != 1 {
		t.Errorf("QR code %.0f×%.0f px with %v paths, want a square of at least 400 px with one path", size[0], size[1], size[2])
	}

	// In Korean, every word follows; the address and the code stay.
	evaluate[bool](t, ctx, `(document.querySelector('[data-lang="ko"]').click(), true)`)
	waitFor(t, ctx, "the page speaks Korean", `document.documentElement.lang === 'ko' && document.title.includes('강사')`)
	if got := evaluate[string](t, ctx, `document.querySelector('[data-i18n="instructor.open"]').textContent`); !strings.Contains(got, "학생") {
		t.Errorf("the students' heading in Korean = %q", got)
	}
	if href := evaluate[string](t, ctx, `location.href`); strings.Contains(href, token) || !strings.Contains(href, "lang=ko") {
		t.Errorf("after choosing Korean the address is %q: want ?lang=ko and no token", href)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}

// TestInstructorDashboard: students joined, the page folds the join code
// away (its address stays in sight), counts the pages, turns the server's
// totals into requests a second and draws them, lists the pages with every
// name as text, and each control sends one field and shows the answer, or
// the refusal in the page's language.
func TestInstructorDashboard(t *testing.T) {
	requireChromium(t)
	const evil = `<img src=x onerror=alert(1)>`
	c := newClassStandIn()
	c.state["students"] = map[string]any{"pages": 2, "following": 1, "poll": 2, "sse": 1, "ws": 0}
	c.state["pages"] = []any{
		map[string]any{"name": "quiet otter 17", "student": evil, "following": true, "transports": []string{"sse", "poll"},
			"seenAgoMs": 800, "latency": map[string]any{"poll": map[string]any{"p50Ms": 312.5, "p95Ms": 880, "n": 40}}},
		map[string]any{"name": "brave heron 3", "student": "민지", "following": false, "transports": []string{"poll"}, "seenAgoMs": 300},
	}
	c.state["reported"] = map[string]any{"poll": map[string]any{"pages": 2, "p50Ms": 300, "p95Ms": 850}}
	c.state["interval"] = 500
	c.refuse = "network"
	srv, token := startInstructor(t, c)

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/instructor?token="+token)); err != nil {
		t.Fatalf("opening the instructor link: %v", err)
	}
	waitFor(t, ctx, "the page counts the pages", `document.querySelector('#n-pages').textContent === '2' && document.querySelector('#n-following').textContent === '1'`)
	if open := evaluate[bool](t, ctx, `document.querySelector('#join').open`); open {
		t.Errorf("students joined and the join code is still open: want it folded, the numbers first")
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#join summary').innerText`); !strings.Contains(got, studentURL) {
		t.Errorf("the folded join section says %q, want the students' address in sight", got)
	}

	// Polling's totals grow by 30 requests a read, a read a second.
	waitFor(t, ctx, "polling's requests a second", `Number(document.querySelector('[data-transport="poll"] [data-col="requests"]').textContent) > 10`)
	waitFor(t, ctx, "the chart's axis", `Number(document.querySelector('#rate-chart').dataset.top) >= 20`)
	if got := evaluate[string](t, ctx, `document.querySelector('[data-transport="poll"] [data-col="latency"]').innerText`); !strings.Contains(got, "300 · 850") || !strings.Contains(got, "reported by 2 pages") {
		t.Errorf("polling's reported latency reads %q, want 300 · 850 reported by 2 pages", got)
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#s-goroutines').textContent`); got != "42" {
		t.Errorf("goroutines = %q, want 42", got)
	}

	// A name is a stranger's text: shown as it was typed, never parsed.
	cells := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#page-rows tr:first-child td')].slice(0, 5).map((td) => td.textContent)`)
	if want := []string{"quiet otter 17", evil, "Polling, SSE", "yes", "Polling 313"}; strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("the first page's row = %q, want %q", cells, want)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#page-rows img').length`); n != 0 {
		t.Errorf("the page list holds %d <img> made from a name", n)
	}

	// The controls show the state; each sends one field.
	if got := evaluate[string](t, ctx, `document.querySelector('#c-interval').value`); got != "500" {
		t.Errorf("the interval control shows %q, want the state's 500", got)
	}
	evaluate[bool](t, ctx, `(() => { const s = document.querySelector('#c-interval'); s.value = '2000'; s.dispatchEvent(new Event('change')); return true; })()`)
	waitFor(t, ctx, "the interval's answer", `document.querySelector('#c-interval').value === '2000' && !document.querySelector('#c-interval').disabled`)
	evaluate[bool](t, ctx, `(document.querySelector('#c-on-ws').click(), true)`)
	waitFor(t, ctx, "WebSocket turned off", `!document.querySelector('#c-on-ws').checked && !document.querySelector('#c-on-ws').disabled`)
	c.mu.Lock()
	puts := strings.Join(c.puts, " ")
	c.mu.Unlock()
	if want := `{"interval":2000} {"transports":["poll","sse"]}`; puts != want {
		t.Errorf("the controls sent %s, want %s", puts, want)
	}

	// A refusal is said in the page's language, and the control springs back.
	evaluate[bool](t, ctx, `(document.querySelector('[data-lang="ko"]').click(), true)`)
	console.expect("status of 400") // the browser's own report of the refused PUT
	evaluate[bool](t, ctx, `(() => { const s = document.querySelector('#c-network'); s.value = 'satellite'; s.dispatchEvent(new Event('change')); return true; })()`)
	waitFor(t, ctx, "the refusal, in Korean", `document.querySelector('#note-network').textContent.startsWith('바뀌지 않았습니다')`)
	if got := evaluate[string](t, ctx, `document.querySelector('#c-network').value`); got != "localhost" {
		t.Errorf("after the refusal the network control shows %q, want the state's localhost", got)
	}
	evaluate[bool](t, ctx, `(document.querySelector('#c-drop-sse').click(), true)`)
	waitFor(t, ctx, "how many the drop closed", `document.querySelector('#note-drop').textContent.includes('연결 3개를 끊었습니다')`)
	if got := evaluate[string](t, ctx, `document.querySelector('#page-rows tr:nth-child(2) td:nth-child(4)').textContent`); got != "혼자 살펴보는 중" {
		t.Errorf("a page exploring alone, in Korean: %q", got)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}

// TestInstructorActs: each page's row mutes or unmutes it at one click,
// and disconnects it only at a second; the note says what the server did;
// the "Limited" list shows who a limit refused, as text, when the server
// keeps one.
func TestInstructorActs(t *testing.T) {
	requireChromium(t)
	const evil = `<img src=x onerror=alert(1)>`
	c := newClassStandIn()
	c.state["students"] = map[string]any{"pages": 2, "following": 2, "poll": 2, "sse": 0, "ws": 0}
	c.state["pages"] = []any{
		map[string]any{"name": "quiet otter 17", "following": true, "transports": []string{"poll"}, "seenAgoMs": 800, "muted": false},
		map[string]any{"name": "brave heron 3", "following": true, "transports": []string{"poll"}, "seenAgoMs": 300, "muted": true},
	}
	c.state["limited"] = []any{
		map[string]any{"address": "192.0.2.7", "name": evil, "limit": "polls", "refused": 1200, "lastAgoMs": 4000},
		map[string]any{"address": "198.51.100.2", "name": "", "limit": "pages", "refused": 3, "lastAgoMs": 125000},
	}
	srv, token := startInstructor(t, c)

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/instructor?token="+token)); err != nil {
		t.Fatalf("opening the instructor link: %v", err)
	}
	row := func(n int, sel string) string {
		return fmt.Sprintf(`document.querySelector('#page-rows tr:nth-child(%d) %s')`, n, sel)
	}
	waitFor(t, ctx, "the acts on each page", row(1, `[data-act="mute"]`)+`?.textContent === 'Mute' && `+row(2, `[data-act="mute"]`)+`?.textContent === 'Unmute'`)

	evaluate[bool](t, ctx, `(`+row(1, `[data-act="mute"]`)+`.click(), true)`)
	waitFor(t, ctx, "the mute's answer", `document.querySelector('#note-acts').textContent === 'quiet otter 17: messages muted.'`)
	waitFor(t, ctx, "the row muted, as the next read says", row(1, `[data-act="mute"]`)+`.textContent === 'Unmute'`)

	disconnect := row(2, `[data-act="disconnect"]`)
	evaluate[bool](t, ctx, `(`+disconnect+`.click(), true)`)
	waitFor(t, ctx, "the disconnect asks for a second click", disconnect+`.textContent === 'Disconnect? Click again'`)
	c.mu.Lock()
	sent := len(c.acts)
	c.mu.Unlock()
	if sent != 1 {
		t.Errorf("after one click on Disconnect %d acts were sent, want only the mute", sent)
	}
	evaluate[bool](t, ctx, `(`+disconnect+`.click(), true)`)
	waitFor(t, ctx, "the disconnect's answer", `document.querySelector('#note-acts').textContent.startsWith('brave heron 3: disconnected, 2 connections closed')`)
	c.mu.Lock()
	acts := strings.Join(c.acts, " | ")
	c.mu.Unlock()
	if want := `/api/class/mute {"name":"quiet otter 17","muted":true} | /api/class/disconnect {"name":"brave heron 3"}`; acts != want {
		t.Errorf("the acts sent %s, want %s", acts, want)
	}

	waitFor(t, ctx, "the limited list", `!document.querySelector('#limited').hidden && document.querySelectorAll('#limited-rows tr').length === 2`)
	cells := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#limited-rows td')].map((td) => td.textContent)`)
	if want := []string{"192.0.2.7", evil, "polls", "1200", "4 s ago", "198.51.100.2", "—", "new pages", "3", "2 min ago"}; strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("the limited list = %q, want %q", cells, want)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#limited img').length`); n != 0 {
		t.Errorf("the limited list holds %d <img> made from a name", n)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}
