package netguard

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Reasons an address is blocked. Each is the phrase used in
// [BlockedError] messages.
const (
	ReasonLoopback    = "loopback"
	ReasonPrivate     = "private network"
	ReasonShared      = "shared address space (CGNAT)"
	ReasonUniqueLocal = "unique-local"
	ReasonLinkLocal   = "link-local"
	ReasonMulticast   = "multicast"
	ReasonUnspecified = "unspecified"
	ReasonBroadcast   = "broadcast"
	ReasonReserved    = "reserved"
	ReasonMetadata    = "cloud metadata"
)

var (
	thisNetwork  = netip.MustParsePrefix("0.0.0.0/8")
	sharedSpace  = netip.MustParsePrefix("100.64.0.0/10")
	reservedV4   = netip.MustParsePrefix("240.0.0.0/4")
	broadcastV4  = netip.MustParseAddr("255.255.255.255")
	nat64WellKnw = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredo       = netip.MustParsePrefix("2001::/32")
	v4Compatible = netip.MustParsePrefix("::/96")
	v4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 (SIIT)
	siteLocal    = netip.MustParsePrefix("fec0::/10")       // deprecated by RFC 3879, still routed on some networks
)

// metadataAddrs are cloud platform services outside the link-local range.
// AWS's IPv6 metadata endpoint is a unique-local address, and Alibaba
// Cloud's metadata service is in the shared address space. Azure's platform
// address, which serves the VM agent and a DNS resolver, is a public
// address. AllowPrivateNetworks lifts the block on their ranges but not on
// them.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("168.63.129.16"),
}

// classify returns why addr is blocked, or "" when it is a public address.
// The bool reports whether AllowPrivateNetworks lifts the block.
func classify(addr netip.Addr) (reason string, privateKind bool) {
	addr = embeddedIPv4(addr.WithZone("").Unmap())

	switch {
	case slices.Contains(metadataAddrs, addr):
		return ReasonMetadata, false
	case addr.IsLoopback():
		return ReasonLoopback, true
	case addr.Is4() && addr == broadcastV4:
		return ReasonBroadcast, false
	case addr.IsUnspecified() || (addr.Is4() && thisNetwork.Contains(addr)):
		return ReasonUnspecified, false
	case addr.Is4() && addr.IsPrivate():
		return ReasonPrivate, true
	case addr.IsPrivate(), siteLocal.Contains(addr):
		return ReasonUniqueLocal, true
	case sharedSpace.Contains(addr):
		return ReasonShared, true
	case addr.IsLinkLocalUnicast():
		return ReasonLinkLocal, false
	case addr.IsMulticast():
		return ReasonMulticast, false
	case reservedV4.Contains(addr):
		return ReasonReserved, false
	}

	return "", false
}

// embeddedIPv4 returns the IPv4 address carried inside an IPv4-compatible,
// IPv4-translated, NAT64, 6to4 or Teredo address, or addr itself. The unspecified address ::
// and the loopback ::1 lie inside ::/96 but are IPv6 addresses of their own.
// A Teredo address (RFC 4380) ends with its client's IPv4 address with every
// bit inverted, and traffic to it goes to that IPv4 address.
func embeddedIPv4(addr netip.Addr) netip.Addr {
	if !addr.Is6() {
		return addr
	}
	b := addr.As16()
	switch {
	case nat64WellKnw.Contains(addr), nat64Local.Contains(addr), v4Translated.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16]))
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6]))
	case teredo.Contains(addr):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
	case v4Compatible.Contains(addr) && !addr.IsUnspecified() && !addr.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16]))
	}

	return addr
}

// ParseLooseIPv4 parses host as an IPv4 address in any form inet_aton
// accepts: one to four parts, each decimal, octal (leading 0) or hex
// (leading 0x), the last part filling the remaining bytes. "127.1",
// "0x7f.1", "0177.0.0.1" and "2130706433" all give 127.0.0.1. One trailing
// dot is ignored. It reports false when host is not such a literal.
func ParseLooseIPv4(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if host == "" || len(parts) > 4 {
		return netip.Addr{}, false
	}

	values := make([]uint64, len(parts))
	for i, part := range parts {
		v, ok := parseLooseIPv4Part(part)
		if !ok {
			return netip.Addr{}, false
		}
		values[i] = v
	}

	var ip uint64
	last := len(values) - 1
	for i := range last {
		if values[i] > 0xff {
			return netip.Addr{}, false
		}
		ip |= values[i] << (24 - 8*i)
	}
	if values[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	ip |= values[last]

	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

func parseLooseIPv4Part(part string) (uint64, bool) {
	base, digits := 10, part
	switch {
	case len(part) > 2 && (part[:2] == "0x" || part[:2] == "0X"):
		base, digits = 16, part[2:]
	case len(part) > 1 && part[0] == '0':
		base, digits = 8, part[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "+-_") {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, false
	}

	return v, true
}

// IsCanonicalIPv4 reports whether host is an IPv4 address written as four
// decimal numbers without leading zeros, the only form every resolver reads
// the same way.
func IsCanonicalIPv4(host string) bool {
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Is4()
}
