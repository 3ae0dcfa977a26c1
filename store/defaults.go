package store

import (
	"unicode/utf8"

	"github.com/google/uuid"
)

// Defaults of a webhook endpoint.
const (
	DefaultMethod         = "POST"
	DefaultRetryCount     = 3
	DefaultTimeoutSeconds = 30
)

// NewID returns a new record id: a UUIDv7 string, so ids sort by creation
// time and keep database indexes compact.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only when reading the system random source fails.
		// NewString reads it again and panics if that fails too.
		return uuid.NewString()
	}

	return id.String()
}

// NewGitHubIntegration returns a GitHub integration for userID with the
// documented defaults: active, no automatic issues or sync.
func NewGitHubIntegration(userID string) *GitHubIntegration {
	return &GitHubIntegration{UserID: userID, IsActive: true}
}

// NewSlackIntegration returns a Slack integration for userID with the
// documented defaults: active, notified of workflow completions and system
// alerts.
func NewSlackIntegration(userID string) *SlackIntegration {
	return &SlackIntegration{
		UserID:                   userID,
		NotifyWorkflowCompletion: true,
		NotifySystemAlerts:       true,
		IsActive:                 true,
	}
}

// UserEmailTarget returns the target id of email deliveries to userID
// while the user has no stored email settings, when the address comes from
// the host. CreateEmailSettings moves such deliveries to the new settings,
// so an idempotency key used before the settings existed stays used.
func UserEmailTarget(userID string) string {
	return "user:" + userID
}

// NewEmailSettings returns email settings for userID with the documented
// defaults: notified of workflow completions and system alerts.
func NewEmailSettings(userID, address string) *EmailSettings {
	return &EmailSettings{
		UserID:                   userID,
		EmailAddress:             address,
		NotifyWorkflowCompletion: true,
		NotifySystemAlerts:       true,
	}
}

// NewWebhookEndpoint returns a webhook endpoint for userID with the
// documented defaults: active, POST, 3 attempts, 30 s timeout, the hishamos
// signature scheme and no triggers.
func NewWebhookEndpoint(userID string) *WebhookEndpoint {
	e := &WebhookEndpoint{UserID: userID, IsActive: true}
	e.ApplyDefaults()

	return e
}

// ApplyDefaults fills the zero fields that have a non-zero default: method,
// retry count, timeout, signature scheme, custom events and headers.
// Backends call it on create and update.
func (e *WebhookEndpoint) ApplyDefaults() {
	if e.Method == "" {
		e.Method = DefaultMethod
	}
	if e.RetryCount == 0 {
		e.RetryCount = DefaultRetryCount
	}
	if e.TimeoutSeconds == 0 {
		e.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if e.SignatureScheme == "" {
		e.SignatureScheme = SchemeHishamOS
	}
	if e.CustomEvents == nil {
		e.CustomEvents = []string{}
	}
	if e.Headers == nil {
		e.Headers = map[string]string{}
	}
}

// Excerpt cuts s to at most MaxResponseExcerpt characters on a rune
// boundary.
func Excerpt(s string) string {
	if utf8.RuneCountInString(s) <= MaxResponseExcerpt {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxResponseExcerpt {
			return s[:i]
		}
		n++
	}

	return s
}
