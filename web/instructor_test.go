package web_test

// The instructor page, in classroom mode: the printed link opens it in a
// browser, the token leaves the address bar (which a projector shows), and
// the page shows where students go, with a QR code large enough to scan
// from the back of the room, in English and Korean; then the class
// dashboard and the controls, drawn from the class state.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"transportlab/internal/server"
)

// A documentation address (TEST-NET-1): shown and encoded, never dialed.
const studentURL = "http://192.0.2.10:8005/"

func TestInstructorPage(t *testing.T) {
	requireChromium(t)
	lab, token := startClassLab(t, nil)
	srv := lab.srv

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
// the refusal in the page's language. The server is the real one; the two
// students are pages driven over HTTP, so that what they report (a name
// that is markup, a latency) is the test's to say.
func TestInstructorDashboard(t *testing.T) {
	requireChromium(t)
	const evil = `<img src=x onerror=alert(1)>`
	var (
		mu      sync.Mutex
		changes []string // the bodies of the page's PUT /api/class, as sent
	)
	lab, token := startClassLab(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && r.URL.Path == "/api/class" && r.Header.Get("Authorization") == "" {
				body, _ := io.ReadAll(r.Body) // the page signs in by its cookie; the test's own calls carry the token
				r.Body = io.NopCloser(bytes.NewReader(body))
				mu.Lock()
				changes = append(changes, string(body))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	})
	srv := lab.srv
	if status, body := instructor(t, srv, token, http.MethodPut, "/api/class", map[string]any{"interval": 500}); status != http.StatusOK {
		t.Fatalf("PUT /api/class {interval: 500}: %d %s", status, body)
	}
	// Two pages: one follows, has a stream open and a name that is markup;
	// one explores alone. Each polls 20 times a second, so the dashboard
	// has requests to count; the class's latency is the median of theirs.
	named := startHTTPPage(t, srv, map[string]any{"name": evil, "following": true, "transports": []string{"sse", "poll"},
		"latency": map[string]any{"poll": map[string]any{"p50Ms": 312.5, "p95Ms": 880, "n": 40}}}, true)
	alone := startHTTPPage(t, srv, map[string]any{"name": "민지", "following": false, "transports": []string{"poll"},
		"latency": map[string]any{"poll": map[string]any{"p50Ms": 287.5, "p95Ms": 820, "n": 10}}}, false)

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	navigate(t, ctx, srv.URL+"/instructor?token="+token)
	waitFor(t, ctx, "the page counts the pages", `document.querySelector('#n-pages').textContent === '2' && document.querySelector('#n-following').textContent === '1'`)
	if open := evaluate[bool](t, ctx, `document.querySelector('#join').open`); open {
		t.Errorf("students joined and the join code is still open: want it folded, the numbers first")
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#join summary').innerText`); !strings.Contains(got, studentURL) {
		t.Errorf("the folded join section says %q, want the students' address in sight", got)
	}

	// Two pages poll 20 times a second each.
	waitFor(t, ctx, "polling's requests a second", `Number(document.querySelector('[data-transport="poll"] [data-col="requests"]').textContent) > 10`)
	waitFor(t, ctx, "the chart's axis", `Number(document.querySelector('#rate-chart').dataset.top) >= 20`)
	waitFor(t, ctx, "the reported latency", `document.querySelector('[data-transport="poll"] [data-col="latency"]').innerText.includes('reported by 2 pages')`)
	if got := evaluate[string](t, ctx, `document.querySelector('[data-transport="poll"] [data-col="latency"]').innerText`); !strings.Contains(got, "300 · 850") {
		t.Errorf("polling's reported latency reads %q, want 300 · 850 (the medians of 312.5, 287.5 and of 880, 820)", got)
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#s-goroutines').textContent`); !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(got) {
		t.Errorf("goroutines = %q, want the server's count", got)
	}

	// A name is a stranger's text: shown as it was typed, never parsed.
	row := func(name string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#page-rows tr')].find((tr) => tr.cells[0].textContent === %q)`, name)
	}
	waitFor(t, ctx, "both pages listed", row(named.name)+` !== undefined && `+row(alone.name)+` !== undefined`)
	// The cells that describe the page; the last holds the instructor's acts.
	cells := evaluate[[]string](t, ctx, `[...`+row(named.name)+`.cells].slice(0, 5).map((td) => td.textContent)`)
	if want := []string{named.name, evil, "Polling, SSE", "yes", "Polling 313"}; strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("the named page's row = %q, want %q", cells, want)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("the page holds %d <img>, made from a name", n)
	}

	// The controls show the state; each sends one field, and the server has it.
	if got := evaluate[string](t, ctx, `document.querySelector('#c-interval').value`); got != "500" {
		t.Errorf("the interval control shows %q, want the state's 500", got)
	}
	choose(t, ctx, "#c-interval", "2000")
	waitFor(t, ctx, "the interval's answer", `document.querySelector('#c-interval').value === '2000' && !document.querySelector('#c-interval').disabled`)
	click(t, ctx, "#c-on-ws")
	waitFor(t, ctx, "WebSocket turned off", `!document.querySelector('#c-on-ws').checked && !document.querySelector('#c-on-ws').disabled`)
	mu.Lock()
	sent := strings.Join(changes, " ")
	mu.Unlock()
	if want := `{"interval":2000} {"transports":["poll","sse"]}`; sent != want {
		t.Errorf("the controls sent %s, want %s", sent, want)
	}
	if st := readClass(t, srv, token); st.Interval != 2000 || strings.Join(st.Transports, ",") != "poll,sse" {
		t.Errorf("the server's class: interval %d, transports %v; want 2000 and poll,sse", st.Interval, st.Transports)
	}

	// A refusal is said in the page's language, and the control springs
	// back to the server's state. The server refuses a flood of changes:
	// a script floods it here (changes that change nothing), and the
	// instructor's choice of network comes in the flood.
	click(t, ctx, `[data-lang="ko"]`)
	console.expect("status of 429") // the browser's own report of the refused PUT
	retry := flood(t, srv, token, func() {
		for _, preset := range []string{"satellite", "mobile", "wifi", "satellite", "mobile"} {
			choose(t, ctx, "#c-network", preset)
			waitFor(t, ctx, "the network's answer", `!document.querySelector('#c-network').disabled`)
			if evaluate[bool](t, ctx, `document.querySelector('#note-network').classList.contains('is-error')`) {
				return
			}
		}
		t.Fatalf("the server took every change of the network in a flood of changes: want 429")
	})
	note := evaluate[string](t, ctx, `document.querySelector('#note-network').textContent`)
	if !strings.HasPrefix(note, "바뀌지 않았습니다") || !strings.Contains(note, "너무 많았습니다") {
		t.Errorf("the refusal reads %q, want it in Korean: not changed, too many requests", note)
	}
	st := readClass(t, srv, token)
	want := map[[2]int]string{{0, 0}: "localhost", {20, 5}: "wifi", {150, 50}: "mobile", {600, 0}: "satellite"}[[2]int{st.Network["delayMs"], st.Network["jitterMs"]}]
	if got := evaluate[string](t, ctx, `document.querySelector('#c-network').value`); got != want {
		t.Errorf("after the refusal the network control shows %q, want the server's %q (%v)", got, want, st.Network)
	}

	time.Sleep(retry) // as the server asked: the next change is taken
	click(t, ctx, "#c-drop-sse")
	waitFor(t, ctx, "how many the drop closed", `document.querySelector('#note-drop').textContent.includes('연결 1개를 끊었습니다')`)
	if got := evaluate[string](t, ctx, row(alone.name)+`.cells[3].textContent`); got != "혼자 살펴보는 중" {
		t.Errorf("a page exploring alone, in Korean: %q", got)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}

// flood keeps the server's bound on class changes spent while during runs:
// a script sends changes that change nothing (PUT the interval the class
// has) as fast as the server answers, so that another change in the
// meantime is all but certainly refused. It returns how long the server
// said to wait after the last refusal.
func flood(t *testing.T, srv *httptest.Server, token string, during func()) (retry time.Duration) {
	t.Helper()
	body := jsonOf(t, map[string]int{"interval": readClass(t, srv, token).Interval})
	ctx, stop := context.WithCancel(context.Background())
	refused := make(chan struct{})
	done := make(chan time.Duration)
	go func() {
		var wait time.Duration
		defer func() { done <- wait }()
		once := sync.OnceFunc(func() { close(refused) })
		for ctx.Err() == nil {
			req := must(http.NewRequestWithContext(ctx, http.MethodPut, srv.URL+"/api/class", strings.NewReader(body)))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				continue // the end of the flood
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				s, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
				wait = time.Duration(s) * time.Second
				once()
			}
		}
	}()
	defer func() { // also when during stops the test
		stop()
		retry = <-done
	}()
	select {
	case <-refused: // the bound is spent
	case <-time.After(timeout):
		t.Fatalf("a flood of class changes was never refused within %v", timeout)
	}
	during()
	return
}

