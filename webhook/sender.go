package webhook

import (
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/hishamos/integrations-external/internal/netguard"
)

// Resolver maps a host name to addresses. *net.Resolver implements it.
type Resolver = netguard.Resolver

// ResolverFunc adapts a function to Resolver, for tests that map names
// to loopback without sending a DNS query.
type ResolverFunc = netguard.ResolverFunc

// Sender makes webhook attempts. Build it once with NewSender and share
// it: its connection pool keeps connections to each host alive across
// attempts. It is safe for concurrent use.
type Sender struct {
	client          *http.Client
	transport       *http.Transport
	guard           *netguard.Guard
	names           HeaderNames
	canonical       HeaderNames // names in canonical form, the keys of an http.Header
	urlRules        URLRules
	userAgent       string
	defaultTimeout  time.Duration
	maxRetryAfter   time.Duration
	responseHeaders []string
	now             func() time.Time
	logger          *slog.Logger
}

// Option configures a Sender.
type Option func(*senderConfig)

type senderConfig struct {
	product         string
	names           HeaderNames
	guard           netguard.Options
	urlRules        URLRules
	userAgent       string
	defaultTimeout  time.Duration
	maxRetryAfter   time.Duration
	responseHeaders []string
	now             func() time.Time
	logger          *slog.Logger
}

// WithProduct sets the product name in the header names
// (X-<product>-Signature, -Event, -Delivery-ID) and the User-Agent.
// Default: HishamOS.
func WithProduct(name string) Option {
	return func(c *senderConfig) { c.product = name }
}

// WithHeaderNames sets each product header name; empty fields keep the
// names WithProduct gives.
func WithHeaderNames(names HeaderNames) Option {
	return func(c *senderConfig) { c.names = names }
}

// WithAllowPrivateNetworks allows loopback, private, CGNAT and
// unique-local destinations, for tests and on-premises installs.
// Default: blocked.
func WithAllowPrivateNetworks(allow bool) Option {
	return func(c *senderConfig) { c.guard.AllowPrivateNetworks = allow }
}

// WithAllowedPrefixes allows destinations in these address ranges even
// when the guard would block them. Default: none.
func WithAllowedPrefixes(prefixes ...netip.Prefix) Option {
	return func(c *senderConfig) { c.guard.AllowedPrefixes = append(c.guard.AllowedPrefixes, prefixes...) }
}

// WithResolver sets the resolver for destination host names. Default:
// net.DefaultResolver.
func WithResolver(r Resolver) Option {
	return func(c *senderConfig) { c.guard.Resolver = r }
}

// WithURLRules sets the URL rules Send and CheckDestination apply.
// Default: the zero URLRules (no userinfo).
func WithURLRules(r URLRules) Option {
	return func(c *senderConfig) { c.urlRules = r }
}

// WithDefaultTimeout sets the timeout of a Request whose Timeout is 0.
// Default: 30s.
func WithDefaultTimeout(d time.Duration) Option {
	return func(c *senderConfig) { c.defaultTimeout = d }
}

// WithMaxRetryAfter caps Result.RetryAfter. Default: 1h.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *senderConfig) { c.maxRetryAfter = d }
}

// WithResponseHeaders adds response headers to copy into Result.Header,
// besides Content-Type, Retry-After and Location.
func WithResponseHeaders(names ...string) Option {
	return func(c *senderConfig) { c.responseHeaders = append(c.responseHeaders, names...) }
}

// WithUserAgent sets the User-Agent header. Default:
// "<product>-Webhooks/1".
func WithUserAgent(ua string) Option {
	return func(c *senderConfig) { c.userAgent = ua }
}

// WithClock sets the clock for Standard Webhooks timestamps, durations
// and Retry-After dates. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *senderConfig) { c.now = now }
}

// WithLogger sets the logger for failed attempts (debug level, never
// bodies or secrets). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *senderConfig) { c.logger = l }
}

// NewSender builds a Sender. Without options it blocks internal
// destinations, signs with X-HishamOS-* headers and times out after 30s.
func NewSender(opts ...Option) *Sender {
	cfg := senderConfig{
		defaultTimeout: 30 * time.Second,
		maxRetryAfter:  time.Hour,
		now:            time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.product == "" {
		cfg.product = DefaultProduct
	}
	names := HeaderNamesFor(cfg.product)
	if cfg.names.Signature != "" {
		names.Signature = cfg.names.Signature
	}
	if cfg.names.Event != "" {
		names.Event = cfg.names.Event
	}
	if cfg.names.DeliveryID != "" {
		names.DeliveryID = cfg.names.DeliveryID
	}
	if cfg.userAgent == "" {
		cfg.userAgent = cfg.product + "-Webhooks/1"
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	guard := netguard.New(cfg.guard)
	client := guard.Client(0)

	return &Sender{
		client:    client,
		transport: client.Transport.(*http.Transport),
		guard:     guard,
		names:     names,
		canonical: HeaderNames{
			Signature:  http.CanonicalHeaderKey(names.Signature),
			Event:      http.CanonicalHeaderKey(names.Event),
			DeliveryID: http.CanonicalHeaderKey(names.DeliveryID),
		},
		urlRules:        cfg.urlRules,
		userAgent:       cfg.userAgent,
		defaultTimeout:  cfg.defaultTimeout,
		maxRetryAfter:   cfg.maxRetryAfter,
		responseHeaders: append([]string{"Content-Type", "Retry-After", "Location"}, cfg.responseHeaders...),
		now:             cfg.now,
		logger:          cfg.logger,
	}
}

// HeaderNames returns the product header names this sender uses.
func (s *Sender) HeaderNames() HeaderNames { return s.names }

// Close closes idle connections. The Sender stays usable.
func (s *Sender) Close() { s.transport.CloseIdleConnections() }
