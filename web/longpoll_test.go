package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLongPollLane puts long polling beside short polling at the design
// card's defaults, 5 events a second and a poll every second, on loopback:
// long polling's median is a round trip, a few milliseconds, while short
// polling's is about half its interval; the page and the server count the
// same long poll requests; and four panels sit side by side on a 1366-px
// projector.
func TestLongPollLane(t *testing.T) {
	lab, ctx, _ := openPage(t, "?transports=poll,longpoll&interval=1000")
	lab.mu.Lock()
	if err := lab.runs[0].hub.SetRate(5); err != nil {
		t.Fatal(err)
	}
	lab.mu.Unlock()
	id := pageKey(t, ctx)

	t.Run("four panels side by side at 1366 px", func(t *testing.T) {
		waitFor(t, ctx, "both polling lanes are open", `['poll', 'longpoll'].every((t) =>
			document.querySelector('#panel-' + t + ' .state').dataset.state === 'open')`)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
			t.Fatal(err)
		}
		type box struct {
			Shown, Tops, Overflow int
			Right                 float64
		}
		b := evaluate[box](t, ctx, `(() => {
			const shown = [...document.querySelectorAll('#panels .panel')].filter((p) => !p.hidden);
			const rects = shown.map((p) => p.getBoundingClientRect());
			return {
				shown: shown.length,
				tops: new Set(rects.map((r) => Math.round(r.top))).size,
				right: Math.max(...rects.map((r) => r.right)),
				overflow: shown.filter((p) => p.scrollWidth > p.clientWidth + 1).length,
			};
		})()`)
		if b.Shown != 4 || b.Tops != 1 || b.Right > 1366 || b.Overflow != 0 {
			t.Errorf("panels: %d shown on %d rows, right edge %.0f px, %d overflowing; want 4 on one row within 1366 px, none overflowing",
				b.Shown, b.Tops, b.Right, b.Overflow)
		}
	})

	t.Run("long polling's median is a round trip, short polling's half the interval", func(t *testing.T) {
		// 40 events at 5 a second: the medians are the new rate's.
		waitFor(t, ctx, "both lanes have 40 latencies", `['poll', 'longpoll'].every((t) =>
			window.transportlab.latencies()[t].count >= 40)`)
		deadline := time.Now().Add(30 * time.Second)
		for {
			lp, lpErr := latencyMs(metric(t, ctx, "longpoll", "latency-median"))
			p, pErr := latencyMs(metric(t, ctx, "poll", "latency-median"))
			if lpErr == nil && pErr == nil && lp < 50 && p > 300 && p < 750 {
				t.Logf("median latency at 5 events/s: long polling %.1f ms, polling every 1000 ms %.0f ms", lp, p)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("medians: long polling %q, polling %q; want under 50 ms, and about 500 ms", metric(t, ctx, "longpoll", "latency-median"), metric(t, ctx, "poll", "latency-median"))
			}
			time.Sleep(500 * time.Millisecond)
		}
		if got := panelState(t, ctx, "longpoll"); got != "open" {
			t.Errorf("#panel-longpoll state %q, want open", got)
		}
		checkNothingLostIn(t, pageLedgers(t, ctx), "poll", "longpoll")
	})

	t.Run("the inspector shows each long poll with its wait and its header bytes", func(t *testing.T) {
		evaluate[bool](t, ctx, `document.querySelector('#panel-longpoll .inspector').open = true`)
		waitFor(t, ctx, "the long polling inspector has five requests, the latest with its header bytes", `
			document.querySelectorAll('#panel-longpoll .wire-row[data-kind="request"]').length >= 5 &&
			[...document.querySelectorAll('#panel-longpoll .wire-row')].some((r) => /headers \d+ B/.test(r.textContent))`)
		line := regexp.MustCompile(`^GET /poll\?since=\d+&epoch=[0-9a-f]+&wait=25s&client=<key> HTTP/1\.1$`)
		rows := wireRows(t, ctx, "longpoll")
		for _, r := range rows[:3] {
			if len(r.Lines) != 1 || !line.MatchString(r.Lines[0]) {
				t.Errorf("long poll row = %q, want GET /poll?since=N&epoch=E&wait=25s&client=<key> HTTP/1.1", r.Lines)
			}
		}
	})

	t.Run("the page and the server count the same long polls", func(t *testing.T) {
		toggle(t, ctx, "longpoll")
		toggle(t, ctx, "poll")
		waitFor(t, ctx, "both lanes are off, long polling's panel gone", `
			['poll', 'longpoll'].every((t) => document.querySelector('#panel-' + t + ' .state').dataset.state === 'off') &&
			document.querySelector('#panel-longpoll').hidden && !document.querySelector('#panel-poll').hidden`)
		deadline := time.Now().Add(timeout)
		for {
			ledgers, counts := pageLedgers(t, ctx), serverCounts(t, lab.srv, id)
			var differ []string
			for _, tr := range []string{"poll", "longpoll"} {
				if page, server := ledgers[tr].Requests, counts[tr].Requests; page != server || page == 0 {
					differ = append(differ, fmt.Sprintf("%s: page counted %d, server %d", tr, page, server))
				}
			}
			if counts["longpoll"].Open != 0 {
				differ = append(differ, fmt.Sprintf("longpoll: %d still open at the server", counts["longpoll"].Open))
			}
			if len(differ) == 0 {
				t.Logf("requests: long polling %d for %d events, polling %d for %d events",
					counts["longpoll"].Requests, counts["longpoll"].Events, counts["poll"].Requests, counts["poll"].Events)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("counts never agreed within %v: %s", timeout, strings.Join(differ, "; "))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// checkNothingLostIn reports any event the named lanes missed or delivered twice.
func checkNothingLostIn(tb testing.TB, ledgers map[string]ledger, lanes ...string) {
	tb.Helper()
	for _, tr := range lanes {
		if l := ledgers[tr]; l.Missed != 0 || l.Duplicates != 0 {
			tb.Errorf("ledgers().%s: %d missed, %d duplicates; want none", tr, l.Missed, l.Duplicates)
		}
	}
}