// TestInstructorActs: each page's row mutes or unmutes it at one click,
// and disconnects it only at a second; the note says what the server did,
// and the server does it: the muted page's messages and the disconnected
// page's every request are refused by its key. The server is the real
// one; one student is a page driven over HTTP, the other a page that
// holds one SSE stream open and does nothing else, so that the number of
// connections the disconnect closes is known: one. The "Limited" list is
// TestInstructorSeesLimited's: it needs a server with a limit tight enough
// to reach.
func TestInstructorActs(t *testing.T) {
	requireChromium(t)
	var (
		mu   sync.Mutex
		acts []string // the instructor page's POST /api/class/…: path and body, as sent
	)
	lab, token := startClassLab(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The instructor's page signs in by its cookie; the test's own
			// calls carry the token, and the students' reports their key.
			if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/class/") &&
				r.Header.Get("Authorization") == "" && !r.URL.Query().Has("client") {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				mu.Lock()
				acts = append(acts, r.URL.Path+" "+string(body))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	})
	srv := lab.srv
	sent := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(acts, " | ")
	}

	loud := startHTTPPage(t, srv, map[string]any{"name": "Minji", "following": true, "transports": []string{"poll"}}, false)
	rude := startStreamPage(t, srv)

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	navigate(t, ctx, srv.URL+"/instructor?token="+token)
	// Rows move as pages are seen: each is found by its name, every time.
	act := func(name, kind string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#page-rows tr')].find((tr) => tr.cells[0].textContent === %q)?.querySelector('[data-act=%q]')`, name, kind)
	}
	waitFor(t, ctx, "the acts on each page", act(loud.name, "mute")+`?.textContent === 'Mute' && `+act(rude.name, "disconnect")+`?.textContent === 'Disconnect'`)

	// Mute: one click, and the server has it.
	evaluate[bool](t, ctx, `(`+act(loud.name, "mute")+`.click(), true)`)
	waitFor(t, ctx, "the mute's answer", `document.querySelector('#note-acts').textContent === '`+loud.name+`: messages muted.'`)
	waitFor(t, ctx, "the row muted, as the next read says", act(loud.name, "mute")+`.textContent === 'Unmute'`)
	if status, code := postMessage(t, srv, loud.key); status != http.StatusForbidden || code != "muted" {
		t.Errorf("POST /api/messages from the muted page: %d %q, want 403 muted", status, code)
	}

	// Disconnect: the first click only asks for a second.
	disconnect := act(rude.name, "disconnect")
	evaluate[bool](t, ctx, `(`+disconnect+`.click(), true)`)
	waitFor(t, ctx, "the disconnect asks for a second click", disconnect+`.textContent === 'Disconnect? Click again'`)
	if got, want := sent(), `/api/class/mute {"name":"`+loud.name+`","muted":true}`; got != want {
		t.Errorf("after one click on Disconnect the page sent %s, want only the mute: %s", got, want)
	}
	if status, code := postMessage(t, srv, rude.key); status == http.StatusForbidden {
		t.Errorf("POST /api/messages after one click on Disconnect: %d %q, want the page still in the class", status, code)
	}
	evaluate[bool](t, ctx, `(`+disconnect+`.click(), true)`)
	waitFor(t, ctx, "the disconnect's answer", `document.querySelector('#note-acts').textContent.startsWith('`+rude.name+`: disconnected, 1 connection closed;')`)
	select {
	case <-rude.closed:
	case <-time.After(timeout):
		t.Errorf("the disconnected page's SSE stream is still open %v after the note said it was closed", timeout)
	}
	if status, code := postMessage(t, srv, rude.key); status != http.StatusForbidden || code != "disconnected" {
		t.Errorf("POST /api/messages from the disconnected page: %d %q, want 403 disconnected", status, code)
	}
	if got, want := sent(), `/api/class/mute {"name":"`+loud.name+`","muted":true} | /api/class/disconnect {"name":"`+rude.name+`"}`; got != want {
		t.Errorf("the page sent %s, want %s", got, want)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}

