package integrations

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/hishamos/integrations-external/webhook"
)

// checkWebhookURL validates a webhook URL when it is configured: http or
// https, a host, no credentials, and a destination the dispatcher's address
// guard allows (Config.AllowPrivateNetworks, AllowedNetworks and Resolver).
// The guard checks again at dial time, because a name can resolve
// differently later.
func (s *Service) checkWebhookURL(ctx context.Context, f fieldErrors, field, raw string) {
	if problem := s.webhookURLProblem(ctx, raw); problem != "" {
		f.add(field, problem)
	}
}

func (s *Service) webhookURLProblem(ctx context.Context, raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURLLength || hasControl(raw) || strings.ContainsAny(raw, " \t") {
		return "must be a URL of at most 2048 characters without spaces or control characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "must be a valid URL such as https://example.com/hooks"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must use http or https"
	case u.Hostname() == "":
		return "must include a host name"
	case u.User != nil:
		return "must not contain a user name or password; use headers or the signing secret instead"
	}
	if err := webhook.ValidateURL(raw); err != nil {
		var ue *webhook.URLError
		if errors.As(err, &ue) {
			return ue.Problem
		}
		return "is not a valid webhook URL"
	}
	if err := s.d.hooks.CheckDestination(ctx, raw); err != nil {
		if errors.Is(err, webhook.ErrBlockedDestination) {
			return "must not point to a loopback, private, link-local or reserved address " +
				"unless the server allows it (Config.AllowedNetworks or AllowPrivateNetworks)"
		}
		return "host name does not resolve: check the spelling"
	}

	return ""
}
