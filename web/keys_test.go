package web_test

// A page's key is its secret: whoever holds it steers the page. The page
// shows its public name where it shows who it is, and its key nowhere: not
// in the text (the inspectors' request lines say client=<key>), the markup
// or the address bar; and the feed names its messages by the name.

import (
	"strings"
	"testing"

	"transportlab/internal/feed"
)

func TestPageShowsItsNameNotItsKey(t *testing.T) {
	lab, ctx, console := openPage(t, "?transports=poll,sse&interval=250&lang=en")
	key, name := pageKey(t, ctx), pageName(t, ctx)
	if !strings.Contains(name, " ") || name == key {
		t.Fatalf("page name %q, key %q: want a name of words, apart from the key", name, key)
	}
	waitFor(t, ctx, "the header shows the page's name", `document.querySelector('#client-id').textContent === window.transportlab.name`)
	if got := evaluate[string](t, ctx, `document.querySelector('#client-id').closest('div').querySelector('dt').textContent`); got != "this page" {
		t.Errorf("the name's label = %q, want %q", got, "this page")
	}

	waitFor(t, ctx, "SSE is open", `document.querySelector('#panel-sse .state').dataset.state === 'open'`)
	sendMessage(t, ctx, "sse", "who am I")
	waitFor(t, ctx, "the message came back and is known as this page's own", `
		document.querySelector('#message-rows td[data-arrival="sse"] .num') !== null`)
	var answer struct {
		Events []feed.Event `json:"events"`
	}
	getJSON(t, lab.srv, "/poll?since=0", &answer)
	var from []string
	for _, e := range answer.Events {
		if e.Kind == feed.KindMessage && e.Text == "who am I" {
			from = append(from, e.From)
		}
	}
	if len(from) != 1 || from[0] != name {
		t.Errorf("the message is from %q in the feed, want once from %q", from, name)
	}

	// The inspectors show every request line, each with its client=.
	evaluate[bool](t, ctx, `(document.querySelectorAll('.inspector').forEach((d) => (d.open = true)), true)`)
	waitFor(t, ctx, "the inspectors show requests", `
		document.querySelectorAll('#panel-poll .wire-row[data-kind="request"]').length >= 3 &&
		document.querySelectorAll('#panel-sse .wire-row').length >= 1`)
	if got := evaluate[string](t, ctx, `document.querySelector('#panel-poll .wire-row[data-kind="request"] .wire-line').textContent`); !strings.Contains(got, "client=<key>") {
		t.Errorf("a polling request line = %q, want client=<key> in it", got)
	}
	for what, expr := range map[string]string{
		"text":    `document.body.innerText`,
		"markup":  `document.documentElement.outerHTML`,
		"address": `location.href`,
		"title":   `document.title`,
	} {
		if got := evaluate[string](t, ctx, expr); strings.Contains(got, key) {
			t.Errorf("the page's %s holds its key %q", what, key)
		}
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the page wrote %d warnings, errors or exceptions to the console, want none:\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
}
