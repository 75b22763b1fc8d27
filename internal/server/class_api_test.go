package server_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/class"
	"transportlab/internal/feed"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
)

const classToken = "the-class-token-0123"

// bearer is what a script sends to steer the class.
var bearer = http.Header{"Authorization": {"Bearer " + classToken}}

// classConfig is a server's configuration in classroom mode, with cfg's
// other fields.
func classConfig(cfg server.Config) server.Config {
	cfg.Class = &server.Class{Auth: class.NewAuth(classToken, nil), Page: http.NotFoundHandler()}
	cfg.Keys = classKeys
	return cfg
}

// classKeys name the pages of the class tests, so that a test knows what
// the dashboard calls them.
var classKeys = pagekey.New()

// call makes a request with body (none when empty) and header, and
// returns the answer with its body read.
func call(tb testing.TB, srv *httptest.Server, method, path, body string, header http.Header) (*http.Response, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp, b
}

// callError is call for a request the server must refuse with status and code.
func callError(tb testing.TB, srv *httptest.Server, method, path, body string, header http.Header, status int, code string) *http.Response {
	tb.Helper()
	resp, b := call(tb, srv, method, path, body, header)
	if resp.StatusCode != status {
		tb.Errorf("%s %s %s: status %d, want %d", method, path, body, resp.StatusCode, status)
	}
	var answer struct{ Error, Code string }
	if err := json.Unmarshal(b, &answer); err != nil || answer.Error == "" || answer.Code != code {
		tb.Errorf("%s %s %s: answer %s, want a reason and code %q", method, path, body, b, code)
	}
	return resp
}

// classState is the body of GET and PUT /api/class, as the dashboard reads it.
type classState struct {
	followState
	Students map[string]int
	Pages    []struct {
		Name, Student string
		Following     bool
		Transports    []string
		SeenAgoMs     int64
		Latency       map[string]class.Latency
		Muted         bool
	}
	Reported map[string]class.Reported
	Server   struct {
		At            int64
		UptimeSeconds float64
		Transports    map[string]server.Counts
		Goroutines    int
		CPUSeconds    float64
		HeapBytes     uint64
		RSSBytes      uint64
	}
}

// followState is the body of GET /api/class/follow.
type followState struct {
	Epoch        string
	Version, Run uint64
	Transports   []string
	Interval     int
	Rate         float64
	Paused       bool
	Messages     bool
	Network      class.Network
	Tutorial     bool
}

// classDo makes an instructor's request (Bearer) that must answer 200
// with the class state, and returns it.
func classDo(tb testing.TB, srv *httptest.Server, method, path, body string) classState {
	tb.Helper()
	resp, b := call(tb, srv, method, path, body, bearer)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s %s %s: %d %s, want 200", method, path, body, resp.StatusCode, b)
	}
	var st classState
	if err := json.Unmarshal(b, &st); err != nil {
		tb.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
	}
	return st
}

// follow makes a follow request and returns its answer.
func follow(tb testing.TB, srv *httptest.Server, query string) (int, followState) {
	tb.Helper()
	resp, b := call(tb, srv, http.MethodGet, "/api/class/follow"+query, "", nil)
	var st followState
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &st); err != nil {
			tb.Fatalf("follow%s: decoding %s: %v", query, b, err)
		}
	}
	return resp.StatusCode, st
}

// followAsync makes a follow request that may be held, in a goroutine,
// and hands on its answer (the zero state when it fails, as reported).
func followAsync(t *testing.T, srv *httptest.Server, query string) <-chan followState {
	t.Helper()
	got := make(chan followState, 1)
	go func() {
		var st followState
		defer func() { got <- st }()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // past the 25 s hold
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/class/follow"+query, nil)
		if err != nil {
			t.Error(err)
			return
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Errorf("follow%s: %v", query, err)
			return
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("follow%s: status %d, %v", query, resp.StatusCode, err)
		}
	}()
	return got
}

// signInCookie opens the instructor link and returns the Cookie header it earns.
func signInCookie(tb testing.TB, srv *httptest.Server) string {
	tb.Helper()
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(srv.URL + "/instructor?token=" + classToken)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == class.CookieName && ck.Path == "/api/class" {
			return ck.Name + "=" + ck.Value
		}
	}
	tb.Fatalf("signing in: status %d, no cookie for /api/class", resp.StatusCode)
	return ""
}

