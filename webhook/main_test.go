package webhook_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/webhook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noDNS answers only the names in table and fails every other lookup, so
// no test sends a DNS query.
func noDNS(table map[string][]netip.Addr) webhook.ResolverFunc {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		if addrs, ok := table[host]; ok {
			return addrs, nil
		}
		return nil, fmt.Errorf("test resolver: unknown host %q", host)
	}
}

// newSender returns a Sender that may reach loopback, resolves no names,
// and closes its connections when the test ends.
func newSender(t testing.TB, opts ...webhook.Option) *webhook.Sender {
	t.Helper()
	base := []webhook.Option{
		webhook.WithAllowPrivateNetworks(true),
		webhook.WithResolver(noDNS(nil)),
	}
	s := webhook.NewSender(append(base, opts...)...)
	t.Cleanup(s.Close)

	return s
}
