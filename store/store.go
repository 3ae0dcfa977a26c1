package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Store is the storage seam of the library. Implementations must be safe for
// concurrent use and must pass store/storetest.
//
// Conventions shared by every method:
//   - Create methods assign ID (a UUIDv7 from NewID) when it is empty, set
//     CreatedAt and UpdatedAt, and write the record back into the argument.
//   - Get, Update and Delete return ErrNotFound when the record does not
//     exist or the Access does not allow it.
//   - Update methods write every field of the record except ID, UserID,
//     CreatedAt and counters, and a webhook endpoint's last error, which
//     only recorded attempts write; ownership never changes. The caller reads,
//     changes and writes back (see integrations.Service for merge rules).
//     An Update applies only when the record's UpdatedAt equals the stored
//     one, so a change made after the caller's read is not overwritten.
//     Otherwise it returns ErrStale. A zero UpdatedAt skips this check.
//     Update sets UpdatedAt later than before, even within one clock tick.
//     Recording an attempt does so too when it disables a target, and when
//     it sets the last-used or last-error values of a Slack integration, a
//     GitHub integration or email settings, which Update writes as well. A webhook endpoint's
//     counters and last error leave it unchanged: they change with every
//     attempt, and Update does not write them.
//   - List methods return records newest first (by ID, which is
//     time-ordered). A Limit of zero or less means no limit.
//   - Deleting a target (endpoint or integration) also deletes its
//     deliveries and their attempts, and a GitHub integration's pull
//     requests.
//   - Errors are ErrNotFound, ErrConflict, ErrStale, ErrBusy, ErrInvalid, ErrClosed or
//     a wrapped error that never exposes driver types.
type Store interface {
	GitHubStore
	SlackStore
	EmailStore
	WebhookStore
	PullRequestStore
	DeliveryStore

	// Close releases the store's resources. It is safe to call twice.
	Close() error
}

// ListParams selects a page of records.
type ListParams struct {
	Access Access
	// UserID narrows an administrator's list to one user; ignored for
	// ordinary users, who always see only their own records.
	UserID string
	// ActiveOnly skips records whose IsActive is false.
	ActiveOnly bool
	Limit      int
	Offset     int
}

// GitHubStore keeps GitHub integrations. Create and Update return
// ErrConflict when the user already has an integration for the repository.
// An Update that moves an integration to another repository removes its
// synced pull requests in the same transaction. A change of letter case
// only is no move, since GitHub compares names without case.
type GitHubStore interface {
	CreateGitHubIntegration(ctx context.Context, rec *GitHubIntegration) error
	GetGitHubIntegration(ctx context.Context, access Access, id string) (*GitHubIntegration, error)
	UpdateGitHubIntegration(ctx context.Context, access Access, rec *GitHubIntegration) error
	DeleteGitHubIntegration(ctx context.Context, access Access, id string) error
	ListGitHubIntegrations(ctx context.Context, p ListParams) ([]*GitHubIntegration, error)
}

// SlackStore keeps Slack integrations.
type SlackStore interface {
	CreateSlackIntegration(ctx context.Context, rec *SlackIntegration) error
	GetSlackIntegration(ctx context.Context, access Access, id string) (*SlackIntegration, error)
	UpdateSlackIntegration(ctx context.Context, access Access, rec *SlackIntegration) error
	DeleteSlackIntegration(ctx context.Context, access Access, id string) error
	ListSlackIntegrations(ctx context.Context, p ListParams) ([]*SlackIntegration, error)
}

// EmailStore keeps email settings, at most one per user. Create returns
// ErrConflict when the user already has settings. Create also moves the
// user's deliveries whose TargetID is UserEmailTarget(UserID) to the new
// settings' ID. ListEmailSettings ignores ActiveOnly.
type EmailStore interface {
	CreateEmailSettings(ctx context.Context, rec *EmailSettings) error
	GetEmailSettings(ctx context.Context, access Access, userID string) (*EmailSettings, error)
	UpdateEmailSettings(ctx context.Context, access Access, rec *EmailSettings) error
	ListEmailSettings(ctx context.Context, p ListParams) ([]*EmailSettings, error)
}

// WebhookStore keeps webhook endpoints. Create and Update apply the defaults
// of WebhookEndpoint.ApplyDefaults.
type WebhookStore interface {
	CreateWebhookEndpoint(ctx context.Context, rec *WebhookEndpoint) error
	GetWebhookEndpoint(ctx context.Context, access Access, id string) (*WebhookEndpoint, error)
	UpdateWebhookEndpoint(ctx context.Context, p UpdateWebhookParams) error
	DeleteWebhookEndpoint(ctx context.Context, access Access, id string) error
	ListWebhookEndpoints(ctx context.Context, p ListParams) ([]*WebhookEndpoint, error)
}

