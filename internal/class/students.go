package class

import (
	"net"
	"net/netip"
	"strconv"
)

// StudentURLs returns the address students open, one per IPv4 address of
// addrs (as net.InterfaceAddrs lists them) that another machine on the
// network could reach: loopback, link-local and unspecified addresses are
// left out, and so is IPv6, which a student would have to type in
// brackets. Each is http://<address>:<port>/, in the order of addrs,
// without repeats. It is a pure function so that tests never look at, nor
// dial, the machine's real interfaces.
func StudentURLs(addrs []net.Addr, port int) []string {
	var urls []string
	seen := make(map[netip.Addr]bool)
	for _, a := range addrs {
		var ip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			ip = a.IP
		case *net.IPAddr:
			ip = a.IP
		default:
			continue
		}
		addr, ok := netip.AddrFromSlice(ip)
		if !ok {
			continue
		}
		addr = addr.Unmap()
		if !addr.Is4() || addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsUnspecified() || seen[addr] {
			continue
		}
		seen[addr] = true
		urls = append(urls, "http://"+net.JoinHostPort(addr.String(), strconv.Itoa(port))+"/")
	}
	return urls
}
