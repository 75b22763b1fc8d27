package class_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/class"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const token = "the-instructors-token"

// clock is a clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClass serves the class routes as the server does: GET /instructor
// behind SignIn and Require, and one state-changing route, POST /change,
// behind Require, which answers 204; GET /poll and GET /api/class/ answer
// with the Cookie header they got.
func newClass(t *testing.T) (*httptest.Server, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	auth := class.NewAuth(token, clk.Now)
	mux := http.NewServeMux()
	mux.Handle("GET /instructor", auth.SignIn(auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "instructor page")
	}))))
	echoCookie := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Cookie"))
	})
	mux.Handle("GET /poll", echoCookie)
	mux.Handle("GET /api/class/", echoCookie)
	mux.Handle("POST /change", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, clk
}

// noRedirects is a client that shows each answer as it is, 303s included.
func noRedirects(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func do(t *testing.T, c *http.Client, method, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// wantError checks a JSON error answer's status and code.
func wantError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d", resp.Request.Method, resp.Request.URL, resp.StatusCode, status)
	}
	if got := resp.Header.Get("WWW-Authenticate"); status == http.StatusUnauthorized && got != "Bearer" {
		t.Errorf("a 401 with WWW-Authenticate %q, want Bearer", got)
	}
	var answer struct{ Error, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("decoding the error answer: %v", err)
	}
	if answer.Error == "" || answer.Code != code {
		t.Errorf("answer %+v, want a reason and code %q", answer, code)
	}
	if strings.Contains(answer.Error, token) {
		t.Errorf("the error answer shows the token: %q", answer.Error)
	}
}

// signIn opens the instructor link and returns the Cookie header it earns.
func signIn(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	resp := do(t, noRedirects(srv), http.MethodGet, srv.URL+"/instructor?token="+token, nil)
	for _, c := range resp.Cookies() {
		if c.Name == class.CookieName {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("signing in: status %d and no %s cookie", resp.StatusCode, class.CookieName)
	return ""
}

func TestSignInSetsCookieAndDropsToken(t *testing.T) {
	srv, _ := newClass(t)
	resp := do(t, noRedirects(srv), http.MethodGet, srv.URL+"/instructor?token="+token+"&lang=ko", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Location"), "/instructor?lang=ko"; got != want {
		t.Errorf("Location %q, want %q: the token gone, the rest kept", got, want)
	}
	cookies := resp.Cookies()
	if len(cookies) != 2 {
		t.Fatalf("cookies %v, want two: the page's and the class API's", cookies)
	}
	for i, path := range []string{"/instructor", "/api/class"} {
		c := cookies[i]
		if c.Name != class.CookieName || c.Value == "" || c.Value != cookies[0].Value || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != path {
			t.Errorf("cookie %+v: want %s=<session>, HttpOnly, SameSite=Strict, Path=%s", c, class.CookieName, path)
		}
		if strings.Contains(c.Value, token) {
			t.Errorf("the cookie %q holds the token: it must hold the session only", c.Value)
		}
	}

	// A browser follows with the cookie and lands on the page, whose
	// address holds no token.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := *srv.Client()
	browser.Jar = jar
	resp = do(t, &browser, http.MethodGet, srv.URL+"/instructor?token="+token, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "instructor page" {
		t.Errorf("after the redirect: %d %q, want 200 and the page", resp.StatusCode, body)
	}
	if strings.Contains(resp.Request.URL.String(), token) {
		t.Errorf("the page's address %q holds the token", resp.Request.URL)
	}
	// The cookie alone opens the page again.
	resp = do(t, &browser, http.MethodGet, srv.URL+"/instructor", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the cookie: status %d, want 200", resp.StatusCode)
	}
	// The demo's own requests carry no cookie: their bytes are what the
	// page measures.
	resp = do(t, &browser, http.MethodGet, srv.URL+"/poll", nil)
	if got, _ := io.ReadAll(resp.Body); len(got) != 0 {
		t.Errorf("GET /poll carried Cookie: %s, want none", got)
	}
	resp = do(t, &browser, http.MethodGet, srv.URL+"/api/class/x", nil)
	if got, _ := io.ReadAll(resp.Body); !strings.Contains(string(got), class.CookieName+"=") {
		t.Errorf("GET /api/class/x carried Cookie: %q, want the session", got)
	}
}

// Each case has a class of its own, so that no case's wrong tokens put the
// next into the wait.
func TestRequireTakesCookieOrBearer(t *testing.T) {
	const session = "<session>" // the cookie signing in sets, in each case's class
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"bearer", http.Header{"Authorization": {"Bearer " + token}}, http.StatusOK},
		{"bearer, any case", http.Header{"Authorization": {"bearer " + token}}, http.StatusOK},
		{"cookie", http.Header{"Cookie": {session}}, http.StatusOK},
		{"the token as the cookie", http.Header{"Cookie": {class.CookieName + "=" + token}}, http.StatusUnauthorized},
		{"nothing", nil, http.StatusUnauthorized},
		{"wrong bearer", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
		{"basic", http.Header{"Authorization": {"Basic " + token}}, http.StatusUnauthorized},
		{"token's prefix", http.Header{"Authorization": {"Bearer " + token[:5]}}, http.StatusUnauthorized},
		{"token and more", http.Header{"Authorization": {"Bearer " + token + "x"}}, http.StatusUnauthorized},
		{"wrong cookie", http.Header{"Cookie": {class.CookieName + "=x"}}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newClass(t)
			header := tc.header.Clone()
			if header.Get("Cookie") == session {
				header.Set("Cookie", signIn(t, srv))
			}
			resp := do(t, noRedirects(srv), http.MethodGet, srv.URL+"/instructor", header)
			if tc.status == http.StatusOK {
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d, want 200", resp.StatusCode)
				}
				return
			}
			wantError(t, resp, tc.status, "unauthorized")
		})
	}
	// A wrong ?token= is refused too, and sets no cookie.
	srv, _ := newClass(t)
	resp := do(t, noRedirects(srv), http.MethodGet, srv.URL+"/instructor?token=nope", nil)
	if len(resp.Cookies()) != 0 {
		t.Errorf("a wrong token set cookies %v", resp.Cookies())
	}
	wantError(t, resp, http.StatusUnauthorized, "unauthorized")
}

