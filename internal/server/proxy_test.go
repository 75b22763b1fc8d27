package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"transportlab/internal/clientaddr"
	"transportlab/internal/server"
)

// behindProxy puts srv behind a reverse proxy on loopback, as nginx with
// $proxy_add_x_forwarded_for does it: the proxy appends the address it
// sees to whatever X-Forwarded-For the client sent. The test's sockets are
// all loopback: the proxy sees a client from 127.0.0.N as the laptop
// 192.0.2.N of a school's network, never as the machine itself.
func behindProxy(tb testing.TB, srv *httptest.Server) *httptest.Server {
	tb.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
		pr.SetXForwarded()
	}}
	lan := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ap := netip.MustParseAddrPort(r.RemoteAddr)
		r.RemoteAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, ap.Addr().As4()[3]}), ap.Port()).String()
		proxy.ServeHTTP(w, r)
	})
	ps := httptest.NewServer(lan)
	tb.Cleanup(ps.Close)
	return ps
}

// Two laptops behind one proxy the server does not trust: both are the
// proxy, 127.0.0.1. A limit per address becomes one for all, and the
// rule that only this machine sets the feed's rate lets every student
// through: -trusted-proxies is how a server behind a proxy tells them
// apart (README, "Behind a reverse proxy").
func TestBehindAnUntrustedProxyEveryoneIsTheProxy(t *testing.T) {
	srv, _ := newServer(t, server.Config{Now: newClock().Now,
		PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 2}}})
	ps := behindProxy(t, srv)
	a, b := clientFrom(t, ps, "127.0.0.2"), clientFrom(t, ps, "127.0.0.3")

	for i := range 2 {
		if status, _, _ := do(t, a, http.MethodGet, ps.URL+"/poll", ""); status != http.StatusOK {
			t.Errorf("laptop a's poll %d: status %d, want 200", i+1, status)
		}
	}
	if status, _, _ := do(t, b, http.MethodGet, ps.URL+"/poll", ""); status != http.StatusTooManyRequests {
		t.Errorf("laptop b's first poll: status %d, want 429: a spent the proxy's allowance", status)
	}
	if status, _, _ := do(t, b, http.MethodPut, ps.URL+"/api/feed", `{"rate":7}`); status != http.StatusOK {
		t.Errorf("laptop b sets the feed's rate: status %d, want 200, as the proxy is this machine", status)
	}
}

// Behind a trusted proxy each laptop is its own address: its own limits,
// and not this machine. A forged X-Forwarded-For changes nothing, through
// the proxy (it stays left of the hop the proxy wrote) or straight to the
// server (from a peer that is no trusted proxy).
func TestBehindATrustedProxyEachClientIsItsOwn(t *testing.T) {
	proxies, err := clientaddr.ParseProxies("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, classConfig(server.Config{Now: newClock().Now, TrustedProxies: proxies,
		PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 2}}}))
	ps := behindProxy(t, srv)
	a, b := clientFrom(t, ps, "127.0.0.2"), clientFrom(t, ps, "127.0.0.3")

	poll := func(who string, c *http.Client, base string, header http.Header, want int) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/poll", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s's poll: %v", who, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s's poll: status %d, want %d", who, resp.StatusCode, want)
		}
	}
	poll("a", a, ps.URL, nil, http.StatusOK)
	poll("a", a, ps.URL, nil, http.StatusOK)
	poll("a", a, ps.URL, nil, http.StatusTooManyRequests)
	poll("a, forging another address", a, ps.URL, http.Header{"X-Forwarded-For": {"198.51.100.7"}}, http.StatusTooManyRequests)
	poll("b", b, ps.URL, nil, http.StatusOK) // an allowance of its own

	// Straight to the server from a peer it does not trust: the header is
	// no one's word, and 127.0.0.4 is who it is.
	direct := clientFrom(t, srv, "127.0.0.4")
	poll("a direct peer", direct, srv.URL, nil, http.StatusOK)
	poll("a direct peer", direct, srv.URL, nil, http.StatusOK)
	poll("a direct peer forging a proxied laptop", direct, srv.URL, http.Header{"X-Forwarded-For": {"192.0.2.3"}}, http.StatusTooManyRequests)

	want := map[string]int{"192.0.2.2": 2, "127.0.0.4": 1}
	got := map[string]int{}
	for _, l := range classLimited(t, srv) {
		got[l.Address] = l.Refused
	}
	if len(got) != len(want) || got["192.0.2.2"] != 2 || got["127.0.0.4"] != 1 {
		t.Errorf("the dashboard's limited addresses: %v, want %v", got, want)
	}
}

