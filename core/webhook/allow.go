package webhook

import (
	"fmt"
	"net/netip"
	"strings"
)

// Allow is CCFLOW_WEBHOOK_ALLOW: hosts and networks a subscription may
// reach although the guard against server-side request forgery refuses
// private, loopback and link-local addresses, and to which plain http is
// allowed too (a receiver inside the contact center's network, a test's
// receiver on loopback).
type Allow struct {
	// Hosts are host names, lower-cased, allowed whatever they resolve to.
	Hosts []string
	// Prefixes are networks (a single address as /32 or /128) whose
	// addresses are allowed.
	Prefixes []netip.Prefix
}

// ParseAllow reads a comma-separated list of host names, IP addresses and
// CIDR networks, e.g. "127.0.0.1,10.0.0.0/8,hooks.internal".
func ParseAllow(list string) (Allow, error) {
	var a Allow
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return Allow{}, fmt.Errorf("%q is not a network (e.g. 10.0.0.0/8)", item)
			}
			a.Prefixes = append(a.Prefixes, p.Masked())
		default:
			if addr, err := netip.ParseAddr(strings.Trim(item, "[]")); err == nil {
				a.Prefixes = append(a.Prefixes, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(item, " :@?#") {
				return Allow{}, fmt.Errorf("%q is neither a host name, an address nor a network", item)
			}
			a.Hosts = append(a.Hosts, strings.ToLower(strings.TrimSuffix(item, ".")))
		}
	}
	return a, nil
}

// Empty is true when nothing is allowed beyond the public internet.
func (a Allow) Empty() bool { return len(a.Hosts) == 0 && len(a.Prefixes) == 0 }

// AllowsHost is true when host (a URL's host without its port: a name or
// an address) is listed by name or is an address of a listed network.
func (a Allow) AllowsHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	for _, h := range a.Hosts {
		if h == host {
			return true
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return a.AllowsAddr(addr)
	}
	return false
}

// AllowsAddr is true when addr is in a listed network.
func (a Allow) AllowsAddr(addr netip.Addr) bool {
	addr = addr.WithZone("").Unmap()
	for _, p := range a.Prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// String writes the list back, for start-up lines.
func (a Allow) String() string {
	items := append([]string(nil), a.Hosts...)
	for _, p := range a.Prefixes {
		items = append(items, p.String())
	}
	return strings.Join(items, ",")
}