// An address that keeps guessing waits longer after each wrong token, and
// while it waits even the right token is not looked at.
func TestWrongTokensAreSlowedDown(t *testing.T) {
	srv, clk := newClass(t)
	c := noRedirects(srv)
	guess := func(tok string) *http.Response {
		return do(t, c, http.MethodGet, srv.URL+"/instructor", http.Header{"Authorization": {"Bearer " + tok}})
	}
	for range 4 { // the first few are typos: refused, never delayed
		wantError(t, guess("wrong"), http.StatusUnauthorized, "unauthorized")
	}
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		resp := guess(token)
		if got, want := resp.Header.Get("Retry-After"), strconv.Itoa(int(wait.Seconds())); got != want {
			t.Errorf("Retry-After %q, want %q", got, want)
		}
		wantError(t, resp, http.StatusTooManyRequests, "too_many_guesses")
		clk.Advance(wait - time.Millisecond)
		wantError(t, guess(token), http.StatusTooManyRequests, "too_many_guesses") // not quite yet
		clk.Advance(time.Millisecond)
		wantError(t, guess("wrong again"), http.StatusUnauthorized, "unauthorized") // and the next wait is twice as long
	}
	// Once it has waited, the right token gets in and the count starts over.
	clk.Advance(8 * time.Second)
	if resp := guess(token); resp.StatusCode != http.StatusOK {
		t.Fatalf("the right token after the wait: status %d, want 200", resp.StatusCode)
	}
	wantError(t, guess("wrong"), http.StatusUnauthorized, "unauthorized")
	if resp := guess(token); resp.StatusCode != http.StatusOK {
		t.Errorf("one typo after signing in: status %d, want 200", resp.StatusCode)
	}
}

// A change that another site's page sends with the instructor's cookie is
// refused; the instructor page's own, and a script's, go through.
func TestStateChangesOnlyFromTheSameOrigin(t *testing.T) {
	srv, _ := newClass(t)
	c := noRedirects(srv)
	cookie := signIn(t, srv)
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"another site", http.Header{"Cookie": {cookie}, "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"another origin by Origin", http.Header{"Cookie": {cookie}, "Origin": {"http://elsewhere.example"}}, http.StatusForbidden},
		{"another site without the cookie", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"the same origin", http.Header{"Cookie": {cookie}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {srv.URL}}, http.StatusNoContent},
		{"a script with the bearer", http.Header{"Authorization": {"Bearer " + token}}, http.StatusNoContent},
		{"the same origin without the token", http.Header{"Sec-Fetch-Site": {"same-origin"}}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, c, http.MethodPost, srv.URL+"/change", tc.header)
			switch tc.status {
			case http.StatusNoContent:
				if resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
			case http.StatusForbidden:
				wantError(t, resp, tc.status, "forbidden")
			default:
				wantError(t, resp, tc.status, "unauthorized")
			}
		})
	}
}

func TestNewTokenIsRandomAndLongEnough(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		tok := class.NewToken()
		// base32: 5 bits a character; at least 128 bits.
		if bits := 5 * len(tok); bits < 128 {
			t.Fatalf("token %q carries %d bits, want at least 128", tok, bits)
		}
		if strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
			t.Fatalf("token %q is not plain base32, safe in a URL", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q minted twice", tok)
		}
		seen[tok] = true
	}
}

