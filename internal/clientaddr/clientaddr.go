// Package clientaddr says which address a request comes from, so that
// every limit per address counts the client's, not a reverse proxy's.
//
// Read Proxies.Resolve first. Without trusted proxies a request's address
// is its socket's, whatever its headers say: a student's curl can write
// any X-Forwarded-For, and believing it would let one laptop pass for a
// hundred and slip every limit. Behind a reverse proxy (nginx in front of
// a class server), every socket is the proxy's: list it with
// -trusted-proxies, and the client is the rightmost address of the
// proxies' X-Forwarded-For (or RFC 7239 Forwarded for=) that is not itself
// a trusted proxy, the last hop that nobody trusted wrote.
//
//	$ curl -H 'X-Forwarded-For: 203.0.113.9' localhost:8005/healthz
//	  from 127.0.0.1, no trusted proxies:      the client is 127.0.0.1
//	  from 127.0.0.1, -trusted-proxies 127.0.0.1/32: the client is 203.0.113.9
//
// Key groups addresses the way the limits count them: an IPv4 address, or
// an IPv6 /64.
package clientaddr

import (
	"context"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks whose forwarding headers are believed: the
// reverse proxies in front of the server. None: only sockets count.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of CIDRs, such as
// "127.0.0.1/32, 10.0.0.0/8"; an address alone stands for itself (/32,
// /128). Empty: none.
func ParseProxies(s string) (Proxies, error) {
	var ps Proxies
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ps = append(ps, unmapPrefix(p).Masked())
	}
	return ps, nil
}

// String lists the networks as ParseProxies reads them.
func (ps Proxies) String() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// trusts reports whether a is in one of the networks.
func (ps Proxies) trusts(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve sets each request's RemoteAddr to its client's address (see
// Client), as host:port with port 0 when a header gave none, so that
// everything downstream (limits per address, the loopback rule of a
// route, the log) reads the client's address where it always did. It
// goes first, before anything reads RemoteAddr.
func (ps Proxies) Resolve(next http.Handler) http.Handler {
	if len(ps) == 0 {
		return next // nothing to believe: the socket is the client
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr, ok := ps.Client(r); ok {
			// A copy, which remembers the socket's peer: a handler does not
			// change the request it was given.
			r = r.WithContext(context.WithValue(r.Context(), peerKey{}, r.RemoteAddr))
			r.RemoteAddr = addr.String()
		}
		next.ServeHTTP(w, r)
	})
}

// peerKey is the context key of the socket's peer address, under which
// Resolve keeps it when it rewrites RemoteAddr.
type peerKey struct{}

// Peer returns the address of r's socket's peer, as host:port: the
// RemoteAddr net/http set, before Resolve named the client in its place.
// A rule about the connection itself, such as "only from this machine",
// asks this as well as the client: a header names the client, but only
// the socket says who is on the other end of it.
func Peer(r *http.Request) string {
	if peer, ok := r.Context().Value(peerKey{}).(string); ok {
		return peer
	}
	return r.RemoteAddr
}

// Client returns the address r comes from, when its socket's peer is a
// trusted proxy and its forwarding headers name another: the rightmost
// hop of X-Forwarded-For that is not a trusted proxy. X-Forwarded-For is
// read first, as every common proxy appends to it (nginx's
// $proxy_add_x_forwarded_for, Caddy, HAProxy, Go's httputil.ReverseProxy);
// Forwarded only when there is none. A proxy that writes only Forwarded
// must drop the client's own X-Forwarded-For, or the client chooses its
// address. A hop that cannot be read ("unknown", an obfuscated name, a
// typo) ends the walk: the client is the last hop that could, which was
// written by a trusted proxy. ok is false when r's address stays.
func (ps Proxies) Client(r *http.Request) (addr netip.AddrPort, ok bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !ps.trusts(peer.Addr().Unmap()) {
		return netip.AddrPort{}, false
	}
	hops := r.Header.Values("X-Forwarded-For")
	parse := xffHops
	if len(hops) == 0 {
		hops, parse = r.Header.Values("Forwarded"), forwardedHops
	}
	client := peer
	for hop := range parse(hops) {
		a, ok := parseHop(hop)
		if !ok {
			break
		}
		client = a
		if !ps.trusts(a.Addr()) {
			break
		}
	}
	if client == peer {
		return netip.AddrPort{}, false
	}
	return client, true
}

// xffHops yields the addresses of X-Forwarded-For header lines, the
// nearest hop (the rightmost) first, reading no further than asked.
func xffHops(lines []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := len(lines) - 1; i >= 0; i-- {
			rest := lines[i]
			for {
				j := strings.LastIndexByte(rest, ',')
				if !yield(strings.TrimSpace(rest[j+1:])) {
					return
				}
				if j < 0 {
					break
				}
				rest = rest[:j]
			}
		}
	}
}

// forwardedHops yields the for= values of Forwarded header lines (RFC
// 7239: elements separated by commas, pairs within one by semicolons,
// values tokens or quoted strings), the nearest hop first. An element
// without for= is a hop that cannot be read: "".
func forwardedHops(lines []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := len(lines) - 1; i >= 0; i-- {
			elems := splitQuoted(lines[i], ',')
			for j := len(elems) - 1; j >= 0; j-- {
				hop := ""
				for _, pair := range splitQuoted(elems[j], ';') {
					name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
					if strings.EqualFold(name, "for") {
						hop = unquote(strings.TrimSpace(value))
					}
				}
				if !yield(hop) {
					return
				}
			}
		}
	}
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote strips a quoted string's quotes and backslashes.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	escaped := false
	for _, c := range []byte(v[1 : len(v)-1]) {
		if c == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteByte(c)
	}
	return b.String()
}

// parseHop reads one hop: an address, with a port or not ("192.0.2.7",
// "192.0.2.7:4711", "2001:db8::1", "[2001:db8::1]:4711"). The port is 0
// when the hop has none; an IPv4 address mapped in IPv6 is the IPv4 one.
func parseHop(s string) (netip.AddrPort, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), 0), true
}

// Key names the client whose requests count together against a limit: an
// IPv4 address, or an IPv6 /64, which one machine may hold whole and pick
// addresses from at will. The port is left out: one laptop counts as one
// whatever connection it comes on. A remoteAddr that is no address is its
// own key.
func Key(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return remoteAddr
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail: 64 bits of an IPv6 address
	return p.String()
}

// unmapPrefix turns ::ffff:10.0.0.0/104 into 10.0.0.0/8: requests' IPv4
// addresses are compared unmapped.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
}
