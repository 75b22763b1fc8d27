package web_test

// What the classroom tests share: transportlab in classroom mode, the
// instructor's API as a script calls it (the Bearer token), student pages
// driven over HTTP, and browser tabs that share nothing with each other.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"transportlab/internal/class"
	"transportlab/internal/pagekey"
	"transportlab/internal/server"
	"transportlab/web"
)

// startClassLab serves transportlab in classroom mode as transportlab
// -class does, telling students to open studentURL, with front (if not
// nil) before the server; it returns the lab and the instructor's token.
func startClassLab(tb testing.TB, front func(http.Handler) http.Handler) (*lab, string) {
	tb.Helper()
	return startClassLabWith(tb, front, nil)
}

// startClassLabWith is startClassLab with tune (if not nil) changing the
// server's Config after classroom mode is set: a limit a test means to
// reach, tighter than a class would ever meet.
func startClassLabWith(tb testing.TB, front func(http.Handler) http.Handler, tune func(*server.Config)) (*lab, string) {
	tb.Helper()
	token := class.NewToken()
	page, err := class.NewPage(web.Files, []string{studentURL})
	if err != nil {
		tb.Fatal(err)
	}
	room := &server.Class{Auth: class.NewAuth(token, nil), Page: page}
	keys := pagekey.New()
	l := startLabWith(tb, labConfig{
		server: func(c *server.Config) {
			c.Class, c.Keys = room, keys
			if tune != nil {
				tune(c)
			}
		},
		front: front,
	})
	return l, token
}

// classState is what the tests read of GET /api/class.
type classState struct {
	Version    int64          `json:"version"`
	Run        int64          `json:"run"`
	Transports []string       `json:"transports"`
	Interval   int            `json:"interval"`
	Messages   bool           `json:"messages"`
	Network    map[string]int `json:"network"`
	Students   map[string]int `json:"students"`
	Pages      []struct {
		Name       string   `json:"name"`
		Student    string   `json:"student"`
		Following  bool     `json:"following"`
		Transports []string `json:"transports"`
	} `json:"pages"`
	Server struct {
		Transports map[string]counters `json:"transports"`
	} `json:"server"`
	Limited []struct {
		Address   string `json:"address"`
		Name      string `json:"name"`
		Limit     string `json:"limit"`
		Refused   int    `json:"refused"`
		LastAgoMs int64  `json:"lastAgoMs"`
	} `json:"limited"`
}

// instructor calls the class API as a script does, with the token as
// Authorization: Bearer, and returns the status and the body. body, when
// not nil, is sent as JSON.
func instructor(tb testing.TB, srv *httptest.Server, token, method, path string, body any) (int, []byte) {
	tb.Helper()
	var in io.Reader
	if body != nil {
		in = bytes.NewReader([]byte(jsonOf(tb, body)))
	}
	req, err := http.NewRequest(method, srv.URL+path, in)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	status, out, err := do(srv, req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	return status, out
}

// readClass returns the class state as GET /api/class answers the instructor.
func readClass(tb testing.TB, srv *httptest.Server, token string) classState {
	tb.Helper()
	status, body := instructor(tb, srv, token, http.MethodGet, "/api/class", nil)
	if status != http.StatusOK {
		tb.Fatalf("GET /api/class: %d %s", status, body)
	}
	var st classState
	if err := json.Unmarshal(body, &st); err != nil {
		tb.Fatalf("GET /api/class: %v in %s", err, body)
	}
	return st
}

// do sends req with the server's client and reads the whole answer.
func do(srv *httptest.Server, req *http.Request) (int, []byte, error) {
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// mintPage asks the server for a page's key and public name, as a page does first.
func mintPage(tb testing.TB, srv *httptest.Server) (key, name string) {
	tb.Helper()
	status, body, err := do(srv, must(http.NewRequest(http.MethodPost, srv.URL+"/api/pages", nil)))
	if err != nil || status != http.StatusCreated {
		tb.Fatalf("POST /api/pages: %d %s %v", status, body, err)
	}
	var page struct{ Key, Name string }
	if err := json.Unmarshal(body, &page); err != nil || page.Key == "" || page.Name == "" {
		tb.Fatalf("POST /api/pages answered %s: want a key and a name", body)
	}
	return page.Key, page.Name
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// httpPage is a student's page as the server sees one, driven over HTTP as
// the page's script drives it: a key from POST /api/pages, a poll every
// 50 ms, a report every 2 s and, with stream, one SSE stream held open
// until the server closes it. What it reports is the test's to say.
type httpPage struct {
	key, name string
}

// startHTTPPage starts a page that reports report (the body of POST
// /api/class/report). Cleanup stops it and waits until it has.
func startHTTPPage(tb testing.TB, srv *httptest.Server, report map[string]any, stream bool) httpPage {
	tb.Helper()
	key, name := mintPage(tb, srv)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	fail := func(format string, args ...any) {
		if ctx.Err() == nil {
			tb.Errorf("page %q: "+format, append([]any{name}, args...)...)
		}
	}
	send := func(method, path string, body []byte, want int) {
		var in io.Reader
		if body != nil {
			in = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, in)
		if err != nil {
			fail("%v", err)
			return
		}
		if status, out, err := do(srv, req); err != nil {
			fail("%s %s: %v", method, path, err)
		} else if status != want {
			fail("%s %s: %d %s, want %d", method, path, status, out, want)
		}
	}
	rep := []byte(jsonOf(tb, report))
	wg.Go(func() {
		polls, reports := time.NewTicker(50*time.Millisecond), time.NewTicker(2*time.Second)
		defer polls.Stop()
		defer reports.Stop()
		send(http.MethodPost, "/api/class/report?client="+key, rep, http.StatusNoContent)
		for {
			select {
			case <-ctx.Done():
				return
			case <-polls.C:
				send(http.MethodGet, "/poll?client="+key, nil, http.StatusOK)
			case <-reports.C:
				send(http.MethodPost, "/api/class/report?client="+key, rep, http.StatusNoContent)
			}
		}
	})
	if stream {
		opened := make(chan struct{})
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sse?client="+key, nil)
			if err != nil {
				fail("%v", err)
				close(opened)
				return
			}
			resp, err := srv.Client().Do(req)
			close(opened)
			if err != nil {
				fail("GET /sse: %v", err)
				return
			}
			defer resp.Body.Close()
			io.Copy(io.Discard, resp.Body) // until the server, or the end of the test, closes it
		})
		<-opened
	}
	tb.Cleanup(func() {
		stop()
		wg.Wait()
	})
	return httpPage{key: key, name: name}
}

// newTab opens a tab of browser in a browser context of its own: cookies,
// storage and cache shared with no other tab, as another student's laptop.
// Cleanup closes the tab and disposes of its context.
func newTab(tb testing.TB, browser context.Context) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil { // creates the context and its tab
		cancel()
		tb.Fatalf("opening a tab in a new browser context: %v", err)
	}
	tb.Cleanup(func() {
		cctx, stop := context.WithTimeout(ctx, timeout)
		defer stop()
		if err := chromedp.Cancel(cctx); err != nil {
			tb.Errorf("closing a tab and its browser context: %v", err)
		}
		cancel()
	})
	return ctx
}

// navigate opens url in the tab of ctx.
func navigate(tb testing.TB, ctx context.Context, url string) {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("opening %s: %v", url, err)
	}
}

// choose picks value in the <select> sel, as a person does: the value
// changes and the select says so (a change event).
func choose(tb testing.TB, ctx context.Context, sel, value string) {
	tb.Helper()
	evaluate[bool](tb, ctx, fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, sel, value))
}