// TestInstructorSeesLimited: a student's page polls past its address's
// limit, and the instructor's "Limited" list says who, as the server
// counted: the address, the page's public name, which limit in the page's
// words, how many requests it refused, and how long ago the last; every
// field as text, never markup. The server is the real one, its polls
// limited to 1 a second after a burst of 2, so that a few polls in a row
// go over; its refusals are sent at once (HoldRefusals 0), not held a
// second each. The student is a page driven over HTTP, which stops once
// refused, so the count is the server's last word.
func TestInstructorSeesLimited(t *testing.T) {
	requireChromium(t)
	lab, token := startClassLabWith(t, nil, func(c *server.Config) {
		c.PerAddress = server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 2}}
		c.HoldRefusals = 0
	})
	srv := lab.srv

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	navigate(t, ctx, srv.URL+"/instructor?token="+token)
	// Before anyone is refused, the list is there and says so.
	waitFor(t, ctx, "the empty Limited list", `!document.querySelector('#limited').hidden &&
		document.querySelector('#limited-note').textContent === 'No address hit a limit in the last 10 minutes.'`)
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#limited-rows tr').length`); n != 0 {
		t.Errorf("before any refusal the Limited list has %d rows, want none", n)
	}

	// The burst takes two polls; the next few, in a row, are refused.
	key, name := mintPage(t, srv)
	refused := 0
	for i := 0; refused < 3; i++ {
		if i == 50 {
			t.Fatalf("%d polls in a row, %d refused: want the limit of 1 a second to refuse 3", i, refused)
		}
		status, body, err := do(srv, must(http.NewRequest(http.MethodGet, srv.URL+"/poll?client="+key, nil)))
		switch {
		case err != nil:
			t.Fatalf("GET /poll: %v", err)
		case status == http.StatusTooManyRequests:
			refused++
		case status != http.StatusOK:
			t.Fatalf("GET /poll: %d %s, want 200 or 429", status, body)
		}
	}
	st := readClass(t, srv, token)
	if len(st.Limited) != 1 {
		t.Fatalf("GET /api/class lists %d limited, want the one page's address: %+v", len(st.Limited), st.Limited)
	}
	lim := st.Limited[0]
	if lim.Address != "127.0.0.1" || lim.Name != name || lim.Limit != "polls" || lim.Refused != refused {
		t.Errorf("GET /api/class limited = %+v, want 127.0.0.1, %q, polls, refused %d", lim, name, refused)
	}

	// The page shows what the server says, on its next read.
	const cells = `[...document.querySelectorAll('#limited-rows tr')].map((tr) => [...tr.cells].map((td) => td.textContent))`
	waitFor(t, ctx, "the refused page in the Limited list", cells+`.some((row) => row[1] === `+strconv.Quote(name)+`)`)
	rows := evaluate[[][]string](t, ctx, cells)
	want := []string{"127.0.0.1", name, "polls", strconv.Itoa(lim.Refused)}
	if len(rows) != 1 || len(rows[0]) != 5 || strings.Join(rows[0][:4], "|") != strings.Join(want, "|") ||
		!regexp.MustCompile(`^[0-9]+ s ago$`).MatchString(rows[0][4]) {
		t.Errorf("the Limited list = %q, want one row %q and \"… s ago\"", rows, want)
	}
	if got := evaluate[string](t, ctx, `document.querySelector('#limited-note').textContent`); got != "" {
		t.Errorf("with a row listed the Limited note reads %q, want nothing", got)
	}
	// Text only: no cell holds an element, whatever the server sent.
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#limited-rows td *').length`); n != 0 {
		t.Errorf("the Limited list's cells hold %d elements, want text only", n)
	}

	// In Korean, the limit and the time are the page's words; the address
	// and the name stay as they are.
	click(t, ctx, `[data-lang="ko"]`)
	waitFor(t, ctx, "the Limited list in Korean", `document.documentElement.lang === 'ko' && `+cells+`.length === 1`)
	waitFor(t, ctx, "the limit and the time in Korean", `(([row]) => row[2] === '폴링' && /^[0-9]+초 전$/.test(row[4]))(`+cells+`)`)
	if got := evaluate[[][]string](t, ctx, cells); got[0][0] != "127.0.0.1" || got[0][1] != name || got[0][3] != strconv.Itoa(lim.Refused) {
		t.Errorf("the Limited list in Korean = %q, want 127.0.0.1, %q, %d", got, name, lim.Refused)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}

