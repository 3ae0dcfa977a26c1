package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

const webhookColumns = `id, user_id, name, url, secret, previous_secret, previous_secret_expires_at,
	signature_scheme, trigger_on_workflow_completion, trigger_on_command_execution,
	trigger_on_project_update, trigger_on_system_alert, custom_events, method, headers,
	retry_count, timeout_seconds, is_active, disabled_reason, last_error, last_error_at,
	last_triggered_at, success_count, failure_count, consecutive_failures, first_failure_at,
	created_at, updated_at`

// webhookWritable holds the encoded values of the user-writable columns.
type webhookWritable struct {
	secret, previous, events, headers string
}

func (s *Store) encodeWebhook(rec *store.WebhookEndpoint) (webhookWritable, error) {
	var w webhookWritable
	var err error
	rec.ApplyDefaults()
	rec.PreviousSecretExpiresAt = truncMS(rec.PreviousSecretExpiresAt)
	rec.LastErrorAt = truncMS(rec.LastErrorAt)
	if w.secret, err = s.seal(rec.Secret, "webhook_endpoints", "secret", rec.ID); err != nil {
		return w, err
	}
	if w.previous, err = s.seal(rec.PreviousSecret, "webhook_endpoints", "previous_secret", rec.ID); err != nil {
		return w, err
	}
	if w.events, err = encodeJSON(rec.CustomEvents, "custom events"); err != nil {
		return w, err
	}
	if w.headers, err = s.sealHeaders(rec.Headers, rec.ID); err != nil {
		return w, err
	}

	return w, nil
}

// CreateWebhookEndpoint inserts rec after applying its defaults. The
// counters start at zero whatever rec holds.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, rec *store.WebhookEndpoint) error {
	if rec.UserID == "" {
		return fmt.Errorf("sqlite: create webhook endpoint: empty user id: %w", store.ErrInvalid)
	}
	if rec.ID == "" {
		rec.ID = store.NewID()
	}
	now := s.nowUTC()
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec.LastTriggeredAt, rec.FirstFailureAt = time.Time{}, time.Time{}
	rec.SuccessCount, rec.FailureCount, rec.ConsecutiveFailures = 0, 0, 0
	w, err := s.encodeWebhook(rec)
	if err != nil {
		return err
	}

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+webhookColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?, ?)`,
			rec.ID, rec.UserID, rec.Name, rec.URL, w.secret, w.previous, ms(rec.PreviousSecretExpiresAt),
			rec.SignatureScheme, boolInt(rec.TriggerOnWorkflowCompletion),
			boolInt(rec.TriggerOnCommandExecution), boolInt(rec.TriggerOnProjectUpdate),
			boolInt(rec.TriggerOnSystemAlert), w.events, rec.Method, w.headers, rec.RetryCount,
			rec.TimeoutSeconds, boolInt(rec.IsActive), rec.DisabledReason, rec.LastError,
			ms(rec.LastErrorAt), ms(rec.CreatedAt), ms(rec.UpdatedAt))
		return err
	})

	return wrapf(err, "create webhook endpoint for user %q", rec.UserID)
}

// GetWebhookEndpoint returns the endpoint id if access allows it.
func (s *Store) GetWebhookEndpoint(ctx context.Context, access store.Access, id string) (*store.WebhookEndpoint, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !access.Valid() {
		return nil, store.ErrNotFound
	}
	where, args := accessFilter(access)
	row := s.reads.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints
		WHERE id = ? AND `+where, append([]any{id}, args...)...)
	rec, err := s.scanWebhook(row)
	if err != nil {
		return nil, wrapf(err, "get webhook endpoint %q", id)
	}

	return rec, nil
}

