package web_test

// The page at a glance, on a projector's 1366×768: the numbers that matter
// are the big ones, the charts can be compared, and the page never becomes
// what it measures.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

var glanceShots = flag.String("glance-screenshots", "", "write TestGlance's 1366×768 screenshots (English and Korean, the first screen and the whole page) to this `directory`")

// projector is the screen the page must fit at a glance: the most common
// projector and classroom laptop resolution.
const projectorW, projectorH = 1366, 768

func TestGlance(t *testing.T) {
	_, ctx, console := openPage(t, "?interval=250")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(projectorW, projectorH)); err != nil {
		t.Fatalf("emulating a %d×%d screen: %v", projectorW, projectorH, err)
	}
	waitFor(t, ctx, "every panel is open and shows a median", `['poll', 'sse', 'ws'].every((t) =>
		document.querySelector('#panel-' + t + ' .state').dataset.state === 'open' &&
		window.transportlab.ledgers()[t].received > 5 &&
		document.querySelector('#panel-' + t + ' [data-metric="latency-median"]').textContent !== '—')`)

	for _, lang := range []string{"en", "ko"} {
		click(t, ctx, "#lang-"+lang)
		waitFor(t, ctx, "the page speaks "+lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		shoot(t, ctx, lang)
	}
	click(t, ctx, "#lang-en")

	if p := console.problems(); len(p) > 0 {
		t.Errorf("the console reported: %q", p)
	}
}

// shoot writes the first screen and the whole page to -glance-screenshots,
// named after lang, when the flag is set.
func shoot(tb testing.TB, ctx context.Context, lang string) {
	tb.Helper()
	if *glanceShots == "" {
		return
	}
	for name, action := range map[string]chromedp.Action[[]byte]{
		"screen": chromedp.CaptureScreenshot(),
		"page":   chromedp.FullScreenshot(100),
	} {
		img, err := chromedp.Run(ctx, action)
		if err != nil {
			tb.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(*glanceShots, fmt.Sprintf("glance-%s-%s.png", lang, name))
		if err := os.WriteFile(path, img, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
