package polling_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/polling"
	"transportlab/internal/transporttest"
)

// bubbleServer serves /poll from hub over in-process pipes, for a test in a
// testing/synctest bubble: its clock moves only while every goroutine
// waits, and a goroutine blocked on a pipe waits as the bubble counts it.
// Call it in the bubble.
func bubbleServer(t *testing.T, hub *feed.Hub) (*http.Client, *transporttest.Meter) {
	t.Helper()
	pipes := transporttest.NewPipes()
	m := new(transporttest.Meter)
	srv := &http.Server{Handler: polling.Handler(hub, m, slog.New(slog.DiscardHandler))}
	go srv.Serve(pipes)
	client := pipes.Client()
	t.Cleanup(func() {
		hub.Close() // held polls answer, as at a shutdown
		client.CloseIdleConnections()
		srv.Close()
	})
	return client, m
}

// longPoll is one long poll's outcome: its answer, and when it came.
type longPoll struct {
	answer answer
	status int
	at     time.Time
}

// startLongPoll GETs /poll with query in a goroutine; the outcome arrives
// on the channel.
func startLongPoll(t *testing.T, c *http.Client, query string) <-chan longPoll {
	t.Helper()
	out := make(chan longPoll, 1)
	go func() {
		res, err := c.Get("http://pipe/poll" + query)
		if err != nil {
			t.Errorf("GET %s: %v", query, err)
			close(out)
			return
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		var a answer
		if err == nil && res.StatusCode == http.StatusOK {
			err = json.Unmarshal(body, &a)
		}
		if err != nil {
			t.Errorf("GET %s: %v (%s)", query, err, body)
		}
		out <- longPoll{answer: a, status: res.StatusCode, at: time.Now()}
	}()
	return out
}

// A long poll with events after since waits for nothing.
func TestLongPollAnswersAtOnceWhenThereIsNews(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		transporttest.Publish(t, hub, 7)
		c, _ := bubbleServer(t, hub)
		start := time.Now()
		got := <-startLongPoll(t, c, "?since=4&epoch="+hub.Epoch()+"&wait=25s")
		if d := got.at.Sub(start); d != 0 || len(got.answer.Events) != 3 || got.answer.Next != 7 {
			t.Errorf("since=4: %d events, next %d after %v; want 3, 7, at once", len(got.answer.Events), got.answer.Next, d)
		}
	})
}

// At the head, a long poll is held until the next event, and answers it
// the moment it is published.
func TestLongPollHoldsUntilAnEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		transporttest.Publish(t, hub, 7)
		c, m := bubbleServer(t, hub)
		out := startLongPoll(t, c, "?since=7&epoch="+hub.Epoch()+"&wait=25s")
		time.Sleep(10 * time.Second)
		synctest.Wait()
		select {
		case got := <-out:
			t.Fatalf("answered %+v before any event, want held", got.answer)
		default:
		}
		if open := m.Active.Load(); open != 1 {
			t.Errorf("meter active = %d while held, want 1", open)
		}
		published := time.Now()
		transporttest.Publish(t, hub, 1)
		got := <-out
		if got.at != published || got.answer.Next != 8 || len(got.answer.Events) != 1 {
			t.Errorf("after the event: next %d, %d events, %v after it; want 8, 1, at once",
				got.answer.Next, len(got.answer.Events), got.at.Sub(published))
		}
		synctest.Wait()
		if m.Requests.Load() != 1 || m.Events.Load() != 1 || m.Active.Load() != 0 {
			t.Errorf("meter: %d requests, %d events, %d active; want 1, 1, 0", m.Requests.Load(), m.Events.Load(), m.Active.Load())
		}
	})
}

// When wait passes with nothing new, the answer has no events and next
// stays put: the client asks again from the same place.
func TestLongPollAnswersEmptyAfterTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		transporttest.Publish(t, hub, 3)
		c, _ := bubbleServer(t, hub)
		start := time.Now()
		got := <-startLongPoll(t, c, "?since=3&wait=500ms")
		if d := got.at.Sub(start); d != 500*time.Millisecond || len(got.answer.Events) != 0 || got.answer.Next != 3 {
			t.Errorf("answer after %v: %d events, next %d; want after 500ms, none, 3", d, len(got.answer.Events), got.answer.Next)
		}
	})
}

