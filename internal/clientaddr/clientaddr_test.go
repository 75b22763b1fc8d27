package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestParseProxies(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "", want: ""},
		{in: " , ", want: ""},
		{in: "127.0.0.1/32, 10.0.0.0/8", want: "127.0.0.1/32,10.0.0.0/8"},
		{in: "192.0.2.7", want: "192.0.2.7/32"},
		{in: "::1", want: "::1/128"},
		{in: "10.1.2.3/8", want: "10.0.0.0/8"},
		{in: "::ffff:10.0.0.0/104", want: "10.0.0.0/8"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "proxy.example", bad: true},
		{in: "10.0.0.0/33", bad: true},
		{in: "127.0.0.1/32,,nonsense", bad: true},
		{in: "fe80::1%eth0", bad: true},
	}
	for _, tt := range tests {
		ps, err := ParseProxies(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseProxies(%q) = %v, want an error", tt.in, ps)
			}
			continue
		}
		if err != nil || ps.String() != tt.want {
			t.Errorf("ParseProxies(%q) = %q, %v; want %q", tt.in, ps, err, tt.want)
		}
	}
}

// Each case is a request from peer with the headers given: the client is
// want, or the peer itself when want is "".
func TestClient(t *testing.T) {
	proxies := mustProxies(t, "127.0.0.1/32, 10.0.0.0/8, ::1/128")
	tests := []struct {
		name      string
		peer      string
		xff, fwd  []string
		want      string
		wantMoved bool
	}{
		{name: "untrusted peer forges X-Forwarded-For", peer: "192.0.2.50:4000", xff: []string{"203.0.113.9"}},
		{name: "untrusted peer forges Forwarded", peer: "192.0.2.50:4000", fwd: []string{"for=203.0.113.9"}},
		{name: "untrusted IPv6 peer forges", peer: "[2001:db8::50]:4000", xff: []string{"127.0.0.1"}},
		{name: "trusted peer without headers", peer: "127.0.0.1:4000"},
		{name: "trusted peer", peer: "127.0.0.1:4000", xff: []string{"203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "a client's forgery left of the proxy's hop", peer: "127.0.0.1:4000",
			xff: []string{"198.51.100.1, 203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "the forgery names a trusted proxy", peer: "127.0.0.1:4000",
			xff: []string{"10.0.0.7, 203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "two trusted proxies", peer: "127.0.0.1:4000",
			xff: []string{"198.51.100.1, 203.0.113.9, 10.0.0.2"}, want: "203.0.113.9:0"},
		{name: "several header lines", peer: "127.0.0.1:4000",
			xff: []string{"198.51.100.1", "203.0.113.9, 10.0.0.2"}, want: "203.0.113.9:0"},
		{name: "every hop trusted", peer: "127.0.0.1:4000", xff: []string{"10.0.0.5"}, want: "10.0.0.5:0"},
		{name: "a hop with a port", peer: "127.0.0.1:4000", xff: []string{"203.0.113.9:4711"}, want: "203.0.113.9:4711"},
		{name: "an IPv6 client", peer: "127.0.0.1:4000", xff: []string{"2001:db8:1:2::99"}, want: "[2001:db8:1:2::99]:0"},
		{name: "an IPv6 client with a port", peer: "[::1]:4000", xff: []string{"[2001:db8::99]:4711"}, want: "[2001:db8::99]:4711"},
		{name: "an IPv4-mapped peer", peer: "[::ffff:127.0.0.1]:4000", xff: []string{"203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "an IPv4-mapped hop", peer: "127.0.0.1:4000", xff: []string{"::ffff:203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "an unreadable nearest hop", peer: "127.0.0.1:4000", xff: []string{"203.0.113.9, unknown"}},
		{name: "an unreadable hop behind the client", peer: "127.0.0.1:4000", xff: []string{"nonsense, 203.0.113.9"}, want: "203.0.113.9:0"},
		{name: "an unreadable hop behind a trusted one", peer: "127.0.0.1:4000",
			xff: []string{"nonsense, 10.0.0.2"}, want: "10.0.0.2:0"},
		{name: "an empty header", peer: "127.0.0.1:4000", xff: []string{""}},
		{name: "a zone", peer: "127.0.0.1:4000", xff: []string{"fe80::1%eth0"}},
		{name: "Forwarded", peer: "127.0.0.1:4000", fwd: []string{"for=192.0.2.43"}, want: "192.0.2.43:0"},
		{name: "Forwarded, RFC 7239's example", peer: "127.0.0.1:4000",
			fwd: []string{`for=192.0.2.43, for="[2001:db8:cafe::17]:4711"`}, want: "[2001:db8:cafe::17]:4711"},
		{name: "Forwarded with other pairs", peer: "127.0.0.1:4000",
			fwd: []string{"for=192.0.2.60;proto=http;by=203.0.113.43"}, want: "192.0.2.60:0"},
		{name: "Forwarded, names in any case", peer: "127.0.0.1:4000", fwd: []string{"For=192.0.2.60"}, want: "192.0.2.60:0"},
		{name: "Forwarded, a quoted comma", peer: "127.0.0.1:4000",
			fwd: []string{`for=198.51.100.1;host="a,b", for=192.0.2.60`}, want: "192.0.2.60:0"},
		{name: "Forwarded, unknown", peer: "127.0.0.1:4000", fwd: []string{"for=192.0.2.60, for=unknown"}},
		{name: "Forwarded, obfuscated", peer: "127.0.0.1:4000", fwd: []string{`for="_hidden"`}},
		{name: "Forwarded, no for", peer: "127.0.0.1:4000", fwd: []string{"proto=https"}},
		{name: "Forwarded, a trusted hop", peer: "127.0.0.1:4000",
			fwd: []string{"for=192.0.2.60", "for=10.0.0.2"}, want: "192.0.2.60:0"},
		{name: "X-Forwarded-For wins over Forwarded", peer: "127.0.0.1:4000",
			xff: []string{"203.0.113.9"}, fwd: []string{"for=192.0.2.60"}, want: "203.0.113.9:0"},
		{name: "a peer that is no address", peer: "pipe", xff: []string{"203.0.113.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(tt.peer, tt.xff, tt.fwd)
			got, ok := proxies.Client(r)
			if want := tt.want != ""; ok != want {
				t.Fatalf("Client = %v, %v; want moved %v (%q)", got, ok, want, tt.want)
			}
			if ok && got.String() != tt.want {
				t.Errorf("Client = %v, want %v", got, tt.want)
			}
		})
	}
}

// No proxy is trusted by default: every header is a forgery.
func TestNoProxiesBelieveNothing(t *testing.T) {
	var none Proxies
	r := request("127.0.0.1:4000", []string{"203.0.113.9"}, []string{"for=192.0.2.60"})
	if got, ok := none.Client(r); ok {
		t.Errorf("Client = %v with no trusted proxies, want the socket's address", got)
	}
}

func TestResolveRewritesACopy(t *testing.T) {
	proxies := mustProxies(t, "127.0.0.1")
	var seen, peer string
	h := proxies.Resolve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen, peer = r.RemoteAddr, Peer(r) }))
	for _, tt := range []struct{ peer, xff, want string }{
		{"127.0.0.1:4000", "203.0.113.9", "203.0.113.9:0"},
		{"127.0.0.1:4000", "2001:db8::9", "[2001:db8::9]:0"},
		{"192.0.2.50:4000", "203.0.113.9", "192.0.2.50:4000"}, // forged: ignored
	} {
		r := request(tt.peer, []string{tt.xff}, nil)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != tt.want {
			t.Errorf("from %s with X-Forwarded-For %s: RemoteAddr %q, want %q", tt.peer, tt.xff, seen, tt.want)
		}
		if r.RemoteAddr != tt.peer {
			t.Errorf("the request given was changed: RemoteAddr %q, want %q", r.RemoteAddr, tt.peer)
		}
		if peer != tt.peer {
			t.Errorf("from %s with X-Forwarded-For %s: Peer %q, want the socket's %q", tt.peer, tt.xff, peer, tt.peer)
		}
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7:1234", "192.0.2.7"},
		{"192.0.2.7:0", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:80", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:81", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"[::1]:80", "::/64"},
		{"pipe", "pipe"},
	}
	for _, tt := range tests {
		if got := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Whatever the headers say, reading them never panics, and a client they
// name is an address a request may have.
func FuzzClient(f *testing.F) {
	f.Add("203.0.113.9, 10.0.0.2", `for=192.0.2.43, for="[2001:db8:cafe::17]:4711"`)
	f.Add("", `for="\"_a,b\";by=x`)
	f.Add("unknown,,[::1]:80", `for=unknown;for=1.2.3.4`)
	proxies := Proxies{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, xff, fwd string) {
		for _, h := range [][]string{{xff}, nil} {
			r := request("127.0.0.1:4000", h, []string{fwd})
			got, ok := proxies.Client(r)
			if !ok {
				continue
			}
			if !got.IsValid() || got.Addr().Zone() != "" || got.Addr().Is4In6() {
				t.Errorf("Client = %v: no address a request may have", got)
			}
		}
	})
}

func mustProxies(tb testing.TB, s string) Proxies {
	tb.Helper()
	ps, err := ParseProxies(s)
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

func request(peer string, xff, fwd []string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = peer
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	for _, v := range fwd {
		r.Header.Add("Forwarded", v)
	}
	return r
}