// UpdateWebhookParams is the argument of UpdateWebhookEndpoint.
type UpdateWebhookParams struct {
	Access   Access
	Endpoint *WebhookEndpoint
	// ResetFailures sets ConsecutiveFailures to zero and clears
	// FirstFailureAt, as when a user re-enables a disabled endpoint.
	ResetFailures bool
}

// PullRequestStore keeps pull requests synced from GitHub.
type PullRequestStore interface {
	// UpsertPullRequests inserts or replaces the given pull requests of one
	// integration, in one transaction, and with Replace set removes the
	// integration's other pull requests. It returns ErrNotFound when the
	// integration does not exist or the Access does not allow it.
	UpsertPullRequests(ctx context.Context, p UpsertPullRequestsParams) error
	// ListPullRequests returns an integration's pull requests, highest
	// number first.
	ListPullRequests(ctx context.Context, p ListPullRequestsParams) ([]*PullRequest, error)
}

// UpsertPullRequestsParams is the argument of UpsertPullRequests.
type UpsertPullRequestsParams struct {
	Access        Access
	IntegrationID string
	PullRequests  []PullRequest
	SyncedAt      time.Time
	// Replace removes the integration's stored pull requests that
	// PullRequests does not hold, for a sync that read them all.
	Replace bool
	// Repository, "owner/name" when set, makes the call write only while
	// the integration is still on that repository (compared without
	// case), and return ErrConflict otherwise: a sync that raced a move
	// to another repository stores nothing.
	Repository string
}

// ListPullRequestsParams is the argument of ListPullRequests.
type ListPullRequestsParams struct {
	Access        Access
	IntegrationID string
	State         string // "open", "closed" or "" for all
	Limit         int
	Offset        int
}

// DeliveryStore is the durable delivery queue and its history.
type DeliveryStore interface {
	// EnqueueDeliveries inserts deliveries in one transaction. Each
	// delivery's ID, Status (pending), NextAttemptAt (TriggeredAt when zero)
	// and timestamps are filled when empty. A delivery whose IdempotencyKey
	// is already used for its TargetID is not inserted; its result names the
	// existing delivery. Results are in the order of the input. A delivery
	// whose LeaseUntil is after now is stored claimed: no claim returns it
	// before its lease ends, so the producer may attempt it at once. An
	// email delivery whose TargetID is UserEmailTarget(UserID) is stored
	// under the id of the user's email settings when they exist. The
	// caller's Delivery keeps its TargetID.
	EnqueueDeliveries(ctx context.Context, deliveries []*Delivery) ([]EnqueueResult, error)

	// ClaimDeliveries leases due deliveries (pending or retrying, with
	// NextAttemptAt and LeaseUntil at or before Now), oldest due first. A
	// claimed delivery is not returned to any other claim until its lease
	// ends.
	ClaimDeliveries(ctx context.Context, p ClaimParams) ([]*Delivery, error)

	// ReleaseDeliveries ends the leases of claimed deliveries that were not
	// attempted, so the next claim returns them at once.
	ReleaseDeliveries(ctx context.Context, ids []string) error

	// ExtendLeases sets the lease of each listed delivery that is pending or
	// retrying and still leased to end at until, so a producer that holds
	// deliveries for longer than their lease keeps them. Unknown and final
	// deliveries, and deliveries whose lease a record or a release ended,
	// are ignored.
	ExtendLeases(ctx context.Context, ids []string, until time.Time) error

	// RecordAttempts stores attempts, each together with its delivery's new
	// state and its target's counters, in one transaction:
	//   - the delivery: AttemptCount+1, Status, NextAttemptAt, lease
	//     cleared, CompletedAt = Now when the status is final;
	//   - a webhook endpoint: LastTriggeredAt = the attempt's StartedAt; on
	//     success SuccessCount+1, ConsecutiveFailures = 0, FirstFailureAt
	//     cleared; on failure FailureCount+1, ConsecutiveFailures+1,
	//     FirstFailureAt set when zero, LastError and LastErrorAt;
	//   - a Slack integration: LastUsedAt on success, LastError on failure;
	//   - email settings and GitHub integrations: LastError on failure;
	//   - DisableReason and the consecutive-failure rule set IsActive false
	//     and DisabledReason ("<n> consecutive failures since <RFC 3339
	//     time>" for the rule).
	// An attempt for a delivery that is already final is stored, but the
	// delivery's state does not change. A record for a delivery that no
	// longer exists is skipped.
	RecordAttempts(ctx context.Context, p RecordParams) (RecordResult, error)

	// GetDelivery returns a delivery with its attempts.
	GetDelivery(ctx context.Context, access Access, id string) (*Delivery, error)

	// ListDeliveries returns deliveries with their attempts, newest first.
	ListDeliveries(ctx context.Context, q DeliveryQuery) ([]*Delivery, error)

	// RetryDelivery puts a final delivery back in the queue, due at Now,
	// with one more attempt allowed. It returns ErrConflict when the
	// delivery is still pending or retrying.
	RetryDelivery(ctx context.Context, p RetryParams) (*Delivery, error)

	// PruneDeliveries deletes final deliveries completed before Before,
	// with their attempts, in batches of BatchSize, and returns how many
	// were deleted.
	PruneDeliveries(ctx context.Context, p PruneParams) (int, error)
}

