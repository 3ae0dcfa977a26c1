package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/webhook"
)

// TestSendBlocksAddressZoo sends to a real loopback receiver through every
// spelling of an internal address and checks that it accepted nothing.
func TestSendBlocksAddressZoo(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	port := mustPort(t, recv.URL)
	resolver := noDNS(map[string][]netip.Addr{
		"localhost":     {netip.MustParseAddr("127.0.0.1")},
		"localhost.":    {netip.MustParseAddr("127.0.0.1")},
		"internal.test": {netip.MustParseAddr("127.0.0.1")},
		"mapped.test":   {netip.MustParseAddr("::ffff:127.0.0.1")},
		"mixed.test":    {netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("127.0.0.1")},
	})
	s := webhook.NewSender(webhook.WithResolver(resolver))
	t.Cleanup(s.Close)

	// Non-canonical IPv4 literals fail URL validation before any dial.
	// The dial-time guard rejects the same forms too (see the netguard
	// tests), so neither layer alone lets them through.
	invalid, blocked := webhook.ErrInvalidRequest, webhook.ErrBlockedDestination
	tests := []struct {
		host string
		want error
	}{
		{"127.0.0.1", blocked},
		{"2130706433", invalid}, // decimal
		{"0177.0.0.1", invalid}, // octal
		{"0x7f.0.0.1", invalid}, // hex
		{"0x7f.1", invalid},     // hex shorthand
		{"0x7f000001", invalid}, // one hex number
		{"127.1", invalid},      // shorthand
		{"127.0.0.1.", invalid}, // trailing dot
		{"[::1]", blocked},      // IPv6 loopback
		{"[::ffff:127.0.0.1]", blocked},
		{"[::ffff:7f00:1]", blocked},
		{"[::127.0.0.1]", blocked},
		{"[64:ff9b::7f00:1]", blocked}, // NAT64
		{"[0:0:0:0:0:ffff:127.0.0.1]", blocked},
		{"localhost", blocked},
		{"localhost.", blocked},
		{"LOCALHOST", blocked},
		{"internal.test", blocked},
		{"mapped.test", blocked},
		{"mixed.test", blocked}, // public answer first, loopback second
	}
	for _, tt := range tests {
		raw := "http://" + tt.host + ":" + port + "/hook"
		res := s.Send(context.Background(), webhook.Request{URL: raw, Body: payload})
		if !errors.Is(res.Err, tt.want) {
			t.Errorf("%s: Err = %v, want %v", tt.host, res.Err, tt.want)
		}
		if res.Classification != webhook.Permanent {
			t.Errorf("%s: classification = %v, want permanent", tt.host, res.Classification)
		}
	}
	if n := recv.Connections(); n != 0 {
		t.Errorf("loopback receiver accepted %d connections, want 0", n)
	}
}

func TestSendBlocksMetadataAddress(t *testing.T) {
	t.Parallel()
	s := webhook.NewSender(webhook.WithAllowPrivateNetworks(true), webhook.WithResolver(noDNS(nil)))
	t.Cleanup(s.Close)
	for _, raw := range []string{"http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"} {
		res := s.Send(context.Background(), webhook.Request{URL: raw, Body: payload})
		if !errors.Is(res.Err, webhook.ErrBlockedDestination) {
			t.Errorf("%s: Err = %v, want ErrBlockedDestination even with private networks allowed", raw, res.Err)
		}
		if !strings.Contains(res.Err.Error(), "link-local") {
			t.Errorf("%s: message %q does not name the reason", raw, res.Err)
		}
		if strings.Contains(res.Err.Error(), "meta-data") {
			t.Errorf("%s: message %q contains the URL path", raw, res.Err)
		}
	}
}

// TestSendCatchesDNSRebinding uses a resolver that answers a public
// address to the configuration-time check and loopback afterwards.
func TestSendCatchesDNSRebinding(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	var calls atomic.Int32
	rebinding := webhook.ResolverFunc(func(context.Context, string) ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})
	s := webhook.NewSender(webhook.WithResolver(rebinding))
	t.Cleanup(s.Close)
	raw := "http://rebind.test:" + mustPort(t, recv.URL) + "/hook"

	if err := s.CheckDestination(context.Background(), raw); err != nil {
		t.Fatalf("CheckDestination on the public answer = %v, want nil", err)
	}
	res := s.Send(context.Background(), webhook.Request{URL: raw, Body: payload})
	if !errors.Is(res.Err, webhook.ErrBlockedDestination) {
		t.Errorf("Err = %v, want ErrBlockedDestination", res.Err)
	}
	if n := recv.Connections(); n != 0 {
		t.Errorf("loopback receiver accepted %d connections, want 0", n)
	}
}

// TestSendRedirectToInternalAddress checks that a public-looking endpoint
// cannot bounce the request to an internal one.
func TestSendRedirectToInternalAddress(t *testing.T) {
	t.Parallel()
	internal := fakereceiver.New(t, fakereceiver.OK())
	for _, location := range []string{
		internal.URL + "/admin",
		"http://2130706433:" + mustPort(t, internal.URL) + "/admin",
		"http://169.254.169.254/latest/meta-data/",
	} {
		redirector := fakereceiver.New(t, fakereceiver.Redirect(http.StatusTemporaryRedirect, location))
		res := newSender(t).Send(context.Background(), webhook.Request{URL: redirector.URL, Body: payload})
		if res.StatusCode != http.StatusTemporaryRedirect || res.Classification != webhook.Permanent {
			t.Errorf("redirect to %s: got %d %v, want 307 permanent", location, res.StatusCode, res.Classification)
		}
	}
	if n := internal.Connections(); n != 0 {
		t.Errorf("internal receiver accepted %d connections, want 0", n)
	}
}

func TestCheckDestination(t *testing.T) {
	t.Parallel()
	s := webhook.NewSender(webhook.WithResolver(noDNS(map[string][]netip.Addr{
		"hooks.example.test": {netip.MustParseAddr("203.0.113.5")},
		"intranet.test":      {netip.MustParseAddr("10.1.2.3")},
	})))
	t.Cleanup(s.Close)
	ctx := context.Background()

	if err := s.CheckDestination(ctx, "https://hooks.example.test/in"); err != nil {
		t.Errorf("public host: %v, want nil", err)
	}
	for _, raw := range []string{"https://intranet.test/in", "http://127.0.0.1/", "http://[fd00::1]/"} {
		if err := s.CheckDestination(ctx, raw); !errors.Is(err, webhook.ErrBlockedDestination) {
			t.Errorf("%s: %v, want ErrBlockedDestination", raw, err)
		}
	}
	var ue *webhook.URLError
	if err := s.CheckDestination(ctx, "gopher://hooks.example.test/"); !errors.As(err, &ue) {
		t.Errorf("gopher URL: %v, want *URLError", err)
	}
}

func TestAllowedPrefixesOpensOneRange(t *testing.T) {
	t.Parallel()
	recv := fakereceiver.New(t, fakereceiver.OK())
	s := webhook.NewSender(webhook.WithAllowedPrefixes(netip.MustParsePrefix("127.0.0.1/32")))
	t.Cleanup(s.Close)
	if res := s.Send(context.Background(), webhook.Request{URL: recv.URL, Body: payload}); res.Err != nil {
		t.Errorf("Send to an allowed prefix: %v", res.Err)
	}
	if n := recv.Connections(); n != 1 {
		t.Errorf("receiver accepted %d connections, want 1", n)
	}
}

func mustPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}

	return u.Port()
}
