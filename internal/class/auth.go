package class

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"transportlab/internal/httpjson"
)

// CookieName is the cookie that marks the instructor's browser once the
// printed link has been opened. It holds the run's session secret, not
// the token: the token is only for the link and Authorization: Bearer.
const CookieName = "transportlab_instructor"

// cookiePaths are where the browser sends the session cookie: the
// instructor page and the class API, and nowhere else. With Path=/ it
// would ride on every /poll, /sse, /ws and /api request of the demo page
// open on the same machine, and add its bytes to what the page measures.
var cookiePaths = []string{PagePath, "/api/class"}

// PagePath is the instructor page's path, where SignIn sends the browser.
const PagePath = "/instructor"

// Guessing bounds: an address may get the token wrong freeGuesses times in
// a row (a typo, an old link); after that each wrong token makes it wait
// twice as long as the one before, from firstWait up to maxWait, during
// which no token it sends is even compared. maxAddrs bounds the table.
const (
	freeGuesses = 3
	firstWait   = time.Second
	maxWait     = time.Minute
	maxAddrs    = 10000
)

// Auth decides who may steer the class: whoever holds the token. Make it
// with NewAuth; it is safe for concurrent use.
type Auth struct {
	token    []byte
	session  []byte // the cookie's value: random, new each run
	maxAddrs int    // bound of guesses: maxAddrs but in tests
	now      func() time.Time
	origin   *http.CrossOriginProtection

	mu      sync.Mutex
	guesses map[string]*guesser // by client: see clientOf
}

// guesser is one address's run of wrong tokens.
type guesser struct {
	wrong int       // wrong tokens in a row
	until time.Time // refused until then
}

// NewAuth returns the guard of the class routes for token; now is the
// clock that times the waits after wrong tokens (time.Now when nil).
func NewAuth(token string, now func() time.Time) *Auth {
	if now == nil {
		now = time.Now
	}
	a := &Auth{
		token:    []byte(token),
		session:  []byte(rand.Text()),
		maxAddrs: maxAddrs,
		now:      now,
		origin:   http.NewCrossOriginProtection(),
		guesses:  make(map[string]*guesser),
	}
	a.origin.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Error(w, http.StatusForbidden, errors.New("a class change must come from the instructor page's own origin"))
	}))
	return a
}

// SignIn turns the printed link's ?token= into the session cookie: with
// the right token it answers 303 to PagePath, the rest of the query kept,
// so that the address bar, which the projector shows, no longer holds the
// token. A request without ?token= goes on to next.
//
// A ?token= that another site's page made the browser send (an <img>, a
// link: Sec-Fetch-Site cross-site or same-site) is refused with 403
// before the token is looked at, and not counted as a guess: otherwise
// any site the instructor visits could put the instructor's own address
// into the wait after wrong tokens.
func (a *Auth) SignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("token") {
			next.ServeHTTP(w, r)
			return
		}
		switch r.Header.Get("Sec-Fetch-Site") {
		case "cross-site", "same-site":
			httpjson.Error(w, http.StatusForbidden, errors.New("open the instructor link from the terminal or the address bar, not from another site's page"))
			return
		}
		if !a.check(w, r, q.Get("token"), false) {
			return
		}
		for _, path := range cookiePaths {
			http.SetCookie(w, &http.Cookie{
				Name:     CookieName,
				Value:    string(a.session),
				Path:     path,
				HttpOnly: true,                    // no script on any page can read it
				SameSite: http.SameSiteStrictMode, // no other site's link or form carries it
			})
		}
		q.Del("token")
		// A fixed path, not the request's: one such as //elsewhere.example
		// would send the browser to another site.
		target := PagePath
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// Require lets through only requests that carry the session cookie or the
// token as Authorization: Bearer, and that, if they change anything, come
// from the class's own origin (http.CrossOriginProtection: 403 otherwise).
// Without a token: 401; a wrong one: 401, and 429 once an address keeps
// guessing.
func (a *Auth) Require(next http.Handler) http.Handler {
	return a.origin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie, ok := tokenOf(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			httpjson.Error(w, http.StatusUnauthorized, errors.New("open the instructor link that transportlab printed, or send Authorization: Bearer <token>"))
			return
		}
		if a.check(w, r, token, fromCookie) {
			next.ServeHTTP(w, r)
		}
	}))
}

