package server

import (
	"context"
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
			<-stuck.Frames() // the stuck one's queue never fills: only its write tells
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
func TestCountedSourceCountsPollsThatResume(t *testing.T) {
	hub := feed.NewHub(feed.Config{History: 2})
	defer hub.Close()
	e := newEnds()
	src := countedSource{Hub: hub, ends: e}
	for range 4 {
		if _, err := hub.Publish(feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 1}); err != nil {
			t.Fatal(err)
		}
	}
	src.Since(feed.Position{}, 0)                         // first: none
	src.Since(feed.Position{Resume: true, Since: 3}, 0)   // 4 is there: whole
	src.Since(feed.Position{Resume: true, Since: 1}, 0)   // 2 is gone: missed
	src.Since(feed.Position{Resume: true, Since: 9}, 0)   // beyond the head: reset
	src.Since(feed.Position{Resume: true, Epoch: "x"}, 0) // another epoch: reset
	for outcome, want := range map[string]int64{ResumeWhole: 1, ResumeMissed: 1, ResumeReset: 2} {
		if got := e.resumed[outcome].Load(); got != want {
			t.Errorf("resumes %s = %d, want %d", outcome, got, want)
		}
	}
}
