package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"transportlab/internal/feed"
)

// The hub's own cut-offs are counted by their cause, once each, when the
// delivery ends: a queue that filled is too slow, a write that hung is
// stuck; a delivery its owner let go of is no cut-off at all.
func TestCountedSourceCountsTheHubsCutOffs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writeTimeout = time.Second
		hub := feed.NewHub(feed.Config{Queue: 1})
		ctx, stopWatch := context.WithCancel(t.Context())
		defer stopWatch()
		go hub.Watch(ctx, writeTimeout)
		e := newEnds()
		src := countedSource{Hub: hub, ends: e}

		slow, err := src.Subscribe(feed.Position{}) // never reads: its queue of one fills
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		stuck, err := src.Subscribe(feed.Position{})
		if err != nil {
			t.Fatal(err)
		}
		defer stuck.Close()
		let, err := src.Subscribe(feed.Position{})
		if err != nil {
			t.Fatal(err)
		}
		let.Close()

		stuck.StartWrite() // and never ends it
		for range 2 {
			if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
				t.Fatal(err)
			}
			<-stuck.Ready() // the stuck one's queue never fills: only its write tells
			stuck.Take(nil)
		}
		time.Sleep(2 * writeTimeout)
		synctest.Wait()

		for cause, want := range map[string]int64{CutTooSlow: 1, CutStuckWrite: 1, CutPingTimeout: 0, CutDeadPeer: 0} {
			if got := e.cut[cause].Load(); got != want {
				t.Errorf("cut-offs for %s = %d, want %d", cause, got, want)
			}
		}
		stopWatch()
		hub.Close()
	})
}

// A poll that sends the seq it saw last is a resume; a first poll is not.
// Each answer counts once, as short or long polling: a long poll that
// looked at the feed several times while it waited is one resume.
func TestPollSourceCountsPollsThatResume(t *testing.T) {
	hub := feed.NewHub(feed.Config{History: 2})
	defer hub.Close()
	s := &server{ends: newEndsPerTransport()}
	src := s.pollSource()
	for range 4 {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
			t.Fatal(err)
		}
	}
	src.Hub = hub
	answer := func(query string, p feed.Position) {
		_, hello := hub.Since(p, 0)
		src.Answered(httptest.NewRequest(http.MethodGet, "/poll?"+query, nil), p, hello)
	}
	answer("", feed.Position{})                                        // first: none
	answer("since=3", feed.Position{Resume: true, Since: 3})           // 4 is there: whole
	answer("since=1", feed.Position{Resume: true, Since: 1})           // 2 is gone: missed
	answer("since=9", feed.Position{Resume: true, Since: 9})           // beyond the head: reset
	answer("since=0&epoch=x", feed.Position{Resume: true, Epoch: "x"}) // another epoch: reset
	answer("since=4&wait=25s", feed.Position{Resume: true, Since: 4})  // a long poll: its own
	for transport, counts := range map[string]map[string]int64{
		Poll:     {ResumeWhole: 1, ResumeMissed: 1, ResumeReset: 2},
		LongPoll: {ResumeWhole: 1, ResumeMissed: 0, ResumeReset: 0},
	} {
		for outcome, want := range counts {
			if got := s.ends[transport].resumed[outcome].Load(); got != want {
				t.Errorf("%s resumes %s = %d, want %d", transport, outcome, got, want)
			}
		}
	}
}
