// Package netguard rejects outbound connections to internal addresses.
//
// Every outbound HTTP client of the library (webhooks, Slack incoming
// webhooks, GitHub) dials through a [Guard]. The guard resolves the host
// name through an injectable [Resolver] and rejects the connection when any
// resolved address is blocked. It checks again in [net.Dialer] Control, on
// the exact address the socket connects to. So a DNS answer that changes
// between a configuration-time check and the dial (DNS rebinding) cannot
// reach an internal service.
//
// # Blocked addresses
//
// By default the guard rejects loopback (127.0.0.0/8, ::1), private
// (10/8, 172.16/12, 192.168/16), link-local (169.254/16 including the cloud
// metadata address 169.254.169.254, fe80::/10), shared address space
// (CGNAT, 100.64/10), unique-local (fc00::/7), multicast, unspecified
// (0.0.0.0/8, ::), broadcast (255.255.255.255) and reserved (240/4)
// addresses. It also rejects the cloud metadata addresses fd00:ec2::254
// (AWS, IPv6) and 100.100.100.200 (Alibaba Cloud).
//
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d),
// NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
// (2001::/32) addresses are judged by the IPv4 address they embed.
//
// IPv4 literals in the forms the C function inet_aton accepts (decimal
// 2130706433, octal 0177.0.0.1, hex 0x7f.1, shorthand 127.1) are parsed as
// addresses, never sent to the resolver, and checked like any other address.
// Names ending in "localhost" are rejected before resolution unless loopback
// is allowed.
//
// # Opting in
//
// [Options.AllowPrivateNetworks] allows loopback, private, shared and
// unique-local addresses, for tests and on-premises installs. It does not
// allow link-local, multicast, unspecified, broadcast, reserved or cloud
// metadata addresses: list a prefix in [Options.AllowedPrefixes] to reach
// one of those.
//
// # Proxies
//
// Transports built by [Guard.Transport] ignore HTTP_PROXY and HTTPS_PROXY
// (Proxy is nil), because a proxy would dial on our behalf and bypass the
// check.
package netguard
