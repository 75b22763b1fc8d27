package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

var (
	keyShape  = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)
	nameShape = regexp.MustCompile(`^[a-z]+ [a-z]+ [0-9]{1,2}$`)
)

// mint asks POST /api/pages for a new page's key and name.
func mint(tb testing.TB, srv *httptest.Server) (key, name string) {
	tb.Helper()
	resp, err := srv.Client().Post(srv.URL+"/api/pages", "", nil)
	if err != nil {
		tb.Fatalf("POST /api/pages: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("POST /api/pages: status %d, want 201", resp.StatusCode)
	}
	var answer struct{ Key, Name string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		tb.Fatalf("POST /api/pages: decoding the answer: %v", err)
	}
	return answer.Key, answer.Name
}

func TestMintPage(t *testing.T) {
	keys := pagekey.New()
	srv, _ := newServer(t, server.Config{Keys: keys})
	key, name := mint(t, srv)
	if !keyShape.MatchString(key) || !keys.Valid(key) {
		t.Errorf("key %q: want 32 characters of [A-Za-z0-9_-], minted by the server's keys", key)
	}
	if !nameShape.MatchString(name) || name != keys.Name(key) {
		t.Errorf("name %q: want %q, an adjective, an animal and a number", name, keys.Name(key))
	}
	if key2, _ := mint(t, srv); key2 == key {
		t.Errorf("two mints gave the same key %q", key)
	}
}

// Every page sees who sent a message by its public name: over POST and over
// the WebSocket. No page reads another's key in the feed.
func TestFeedNamesSenderByPublicName(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	key, name := mint(t, srv)
	other, otherName := mint(t, srv)
	watching, _ := mint(t, srv)
	watcher := dialWS(t, srv, "/ws?client="+watching)
	sender := dialWS(t, srv, "/ws?client="+key)
	otherSender := dialWS(t, srv, "/ws?client="+other)

	for _, id := range []string{key, other} {
		if resp := post(t, srv, "?client="+id, `{"text":"by post","via":"sse"}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST /api/messages?client=%s: status %d, want 202", id, resp.StatusCode)
		}
	}
	for _, c := range []*wsStream{sender, otherSender} {
		if err := c.Write(t.Context(), websocket.MessageText, []byte(`{"kind":"message","text":"by ws"}`)); err != nil {
			t.Fatal(err)
		}
	}
	want := []feed.Event{
		{Seq: 1, Kind: feed.KindMessage, From: name, Text: "by post", Via: "sse"},
		{Seq: 2, Kind: feed.KindMessage, From: otherName, Text: "by post", Via: "sse"},
	}
	for range 4 {
		_, b, err := watcher.Read(t.Context())
		if err != nil {
			t.Fatalf("reading the watcher's WebSocket: %v", err)
		}
		for _, secret := range []string{key, other} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("the watcher read %s, with the key %q of another page", b, secret)
			}
		}
		var e feed.Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		e.TS = 0
		if e.Via == "ws" { // the two WebSockets race: which comes first is theirs
			if e.From != name && e.From != otherName {
				t.Errorf("WebSocket message from %q, want %q or %q", e.From, name, otherName)
			}
			continue
		}
		if len(want) == 0 || e != want[0] {
			t.Errorf("event %+v, want %+v", e, want)
			continue
		}
		want = want[1:]
	}
}

// A public name is never a page's key: wherever ?client= is taken, a name
// is refused as bad_key, and nothing changes.
func TestPublicNameIsNotAClient(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	_, name := mint(t, srv)
	q := "?client=" + url.PathEscape(name) // %20 for a space; the stall test below sends "+"
	for _, path := range []string{"/poll", "/sse", "/ws", "/api/stats", "/api/sim", "/api/wire"} {
		resp := refused(t, srv, path+q, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s%s: status %d, want 400", path, q, resp.StatusCode)
		}
		errorOf(t, resp, "bad_key")
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/messages", `{"text":"hi","via":"sse"}`},
		{http.MethodPut, "/api/sim", `{"delayMs":500,"jitterMs":0}`},
		{http.MethodPost, "/api/sim/stall", `{"ms":1000}`},
		{http.MethodPost, "/api/sim/drop", `{"transport":"sse"}`},
	} {
		if status, answer := send(t, srv, r.method, r.path+q, r.body); status != http.StatusBadRequest {
			t.Errorf("%s %s%s: %d %v, want 400", r.method, r.path, q, status, answer)
		}
	}
	if got := hub.Head(); got != 0 {
		t.Errorf("head = %d after refused messages, want 0", got)
	}
}

// The feed shows a page's name to everyone; a page that tries to stall
// another by that name is refused, and the other goes on as before.
func TestStallByPublicNameStallsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, hub := newServerInBubble(t, server.Config{})
		key, name := mint(t, srv)
		victim := openSSE(t, srv, "/sse?client="+key)
		status, answer := send(t, srv, http.MethodPost, "/api/sim/stall?client="+url.QueryEscape(name), `{"ms":3000}`)
		if status != http.StatusBadRequest {
			t.Fatalf("POST /api/sim/stall by the name %q: %d %v, want 400", name, status, answer)
		}
		start := time.Now()
		publish(t, hub, 3)
		for seq := uint64(1); seq <= 3; seq++ {
			if e := victim.nextEvent(t); e.Seq != seq {
				t.Errorf("victim: seq %d, want %d", e.Seq, seq)
			}
		}
		if late := time.Since(start); late != 0 {
			t.Errorf("the victim's events came %v late, want at once: it was not stalled", late)
		}
	})
}

// A page asks its own name with its stats: a page that outlived a restart
// of the server, which names every page anew, learns its name there.
func TestStatsTellThePageItsName(t *testing.T) {
	keys := pagekey.New()
	srv, _ := newServer(t, server.Config{Keys: keys})
	key, name := mint(t, srv)
	var answer struct{ Name *string }
	getJSON(t, srv, "/api/stats?client="+key, &answer)
	if answer.Name == nil || *answer.Name != name {
		t.Errorf("GET /api/stats?client=<key>: name %v, want %q", answer.Name, name)
	}
	answer.Name = nil
	getJSON(t, srv, "/api/stats", &answer)
	if answer.Name != nil {
		t.Errorf("GET /api/stats without client: name %q, want none", *answer.Name)
	}

	restarted, _ := newServer(t, server.Config{}) // another run: another secret
	resp := refused(t, restarted, "/api/stats?client="+key, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /api/stats?client=<key> after a restart: status %d, want 400", resp.StatusCode)
	}
	errorOf(t, resp, "bad_key") // the page's cue to mint a key of this run
}

// The log names a page as the feed does: a terminal on a projector shows
// it to the room, and a key read there would steer the page.
func TestLogNamesPagesNotKeys(t *testing.T) {
	keys := pagekey.New()
	var out transporttest.Buffer
	hub := feed.NewHub(feed.Config{Rate: 5})
	srv := httptest.NewServer(server.New(hub, slog.New(slog.NewTextHandler(&out, nil)), server.Config{Keys: keys}))
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	key, name := mint(t, srv)
	openSSE(t, srv, "/sse?client="+key)
	dialWS(t, srv, "/ws?client="+key)
	if status, answer := send(t, srv, http.MethodPost, "/api/sim/drop?client="+key, `{"transport":"sse"}`); status != http.StatusOK {
		t.Fatalf("POST /api/sim/drop: %d %v", status, answer)
	}
	log := out.String()
	if strings.Contains(log, key) {
		t.Errorf("the log holds the page's key %q:\n%s", key, log)
	}
	for _, want := range []string{"transport=sse", "transport=ws", "connections dropped"} {
		if !strings.Contains(log, want) || strings.Count(log, `client="`+name+`"`) < 3 {
			t.Errorf("the log does not name the page %q beside %q:\n%s", name, want, log)
		}
	}
}
