package web_test

// A student's page in a class, when the instructor acts on it: muted, its
// message form says so; disconnected, it stops every lane, asks the
// server nothing more, and says why, reloaded or not.

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
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

// keyRequests counts the requests that carry each client= key.
type keyRequests struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *keyRequests) count(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[key]
}

func TestStudentMutedThenDisconnected(t *testing.T) {
	requireChromium(t)
	hub := feed.NewHub(feed.Config{Rate: rate})
	ctx, stop := context.WithCancel(context.Background())
	quotes := make(chan error, 1)
	go func() { quotes <- feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2))) }()
	token := class.NewToken()
	page, err := class.NewPage(web.Files, nil)
	if err != nil {
		t.Fatal(err)
	}
	lab := server.New(hub, slog.New(slog.DiscardHandler), server.Config{
		Page:  web.Files,
		Class: &server.Class{Auth: class.NewAuth(token, nil), Page: page},
	})
	seen := &keyRequests{n: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.URL.Query().Get("client"); key != "" {
			seen.mu.Lock()
			seen.n[key]++
			seen.mu.Unlock()
		}
		lab.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		stop()
		<-quotes
		hub.Close()
		srv.Close()
	})
	instructor := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
		}
	}

	bctx := startBrowser(t)
	console := watchConsole(t, bctx)
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	key, name := pageKey(t, bctx), pageName(t, bctx)
	waitFor(t, bctx, "the page follows the class, every lane open",
		`!document.querySelector('#class-strip').hidden && ['poll','sse','ws'].every((t) => document.querySelector('#panel-'+t+' .state')?.dataset.state === 'open')`)

	instructor("/api/class/mute", `{"name":"`+name+`","muted":true}`)
	console.expect("status of 403") // the browser's own report of the refused POST
	for _, via := range []string{"ws", "sse"} {
		evaluate[bool](t, bctx, `(document.querySelector('#message-error').textContent = '', true)`)
		sendMessage(t, bctx, via, "let me talk")
		waitFor(t, bctx, "the form says the page is muted ("+via+")", `document.querySelector('#message-error').textContent === 'The instructor muted your messages.'`)
	}

	instructor("/api/class/disconnect", `{"name":"`+name+`"}`)
	waitFor(t, bctx, "the page says it was disconnected",
		`document.querySelector('#class-status').textContent === 'The instructor disconnected this page.' && ['poll','sse','ws'].every((t) => document.querySelector('#panel-'+t+' .state')?.dataset.state === 'off')`)
	if !evaluate[bool](t, bctx, `document.querySelector('#message-send').disabled && document.querySelector('#toggle-poll').disabled`) {
		t.Error("the page's controls are still enabled after it was disconnected")
	}
	asked := seen.count(key)
	time.Sleep(3 * time.Second) // the page's readers ask once a second, its lanes at once: none may
	if n := seen.count(key) - asked; n != 0 {
		t.Errorf("the page asked %d more times after it said it was disconnected, want none", n)
	}

	// A reload of the tab is the same page (its key is the tab's): still
	// disconnected, not a new page the instructor never saw.
	if err := chromedp.Do(bctx, chromedp.Reload()); err != nil {
		t.Fatalf("reloading the page: %v", err)
	}
	if got := pageKey(t, bctx); got != key {
		t.Error("a reload gave the page a new key: it escaped the disconnect")
	}
	waitFor(t, bctx, "the reloaded page says it is disconnected",
		`document.querySelector('#class-status').textContent === 'The instructor disconnected this page.'`)
	if problems := console.problems(); len(problems) > 0 {
		// The browser reports the refused reconnects of the streams.
		var other []string
		for _, p := range problems {
			if !strings.Contains(p, "403") && !strings.Contains(p, "WebSocket") && !strings.Contains(p, "EventSource") {
				other = append(other, p)
			}
		}
		if len(other) > 0 {
			t.Errorf("the console:\n%s", strings.Join(other, "\n"))
		}
	}
}