func TestStudentURLs(t *testing.T) {
	ipnet := func(cidr string) net.Addr {
		ip, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	for _, tc := range []struct {
		name  string
		addrs []net.Addr
		want  []string
	}{
		{"none", nil, nil},
		{"loopback only", []net.Addr{ipnet("127.0.0.1/8"), ipnet("::1/128")}, nil},
		{"one LAN address", []net.Addr{ipnet("127.0.0.1/8"), ipnet("192.168.1.23/24")}, []string{"http://192.168.1.23:8005/"}},
		{"two, in order", []net.Addr{ipnet("10.0.0.5/8"), ipnet("172.16.3.4/12")}, []string{"http://10.0.0.5:8005/", "http://172.16.3.4:8005/"}},
		{"IPv6 and link-local left out", []net.Addr{ipnet("fe80::1/64"), ipnet("2001:db8::7/64"), ipnet("169.254.1.1/16"), ipnet("192.168.0.2/24")}, []string{"http://192.168.0.2:8005/"}},
		{"an IPv4-mapped address is IPv4", []net.Addr{&net.IPAddr{IP: net.ParseIP("::ffff:192.168.7.7")}}, []string{"http://192.168.7.7:8005/"}},
		{"repeats once", []net.Addr{ipnet("192.168.1.23/24"), &net.IPAddr{IP: net.ParseIP("192.168.1.23")}}, []string{"http://192.168.1.23:8005/"}},
		{"unspecified left out", []net.Addr{&net.IPAddr{IP: net.IPv4zero}}, nil},
		{"not an IP", []net.Addr{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := class.StudentURLs(tc.addrs, 8005)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("StudentURLs = %q, want %q", got, tc.want)
			}
		})
	}
}