func TestClassStateNeedsTheInstructor(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	st := classDo(t, srv, http.MethodGet, "/api/class", "")
	want := followState{Version: 1, Run: 1, Transports: []string{"poll", "sse", "ws"}, Interval: 1000, Rate: 5, Messages: true}
	if !reflect.DeepEqual(st.followState, want) {
		t.Errorf("a new class: %+v, want %+v", st.followState, want)
	}
	if st.Students["pages"] != 0 || st.Pages == nil || st.Reported == nil || st.Server.At == 0 || st.Server.Goroutines == 0 ||
		st.Server.HeapBytes == 0 || st.Server.Transports["sse"] != (server.Counts{}) {
		t.Errorf("a new class's dashboard: %+v", st)
	}

	cookie := signInCookie(t, srv)
	for _, h := range []http.Header{{"Cookie": {cookie}}, bearer} {
		if resp, b := call(t, srv, http.MethodGet, "/api/class", "", h); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /api/class with %v: %d %s, want 200", h, resp.StatusCode, b)
		}
	}
	callError(t, srv, http.MethodGet, "/api/class", "", nil, http.StatusUnauthorized, "unauthorized")
	callError(t, srv, http.MethodPut, "/api/class", `{"paused":true}`, nil, http.StatusUnauthorized, "unauthorized")
	callError(t, srv, http.MethodPost, "/api/class/run", ``, nil, http.StatusUnauthorized, "unauthorized")
	callError(t, srv, http.MethodPost, "/api/class/drop", `{"transport":"ws"}`, nil, http.StatusUnauthorized, "unauthorized")
	callError(t, srv, http.MethodPut, "/api/feed", `{"rate":2}`, nil, http.StatusUnauthorized, "unauthorized") // even from this machine

	// The instructor page's own change passes; another site's, with the
	// same cookie, does not.
	callError(t, srv, http.MethodPut, "/api/class", `{"paused":true}`,
		http.Header{"Cookie": {cookie}, "Origin": {"http://elsewhere.example"}}, http.StatusForbidden, "forbidden")
	callError(t, srv, http.MethodPost, "/api/class/run", ``,
		http.Header{"Cookie": {cookie}, "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden, "forbidden")
	if st := classDo(t, srv, http.MethodGet, "/api/class", ""); st.Version != 1 || st.Paused || st.Run != 1 {
		t.Errorf("after refused changes: %+v, want version 1, not paused, run 1", st.followState)
	}
	resp, b := call(t, srv, http.MethodPut, "/api/class", `{"paused":true}`,
		http.Header{"Cookie": {cookie}, "Origin": {srv.URL}, "Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"paused":true`) {
		t.Errorf("PUT from the instructor page: %d %s, want 200 and paused", resp.StatusCode, b)
	}
}

func TestPutClassChangesAndBumps(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	st := classDo(t, srv, http.MethodPut, "/api/class",
		`{"transports":["ws","poll"],"interval":250,"rate":20,"paused":true,"messages":false,"network":{"delayMs":150,"jitterMs":50}}`)
	want := followState{Version: 2, Run: 1, Transports: []string{"ws", "poll"}, Interval: 250, Rate: 20, Paused: true,
		Network: class.Network{DelayMs: 150, JitterMs: 50}}
	if !reflect.DeepEqual(st.followState, want) {
		t.Errorf("after PUT: %+v, want %+v", st.followState, want)
	}
	if hub.Rate() != 20 || !hub.Paused() {
		t.Errorf("the feed: rate %v paused %v, want 20 and paused at once", hub.Rate(), hub.Paused())
	}
	if st := classDo(t, srv, http.MethodPost, "/api/class/run", ""); st.Run != 2 || st.Version != 3 || st.Interval != 250 {
		t.Errorf("after a new run: %+v, want run 2, version 3, the rest as it was", st.followState)
	}
	if s := getStats(t, srv, ""); s.Rate != 20 {
		t.Errorf("/api/stats rate %v, want 20", s.Rate)
	}
	var answer map[string]any
	getJSON(t, srv, "/api/stats", &answer)
	if answer["class"] != true {
		t.Errorf("/api/stats in classroom mode: class %v, want true", answer["class"])
	}
}

// racingClock is a clock that moves a second each time it is read: every
// rate limit's bucket is full again at each request.
func racingClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

// Each bad body is a 400, and nothing of it applies: the state, and the
// feed, are as before.
func TestPutClassRefusesBadValuesWhole(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{Now: racingClock()}))
	before := classDo(t, srv, http.MethodGet, "/api/class", "").followState
	for _, body := range []string{
		`{"paused":true,"colour":"red"}`,                         // unknown
		`{"paused":true,"version":7}`,                            // read-only
		`{"paused":true,"run":2}`,                                // read-only
		`{"paused":true,"students":{}}`,                          // read-only
		`{"paused":"yes"}`,                                       // wrong type
		`{"paused":true,"transports":"sse"}`,                     // wrong type
		`{"paused":true,"transports":["sse","fax"]}`,             // unknown transport
		`{"paused":true,"transports":["sse","sse"]}`,             // twice
		`{"paused":true,"interval":1000.5}`,                      // not whole
		`{"paused":true,"interval":100}`,                         // too short
		`{"paused":true,"interval":6000}`,                        // too long
		`{"paused":true,"rate":0}`,                               // too slow
		`{"paused":true,"rate":1e9}`,                             // too fast
		`{"paused":true,"messages":1}`,                           // wrong type
		`{"paused":true,"network":{"delayMs":-5}}`,               // negative
		`{"paused":true,"network":{"delayMs":999999}}`,           // too long
		`{"paused":true,"network":{"delayMs":10,"jitterMs":20}}`, // jitter over delay
		`{"paused":true,"network":{"delayMs":10,"lossPct":1}}`,   // unknown
		`{"paused":true,"tutorial":true,"rate":2}`,               // rate with the tutorial
		`{"paused":true,"tutorial":"on"}`,                        // wrong type
		`[]`, `"paused"`, ``, `{"paused":true}{}`,
	} {
		callError(t, srv, http.MethodPut, "/api/class", body, bearer, http.StatusBadRequest, "bad_request")
		if now := classDo(t, srv, http.MethodGet, "/api/class", "").followState; !reflect.DeepEqual(now, before) {
			t.Errorf("after PUT %s: %+v, want it unchanged: %+v", body, now, before)
		}
	}
	if hub.Paused() || hub.Rate() != 5 {
		t.Errorf("the feed after refused changes: paused %v rate %v, want running at 5", hub.Paused(), hub.Rate())
	}
	callError(t, srv, http.MethodPost, "/api/class/drop", `{"transport":"fax"}`, bearer, http.StatusBadRequest, "bad_request")
}

