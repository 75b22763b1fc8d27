package web_test

// The message log tells what the server did with each message: a WebSocket
// message over the server's cap is shown refused, and only that one; one it
// published is shown with its seq and comes back. And the Network strip's
// buttons say what they are to a screen reader.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"transportlab/internal/feed"
)

func TestMessagesAnsweredByServer(t *testing.T) {
	lab, ctx, console := openPage(t, "?transports=sse,ws")
	srv := lab.srv
	name := pageName(t, ctx) // the feed names a sender by its public name
	waitFor(t, ctx, "both panels are open", `['sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open')`)

	// The lab lets a WebSocket publish a burst of 5 messages, then 2 a
	// second: 9 at once are more than it takes.
	const sent = 9
	evaluate[bool](t, ctx, fmt.Sprintf(`(() => {
		const form = document.querySelector('#message-form');
		document.querySelector('#message-via').value = 'ws';
		for (let i = 1; i <= %d; i++) {
			document.querySelector('#message-text').value = 'burst ' + i;
			form.requestSubmit();
		}
		return true;
	})()`, sent))
	waitFor(t, ctx, "the server answered every message", fmt.Sprintf(`(() => {
		const rows = [...document.querySelectorAll('#message-rows tr')];
		return rows.length === %d && rows.every((r) => r.cells[3].textContent !== '…');
	})()`, sent))

	type row struct {
		Text, Seq string
		Failed    bool
	}
	rows := evaluate[[]row](t, ctx, `[...document.querySelectorAll('#message-rows tr')].map((r) => ({
		Text: r.cells[1].textContent, Seq: r.cells[3].textContent, Failed: r.classList.contains('failed')}))`)

	// What the server published from this page, by text.
	var answer struct {
		Events []feed.Event `json:"events"`
	}
	getJSON(t, srv, "/poll?since=0", &answer)
	published := map[string]uint64{}
	for _, e := range answer.Events {
		if e.Kind == feed.KindMessage && e.From == name {
			published[e.Text] = e.Seq
		}
	}
	if len(published) == 0 || len(published) == sent {
		t.Fatalf("the server published %d of %d messages sent at once, want some but not all: the cap is not what the test needs", len(published), sent)
	}
	for _, r := range rows {
		seq, ok := published[r.Text]
		switch {
		case ok && (r.Failed || r.Seq != fmt.Sprint(seq)):
			t.Errorf("row %q shows seq %q (failed: %v), want seq %d: the server published it", r.Text, r.Seq, r.Failed, seq)
		case !ok && (!r.Failed || !strings.Contains(r.Seq, "too many messages")):
			t.Errorf("row %q shows %q (failed: %v), want the server's refusal: it was not published", r.Text, r.Seq, r.Failed)
		}
	}
	// The refusal of the student's own message is said under the form.
	waitFor(t, ctx, "the form says a message was not sent",
		`document.querySelector('#message-error').textContent.startsWith('Not sent: too many messages')`)
	// Each published message comes back over SSE too; a refused one never.
	waitFor(t, ctx, "every published message came back over SSE", `
		[...document.querySelectorAll('#message-rows tr:not(.failed) td[data-arrival="sse"]')].every((td) => td.querySelector('.num'))`)
	if got := evaluate[int](t, ctx, `document.querySelectorAll('#message-rows tr.failed td[data-arrival="sse"] .num').length`); got != 0 {
		t.Errorf("%d refused messages show an arrival over SSE, want none", got)
	}

	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}

func TestNetworkStripNames(t *testing.T) {
	requireChromium(t)
	lab := startLab(t)
	ctx := startBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(lab.srv.URL+"/?transports=sse&lang=en")); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	pageKey(t, ctx) // the page draws itself once the server gave it its key
	waitFor(t, ctx, "the presets are drawn", `document.querySelector('[data-preset="custom"] .preset-name').textContent !== ''`)

	labels := func() []string {
		return evaluate[[]string](t, ctx, `['poll', 'sse', 'ws'].map((t) =>
			document.querySelector('#panel-' + t + ' .drop').getAttribute('aria-label') ?? '')`)
	}
	want := []string{"Drop the Polling connection", "Drop the SSE connection", "Drop the WebSocket connection"}
	if got := labels(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the drop buttons' aria-labels = %q, want %q", got, want)
	}
	if evaluate[bool](t, ctx, `document.querySelector('[data-preset="custom"]').hasAttribute('aria-pressed')`) {
		t.Errorf(`"custom" has aria-pressed, want none: it is no toggle`)
	}
	if got := attribute(t, ctx, `[data-preset="localhost"]`, "aria-pressed"); got != "true" && got != "false" {
		t.Errorf(`"localhost" has aria-pressed=%q, want "true" or "false": it is a toggle`, got)
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-lang="ko"]`))); err != nil {
		t.Fatalf("switching to Korean: %v", err)
	}
	waitFor(t, ctx, "the drop buttons are named in Korean",
		`document.querySelector('#panel-ws .drop').getAttribute('aria-label') === '웹 소켓 연결 끊기'`)
}