// streamPage is a student's page that holds one SSE stream open and asks
// nothing else after its first report; closed is closed when the server
// ends the stream.
type streamPage struct {
	key, name string
	closed    <-chan struct{}
}

// startStreamPage mints a page, reports it (so the dashboard lists it) and
// opens its SSE stream; it returns once the server has answered the
// stream's headers, so the stream is the page's to drop. Cleanup closes
// the stream, if the server has not, and waits until it is.
func startStreamPage(tb testing.TB, srv *httptest.Server) streamPage {
	tb.Helper()
	key, name := mintPage(tb, srv)
	report := must(http.NewRequest(http.MethodPost, srv.URL+"/api/class/report?client="+key,
		strings.NewReader(`{"following":true,"transports":["sse"]}`)))
	if status, body, err := do(srv, report); err != nil || status != http.StatusNoContent {
		tb.Fatalf("POST /api/class/report: %d %s %v", status, body, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	resp, err := srv.Client().Do(must(http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sse?client="+key, nil)))
	if err != nil || resp.StatusCode != http.StatusOK {
		stop()
		if resp != nil {
			resp.Body.Close()
		}
		tb.Fatalf("GET /sse: %v %v", resp, err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body) // until the server, or the end of the test, closes it
	}()
	tb.Cleanup(func() {
		stop()
		<-closed
	})
	return streamPage{key: key, name: name, closed: closed}
}

// postMessage sends a message as the page of key does, and returns the
// answer's status and code.
func postMessage(tb testing.TB, srv *httptest.Server, key string) (int, string) {
	tb.Helper()
	req := must(http.NewRequest(http.MethodPost, srv.URL+"/api/messages?client="+key, strings.NewReader(`{"text":"hello","via":"sse"}`)))
	req.Header.Set("Content-Type", "application/json")
	status, body, err := do(srv, req)
	if err != nil {
		tb.Fatalf("POST /api/messages: %v", err)
	}
	var answer struct{ Code string }
	json.Unmarshal(body, &answer)
	return status, answer.Code
}