// Closing the feed, as a shutdown does, answers every held poll at once.
func TestLongPollAnswersAtShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		transporttest.Publish(t, hub, 3)
		c, _ := bubbleServer(t, hub)
		var held []<-chan longPoll
		for range 3 {
			held = append(held, startLongPoll(t, c, "?since=3&wait=60s"))
		}
		time.Sleep(time.Second)
		closed := time.Now()
		hub.Close()
		for _, out := range held {
			if got := <-out; got.at != closed || got.status != http.StatusOK || len(got.answer.Events) != 0 {
				t.Errorf("held poll at shutdown: status %d, %d events, %v after Close; want 200, none, at once",
					got.status, len(got.answer.Events), got.at.Sub(closed))
			}
		}
	})
}

// A client that goes away lets its held poll go: nothing is written, the
// answer is done, and the timer goes with it (goleak and the bubble check
// that nothing is left).
func TestLongPollEndsWithItsClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := feed.NewHub(feed.Config{})
		transporttest.Publish(t, hub, 3)
		c, m := bubbleServer(t, hub)
		ctx, cancel := context.WithCancel(t.Context())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://pipe/poll?since=3&wait=60s", nil)
		errc := make(chan error, 1)
		go func() {
			res, err := c.Do(req)
			if err == nil {
				res.Body.Close()
			}
			errc <- err
		}()
		time.Sleep(time.Second)
		cancel()
		if err := <-errc; err == nil {
			t.Error("a cancelled long poll got an answer, want an error")
		}
		synctest.Wait()
		if m.Active.Load() != 0 || m.Written.Load() != 0 {
			t.Errorf("meter after the client left: %d active, %d written; want 0, 0", m.Active.Load(), m.Written.Load())
		}
	})
}

func TestParseWait(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  time.Duration
		ok    bool
	}{
		{"", 0, true},
		{"since=3", 0, true},
		{"wait=25s", 25 * time.Second, true},
		{"wait=500ms", 500 * time.Millisecond, true},
		{"wait=1m", time.Minute, true},
		{"wait=", 0, false},
		{"wait=25", 0, false},
		{"wait=abc", 0, false},
		{"wait=0s", 0, false},
		{"wait=-1s", 0, false},
		{"wait=61s", 0, false},
		{"wait=1h", 0, false},
	} {
		got, err := polling.ParseWait(httptest.NewRequest(http.MethodGet, "/poll?"+tc.query, nil))
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseWait(%q) = %v, %v; want %v, ok %v", tc.query, got, err, tc.want, tc.ok)
		}
	}
}

// A bad wait is a 400 with a reason, and no wait at all.
func TestLongPollRejectsABadWait(t *testing.T) {
	srv, _, _ := newServer(t, 100, 7)
	for _, q := range []string{"?since=7&wait=", "?since=7&wait=forever", "?since=7&wait=0s", "?since=7&wait=-5s", "?since=7&wait=61s"} {
		res, body := poll(t, srv, q)
		var e struct{ Error string }
		if res.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want 400 with a JSON error", q, res.StatusCode, body)
		}
	}
}

// A long poll far behind gets what a short poll gets: at most
// MaxPollEvents, and more.
func TestLongPollAnswersAtMostMaxPollEvents(t *testing.T) {
	srv, _, _ := newServer(t, feed.DefaultHistory, feed.DefaultHistory)
	a := decode(t, pollBody(t, srv, "?since=0&wait=25s"))
	if len(a.Events) != polling.MaxPollEvents || a.More == nil || *a.More != feed.DefaultHistory-polling.MaxPollEvents {
		t.Errorf("since=0&wait=25s: %d events, more %v; want %d and %d", len(a.Events), a.More,
			polling.MaxPollEvents, feed.DefaultHistory-polling.MaxPollEvents)
	}
}

// FuzzParseWait: any wait a client sends is refused or within (0, MaxWait].
func FuzzParseWait(f *testing.F) {
	for _, s := range []string{"25s", "500ms", "1m", "60.000000001s", "-1s", "0", "1e3s", "9223372036854775807ns", "1h1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := polling.ParseWait(&http.Request{URL: &url.URL{RawQuery: "wait=" + url.QueryEscape(s)}})
		if err == nil && (d <= 0 || d > polling.MaxWait) {
			t.Errorf("ParseWait(%q) = %v, nil: outside (0, %v]", s, d, polling.MaxWait)
		}
		if err != nil && d != 0 {
			t.Errorf("ParseWait(%q) = %v, %v: a refused wait must be 0", s, d, err)
		}
	})
}
