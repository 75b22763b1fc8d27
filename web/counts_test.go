package web_test

// The table of counts under each panel compares the page with the server.
// A comparison is only fair of one moment and one server run: the page's
// column is taken as the server's counts are answered, and after a server
// restart both columns count the new run.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// countSamples reads each panel's requests, events and body bytes, page
// then server ([requests page, requests server, events page, events server,
// bytes page, bytes server]), n times
// 100 ms apart in the page: at moments that have nothing to do with when
// the server's counts are read, as a student or a screenshot sees them.
func countSamples(tb testing.TB, ctx context.Context, n int) []map[string][]string {
	tb.Helper()
	samples, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string][]string](fmt.Sprintf(`new Promise((done) => {
		const cells = () => Object.fromEntries(['poll', 'sse', 'ws'].map((t) => [t,
			['requests-page', 'requests-server', 'events', 'events-server', 'bytes-page', 'bytes-server'].map((m) =>
				document.querySelector('#panel-' + t + ' [data-metric="' + m + '"]').textContent)]));
		const out = [];
		const id = setInterval(() => {
			out.push(cells());
			if (out.length === %d) {
				clearInterval(id);
				done(out);
			}
		}, 100);
	})`, n), chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("reading the table of counts: %v", err)
	}
	return samples
}

// checkCountsAgree reads the table 30 times in 3 s and wants both columns
// to agree each time. Requests to within one: a request on its way when the
// server is read is counted by one side and not yet by the other. Events to
// within a few, and body bytes to within as many events' bytes (an event
// taken as up to 1.5 times the average: a quote's digits vary its size):
// events the server wrote before its read may still be on their way to the
// page, a few at 20 events a second on a busy machine. A page column that
// runs ahead of the server's read (polling every 250 ms, the server read
// once a second) is off by far more: 27 events against 16.
//
// A poll's answer brings every event of its interval at once, so one on its
// way when the server is read holds rate × interval of them (5 here), where
// a stream's events travel one by one: polling may be one answer behind.
func checkCountsAgree(t *testing.T, ctx context.Context) {
	t.Helper()
	for i, sample := range countSamples(t, ctx, 30) {
		for _, tr := range transports {
			inTransit := 3 // events the page may not have yet when the server is read
			if tr == "poll" {
				inTransit = max(inTransit, rate*countsPollMs/1000+1)
			}
			c := sample[tr]
			if page, server := number(t, c[0]), number(t, c[1]); page < server-1 || page > server+1 {
				t.Errorf("reading %d: #panel-%s requests: page %d, server %d, want them within one of each other", i, tr, page, server)
			}
			page, server := number(t, c[2]), number(t, c[3])
			if page < server-inTransit || page > server+inTransit {
				t.Errorf("reading %d: #panel-%s events: page %d, server %d, want them within %d of each other", i, tr, page, server, inTransit)
			}
			events := server
			page, server = number(t, c[4]), number(t, c[5])
			oneEvent := 0
			if events > 0 {
				oneEvent = server * 3 / (2 * events)
			}
			if page < server-inTransit*oneEvent || page > server+inTransit*oneEvent {
				t.Errorf("reading %d: #panel-%s bytes: page %d, server %d, want them within %d events' bytes (%d) of each other",
					i, tr, page, server, inTransit, inTransit*oneEvent)
			}
		}
	}
}

// number parses a cell that must show a count.
func number(tb testing.TB, cell string) int {
	tb.Helper()
	n, err := strconv.Atoi(cell)
	if err != nil {
		tb.Fatalf("a count cell shows %q, want a number", cell)
	}
	return n
}

// countsPollMs is how often the page polls in TestCountsOfOneMoment.
const countsPollMs = 250

func TestCountsOfOneMoment(t *testing.T) {
	lab, ctx, console := openPage(t, fmt.Sprintf("?interval=%d", countsPollMs))
	waitFor(t, ctx, "every panel is open with server counts", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
		/^\d+$/.test(document.querySelector('#panel-' + t + ' [data-metric="events-server"]').textContent))`)

	t.Run("page and server columns agree while polling every 250 ms", func(t *testing.T) {
		checkCountsAgree(t, ctx)
		if got := evaluate[string](t, ctx, `document.querySelector('#panel-poll [data-metric="requests-page"]').title`); got != "" {
			t.Errorf("requests-page title = %q before any restart, want none", got)
		}
	})

	t.Run("after a restart both columns count this run; the page's total is labelled", func(t *testing.T) {
		// A poll cut by the restart may or may not have reached the new run,
		// and neither side can know: polling stays off across it.
		toggle(t, ctx, "poll")
		waitFor(t, ctx, "polling is off", `document.querySelector('#panel-poll .state').dataset.state === 'off'`)
		// The browser reports the requests the restart cut, and those the new
		// run refuses with the old run's key (bad_key) until the page has another.
		console.expect("net::ERR_")
		console.expect("client=" + pageKey(t, ctx))
		epoch := lab.restart(t)
		waitFor(t, ctx, "the streams are back on the new run", fmt.Sprintf(`
			['sse', 'ws'].every((t) => document.querySelector('#panel-' + t + ' .state').dataset.state === 'open') &&
			document.querySelector('#epoch').textContent === %q &&
			document.querySelector('#panel-sse [data-metric="requests-page"]').title.includes('in all')`, epoch))
		toggle(t, ctx, "poll")
		waitFor(t, ctx, "polling is back", `document.querySelector('#panel-poll .state').dataset.state === 'open'`)
		checkCountsAgree(t, ctx)
		for _, tr := range transports {
			total := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` [data-metric="events"]').title`)
			if !strings.Contains(total, "in all") {
				t.Errorf("#panel-%s events title = %q, want the total across runs, labelled", tr, total)
			}
			if head := evaluate[string](t, ctx, `document.querySelector('#panel-`+tr+` .counts thead th:nth-child(2)').textContent`); head != "page, this server run" {
				t.Errorf("#panel-%s page column = %q, want it to say it counts this run", tr, head)
			}
		}
	})

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}
