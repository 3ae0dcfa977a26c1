package netguard

import (
	"net/netip"
	"testing"
)

// TestPlatformAndTranslatedAddressesBlocked checks an address of a cloud
// host's own services, IPv4-translated addresses that embed loopback and
// link-local addresses, and a site-local address. None of them is a public
// destination, so the default policy must block each.
func TestPlatformAndTranslatedAddressesBlocked(t *testing.T) {
	t.Parallel()
	g := New(Options{})
	for _, addr := range []string{
		"168.63.129.16",      // Azure platform address (WireServer, host DNS)
		"::ffff:0:7f00:1",    // IPv4-translated (RFC 2765) 127.0.0.1
		"::ffff:0:a9fe:a9fe", // IPv4-translated 169.254.169.254
		"fec0::1",            // deprecated site-local (RFC 3879)
	} {
		if err := g.CheckAddr(netip.MustParseAddr(addr)); err == nil {
			t.Errorf("CheckAddr(%s) = nil, want a blocked destination", addr)
		}
	}
}
