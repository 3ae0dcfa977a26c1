package webhook

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/hishamos/integrations-external/internal/netguard"
)

// URLError reports an invalid webhook URL. Problem is a short phrase such
// as "must use http or https" that an API can show next to the url field.
// The URL itself is never part of the message, because it may contain a
// token.
type URLError struct {
	Problem string
}

// Error returns "webhook: invalid URL: " followed by the problem.
func (e *URLError) Error() string { return "webhook: invalid URL: " + e.Problem }

// URLRules are the configuration-time rules for a webhook URL. The zero
// value is the strict default.
type URLRules struct {
	// AllowUserinfo accepts a user name and password in the URL
	// (https://user:pass@host/). Default: false.
	AllowUserinfo bool
}

// ValidateURL checks raw with the default URLRules.
func ValidateURL(raw string) error { return URLRules{}.Validate(raw) }

// Validate checks that raw is an absolute http or https URL with a host,
// without userinfo unless allowed, and without an IPv4 literal in a form
// other than four decimal numbers (0x7f.1, 2130706433), which resolvers
// read differently. It returns a *URLError. It does not resolve the host;
// see Sender.CheckDestination.
func (r URLRules) Validate(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return &URLError{Problem: "must not be empty"}
	}
	if strings.ContainsAny(raw, " \t\r\n\x00") {
		return &URLError{Problem: "must not contain spaces or control characters"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &URLError{Problem: "is not a valid URL"}
	}

	switch {
	case u.Scheme == "" || u.Opaque != "":
		return &URLError{Problem: "must be absolute, starting with http:// or https://"}
	case u.Scheme != "http" && u.Scheme != "https":
		return &URLError{Problem: "must use http or https"}
	case u.Hostname() == "":
		return &URLError{Problem: "must include a host"}
	case u.User != nil && !r.AllowUserinfo:
		return &URLError{Problem: "must not contain a user name or password"}
	}

	host := u.Hostname()
	if _, ok := netguard.ParseLooseIPv4(host); ok && !netguard.IsCanonicalIPv4(host) {
		return &URLError{Problem: "must write an IPv4 address as four decimal numbers, such as 192.0.2.1"}
	}
	if p := u.Port(); p != "" && (len(p) > 5 || p == "0" || portNumber(p) > 65535) {
		return &URLError{Problem: "has an invalid port: use 1 to 65535"}
	}

	return nil
}

func portNumber(p string) int {
	n := 0
	for _, c := range p {
		n = n*10 + int(c-'0')
	}

	return n
}

// RedactURL returns only the scheme and host (with port) of raw, such as
// "https://hooks.example.com", for errors, logs and API responses. It
// drops userinfo, path and query, which may hold tokens. An unparsable URL
// gives "[invalid URL]".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[invalid URL]"
	}

	return u.Scheme + "://" + u.Host
}

// CheckDestination validates raw with the sender's URL rules and resolves
// its host through the sender's resolver, returning an error when an
// address is blocked. API layers call it when a URL is configured, to
// reject an internal destination early; Send checks again at dial time.
func (s *Sender) CheckDestination(ctx context.Context, raw string) error {
	if err := s.urlRules.Validate(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	if _, err := s.guard.Resolve(ctx, u.Hostname()); err != nil {
		return fmt.Errorf("webhook: check destination %s: %w", RedactURL(raw), err)
	}

	return nil
}