// The tutorial sets the feed to 1/3 and gives the rate back after; while
// it lasts, no rate may be set, by PUT /api/class or PUT /api/feed.
func TestTutorialAndRate(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	if resp, b := call(t, srv, http.MethodPut, "/api/feed", `{"rate":2}`, bearer); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/feed as the instructor: %d %s, want 200", resp.StatusCode, b)
	}
	if st := classDo(t, srv, http.MethodGet, "/api/class", ""); st.Rate != 2 || st.Version != 2 || hub.Rate() != 2 {
		t.Errorf("after PUT /api/feed: class rate %v version %d, feed %v; want 2, 2, 2", st.Rate, st.Version, hub.Rate())
	}
	if st := classDo(t, srv, http.MethodPut, "/api/class", `{"tutorial":true}`); !st.Tutorial || st.Rate != class.TutorialRate || hub.Rate() != class.TutorialRate {
		t.Errorf("tutorial on: %+v, feed %v; want rate 1/3 on both", st.followState, hub.Rate())
	}
	callError(t, srv, http.MethodPut, "/api/class", `{"rate":4}`, bearer, http.StatusBadRequest, "bad_request")
	callError(t, srv, http.MethodPut, "/api/feed", `{"rate":4}`, bearer, http.StatusBadRequest, "bad_request")
	if st := classDo(t, srv, http.MethodPut, "/api/class", `{"tutorial":false}`); st.Tutorial || st.Rate != 2 || hub.Rate() != 2 {
		t.Errorf("tutorial off: %+v, feed %v; want rate 2 back on both", st.followState, hub.Rate())
	}
}

