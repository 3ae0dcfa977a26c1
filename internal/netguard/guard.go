package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrBlocked is the sentinel every [BlockedError] matches with errors.Is.
var ErrBlocked = errors.New("destination address is blocked")

// BlockedError reports a destination the guard rejected. It never contains
// a URL, only the host name and the address.
type BlockedError struct {
	Host   string     // host name as given, without port; may be empty
	Addr   netip.Addr // the rejected address; invalid for a rejected name
	Reason string     // one of the Reason... constants
}

// Error describes the rejected destination and how to allow it.
func (e *BlockedError) Error() string {
	target := e.Host
	switch {
	case !e.Addr.IsValid():
	case target == "" || target == e.Addr.String():
		target = e.Addr.String()
	default:
		target = fmt.Sprintf("%s (%s)", e.Host, e.Addr)
	}

	return fmt.Sprintf("destination %s is blocked: %s address; "+
		"allow private networks or the address range explicitly to reach it", target, e.Reason)
}

// Is reports whether target is ErrBlocked.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Resolver maps a host name to addresses. *net.Resolver implements it;
// tests pass a [ResolverFunc] so that no query leaves the machine.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolverFunc adapts a function to [Resolver]. The network argument is
// "ip" for both address families.
type ResolverFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// LookupNetIP calls f(ctx, host).
func (f ResolverFunc) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	return f(ctx, host)
}

// Options configures a Guard. The zero value blocks every internal
// address and resolves names with net.DefaultResolver.
type Options struct {
	// AllowPrivateNetworks allows loopback, private (RFC 1918), shared
	// (CGNAT) and unique-local addresses. Default: false.
	AllowPrivateNetworks bool

	// AllowedPrefixes are always allowed, whatever else blocks them, for
	// example a link-local range on an on-premises network. Default: none.
	AllowedPrefixes []netip.Prefix

	// Resolver maps host names to addresses. Default: net.DefaultResolver.
	Resolver Resolver

	// DialTimeout bounds one TCP connect. Default: 10s.
	DialTimeout time.Duration

	// KeepAlive is the TCP keep-alive period. Default: 30s.
	KeepAlive time.Duration
}

// Guard checks destination addresses and dials only allowed ones. It is
// safe for concurrent use; build it with [New].
type Guard struct {
	allowPrivate bool
	allowed      []netip.Prefix
	resolver     Resolver
	dialer       net.Dialer
}

// New returns a Guard for opts, filling defaults.
func New(opts Options) *Guard {
	g := &Guard{
		allowPrivate: opts.AllowPrivateNetworks,
		allowed:      append([]netip.Prefix(nil), opts.AllowedPrefixes...),
		resolver:     opts.Resolver,
	}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	g.dialer = net.Dialer{
		Timeout:   defaultDuration(opts.DialTimeout, 10*time.Second),
		KeepAlive: defaultDuration(opts.KeepAlive, 30*time.Second),
		Control:   g.control,
	}

	return g
}

func defaultDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}

	return d
}

// CheckAddr returns a *BlockedError when addr may not be dialled, or nil.
func (g *Guard) CheckAddr(addr netip.Addr) error {
	addr = addr.WithZone("")
	for _, p := range g.allowed {
		if p.Contains(addr) || p.Contains(addr.Unmap()) {
			return nil
		}
	}
	reason, privateKind := classify(addr)
	if reason == "" || (privateKind && g.allowPrivate) {
		return nil
	}

	return &BlockedError{Addr: addr, Reason: reason}
}

// Resolve returns the addresses of host, rejecting the host when any of
// them is blocked: a name that resolves to a public and an internal
// address is treated as internal. host has no port and no brackets. API
// layers call it when a URL is configured; dials call it again, so a
// changed DNS answer is caught then.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			var be *BlockedError
			if errors.As(err, &be) {
				be.Host = host
			}
			return nil, err
		}
	}

	return addrs, nil
}

func (g *Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if host == "" {
		return nil, errors.New("netguard: empty host name")
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	if addr, ok := ParseLooseIPv4(host); ok {
		return []netip.Addr{addr}, nil
	}
	if isLocalhostName(host) && g.CheckAddr(netip.IPv6Loopback()) != nil &&
		g.CheckAddr(netip.AddrFrom4([4]byte{127, 0, 0, 1})) != nil {
		return nil, &BlockedError{Host: host, Reason: ReasonLoopback}
	}

	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}

	return addrs, nil
}

// isLocalhostName reports whether name is "localhost" or under it, which
// RFC 6761 reserves for loopback.
func isLocalhostName(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	return name == "localhost" || strings.HasSuffix(name, ".localhost")
}

// DialContext resolves address ("host:port") through the guard's
// resolver and connects to the first allowed address that accepts. It
// has the signature of http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: invalid dial address %q: %w", address, err)
	}
	addrs, err := g.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}

	var firstErr error
	for _, a := range addrs {
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}

	return nil, firstErr
}

// control runs after the socket is created and before it connects, on
// the address it connects to.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: unexpected dial address %q: %w", address, err)
	}

	return g.CheckAddr(ap.Addr())
}