// tokenOf returns the secret a request carries: the token as
// Authorization: Bearer first, for scripts, else the session cookie; and
// whether it came in the cookie.
func tokenOf(r *http.Request) (token string, fromCookie, ok bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		return strings.TrimSpace(token), false, strings.EqualFold(scheme, "Bearer")
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value, true, true
	}
	return "", false, false
}

// check compares token with the class's (the session, fromCookie) in
// constant time, so that the time of an answer says nothing of how much
// of a guess was right. It answers the request itself when the token is
// wrong (401) or when the address must still wait after wrong ones (429,
// with Retry-After, and the token is not looked at); it returns whether
// the token is right. The wait holds back guesses only: the cookie of a
// signed-in browser on that address (fromCookie) is still compared.
func (a *Auth) check(w http.ResponseWriter, r *http.Request, token string, fromCookie bool) bool {
	ok, wait := a.verdict(clientOf(r), token, fromCookie)
	switch {
	case ok:
		return true
	case wait > 0:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		httpjson.ErrorCode(w, http.StatusTooManyRequests, httpjson.TooManyGuesses, errors.New("too many wrong tokens from this address: wait and try again"))
	case fromCookie:
		w.Header().Set("WWW-Authenticate", "Bearer")
		httpjson.Error(w, http.StatusUnauthorized, errors.New("this sign-in is from another run of transportlab: open the instructor link it printed this time"))
	default:
		w.Header().Set("WWW-Authenticate", "Bearer")
		httpjson.Error(w, http.StatusUnauthorized, errors.New("wrong instructor token"))
	}
	return false
}

// verdict says whether token from addr is right; when addr must still
// wait after wrong ones, how long, without comparing. The session cookie
// (fromCookie) is compared even then, and never counted. A right token
// clears addr's count; a wrong one adds to it.
func (a *Auth) verdict(addr, token string, fromCookie bool) (ok bool, wait time.Duration) {
	if fromCookie {
		// A signed-in browser, or one with a cookie of an earlier run:
		// no guess (130 random bits), so addr's count stays as it is.
		return same(token, a.session), 0
	}
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.guesses[addr]
	if g == nil && len(a.guesses) >= a.maxAddrs {
		g = a.guesses[overflow] // a newcomer to a full table
	}
	if g != nil && now.Before(g.until) {
		return false, g.until.Sub(now)
	}
	if same(token, a.token) {
		delete(a.guesses, addr) // not the newcomers' shared entry
		return true, 0
	}
	if g == nil {
		g = a.remember(addr)
	}
	g.wrong++
	if over := g.wrong - freeGuesses; over > 0 {
		g.until = now.Add(min(firstWait<<min(over-1, 10), maxWait))
	}
	return false, 0
}

// same reports whether got is want, in a time that says nothing of either:
// it compares their SHA-256 sums, which have one length, because
// subtle.ConstantTimeCompare answers at once when the lengths differ and
// so tells a guesser how long the token is.
func same(got string, want []byte) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256(want)
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// overflow is the entry that newcomers to a full table of guesses share;
// no client is named so (see clientOf).
const overflow = "overflow"

// remember starts counting addr's wrong tokens. When the table is full it
// forgets no one, for each entry counts wrong tokens still: the newcomer
// shares one entry with every other newcomer, so a flood of addresses
// can neither grow the table nor free anyone from the wait.
func (a *Auth) remember(addr string) *guesser {
	if len(a.guesses) >= a.maxAddrs {
		addr = overflow
	}
	g := &guesser{}
	a.guesses[addr] = g
	return g
}

// clientOf names the client whose guesses count together: an IPv4
// address, or an IPv6 /64, which one machine may hold whole and pick
// addresses from at will. The port is left out: one laptop's guesses
// count together whatever connection they come on.
func clientOf(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64) // cannot fail: 64 bits of an IPv6 address
	return p.String()
}