// EnqueueResult reports what happened to one enqueued delivery.
type EnqueueResult struct {
	ID        string // the new delivery, or the existing one for a duplicate
	Duplicate bool   // the idempotency key was already used for the target
}

// ClaimParams is the argument of ClaimDeliveries.
type ClaimParams struct {
	Now   time.Time
	Limit int // maximum deliveries to claim; must be positive
	// MaxPerTarget caps the deliveries claimed for one target in this call;
	// zero means no cap.
	MaxPerTarget int
	// ExcludeTargets lists target ids not to claim, such as targets whose
	// concurrency limit is reached.
	ExcludeTargets []string
	// Lease is the lease of deliveries whose target has no timeout of its
	// own (Slack, email, GitHub).
	Lease time.Duration
	// LeaseMargin is added to a webhook endpoint's TimeoutSeconds to give
	// the lease of its deliveries, so the lease always outlasts the request.
	LeaseMargin time.Duration
}

// RecordParams is the argument of RecordAttempts.
type RecordParams struct {
	Now     time.Time
	Records []AttemptRecord
	// DisableAfterFailures and DisableAfterWindow disable a webhook
	// endpoint whose ConsecutiveFailures reaches DisableAfterFailures when
	// its first failure is at least DisableAfterWindow old. Zero
	// DisableAfterFailures turns the rule off.
	DisableAfterFailures int
	DisableAfterWindow   time.Duration
	// Deferrable lets the store hold the write for a few milliseconds, so
	// that it shares a commit with other writes. Set it when nothing waits
	// on the record, as for a worker that has already moved on.
	Deferrable bool
}

// AttemptRecord is one attempt and the state it leads to.
type AttemptRecord struct {
	// Attempt is stored with Number set to the delivery's attempt count
	// plus one, whatever the caller put there, or above the highest stored
	// number when a late attempt took that one.
	Attempt Attempt
	// Status is the delivery's new state: StatusRetrying with
	// NextAttemptAt, or a final state. Any other status is ErrInvalid.
	Status        DeliveryStatus
	NextAttemptAt time.Time
	// DisableReason, when not empty, deactivates the target (webhook
	// endpoint, Slack or GitHub integration) with this reason, as for 410
	// Gone or revoked credentials.
	DisableReason string
	// CredentialHash, when set, is CredentialHash of the Slack bot token or
	// GitHub access token that the attempt used. DisableReason then applies
	// only while the integration still has that token, so a rejection of a
	// token that the user has since replaced disables nothing. A stored
	// token that the store cannot decrypt counts as another token. Status
	// still applies either way.
	CredentialHash string
	// KeepTarget leaves the target's counters, last error and times as they
	// are. Set it for an attempt whose outcome is not the target's doing,
	// such as one cut off when the dispatcher stopped.
	KeepTarget bool
}

// RecordResult reports the side effects of RecordAttempts.
type RecordResult struct {
	// Disabled lists the targets deactivated by this call, by
	// DisableReason or by the consecutive-failure rule.
	Disabled []DisabledTarget
}

// DisabledTarget names a target that RecordAttempts deactivated.
type DisabledTarget struct {
	Channel  Channel
	TargetID string
	Reason   string
}

// DeliveryQuery selects deliveries for ListDeliveries. Empty fields do not
// filter.
type DeliveryQuery struct {
	Access    Access
	UserID    string // administrators only, as in ListParams
	TargetID  string
	Channel   Channel
	Status    DeliveryStatus
	EventType string
	Limit     int
	Offset    int
}

// RetryParams is the argument of RetryDelivery.
type RetryParams struct {
	Access Access
	ID     string
	Now    time.Time
}

// PruneParams is the argument of PruneDeliveries.
type PruneParams struct {
	Before    time.Time
	BatchSize int // rows per transaction; 1000 when zero
}

// DueReporter is an optional capability of a Store that reports when the
// earliest queued delivery becomes due. A dispatcher uses it to set its
// timer for retries that it did not schedule itself, such as an earlier
// run's, instead of finding them at its next poll.
type DueReporter interface {
	// NextDue returns the earliest NextAttemptAt of the pending and
	// retrying deliveries that are not leased at now, and false when there
	// are none. A leased delivery is left out even when its lease ends
	// soon: the dispatcher finds those at its polls.
	NextDue(ctx context.Context, now time.Time) (time.Time, bool, error)
}

// CredentialHash returns the hex SHA-256 of a credential, for
// AttemptRecord.CredentialHash.
func CredentialHash(credential Secret) string {
	sum := sha256.Sum256([]byte(credential.Reveal()))

	return hex.EncodeToString(sum[:])
}
