package store

import (
	"fmt"
	"time"
)

// Times in records are UTC. A zero time.Time means "never" or "not set", and
// the API shows it as null.

// GitHubIntegration connects a user to one GitHub repository. It is unique
// per (RepositoryOwner, RepositoryName, UserID).
type GitHubIntegration struct {
	ID               string
	UserID           string
	RepositoryOwner  string
	RepositoryName   string
	AccessToken      Secret
	WebhookSecret    Secret // for inbound GitHub webhooks
	AutoCreateIssues bool   // default false
	AutoSyncPRs      bool   // default false
	IsActive         bool   // default true
	LastSyncAt       time.Time
	LastVerifiedAt   time.Time
	LastError        string
	LastErrorAt      time.Time
	DisabledReason   string // set only when the library deactivated it
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// SlackIntegration posts to one Slack channel with a bot token. A user may
// have several.
type SlackIntegration struct {
	ID                       string
	UserID                   string
	WorkspaceName            string
	ChannelID                string
	ChannelName              string
	BotToken                 Secret
	NotifyWorkflowCompletion bool // default true
	NotifyCommandExecution   bool // default false
	NotifySystemAlerts       bool // default true
	NotifyProjectUpdates     bool // default false
	IsActive                 bool // default true
	LastUsedAt               time.Time
	LastError                string
	LastErrorAt              time.Time
	DisabledReason           string
	CreatedAt                time.Time
	UpdatedAt                time.Time
}

// EmailSettings are a user's email notification preferences; at most one per
// user.
type EmailSettings struct {
	ID                       string
	UserID                   string
	EmailAddress             string
	NotifyWorkflowCompletion bool // default true
	NotifyCommandExecution   bool // default false
	NotifySystemAlerts       bool // default true
	NotifyProjectUpdates     bool // default false
	LastError                string
	LastErrorAt              time.Time
	CreatedAt                time.Time
	UpdatedAt                time.Time
}

// Signature schemes of a webhook endpoint.
const (
	SchemeHishamOS = "hishamos" // X-HishamOS-Signature: sha256=<hex>; the default
	SchemeStandard = "standard" // Standard Webhooks headers
	SchemeBoth     = "both"     // both sets of headers, for receivers that migrate
)

// WebhookEndpoint receives signed HTTP requests for the events it subscribes
// to.
type WebhookEndpoint struct {
	ID                          string
	UserID                      string
	Name                        string
	URL                         string
	Secret                      Secret
	PreviousSecret              Secret    // still signs until PreviousSecretExpiresAt
	PreviousSecretExpiresAt     time.Time // end of the rotation overlap
	SignatureScheme             string    // SchemeHishamOS (default), SchemeStandard or SchemeBoth
	TriggerOnWorkflowCompletion bool
	TriggerOnCommandExecution   bool
	TriggerOnProjectUpdate      bool
	TriggerOnSystemAlert        bool
	CustomEvents                []string          // extra event names; default empty
	Method                      string            // POST (default), PUT or PATCH
	Headers                     map[string]string // custom request headers; default empty
	RetryCount                  int               // total attempts including the first; default 3
	TimeoutSeconds              int               // per attempt; default 30
	IsActive                    bool              // default true
	DisabledReason              string
	LastError                   string
	LastErrorAt                 time.Time

	// Counters, maintained by RecordAttempts and never written by updates.
	LastTriggeredAt     time.Time
	SuccessCount        int64 // successful attempts
	FailureCount        int64 // failed attempts
	ConsecutiveFailures int   // failed attempts since the last success
	FirstFailureAt      time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// PullRequest is a GitHub pull request stored by a sync; unique per
// (IntegrationID, Number).
type PullRequest struct {
	IntegrationID string
	Number        int
	Title         string
	State         string // "open" or "closed"
	Merged        bool
	Author        string
	HTMLURL       string
	HeadRef       string
	BaseRef       string
	Draft         bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ClosedAt      time.Time
	MergedAt      time.Time
	SyncedAt      time.Time // when the library last wrote this row
}

// Channel is the kind of target a delivery goes to.
type Channel string

// Delivery channels.
const (
	ChannelWebhook Channel = "webhook"
	ChannelSlack   Channel = "slack"
	ChannelEmail   Channel = "email"
	ChannelGitHub  Channel = "github"
)

// DeliveryStatus is the state of a delivery.
type DeliveryStatus string

// Delivery states. Pending and retrying deliveries are in the queue; success
// and failed are final.
const (
	StatusPending  DeliveryStatus = "pending"
	StatusRetrying DeliveryStatus = "retrying"
	StatusSuccess  DeliveryStatus = "success"
	StatusFailed   DeliveryStatus = "failed"
)

// Final reports whether s is a final state.
func (s DeliveryStatus) Final() bool { return s == StatusSuccess || s == StatusFailed }

// Delivery is one event addressed to one target, with a stable id that every
// attempt carries.
type Delivery struct {
	ID             string
	Channel        Channel
	TargetID       string // webhook endpoint, Slack integration, email settings or GitHub integration id
	TargetName     string // endpoint or integration name when enqueued
	TargetURL      string // scheme and host of the destination when enqueued; never a path or query
	UserID         string
	EventID        string
	EventType      string
	Payload        []byte // the exact bytes sent (webhooks) or the rendered event (other channels)
	IdempotencyKey string // unique per target when not empty
	Status         DeliveryStatus
	AttemptCount   int
	MaxAttempts    int
	NextAttemptAt  time.Time
	LeaseUntil     time.Time // zero when not claimed
	TriggeredAt    time.Time
	CompletedAt    time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Attempts are filled by GetDelivery and ListDeliveries, oldest first.
	Attempts []Attempt
}

// LatestAttempt returns the most recent attempt, or nil when none was made.
func (d *Delivery) LatestAttempt() *Attempt {
	if len(d.Attempts) == 0 {
		return nil
	}

	return &d.Attempts[len(d.Attempts)-1]
}

// AttemptStatus is the outcome of one attempt.
type AttemptStatus string

// Attempt outcomes.
const (
	AttemptSuccess AttemptStatus = "success"
	AttemptFailed  AttemptStatus = "failed"
)

// MaxResponseExcerpt is the number of characters of a response body that an
// attempt keeps; the only excerpt size stored anywhere.
const MaxResponseExcerpt = 1000

// Attempt is one try of a delivery.
type Attempt struct {
	DeliveryID     string
	Number         int // 1-based
	Status         AttemptStatus
	ResponseStatus int    // 0 when no response arrived
	ResponseBody   string // at most MaxResponseExcerpt characters
	ErrorMessage   string
	DurationMS     int64
	StartedAt      time.Time
}

// CheckRepeatedID records d in seen, by ID, and returns an error wrapping
// ErrConflict when an earlier delivery of the same EnqueueDeliveries call
// has d's ID but another target or idempotency key. A repeat with the same
// target and key is a duplicate, which the key already resolves. Backends
// call it for each delivery of a call, with one map per call.
func CheckRepeatedID(seen map[string]*Delivery, d *Delivery) error {
	if d.ID == "" {
		return nil
	}
	first, ok := seen[d.ID]
	if !ok {
		seen[d.ID] = d
		return nil
	}
	if d.IdempotencyKey != "" && first.IdempotencyKey == d.IdempotencyKey && first.TargetID == d.TargetID {
		return nil
	}

	return fmt.Errorf("id %q is given twice in this call for different deliveries: "+
		"leave Delivery.ID empty to get a new id: %w", d.ID, ErrConflict)
}
