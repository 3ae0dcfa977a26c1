package integrations

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// WebhookInput carries the writable fields of a webhook endpoint, with the
// same nil rules as GitHubInput. Update (PUT) also resets omitted lists and
// header maps to empty and omitted numbers, method and signature scheme to
// their defaults. A header value equal to MaskedHeaderValue keeps the
// stored value of that header. A Secret that differs from the stored one
// replaces it at once and ends any rotation overlap, so the secret it
// replaces no longer signs; RotateWebhookSecret changes secrets with an
// overlap.
type WebhookInput struct {
	Name                        *string
	URL                         *string
	Secret                      *string // "" on create generates one; "" on update removes signing
	SignatureScheme             *string
	TriggerOnWorkflowCompletion *bool
	TriggerOnCommandExecution   *bool
	TriggerOnProjectUpdate      *bool
	TriggerOnSystemAlert        *bool
	CustomEvents                *[]string
	Method                      *string
	Headers                     *map[string]string
	RetryCount                  *int
	TimeoutSeconds              *int
	IsActive                    *bool
}

// webhookSecretPrefix starts every secret the library generates.
const webhookSecretPrefix = "whsec_"

// GenerateWebhookSecret returns a new signing secret: "whsec_" and 32
// random bytes in standard base64.
func GenerateWebhookSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("integrations: generate webhook secret: %w", err)
	}

	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(raw), nil
}

// CreateWebhookEndpoint creates a webhook endpoint owned by the caller. When
// the input has no secret, one is generated and returned as generated; show
// it to the user once, because it is never returned again.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, c Caller, in WebhookInput) (ep *store.WebhookEndpoint, generated string, err error) {
	if c.UserID == "" {
		return nil, "", ErrNoUser
	}
	rec := store.NewWebhookEndpoint(c.UserID)
	in.applyTo(rec)
	if err := s.validateWebhook(ctx, in, rec); err != nil {
		return nil, "", err
	}
	if !rec.Secret.IsSet() {
		generated, err = GenerateWebhookSecret()
		if err != nil {
			return nil, "", err
		}
		rec.Secret = store.NewSecret(generated)
	}
	if err := s.st.CreateWebhookEndpoint(ctx, rec); err != nil {
		return nil, "", fmt.Errorf("integrations: create webhook endpoint %q: %w", rec.Name, err)
	}

	return rec, generated, nil
}

// GetWebhookEndpoint returns one webhook endpoint the caller may see.
func (s *Service) GetWebhookEndpoint(ctx context.Context, c Caller, id string) (*store.WebhookEndpoint, error) {
	rec, err := s.st.GetWebhookEndpoint(ctx, c.access(), id)
	if err != nil {
		return nil, fmt.Errorf("integrations: get webhook endpoint %q: %w", id, err)
	}

	return rec, nil
}

// UpdateWebhookEndpoint replaces the writable fields of a webhook endpoint
// (PUT). Re-activating a disabled endpoint clears its disabled reason and
// its consecutive-failure count.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, c Caller, id string, in WebhookInput) (*store.WebhookEndpoint, error) {
	return s.changeWebhook(ctx, c, id, in, true)
}

// PatchWebhookEndpoint changes only the given fields of a webhook endpoint
// (PATCH).
func (s *Service) PatchWebhookEndpoint(ctx context.Context, c Caller, id string, in WebhookInput) (*store.WebhookEndpoint, error) {
	return s.changeWebhook(ctx, c, id, in, false)
}

func (s *Service) changeWebhook(ctx context.Context, c Caller, id string, in WebhookInput, replace bool) (*store.WebhookEndpoint, error) {
	return retryStale(func() (*store.WebhookEndpoint, error) { return s.changeWebhookOnce(ctx, c, id, in, replace) })
}

// changeWebhookOnce reads the endpoint, applies in and writes it back.
func (s *Service) changeWebhookOnce(ctx context.Context, c Caller, id string, in WebhookInput, replace bool) (*store.WebhookEndpoint, error) {
	rec, err := s.GetWebhookEndpoint(ctx, c, id)
	if err != nil {
		return nil, err
	}
	wasActive := rec.IsActive
	if replace {
		resetWebhook(rec)
		if in.Headers == nil {
			rec.Headers = map[string]string{}
		}
	}
	in.applyTo(rec)
	if err := s.validateWebhook(ctx, in, rec); err != nil {
		return nil, err
	}
	reactivated := rec.IsActive && !wasActive
	if reactivated {
		rec.DisabledReason = ""
	}
	p := store.UpdateWebhookParams{Access: c.access(), Endpoint: rec, ResetFailures: reactivated}
	err = s.st.UpdateWebhookEndpoint(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("integrations: update webhook endpoint %q: %w", id, err)
	}

	return rec, nil
}

// resetWebhook sets the writable fields that a PUT replaces to their
// defaults. Name, URL and secrets keep their values. Headers are replaced
// later, after masked values are matched with the stored ones.
func resetWebhook(rec *store.WebhookEndpoint) {
	rec.TriggerOnWorkflowCompletion = false
	rec.TriggerOnCommandExecution = false
	rec.TriggerOnProjectUpdate = false
	rec.TriggerOnSystemAlert = false
	rec.IsActive = false
	rec.CustomEvents = []string{}
	rec.Method = store.DefaultMethod
	rec.RetryCount = store.DefaultRetryCount
	rec.TimeoutSeconds = store.DefaultTimeoutSeconds
	rec.SignatureScheme = store.SchemeHishamOS
}

