package web_test

// The review's fixes, in headless Chromium against the real server: the
// cost table's rows are made from one template, one per transport; the
// message form says "via" the way each language joins it to the name; and
// polling's hint quotes the delay the page's simulated network adds.

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var polishShot = flag.String("polish-screenshot", "", "write a full-page screenshot of TestPolish's page (Korean, with a simulated delay) to this PNG file")

func TestPolish(t *testing.T) {
	_, ctx, console := openPage(t, "?interval=250&net=200,0")

	t.Run("the cost table has one row per transport, in order, each named", func(t *testing.T) {
		got := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#costs tbody tr')].map((tr) =>
			tr.dataset.transport + ':' + tr.querySelector('th').textContent + ':' + tr.querySelectorAll('td[data-cost]').length)`)
		want := []string{"poll:Polling:7", "longpoll:Long polling:7", "sse:SSE:7", "ws:WebSocket:7", "socketio:Socket.IO:7"} // with the page's probe apart
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("#costs rows = %q, want %q", got, want)
		}
	})

	t.Run("polling's hint quotes half the interval and the simulated delay", func(t *testing.T) {
		waitFor(t, ctx, "the header says 200 ms are added", `document.querySelector('#sim-badge').textContent === '+200 ms'`)
		waitFor(t, ctx, "polling's hint quotes its median, half the interval and the delay", `
			/now [\d.]+ ms; half the interval is 125 ms, and the simulated network holds each response 200 ms more/
				.test(document.querySelector('#panel-poll .hint-list').textContent)`)
	})

	t.Run("in Korean, each transport takes its own particle", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-ko"))); err != nil {
			t.Fatalf("clicking #lang-ko: %v", err)
		}
		waitFor(t, ctx, "the page speaks Korean", `document.documentElement.lang === 'ko'`)
		got := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#message-via option')].map((o) => o.textContent)`)
		want := []string{"폴링으로", "SSE로", "웹 소켓으로"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("#message-via options = %q, want %q", got, want)
		}
		if got := evaluate[string](t, ctx, `document.querySelector('#costs tr[data-transport="ws"] th').textContent`); got != "웹 소켓" {
			t.Errorf("the cost table's WebSocket row is named %q in Korean, want %q", got, "웹 소켓")
		}
		waitFor(t, ctx, "polling's hint speaks Korean", `
			document.querySelector('#panel-poll .hint-list').textContent.includes('주기의 절반이 125 ms')`)
	})

	if *polishShot != "" {
		for _, tr := range transports {
			click(t, ctx, "#panel-"+tr+" .inspector summary")
		}
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(*polishShot, img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p := console.problems(); len(p) > 0 {
		t.Errorf("the console reported: %q", p)
	}
}
