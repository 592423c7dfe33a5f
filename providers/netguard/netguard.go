// Package netguard keeps external requests away from internal networks, the
// guard against server-side request forgery of http_request steps. It checks
// the address actually dialled, after DNS, on every connection a request
// opens, redirects included, so neither a DNS answer nor a redirect can
// steer a request inside. Requests through connections do not use it.
package netguard

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedRange is a range of addresses external requests may not reach.
type blockedRange struct {
	prefix netip.Prefix
	what   string
}

// blocked lists the ranges that reach the worker itself, its networks or
// its cloud's metadata service. IPv4-mapped IPv6 addresses are checked as
// the IPv4 address they map, and NAT64 ones as the IPv4 address they embed.
var blocked = []blockedRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "this host (0.0.0.0/8)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (10.0.0.0/8)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (127.0.0.0/8)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local, where cloud metadata services live (169.254.0.0/16)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (172.16.0.0/12)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (192.168.0.0/16)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (224.0.0.0/4)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("::/128"), "unspecified (::)"},
	{netip.MustParsePrefix("::1/128"), "loopback (::1)"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (fc00::/7)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local (fe80::/10)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast (ff00::/8)"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address the network's translator connects to.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Guard decides which addresses external requests may dial. A nil Guard
// behaves as New().
type Guard struct {
	allowed []netip.Prefix
}

// New returns a guard that blocks every internal range but the allowed
// ones. Production passes none; tests allow a loopback address such as
// 127.0.0.2/32 to play an external host while 127.0.0.1 stays blocked.
func New(allowed ...netip.Prefix) *Guard {
	return &Guard{allowed: allowed}
}

// BlockedError is a refusal to dial an internal address.
type BlockedError struct {
	Addr netip.Addr
	// Range says which blocked range holds Addr, e.g. "loopback (127.0.0.0/8)".
	Range string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("address %s is %s: external requests may not reach internal addresses (call internal APIs through a connection)", e.Addr, e.Range)
}

// Check returns a *BlockedError when external requests may not reach addr.
func (g *Guard) Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return &BlockedError{Addr: addr, Range: "not an IP address"}
	}
	plain := addr.WithZone("")
	if g != nil {
		for _, p := range g.allowed {
			if p.Contains(plain) || p.Contains(plain.Unmap()) {
				return nil
			}
		}
	}
	inner := plain.Unmap()
	if nat64.Contains(inner) {
		b := inner.As16()
		inner = netip.AddrFrom4([4]byte(b[12:]))
	}
	for _, r := range blocked {
		if r.prefix.Contains(inner) {
			return &BlockedError{Addr: addr, Range: r.what}
		}
	}
	return nil
}

// Control is a net.Dialer Control function: it runs after DNS, before each
// connection is made, on the address about to be dialled ("ip:port").
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to dial %q: not an IP address and port: %w", address, err)
	}
	return g.Check(ap.Addr())
}