func (s *Store) scanWebhook(row interface{ Scan(...any) error }) (*store.WebhookEndpoint, error) {
	var (
		rec                                       store.WebhookEndpoint
		secret, previous, events, headers         string
		workflow, command, project, alert, active int
		previousExpires, lastErrAt, lastTriggered int64
		firstFailure, created, updated            int64
	)
	err := row.Scan(&rec.ID, &rec.UserID, &rec.Name, &rec.URL, &secret, &previous, &previousExpires,
		&rec.SignatureScheme, &workflow, &command, &project, &alert, &events, &rec.Method, &headers,
		&rec.RetryCount, &rec.TimeoutSeconds, &active, &rec.DisabledReason, &rec.LastError, &lastErrAt,
		&lastTriggered, &rec.SuccessCount, &rec.FailureCount, &rec.ConsecutiveFailures, &firstFailure,
		&created, &updated)
	if err != nil {
		return nil, err
	}
	rec.TriggerOnWorkflowCompletion, rec.TriggerOnCommandExecution = workflow != 0, command != 0
	rec.TriggerOnProjectUpdate, rec.TriggerOnSystemAlert, rec.IsActive = project != 0, alert != 0, active != 0
	rec.PreviousSecretExpiresAt, rec.LastErrorAt = fromMS(previousExpires), fromMS(lastErrAt)
	rec.LastTriggeredAt, rec.FirstFailureAt = fromMS(lastTriggered), fromMS(firstFailure)
	rec.CreatedAt, rec.UpdatedAt = fromMS(created), fromMS(updated)
	if rec.CustomEvents, err = decodeStrings(events, "custom events", rec.ID); err != nil {
		return nil, err
	}
	if rec.Headers, err = s.openHeaders(headers, rec.ID); err != nil {
		return nil, err
	}
	if rec.Secret, err = s.open(secret, "webhook_endpoints", "secret", rec.ID); err != nil {
		return nil, err
	}
	if rec.PreviousSecret, err = s.open(previous, "webhook_endpoints", "previous_secret", rec.ID); err != nil {
		return nil, err
	}

	return &rec, nil
}

// UpdateWebhookEndpoint writes every field of p.Endpoint except ID, UserID,
// CreatedAt, the counters and the last error, after applying its defaults,
// and reads the stored counters and last error back into p.Endpoint.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, p store.UpdateWebhookParams) error {
	rec := p.Endpoint
	if rec == nil {
		return fmt.Errorf("sqlite: update webhook endpoint: nil endpoint: %w", store.ErrInvalid)
	}
	if !p.Access.Valid() {
		return store.ErrNotFound
	}
	w, err := s.encodeWebhook(rec)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	where, args := accessFilter(p.Access)
	reset := ""
	if p.ResetFailures {
		reset = "consecutive_failures = 0, first_failure_at = 0, "
	}

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var lastTriggered, firstFailure, lastErrorAt, created, updated int64
		var lastError string
		err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET name = ?, url = ?, secret = ?,
			previous_secret = ?, previous_secret_expires_at = ?, signature_scheme = ?,
			trigger_on_workflow_completion = ?, trigger_on_command_execution = ?,
			trigger_on_project_update = ?, trigger_on_system_alert = ?, custom_events = ?, method = ?,
			headers = ?, retry_count = ?, timeout_seconds = ?, is_active = ?, disabled_reason = ?,
			`+reset+nextVersion+`
			WHERE id = ? AND `+sameVersion+` AND `+where+`
			RETURNING user_id, last_triggered_at, success_count, failure_count, consecutive_failures,
				first_failure_at, last_error, last_error_at, created_at, updated_at`,
			append(append([]any{rec.Name, rec.URL, w.secret, w.previous, ms(rec.PreviousSecretExpiresAt),
				rec.SignatureScheme, boolInt(rec.TriggerOnWorkflowCompletion),
				boolInt(rec.TriggerOnCommandExecution), boolInt(rec.TriggerOnProjectUpdate),
				boolInt(rec.TriggerOnSystemAlert), w.events, rec.Method, w.headers, rec.RetryCount,
				rec.TimeoutSeconds, boolInt(rec.IsActive), rec.DisabledReason, ms(now), rec.ID},
				readVersion(rec.UpdatedAt)...), args...)...).
			Scan(&rec.UserID, &lastTriggered, &rec.SuccessCount, &rec.FailureCount,
				&rec.ConsecutiveFailures, &firstFailure, &lastError, &lastErrorAt, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) && !rec.UpdatedAt.IsZero() {
			return staleOrMissing(ctx, tx, "webhook_endpoints", rec.ID, where, args)
		}
		if err != nil {
			return err
		}
		rec.LastTriggeredAt, rec.FirstFailureAt = fromMS(lastTriggered), fromMS(firstFailure)
		rec.LastError, rec.LastErrorAt = lastError, fromMS(lastErrorAt)
		rec.CreatedAt, rec.UpdatedAt = fromMS(created), fromMS(updated)

		return nil
	})

	return wrapf(err, "update webhook endpoint %q", rec.ID)
}

// DeleteWebhookEndpoint deletes the endpoint with its deliveries and
// attempts.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, access store.Access, id string) error {
	return wrapf(s.deleteTarget(ctx, access, "webhook_endpoints", id), "delete webhook endpoint %q", id)
}

// ListWebhookEndpoints returns endpoints newest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, p store.ListParams) ([]*store.WebhookEndpoint, error) {
	return listRecords(ctx, s, "list webhook endpoints", `SELECT `+webhookColumns+` FROM webhook_endpoints`, p, s.scanWebhook)
}
