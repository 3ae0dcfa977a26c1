package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/netguard"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noDNS answers only the names in table and fails every other lookup, so
// no query leaves the machine.
func noDNS(table map[string][]netip.Addr) netguard.ResolverFunc {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		if addrs, ok := table[host]; ok {
			return addrs, nil
		}
		return nil, fmt.Errorf("test resolver: unknown host %q", host)
	}
}

var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1")}

func TestDialBlocksLoopbackByDefault(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	g := netguard.New(netguard.Options{Resolver: noDNS(map[string][]netip.Addr{
		"receiver.test": loopback,
	})})

	hosts := []string{
		"127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f.1", "0x7f000001",
		"127.0.0.1.", "::1", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
		"receiver.test", "localhost", "localhost.", "app.localhost",
	}
	for _, host := range hosts {
		conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err == nil {
			conn.Close()
			t.Errorf("dial %s: connected, want blocked", host)
			continue
		}
		if !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("dial %s: err = %v, want ErrBlocked", host, err)
		}
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("receiver accepted %d connections, want 0", n)
	}
}

func TestDialAllowsLoopbackWhenOptedIn(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	g := netguard.New(netguard.Options{
		AllowPrivateNetworks: true,
		Resolver:             noDNS(map[string][]netip.Addr{"receiver.test": loopback}),
	})
	client := g.Client(0)
	defer client.CloseIdleConnections()

	u, _ := url.Parse(s.URL)
	u.Host = "receiver.test:" + u.Port()
	resp, err := client.Get(u.String())
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
	if n := s.Connections(); n != 1 {
		t.Errorf("receiver accepted %d connections, want 1", n)
	}
}

func TestControlChecksDialledAddress(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	// Allowing only a range that does not contain the dialled address
	// proves the check in Control runs even when resolution was skipped.
	g := netguard.New(netguard.Options{AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tr := g.Transport()
	defer tr.CloseIdleConnections()
	_, err := tr.DialContext(context.Background(), "tcp", strings.TrimPrefix(s.URL, "http://"))
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("err = %v, want ErrBlocked", err)
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("receiver accepted %d connections, want 0", n)
	}
}

func TestResolveRejectsMixedAnswer(t *testing.T) {
	t.Parallel()
	g := netguard.New(netguard.Options{Resolver: noDNS(map[string][]netip.Addr{
		"mixed.test": {netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("127.0.0.1")},
	})})
	_, err := g.Resolve(context.Background(), "mixed.test")
	var be *netguard.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *BlockedError", err)
	}
	if be.Host != "mixed.test" || be.Reason != netguard.ReasonLoopback {
		t.Errorf("BlockedError = %+v, want host mixed.test, reason loopback", be)
	}
}

func TestTransportIgnoresProxyEnvironment(t *testing.T) {
	t.Parallel()
	tr := netguard.New(netguard.Options{}).Transport()
	if tr.Proxy != nil {
		t.Error("Transport.Proxy is set, want nil so HTTP_PROXY is ignored")
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	target := fakereceiver.New(t, fakereceiver.OK())
	s := fakereceiver.New(t, fakereceiver.Redirect(http.StatusTemporaryRedirect, target.URL))
	client := netguard.New(netguard.Options{AllowPrivateNetworks: true}).Client(0)
	defer client.CloseIdleConnections()
	resp, err := client.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status = %d, want 307", resp.StatusCode)
	}
	if n := target.Connections(); n != 0 {
		t.Errorf("redirect target accepted %d connections, want 0", n)
	}
}

// TestDialLooseIPv4WithoutResolver shows that non-canonical IPv4 literals
// are parsed, not looked up: the resolver fails every lookup, yet the dial
// reaches the receiver once private networks are allowed.
func TestDialLooseIPv4WithoutResolver(t *testing.T) {
	t.Parallel()
	s := fakereceiver.New(t, fakereceiver.OK())
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	g := netguard.New(netguard.Options{AllowPrivateNetworks: true, Resolver: noDNS(nil)})

	for _, host := range []string{"127.1", "2130706433", "0x7f.1", "0177.0.0.1"} {
		conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err != nil {
			t.Errorf("dial %s: %v, want a connection", host, err)
			continue
		}
		conn.Close()
	}
	if n := s.Connections(); n != 4 {
		t.Errorf("receiver accepted %d connections, want 4", n)
	}
}
