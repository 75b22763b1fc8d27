package web_test

// The instructor page, in classroom mode: the printed link opens it in a
// browser, the token leaves the address bar (which a projector shows), and
// the page shows where students go, with a QR code large enough to scan
// from the back of the room, in English and Korean.

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"transportlab/internal/class"
	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/web"
)

func TestInstructorPage(t *testing.T) {
	requireChromium(t)
	// A documentation address (TEST-NET-1): shown and encoded, never dialed.
	const studentURL = "http://192.0.2.10:8005/"
	token := class.NewToken()
	page, err := class.NewPage(web.Files, []string{studentURL})
	if err != nil {
		t.Fatal(err)
	}
	hub := feed.NewHub(feed.Config{Rate: rate})
	srv := httptest.NewServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{
		Page:  web.Files,
		Class: &server.Class{Auth: class.NewAuth(token, nil), Page: page},
	}))
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})

	ctx := startBrowser(t)
	console := watchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/instructor?token="+token)); err != nil {
		t.Fatalf("opening the instructor link: %v", err)
	}
	waitFor(t, ctx, "the page shows the students' address", `document.querySelector('#student-urls li')?.textContent === '`+studentURL+`'`)

	if href := evaluate[string](t, ctx, `location.href`); strings.Contains(href, token) || !strings.HasSuffix(href, "/instructor") {
		t.Errorf("the address bar shows %q, want .../instructor without the token", href)
	}
	if cookies := evaluate[string](t, ctx, `document.cookie`); strings.Contains(cookies, token) {
		t.Errorf("a script reads the token in document.cookie %q: want the cookie HttpOnly", cookies)
	}
	// The QR code is drawn, square, and takes a good part of a projector's screen.
	size := evaluate[[]float64](t, ctx, `(() => {
		const r = document.querySelector('#student-qr svg').getBoundingClientRect();
		return [r.width, r.height, document.querySelectorAll('#student-qr svg path').length];
	})()`)
	if size[0] < 400 || size[0] != size[1] || size[2] != 1 {
		t.Errorf("QR code %.0f×%.0f px with %v paths, want a square of at least 400 px with one path", size[0], size[1], size[2])
	}

	// In Korean, every word follows; the address and the code stay.
	evaluate[bool](t, ctx, `(document.querySelector('[data-lang="ko"]').click(), true)`)
	waitFor(t, ctx, "the page speaks Korean", `document.documentElement.lang === 'ko' && document.title.includes('강사')`)
	if got := evaluate[string](t, ctx, `document.querySelector('[data-i18n="instructor.open"]').textContent`); !strings.Contains(got, "학생") {
		t.Errorf("the students' heading in Korean = %q", got)
	}
	if href := evaluate[string](t, ctx, `location.href`); strings.Contains(href, token) || !strings.Contains(href, "lang=ko") {
		t.Errorf("after choosing Korean the address is %q: want ?lang=ko and no token", href)
	}
	if problems := console.problems(); len(problems) > 0 {
		t.Errorf("the console:\n%s", strings.Join(problems, "\n"))
	}
}