// Paused, the feed publishes no quotes however fast its rate; messages
// still go. Resumed, quotes come again.
func TestPauseStopsQuotes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, classConfig(server.Config{}))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		classDo(t, srv, http.MethodPut, "/api/class", `{"rate":1000}`)
		go feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2)))
		time.Sleep(time.Second)
		if hub.Head() == 0 {
			t.Fatal("no quotes at 1000/s")
		}
		classDo(t, srv, http.MethodPut, "/api/class", `{"paused":true}`)
		synctest.Wait()
		head := hub.Head()
		time.Sleep(time.Minute)
		if got := hub.Head(); got != head {
			t.Errorf("a paused minute at 1000/s: head went from %d to %d", head, got)
		}
		key, _ := mint(t, srv)
		if resp := post(t, srv, "?client="+key, `{"text":"still here"}`); resp.StatusCode != http.StatusAccepted {
			t.Errorf("a message while paused: status %d, want 202", resp.StatusCode)
		}
		classDo(t, srv, http.MethodPut, "/api/class", `{"paused":false}`)
		time.Sleep(time.Second)
		if got := hub.Head(); got < head+1+900 {
			t.Errorf("a second after resuming at 1000/s: head %d, want about %d", got, head+1+1000)
		}
	})
}

// With messages off, a message is refused with messages_off, by POST and
// over a WebSocket, whose connection stays.
func TestMessagesOff(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	key, _ := mint(t, srv)
	ws := dialWS(t, srv, "/ws?client="+key)
	classDo(t, srv, http.MethodPut, "/api/class", `{"messages":false}`)
	head := hub.Head()

	resp := post(t, srv, "?client="+key, `{"text":"hello"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /api/messages with messages off: status %d, want 403", resp.StatusCode)
	}
	errorOf(t, resp, "messages_off")

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"kind":"message","text":"hello","id":4}`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := ws.Read(ctx)
	var reply struct{ Kind, Code, Error string }
	if err != nil || json.Unmarshal(b, &reply) != nil || reply.Kind != "error" || reply.Code != "messages_off" {
		t.Errorf("a WebSocket message with messages off: %s (%v), want an error with code messages_off", b, err)
	}
	if got := hub.Head(); got != head {
		t.Errorf("head %d, want %d: nothing published", got, head)
	}

	classDo(t, srv, http.MethodPut, "/api/class", `{"messages":true}`)
	if resp := post(t, srv, "?client="+key, `{"text":"hello again"}`); resp.StatusCode != http.StatusAccepted {
		t.Errorf("messages on again: status %d, want 202", resp.StatusCode)
	}
	if e := ws.next(t); e.Text != "hello again" {
		t.Errorf("the WebSocket, still open, got %+v, want the message", e)
	}
}

// A class drop closes that transport's connections of every page, and
// no other.
func TestClassDropClosesEveryPagesStreams(t *testing.T) {
	srv, hub := newServer(t, classConfig(server.Config{}))
	keyA, _ := mint(t, srv)
	keyB, _ := mint(t, srv)
	a, b := openSSE(t, srv, "/sse?client="+keyA), openSSE(t, srv, "/sse?client="+keyB)
	ws := dialWS(t, srv, "/ws?client="+keyA)

	resp, body := call(t, srv, http.MethodPost, "/api/class/drop", `{"transport":"sse"}`, bearer)
	var answer struct {
		Transport string
		Dropped   int
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &answer) != nil || answer.Transport != "sse" || answer.Dropped != 2 {
		t.Fatalf("POST /api/class/drop: %d %s, want 200, sse, 2 dropped", resp.StatusCode, body)
	}
	for name, s := range map[string]*sseStream{"a": a, "b": b} {
		if _, err := io.Copy(io.Discard, s.r); err == nil {
			t.Errorf("page %s's SSE stream ended cleanly, want it cut", name)
		}
	}
	publish(t, hub, 1)
	if e := ws.next(t); e.Seq != 1 {
		t.Errorf("the WebSocket after an SSE drop got %+v, want event 1", e)
	}
}

// A follow request answers at once for another version, or none; for the
// page's own it waits for a change, which releases it at once.
func TestFollow(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	key, _ := mint(t, srv)
	for _, q := range []string{"", "?client=" + key, "?version=", "?version=7&client=" + key, "?version=0"} {
		if status, st := follow(t, srv, q); status != http.StatusOK || st.Version != 1 || st.Interval != 1000 {
			t.Errorf("follow%s: %d %+v, want 200 and version 1 at once", q, status, st)
		}
	}
	for _, q := range []string{"?version=x", "?version=-1", "?version=1.0", "?version=99999999999999999999"} {
		callError(t, srv, http.MethodGet, "/api/class/follow"+q, "", nil, http.StatusBadRequest, "bad_request")
	}

	held, heldName := mint(t, srv)
	got := followAsync(t, srv, "?version=1&client="+held)
	// The held request counts the page as following: then it is held.
	following := func() bool {
		for _, p := range classDo(t, srv, http.MethodGet, "/api/class", "").Pages {
			if p.Name == heldName && p.Following {
				return true
			}
		}
		return false
	}
	if !eventually(following) {
		t.Fatal("the held follow request never showed on the dashboard")
	}
	select {
	case st := <-got:
		t.Fatalf("follow at the current version answered at once: %+v", st)
	default:
	}
	start := time.Now()
	classDo(t, srv, http.MethodPut, "/api/class", `{"interval":2000}`)
	st := <-got
	t.Logf("a change released the held follow request in %v", time.Since(start))
	if st.Version != 2 || st.Interval != 2000 {
		t.Errorf("released follow: %+v, want version 2, interval 2000", st)
	}
	if s := getStats(t, srv, ""); s.Transports["poll"].Requests != 0 || s.Transports["poll"].WireIn != 0 {
		t.Errorf("follow requests were counted as polls: %+v", s.Transports["poll"])
	}
}

// Nothing changing, a follow request is answered after 25 s with the
// same state; and at once when the server shuts down.
func TestFollowHoldsThenAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, classConfig(server.Config{}))
		got := followAsync(t, srv, "?version=1")
		time.Sleep(25*time.Second - time.Millisecond)
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("follow answered before 25 s with nothing changed")
		default:
		}
		time.Sleep(time.Millisecond)
		if st := <-got; st.Version != 1 {
			t.Errorf("after 25 s: version %d, want the same 1", st.Version)
		}

		start := time.Now()
		got = followAsync(t, srv, "?version=1")
		time.Sleep(time.Second)
		hub.Close() // as a shutdown does first
		if st := <-got; st.Version != 1 || time.Since(start) != time.Second {
			t.Errorf("on shutdown: %+v after %v, want the state at once", st, time.Since(start))
		}
	})
}

