package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/netguard"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		addr  string
		block string // the range named, "" when allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"::1", "loopback (::1)"},
		{"10.1.2.3", "private (10.0.0.0/8)"},
		{"172.16.0.1", "private (172.16.0.0/12)"},
		{"172.31.255.255", "private (172.16.0.0/12)"},
		{"192.168.1.1", "private (192.168.0.0/16)"},
		{"169.254.169.254", "link-local, where cloud metadata services live"},
		{"fe80::1", "link-local (fe80::/10)"},
		{"fe80::1%eth0", "link-local (fe80::/10)"},
		{"fd00:ec2::254", "unique local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.100.100.200", "carrier-grade NAT"},
		{"::ffff:127.0.0.1", "loopback (127.0.0.0/8)"},
		{"::ffff:169.254.169.254", "link-local"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"0.0.0.0", "this host"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"8.8.8.8", ""},
		{"2001:4860::8888", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"::ffff:8.8.8.8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := netguard.New().Check(netip.MustParseAddr(tt.addr))

			if tt.block == "" {
				require.NoError(t, err)
				return
			}
			var blocked *netguard.BlockedError
			require.ErrorAs(t, err, &blocked)
			require.Contains(t, blocked.Range, tt.block)
			require.ErrorContains(t, err, "address "+tt.addr+" is ")
		})
	}
}

// Every IPv6 form that carries an IPv4 address is checked as that IPv4
// address, or refused outright when the network may deliver it anywhere
// (Teredo, local-use NAT64) or it is no longer a form a public host has.
func TestCheckIPv6FormsThatEmbedIPv4(t *testing.T) {
	tests := []struct {
		form, addr string
		block      string // the range named, "" when allowed
	}{
		{"IPv4-mapped", "::ffff:169.254.169.254", "link-local"},
		{"IPv4-mapped", "::ffff:7f00:1", "loopback (127.0.0.0/8)"},
		{"IPv4-mapped", "::ffff:8.8.8.8", ""},
		{"IPv4-compatible", "::7f00:1", "IPv4-compatible (::/96)"},
		{"IPv4-compatible", "::a9fe:a9fe", "IPv4-compatible (::/96)"},
		{"IPv4-compatible", "::8.8.8.8", "IPv4-compatible (::/96)"},
		{"SIIT IPv4-translated", "::ffff:0:7f00:1", "IPv4-translated (::ffff:0:0:0/96)"},
		{"SIIT IPv4-translated", "::ffff:0:808:808", "IPv4-translated (::ffff:0:0:0/96)"},
		{"NAT64", "64:ff9b::a9fe:a9fe", "NAT64 (64:ff9b::/96) of 169.254.169.254, link-local"},
		{"NAT64", "64:ff9b::7f00:1", "NAT64 (64:ff9b::/96) of 127.0.0.1, loopback"},
		{"NAT64", "64:ff9b::808:808", ""},
		{"local-use NAT64", "64:ff9b:1::a9fe:a9fe", "local-use NAT64 (64:ff9b:1::/48)"},
		{"local-use NAT64", "64:ff9b:1:808:8:800::", "local-use NAT64 (64:ff9b:1::/48)"},
		{"6to4", "2002:a9fe:a9fe::1", "6to4 (2002::/16) of 169.254.169.254, link-local"},
		{"6to4", "2002:7f00:1::", "6to4 (2002::/16) of 127.0.0.1, loopback"},
		{"6to4", "2002:c0a8:101:1::1", "6to4 (2002::/16) of 192.168.1.1, private"},
		{"6to4", "2002:808:808::1", ""},
		{"Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo (2001::/32)"},
		{"Teredo", "2001::a9fe:a9fe", "Teredo (2001::/32)"},
		{"ISATAP", "2a00:1450:4001::5efe:7f00:1", "ISATAP of 127.0.0.1, loopback"},
		{"ISATAP", "2a00:1450:4001::200:5efe:a00:1", "ISATAP of 10.0.0.1, private"},
		{"ISATAP", "2a00:1450:4001::5efe:808:808", ""},
		{"site-local", "fec0::1", "site-local (fec0::/10)"},
		{"site-local", "feff::a9fe:a9fe", "site-local (fec0::/10)"},
		{"a public address", "2a00:1450:4001:80b::200e", ""},
	}
	for _, tt := range tests {
		t.Run(tt.form+" "+tt.addr, func(t *testing.T) {
			err := netguard.New().Check(netip.MustParseAddr(tt.addr))

			if tt.block == "" {
				require.NoError(t, err)
				return
			}
			var blocked *netguard.BlockedError
			require.ErrorAs(t, err, &blocked)
			require.Contains(t, blocked.Range, tt.block)
		})
	}
}

func TestANilGuardBlocksAsTheDefaultDoes(t *testing.T) {
	var g *netguard.Guard
	require.Error(t, g.Check(netip.MustParseAddr("127.0.0.1")))
	require.NoError(t, g.Check(netip.MustParseAddr("8.8.8.8")))
}

func TestAllowedPrefixesOpenOnlyThemselves(t *testing.T) {
	g := netguard.New(netip.MustParsePrefix("127.0.0.2/32"))

	require.NoError(t, g.Check(netip.MustParseAddr("127.0.0.2")))
	require.NoError(t, g.Check(netip.MustParseAddr("::ffff:127.0.0.2")))
	require.Error(t, g.Check(netip.MustParseAddr("127.0.0.1")))
}

func TestControlChecksTheDialledAddress(t *testing.T) {
	g := netguard.New()

	require.NoError(t, g.Control("tcp4", "8.8.8.8:443", nil))
	require.NoError(t, g.Control("tcp6", "[2001:4860::8888]:443", nil))
	var blocked *netguard.BlockedError
	require.ErrorAs(t, g.Control("tcp6", "[::1]:80", nil), &blocked)
	require.Equal(t, netip.MustParseAddr("::1"), blocked.Addr)
	require.ErrorContains(t, g.Control("tcp", "localhost:80", nil), `refusing to dial "localhost:80"`)
}

// A name that resolves to loopback is refused on the address dialled, which
// is what keeps DNS answers from steering a request inside.
func TestADialerWithTheGuardRefusesANameResolvingToLoopback(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	d := net.Dialer{Control: netguard.New().Control}

	_, err = d.DialContext(context.Background(), "tcp4", net.JoinHostPort("localhost", port))

	var blocked *netguard.BlockedError
	require.True(t, errors.As(err, &blocked), "want a BlockedError, got %v", err)
	require.Equal(t, "127.0.0.1", blocked.Addr.String())
}
