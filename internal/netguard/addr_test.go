package netguard

import (
	"net/netip"
	"testing"
)

func TestParseLooseIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" when not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0177.1", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"169.254.43518", "169.254.169.254"},
		{"0", "0.0.0.0"},
		{"256.0.0.1", ""},
		{"127.0.0.256", ""},
		{"1.2.3.4.5", ""},
		{"08.0.0.1", ""},
		{"0x", ""},
		{"example.com", ""},
		{"cafe.beef", ""},
		{"", ""},
		{"4294967296", ""},
		{"-1.0.0.1", ""},
		{"+1.0.0.1", ""},
	}
	for _, tt := range tests {
		got, ok := ParseLooseIPv4(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("ParseLooseIPv4(%q) = %v, want not an address", tt.in, got)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(tt.want) {
			t.Errorf("ParseLooseIPv4(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

func TestCheckAddrDefaultPolicy(t *testing.T) {
	t.Parallel()
	g := New(Options{})
	tests := []struct {
		addr   string
		reason string // "" when allowed
	}{
		{"127.0.0.1", ReasonLoopback},
		{"127.255.255.254", ReasonLoopback},
		{"::1", ReasonLoopback},
		{"::ffff:127.0.0.1", ReasonLoopback},
		{"::127.0.0.1", ReasonLoopback},
		{"64:ff9b::7f00:1", ReasonLoopback},
		{"64:ff9b:1::7f00:1", ReasonLoopback},
		{"2002:7f00:1::", ReasonLoopback},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", ReasonLoopback},  // Teredo, client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", ReasonPrivate},   // Teredo, client 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:5601:5601", ReasonLinkLocal}, // Teredo, client 169.254.169.254 (metadata)
		{"10.1.2.3", ReasonPrivate},
		{"172.16.0.1", ReasonPrivate},
		{"172.31.255.255", ReasonPrivate},
		{"192.168.1.1", ReasonPrivate},
		{"::ffff:10.0.0.1", ReasonPrivate},
		{"64:ff9b::a00:1", ReasonPrivate},
		{"100.64.0.1", ReasonShared},
		{"100.127.255.255", ReasonShared},
		{"fc00::1", ReasonUniqueLocal},
		{"fd12:3456::1", ReasonUniqueLocal},
		{"169.254.169.254", ReasonLinkLocal},
		{"::ffff:169.254.169.254", ReasonLinkLocal},
		{"64:ff9b::a9fe:a9fe", ReasonLinkLocal},
		{"fe80::1", ReasonLinkLocal},
		{"fd00:ec2::254", ReasonMetadata},
		{"100.100.100.200", ReasonMetadata},
		{"::ffff:100.100.100.200", ReasonMetadata},
		{"fe80::1%eth0", ReasonLinkLocal},
		{"224.0.0.1", ReasonMulticast},
		{"ff02::1", ReasonMulticast},
		{"0.0.0.0", ReasonUnspecified},
		{"0.1.2.3", ReasonUnspecified},
		{"::", ReasonUnspecified},
		{"::ffff:0.0.0.0", ReasonUnspecified},
		{"255.255.255.255", ReasonBroadcast},
		{"240.0.0.1", ReasonReserved},
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"100.128.0.1", ""},
		{"172.32.0.1", ""},
		{"2606:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", ""}, // Teredo, client 192.0.2.45
	}
	for _, tt := range tests {
		err := g.CheckAddr(netip.MustParseAddr(tt.addr))
		if tt.reason == "" {
			if err != nil {
				t.Errorf("CheckAddr(%s) = %v, want allowed", tt.addr, err)
			}
			continue
		}
		be, ok := err.(*BlockedError)
		if !ok {
			t.Errorf("CheckAddr(%s) = %v, want *BlockedError", tt.addr, err)
			continue
		}
		if be.Reason != tt.reason {
			t.Errorf("CheckAddr(%s) reason = %q, want %q", tt.addr, be.Reason, tt.reason)
		}
	}
}

func TestCheckAddrAllowPrivateNetworks(t *testing.T) {
	t.Parallel()
	g := New(Options{AllowPrivateNetworks: true})
	for _, a := range []string{"127.0.0.1", "::1", "10.0.0.1", "192.168.0.1", "100.64.0.1", "fd00::1", "::ffff:127.0.0.1"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want allowed", a, err)
		}
	}
	for _, a := range []string{"169.254.169.254", "fd00:ec2::254", "100.100.100.200", "fe80::1", "224.0.0.1",
		"0.0.0.0", "::", "255.255.255.255"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err == nil {
			t.Errorf("CheckAddr(%s) = nil, want blocked even with private networks allowed", a)
		}
	}
}

func TestCheckAddrAllowedPrefixes(t *testing.T) {
	t.Parallel()
	g := New(Options{AllowedPrefixes: []netip.Prefix{
		netip.MustParsePrefix("169.254.169.254/32"),
		netip.MustParsePrefix("10.20.0.0/16"),
	}})
	for _, a := range []string{"169.254.169.254", "::ffff:169.254.169.254", "10.20.3.4"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want allowed by prefix", a, err)
		}
	}
	for _, a := range []string{"169.254.169.253", "10.21.0.1", "127.0.0.1"} {
		if err := g.CheckAddr(netip.MustParseAddr(a)); err == nil {
			t.Errorf("CheckAddr(%s) = nil, want blocked outside the prefixes", a)
		}
	}
}

func TestBlockedErrorMessage(t *testing.T) {
	t.Parallel()
	err := &BlockedError{Host: "metadata.internal", Addr: netip.MustParseAddr("169.254.169.254"), Reason: ReasonLinkLocal}
	want := "destination metadata.internal (169.254.169.254) is blocked: link-local address; " +
		"allow private networks or the address range explicitly to reach it"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