// A page's report shows on the dashboard: its student's name as typed,
// markup and all, which is text.
func TestReport(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	const name = "<img src=x onerror=alert(1)>"
	minji, minjiName := mint(t, srv)
	body := `{"name":"  ` + name + ` ","following":true,"transports":["poll","sse"],"latency":{"poll":{"p50Ms":312.5,"p95Ms":880,"n":40}}}`
	if resp, b := call(t, srv, http.MethodPost, "/api/class/report?client="+minji, body, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /api/class/report: %d %s, want 204", resp.StatusCode, b)
	}
	st := classDo(t, srv, http.MethodGet, "/api/class", "")
	if len(st.Pages) != 1 {
		t.Fatalf("pages %+v, want the reporting one", st.Pages)
	}
	p := st.Pages[0]
	if p.Name != minjiName || p.Student != name || !p.Following || !reflect.DeepEqual(p.Transports, []string{"poll", "sse"}) ||
		p.Latency["poll"] != (class.Latency{P50Ms: 312.5, P95Ms: 880, N: 40}) {
		t.Errorf("the page: %+v", p)
	}
	if st.Students["pages"] != 1 || st.Students["following"] != 1 || st.Reported["poll"] != (class.Reported{Pages: 1, P50Ms: 312.5, P95Ms: 880}) {
		t.Errorf("students %v, reported %v", st.Students, st.Reported)
	}

	for _, bad := range []struct{ query, body string }{
		{"", `{"name":"x"}`},
		{"?client=" + minji, `{"name":"a\u0007b"}`},
		{"?client=" + minji, `{"name":"line\nbreak"}`},
		{"?client=" + minji, `{"name":"evil\u202ecod.exe"}`}, // a bidi override: format, category Cf
		{"?client=" + minji, `{"name":"Min\u200bji"}`},       // a zero-width space
		{"?client=" + minji, `{"name":"\ufeffMinji"}`},       // a byte order mark
		{"?client=" + minji, `{"name":"` + strings.Repeat("x", 33) + `"}`},
		{"?client=" + minji, `{"transports":["fax"]}`},
		{"?client=" + minji, `{"latency":{"ws":{"p50Ms":-1,"p95Ms":1,"n":1}}}`},
		{"?client=" + minji, `{"latency":{"ws":{"p50Ms":1,"p95Ms":600001,"n":1}}}`},
		{"?client=" + minji, `{"latency":{"ws":{"p50Ms":1,"p95Ms":1,"n":1.5}}}`},
		{"?client=" + minji, `{"latency":{"ws":{"p50Ms":1,"p95Ms":1,"n":-1}}}`},
		{"?client=" + minji, `{"following":true,"version":2}`},
	} {
		callError(t, srv, http.MethodPost, "/api/class/report"+bad.query, bad.body, nil, http.StatusBadRequest, "bad_request")
	}
	if st := classDo(t, srv, http.MethodGet, "/api/class", ""); st.Pages[0].Student != name {
		t.Errorf("after refused reports the name is %q, want the last good one", st.Pages[0].Student)
	}
	if s := getStats(t, srv, minji); s.Transports["poll"].Requests != 0 || len(s.Client) != 0 && s.Client["poll"].Requests != 0 {
		t.Errorf("reports were counted as a transport's: %+v", s)
	}
}

