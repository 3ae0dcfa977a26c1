package integrations

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// urlPolicy decides which destinations a webhook endpoint may be configured
// with. The same rule is enforced again at dial time by the webhook client,
// because a name can resolve differently later.
type urlPolicy struct {
	// allowPrivate lets URLs reach loopback, private and link-local
	// addresses (tests and on-premises receivers).
	allowPrivate bool
	// allowed lists extra prefixes that are reachable even when private.
	allowed []netip.Prefix
	// resolver looks up host names; nil means net.DefaultResolver.
	resolver hostResolver
}

// hostResolver is the part of *net.Resolver the policy uses.
type hostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// blockedPrefixes are the address ranges a webhook may not reach by default:
// private, shared (CGNAT), link-local (cloud metadata), unique-local,
// benchmarking and reserved ranges. Loopback, multicast and unspecified
// addresses are checked with netip methods.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

// blocked reports whether addr is out of bounds under p.
func (p urlPolicy) blocked(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, prefix := range p.allowed {
		if prefix.Contains(addr) {
			return false
		}
	}
	if p.allowPrivate {
		return false
	}
	if addr.IsLoopback() || addr.IsMulticast() || addr.IsUnspecified() ||
		addr.IsLinkLocalUnicast() || addr.IsPrivate() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, prefix := range blockedPrefixes {
		if prefix.Contains(addr) {
			return true
		}
	}

	return false
}

// checkURL validates a webhook URL: http or https, a host, no credentials,
// and a destination the policy allows. It adds at most one problem to f
// under field.
func (p urlPolicy) checkURL(ctx context.Context, f fieldErrors, field, raw string) {
	if problem := p.urlProblem(ctx, raw); problem != "" {
		f.add(field, problem)
	}
}

func (p urlPolicy) urlProblem(ctx context.Context, raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURLLength || hasControl(raw) || strings.ContainsAny(raw, " \t") {
		return "must be a URL of at most 2048 characters without spaces or control characters"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "must be a valid URL such as https://example.com/hooks"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must use http or https"
	}
	if u.Hostname() == "" {
		return "must include a host name"
	}
	if u.User != nil {
		return "must not contain a user name or password; use headers or the signing secret instead"
	}
	if port := u.Port(); port != "" && (port == "0" || len(port) > 5) {
		return "has an invalid port"
	}

	return p.hostProblem(ctx, u.Hostname())
}

// hostProblem resolves host and reports the first address the policy
// blocks.
func (p urlPolicy) hostProblem(ctx context.Context, host string) string {
	const blockedMsg = "must not point to a loopback, private, link-local or reserved address"
	if addr, err := netip.ParseAddr(host); err == nil {
		if p.blocked(addr) {
			return blockedMsg
		}
		return ""
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		if p.blocked(netip.IPv6Loopback()) {
			return blockedMsg
		}
		return ""
	}
	resolver := p.resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return "host name does not resolve: check the spelling"
	}
	for _, addr := range addrs {
		if p.blocked(addr) {
			return blockedMsg
		}
	}

	return ""
}