// DeleteWebhookEndpoint deletes a webhook endpoint with its deliveries.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, c Caller, id string) error {
	err := s.st.DeleteWebhookEndpoint(ctx, c.access(), id)
	if err != nil {
		return fmt.Errorf("integrations: delete webhook endpoint %q: %w", id, err)
	}

	return nil
}

// ListWebhookEndpoints returns the caller's webhook endpoints (every user's
// for an administrator), newest first.
func (s *Service) ListWebhookEndpoints(ctx context.Context, c Caller, opts ListOptions) ([]*store.WebhookEndpoint, error) {
	recs, err := s.st.ListWebhookEndpoints(ctx, opts.params(c))
	if err != nil {
		return nil, fmt.Errorf("integrations: list webhook endpoints: %w", err)
	}

	return recs, nil
}

// RotateWebhookSecret gives an endpoint a new generated secret and returns
// it once. The old secret keeps signing beside the new one until
// Config.RotationOverlap has passed, so receivers can switch.
func (s *Service) RotateWebhookSecret(ctx context.Context, c Caller, id string) (*store.WebhookEndpoint, string, error) {
	secret, err := GenerateWebhookSecret()
	if err != nil {
		return nil, "", err
	}
	rec, err := retryStale(func() (*store.WebhookEndpoint, error) {
		rec, err := s.GetWebhookEndpoint(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if rec.Secret.IsSet() {
			rec.PreviousSecret = rec.Secret
			rec.PreviousSecretExpiresAt = s.now().Add(s.d.cfg.RotationOverlap)
		}
		rec.Secret = store.NewSecret(secret)
		err = s.st.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: c.access(), Endpoint: rec})
		if err != nil {
			return nil, fmt.Errorf("integrations: rotate secret of webhook endpoint %q: %w", id, err)
		}

		return rec, nil
	})
	if err != nil {
		return nil, "", err
	}

	return rec, secret, nil
}

func (in WebhookInput) applyTo(rec *store.WebhookEndpoint) {
	setString(&rec.Name, in.Name)
	setString(&rec.URL, in.URL)
	if in.Secret != nil && *in.Secret != rec.Secret.Reveal() {
		// A secret set by hand replaces the current one at once and ends
		// any rotation overlap, so a leaked secret that is replaced stops
		// signing at once. A rotation is the way to change secrets with an
		// overlap.
		rec.PreviousSecret = store.Secret{}
		rec.PreviousSecretExpiresAt = time.Time{}
	}
	setSecret(&rec.Secret, in.Secret)
	setString(&rec.SignatureScheme, in.SignatureScheme)
	setBool(&rec.TriggerOnWorkflowCompletion, in.TriggerOnWorkflowCompletion)
	setBool(&rec.TriggerOnCommandExecution, in.TriggerOnCommandExecution)
	setBool(&rec.TriggerOnProjectUpdate, in.TriggerOnProjectUpdate)
	setBool(&rec.TriggerOnSystemAlert, in.TriggerOnSystemAlert)
	if in.CustomEvents != nil {
		rec.CustomEvents = slices.Clone(*in.CustomEvents)
		if rec.CustomEvents == nil {
			rec.CustomEvents = []string{}
		}
	}
	setString(&rec.Method, in.Method)
	if in.Headers != nil {
		rec.Headers = mergeHeaders(rec.Headers, *in.Headers)
	}
	setInt(&rec.RetryCount, in.RetryCount)
	setInt(&rec.TimeoutSeconds, in.TimeoutSeconds)
	setBool(&rec.IsActive, in.IsActive)
}

func (s *Service) validateWebhook(ctx context.Context, in WebhookInput, rec *store.WebhookEndpoint) error {
	f := fieldErrors{}
	checkName(f, "name", rec.Name, maxNameLength)
	s.checkWebhookURL(ctx, f, "url", rec.URL)
	if in.Secret != nil {
		checkSecret(f, "secret", *in.Secret, false)
	}
	switch rec.SignatureScheme {
	case store.SchemeHishamOS, store.SchemeStandard, store.SchemeBoth:
		err := webhook.ValidateSecret(webhook.Scheme(rec.SignatureScheme), webhook.Secret(rec.Secret.Reveal()))
		if rec.Secret.IsSet() && err != nil {
			f.add("secret", "must be whsec_ followed by base64 for the standard and both signature schemes; omit it on create, or rotate the secret, to have one generated")
		}
	default:
		f.add("signature_scheme", "must be hishamos, standard or both")
	}
	switch rec.Method {
	case "POST", "PUT", "PATCH":
	default:
		f.add("method", "must be POST, PUT or PATCH")
	}
	checkRange(f, "retry_count", rec.RetryCount, minRetryCount, maxRetryCount)
	checkRange(f, "timeout_seconds", rec.TimeoutSeconds, minTimeoutSeconds, maxTimeoutSeconds)
	checkCustomEvents(f, rec.CustomEvents)
	checkHeaders(f, rec.Headers, webhook.HeaderNamesFor(s.d.cfg.ProductName), in.Headers != nil)

	return f.err()
}