// A page reports at most once a second after a burst of 5, and the
// instructor changes at most 10 a second after 20: then 429 with
// Retry-After. The clock stands still, so no token comes back.
func TestClassRateLimits(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	srv, _ := newServer(t, classConfig(server.Config{Now: func() time.Time { return now }}))
	a, _ := mint(t, srv)
	b, _ := mint(t, srv)
	for range 5 {
		if resp, b := call(t, srv, http.MethodPost, "/api/class/report?client="+a, `{}`, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("a report within the burst: %d %s", resp.StatusCode, b)
		}
	}
	resp := callError(t, srv, http.MethodPost, "/api/class/report?client="+a, `{}`, nil, http.StatusTooManyRequests, "too_many_requests")
	if resp.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
	}
	if resp, _ := call(t, srv, http.MethodPost, "/api/class/report?client="+b, `{}`, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("another page's report: %d, want 204: the bound is per page", resp.StatusCode)
	}

	for i := range 20 {
		classDo(t, srv, http.MethodPut, "/api/class", []string{`{"paused":true}`, `{"paused":false}`}[i%2])
	}
	resp = callError(t, srv, http.MethodPost, "/api/class/run", ``, bearer, http.StatusTooManyRequests, "too_many_requests")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("a 429 without Retry-After")
	}
	classDo(t, srv, http.MethodGet, "/api/class", "") // reading is not a change
}

// A follow request names the server run its version is of (epoch=): one
// of another run (a restarted server, whose versions start again) is
// answered at once, with the run's epoch, even at the current version.
func TestFollowTellsARestartByEpoch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, classConfig(server.Config{}))
		defer srv.Client().CloseIdleConnections()
		if status, st := follow(t, srv, "?version=1&epoch=an-earlier-run"); status != http.StatusOK || st.Epoch != hub.Epoch() || st.Version != 1 {
			t.Errorf("follow at version 1 of another run: %d %+v, want at once, with epoch %q", status, st, hub.Epoch())
		}
		got := followAsync(t, srv, "?version=1&epoch="+hub.Epoch())
		synctest.Wait()
		select {
		case st := <-got:
			t.Errorf("follow at version 1 of this run answered at once: %+v, want it held", st)
		default:
		}
		classDo(t, srv, http.MethodPut, "/api/class", `{"paused":true}`)
		if st := <-got; st.Version != 2 || st.Epoch != hub.Epoch() {
			t.Errorf("released: %+v, want version 2 of epoch %q", st, hub.Epoch())
		}
	})
}