// Another site's page can make the instructor's browser open
// /instructor?token=… (an <img>, a link); that is refused before the
// token is looked at, and does not count as a wrong guess, so no site can
// lock the instructor out.
func TestSignInFromAnotherSiteIsRefusedAndNotCounted(t *testing.T) {
	srv, _ := newClass(t)
	c := noRedirects(srv)
	for _, site := range []string{"cross-site", "same-site", "cross-site", "same-site", "cross-site"} {
		resp := do(t, c, http.MethodGet, srv.URL+"/instructor?token=x", http.Header{"Sec-Fetch-Site": {site}})
		wantError(t, resp, http.StatusForbidden, "forbidden")
		if len(resp.Cookies()) != 0 {
			t.Errorf("a sign-in from %s set cookies %v", site, resp.Cookies())
		}
	}
	if resp := do(t, c, http.MethodGet, srv.URL+"/instructor", http.Header{"Authorization": {"Bearer " + token}}); resp.StatusCode != http.StatusOK {
		t.Errorf("the right token after other sites' tries: status %d, want 200", resp.StatusCode)
	}
	// The printed link, typed or clicked in the terminal, still signs in.
	resp := do(t, c, http.MethodGet, srv.URL+"/instructor?token="+token, http.Header{"Sec-Fetch-Site": {"none"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the printed link: status %d, want 303", resp.StatusCode)
	}
}

// An address that must wait after wrong tokens is refused only token
// guesses: the instructor's signed-in browser on it still gets in.
func TestTheSessionGetsInDuringTheWait(t *testing.T) {
	srv, _ := newClass(t)
	c := noRedirects(srv)
	session := http.Header{"Cookie": {signIn(t, srv)}}
	for range 4 {
		wantError(t, do(t, c, http.MethodGet, srv.URL+"/instructor?token=x", nil), http.StatusUnauthorized, "unauthorized")
	}
	wantError(t, do(t, c, http.MethodGet, srv.URL+"/instructor", http.Header{"Authorization": {"Bearer " + token}}), http.StatusTooManyRequests, "too_many_guesses")
	if resp := do(t, c, http.MethodGet, srv.URL+"/instructor", session); resp.StatusCode != http.StatusOK {
		t.Errorf("the session during the wait: status %d, want 200", resp.StatusCode)
	}
	wantError(t, do(t, c, http.MethodGet, srv.URL+"/instructor?token="+token, nil), http.StatusTooManyRequests, "too_many_guesses")
}

// A cookie from an earlier run is no guess: the browser sends it by
// itself, and it must not put the instructor into the wait.
func TestAnOldCookieIsNotAGuess(t *testing.T) {
	srv, _ := newClass(t)
	c := noRedirects(srv)
	for range 6 {
		wantError(t, do(t, c, http.MethodGet, srv.URL+"/instructor", http.Header{"Cookie": {class.CookieName + "=OLDRUN"}}), http.StatusUnauthorized, "unauthorized")
	}
	if resp := do(t, c, http.MethodGet, srv.URL+"/instructor?token="+token, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the printed link after an old cookie: status %d, want 303", resp.StatusCode)
	}
}

// guessFrom sends token as Bearer from addr (host:port) to h and returns
// the status. The handler is called directly: only its RemoteAddr can
// stand for many machines while the traffic stays on this one.
func guessFrom(h http.Handler, addr, tok string) int {
	r := httptest.NewRequest(http.MethodGet, "/instructor", nil)
	r.RemoteAddr = addr
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// lockOut sends wrong tokens from addr until it must wait.
func lockOut(t *testing.T, h http.Handler, addr string) {
	t.Helper()
	for range 4 {
		if got := guessFrom(h, addr, "wrong"); got != http.StatusUnauthorized {
			t.Fatalf("a wrong token from %s: status %d, want 401", addr, got)
		}
	}
	if got := guessFrom(h, addr, token); got != http.StatusTooManyRequests {
		t.Fatalf("after four wrong tokens from %s: status %d, want 429", addr, got)
	}
}

func guardedPage(auth *class.Auth) http.Handler {
	return auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
}

// One machine has one IPv4 address but a whole IPv6 /64: its guesses
// count together whichever of them they come from.
func TestGuessesCountByIPv4AddressAndIPv6Slash64(t *testing.T) {
	h := guardedPage(class.NewAuth(token, (&clock{}).Now))
	lockOut(t, h, "[2001:db8:1:2::1]:4000")
	if got := guessFrom(h, "[2001:db8:1:2:ffff::9]:4001", token); got != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: status %d, want 429", got)
	}
	if got := guessFrom(h, "[2001:db8:1:3::1]:4000", token); got != http.StatusOK {
		t.Errorf("another /64: status %d, want 200", got)
	}
	lockOut(t, h, "192.0.2.7:4000")
	if got := guessFrom(h, "192.0.2.8:4000", token); got != http.StatusOK {
		t.Errorf("the next IPv4 address: status %d, want 200", got)
	}
	if got := guessFrom(h, "[::ffff:192.0.2.7]:4000", token); got != http.StatusTooManyRequests {
		t.Errorf("the same IPv4 address, IPv4-mapped: status %d, want 429", got)
	}
}

// A full table forgets no address that is counting wrong tokens: the
// newcomers share one entry instead, so a flood of addresses neither
// grows the table nor frees anyone from the wait.
func TestAFullTableSendsNewcomersToOneEntry(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	auth := class.NewAuth(token, clk.Now)
	class.SetMaxAddrs(auth, 2)
	h := guardedPage(auth)
	lockOut(t, h, "192.0.2.1:1")
	if got := guessFrom(h, "192.0.2.2:1", "wrong"); got != http.StatusUnauthorized { // counting, not waiting
		t.Fatalf("status %d, want 401", got)
	}
	clk.Advance(time.Hour)       // the first's wait is over, but its count goes on
	lockOut(t, h, "192.0.2.3:1") // a newcomer: the table is full
	if got := guessFrom(h, "192.0.2.4:1", token); got != http.StatusTooManyRequests {
		t.Errorf("another newcomer: status %d, want 429, sharing the newcomers' wait", got)
	}
	// The first two are remembered: the first waits after one more wrong
	// token, the second after three more (four in a row).
	guessFrom(h, "192.0.2.1:1", "wrong")
	if got := guessFrom(h, "192.0.2.1:1", token); got != http.StatusTooManyRequests {
		t.Errorf("the first address after one more wrong token: status %d, want 429", got)
	}
	for range 3 {
		guessFrom(h, "192.0.2.2:1", "wrong")
	}
	if got := guessFrom(h, "192.0.2.2:1", token); got != http.StatusTooManyRequests {
		t.Errorf("the second address after three more wrong tokens: status %d, want 429", got)
	}
}

// The redirect after signing in goes to the instructor page whatever path
// the request named: a path such as //elsewhere.example would otherwise
// send the browser to another site.
func TestSignInRedirectsToTheInstructorPageOnly(t *testing.T) {
	auth := class.NewAuth(token, nil)
	srv := httptest.NewServer(auth.SignIn(http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	resp := do(t, noRedirects(srv), http.MethodGet, srv.URL+"//elsewhere.example/x?token="+token+"&lang=ko", nil)
	if got, want := resp.Header.Get("Location"), "/instructor?lang=ko"; resp.StatusCode != http.StatusSeeOther || got != want {
		t.Errorf("%d to %q, want 303 to %q", resp.StatusCode, got, want)
	}
}