// In classroom mode the feed's rate is the instructor's, by token, never
// by address: behind a proxy, trusted or not, a student cannot set it,
// the instructor can.
func TestBehindAProxyTheFeedStaysTheInstructors(t *testing.T) {
	for _, trusted := range []string{"", "127.0.0.1/32"} {
		proxies, err := clientaddr.ParseProxies(trusted)
		if err != nil {
			t.Fatal(err)
		}
		srv, _ := newServer(t, classConfig(server.Config{TrustedProxies: proxies}))
		ps := behindProxy(t, srv)
		student := clientFrom(t, ps, "127.0.0.2")
		if status, _, code := do(t, student, http.MethodPut, ps.URL+"/api/feed", `{"rate":7}`); status != http.StatusUnauthorized {
			t.Errorf("trusted proxies %q: a student sets the feed's rate: status %d %s, want 401", trusted, status, code)
		}
		resp, _ := call(t, ps, http.MethodPut, "/api/feed", `{"rate":7}`, bearer)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("trusted proxies %q: the instructor sets the feed's rate: status %d, want 200", trusted, resp.StatusCode)
		}
	}
}

// Outside classroom mode, behind a trusted proxy, a laptop is not this
// machine: the feed's rate is not its to set. This machine still may.
func TestBehindATrustedProxyALaptopIsNotThisMachine(t *testing.T) {
	proxies, err := clientaddr.ParseProxies("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, server.Config{TrustedProxies: proxies})
	ps := behindProxy(t, srv)
	if status, _, code := do(t, clientFrom(t, ps, "127.0.0.2"), http.MethodPut, ps.URL+"/api/feed", `{"rate":7}`); status != http.StatusForbidden {
		t.Errorf("a laptop through the proxy sets the feed's rate: status %d %s, want 403", status, code)
	}
	if status, _, _ := do(t, srv.Client(), http.MethodPut, srv.URL+"/api/feed", `{"rate":7}`); status != http.StatusOK {
		t.Errorf("this machine sets the feed's rate: status %d, want 200", status)
	}
}

// Outside classroom mode, "from this machine" is the socket's peer and the
// client both: a student's machine that -trusted-proxies covers by mistake
// cannot pass for this machine by writing X-Forwarded-For: 127.0.0.1,
// while a proxy on this machine, forwarding for this machine, still can.
func TestForwardedLoopbackIsNotThisMachine(t *testing.T) {
	proxies, err := clientaddr.ParseProxies("127.0.0.1/32, 192.0.2.0/24")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, server.Config{TrustedProxies: proxies})
	for _, c := range []struct {
		peer, forwarded string
		want            int
	}{
		{"192.0.2.7:50000", "127.0.0.1", http.StatusForbidden}, // a student, on a network listed by mistake
		{"192.0.2.7:50000", "", http.StatusForbidden},          // the same, plainly
		{"127.0.0.1:50000", "192.0.2.7", http.StatusForbidden}, // a student through a proxy on this machine
		{"127.0.0.1:50000", "127.0.0.1", http.StatusOK},        // this machine through its own proxy
		{"127.0.0.1:50000", "", http.StatusOK},                 // this machine
	} {
		req := httptest.NewRequest(http.MethodPut, "/api/feed", strings.NewReader(`{"rate":7}`))
		req.RemoteAddr = c.peer
		if c.forwarded != "" {
			req.Header.Set("X-Forwarded-For", c.forwarded)
		}
		w := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("PUT /api/feed from %s for %q: status %d, want %d", c.peer, c.forwarded, w.Code, c.want)
		}
	}
}
