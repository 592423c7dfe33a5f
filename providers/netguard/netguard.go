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
// its cloud's metadata service, and the IPv6 ranges that carry an IPv4
// address in a form no public host uses or that the network may deliver
// anywhere. IPv6 forms that embed the IPv4 address they reach (embedders)
// are checked as that IPv4 address.
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
	// After :: and ::1, which it holds: the deprecated form ::a.b.c.d.
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (::/96), a deprecated form that reaches an IPv4 address"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated (::ffff:0:0:0/96), SIIT's form of an IPv4 address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64 (64:ff9b:1::/48), which the network translates to IPv4 addresses of its choosing"},
	{netip.MustParsePrefix("2001::/32"), "Teredo (2001::/32), a tunnel to any IPv4 address"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (fc00::/7)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local (fe80::/10)"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (fec0::/10), the deprecated private range"},
	{netip.MustParsePrefix("ff00::/8"), "multicast (ff00::/8)"},
}

// embedder is an IPv6 form whose addresses lead to the IPv4 address they
// embed: a request to one reaches that IPv4 address.
type embedder struct {
	what string
	// ipv4 returns the IPv4 address a (an IPv6 address) embeds, if a is of
	// this form.
	ipv4 func(a [16]byte) (netip.Addr, bool)
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embedders are the forms checked as the IPv4 address they embed.
// IPv4-mapped addresses (::ffff:a.b.c.d) are unmapped before any check.
var embedders = []embedder{
	{"NAT64 (64:ff9b::/96)", func(a [16]byte) (netip.Addr, bool) {
		return netip.AddrFrom4([4]byte(a[12:])), nat64.Contains(netip.AddrFrom16(a))
	}},
	{"6to4 (2002::/16)", func(a [16]byte) (netip.Addr, bool) {
		return netip.AddrFrom4([4]byte(a[2:6])), sixToFour.Contains(netip.AddrFrom16(a))
	}},
	// ISATAP puts the IPv4 address in the interface identifier, after
	// 0000:5efe or 0200:5efe, under any prefix.
	{"ISATAP", func(a [16]byte) (netip.Addr, bool) {
		isatap := (a[8] == 0 || a[8] == 2) && a[9] == 0 && a[10] == 0x5e && a[11] == 0xfe
		return netip.AddrFrom4([4]byte(a[12:])), isatap
	}},
}

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
	if r := blockedRangeOf(inner); r != "" {
		return &BlockedError{Addr: addr, Range: r}
	}
	if inner.Is6() {
		for _, e := range embedders {
			v4, ok := e.ipv4(inner.As16())
			if !ok {
				continue
			}
			if r := blockedRangeOf(v4); r != "" {
				return &BlockedError{Addr: addr, Range: fmt.Sprintf("%s of %s, %s", e.what, v4, r)}
			}
		}
	}
	return nil
}

// blockedRangeOf describes the blocked range that holds a, or is "".
func blockedRangeOf(a netip.Addr) string {
	for _, r := range blocked {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	return ""
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
