package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// recordStatements are the prepared statements of one RecordAttempts
// transaction, prepared on first use.
type recordStatements struct {
	tx    *sql.Tx
	cache map[string]*sql.Stmt
}

func (r *recordStatements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := r.cache[query]; ok {
		return st, nil
	}
	st, err := r.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	r.cache[query] = st

	return st, nil
}

func (r *recordStatements) close() {
	for _, st := range r.cache {
		_ = st.Close()
	}
}

const (
	selectDeliveryState = `SELECT channel, target_id, status, attempt_count FROM deliveries WHERE id = ?`
	insertAttempt       = `INSERT INTO attempts (delivery_id, number, status, response_status,
		response_body, error_message, duration_ms, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	updateDeliveryState = `UPDATE deliveries SET attempt_count = ?, status = ?, next_attempt_at = ?,
		lease_until = 0, completed_at = ?, updated_at = ? WHERE id = ?`
	updateDeliveryCount = `UPDATE deliveries SET attempt_count = ?, updated_at = ? WHERE id = ?`
	webhookSuccess      = `UPDATE webhook_endpoints SET last_triggered_at = ?, success_count = success_count + 1,
		consecutive_failures = 0, first_failure_at = 0 WHERE id = ?`
	webhookFailure = `UPDATE webhook_endpoints SET last_triggered_at = ?, failure_count = failure_count + 1,
		consecutive_failures = consecutive_failures + 1,
		first_failure_at = CASE first_failure_at WHEN 0 THEN ? ELSE first_failure_at END,
		last_error = ?, last_error_at = ?
		WHERE id = ? RETURNING is_active, consecutive_failures, first_failure_at`
	slackSuccess  = `UPDATE slack_integrations SET last_used_at = ? WHERE id = ?`
	slackFailure  = `UPDATE slack_integrations SET last_error = ?, last_error_at = ? WHERE id = ?`
	emailFailure  = `UPDATE email_settings SET last_error = ?, last_error_at = ? WHERE id = ?`
	githubFailure = `UPDATE github_integrations SET last_error = ?, last_error_at = ? WHERE id = ?`
)

// disableQueries deactivate an active target; they return a row only when
// the target was active, so a target is reported once.
var disableQueries = map[store.Channel]string{
	store.ChannelWebhook: `UPDATE webhook_endpoints SET is_active = 0, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND is_active = 1 RETURNING id`,
	store.ChannelSlack: `UPDATE slack_integrations SET is_active = 0, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND is_active = 1 RETURNING id`,
	store.ChannelGitHub: `UPDATE github_integrations SET is_active = 0, disabled_reason = ?, updated_at = ?
		WHERE id = ? AND is_active = 1 RETURNING id`,
}

// RecordAttempts stores the attempts of p.Records with their deliveries' new
// states and their targets' counters in one transaction, as documented on
// store.DeliveryStore. An attempt for a final delivery is stored and counted
// in AttemptCount, but the delivery's status, next attempt time, lease and
// completion time stay as they are.
func (s *Store) RecordAttempts(ctx context.Context, p store.RecordParams) (store.RecordResult, error) {
	result := store.RecordResult{Disabled: []store.DisabledTarget{}}
	for i, rec := range p.Records {
		if rec.Status != store.StatusRetrying && !rec.Status.Final() {
			return store.RecordResult{}, fmt.Errorf("sqlite: record attempt %d of delivery %q: status %q: "+
				"use retrying, success or failed: %w", i, rec.Attempt.DeliveryID, rec.Status, store.ErrInvalid)
		}
	}
	now := ms(p.Now)

	err := s.write(ctx, func(tx *sql.Tx) error {
		result.Disabled = result.Disabled[:0]
		stmts := &recordStatements{tx: tx, cache: map[string]*sql.Stmt{}}
		defer stmts.close()
		for _, rec := range p.Records {
			disabled, err := s.recordOne(ctx, stmts, p, now, rec)
			if err != nil {
				return fmt.Errorf("delivery %q: %w", rec.Attempt.DeliveryID, wrapDriver(err))
			}
			result.Disabled = append(result.Disabled, disabled...)
		}

		return nil
	})
	if err != nil {
		return store.RecordResult{}, wrapf(err, "record %d attempts", len(p.Records))
	}

	return result, nil
}

// recordOne stores one attempt and its effects inside the transaction.
func (s *Store) recordOne(ctx context.Context, stmts *recordStatements, p store.RecordParams, now int64,
	rec store.AttemptRecord) ([]store.DisabledTarget, error) {
	a := rec.Attempt
	st, err := stmts.get(ctx, selectDeliveryState)
	if err != nil {
		return nil, err
	}
	var channel, targetID, status string
	var count int
	err = st.QueryRowContext(ctx, a.DeliveryID).Scan(&channel, &targetID, &status, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // the delivery was deleted; nothing to record
	}
	if err != nil {
		return nil, err
	}
	count++

	if err := exec(ctx, stmts, insertAttempt, a.DeliveryID, count, string(a.Status), a.ResponseStatus,
		store.Excerpt(a.ResponseBody), a.ErrorMessage, a.DurationMS, ms(a.StartedAt)); err != nil {
		return nil, err
	}
	if store.DeliveryStatus(status).Final() {
		err = exec(ctx, stmts, updateDeliveryCount, count, now, a.DeliveryID)
	} else {
		next, completed := ms(rec.NextAttemptAt), int64(0)
		if rec.Status.Final() {
			completed = now
		}
		err = exec(ctx, stmts, updateDeliveryState, count, string(rec.Status), next, completed, now, a.DeliveryID)
	}
	if err != nil {
		return nil, err
	}

	ch := store.Channel(channel)
	disabled, err := s.updateTarget(ctx, stmts, p, now, ch, targetID, a)
	if err != nil {
		return nil, err
	}
	if rec.DisableReason != "" {
		d, err := disable(ctx, stmts, ch, targetID, rec.DisableReason, now)
		if err != nil {
			return nil, err
		}
		disabled = append(disabled, d...)
	}

	return disabled, nil
}

// updateTarget updates the counters of the delivery's target and applies
// the consecutive-failure rule to webhook endpoints.
func (s *Store) updateTarget(ctx context.Context, stmts *recordStatements, p store.RecordParams, now int64,
	ch store.Channel, targetID string, a store.Attempt) ([]store.DisabledTarget, error) {
	success := a.Status == store.AttemptSuccess
	started := ms(a.StartedAt)
	switch ch {
	case store.ChannelWebhook:
		if success {
			return nil, exec(ctx, stmts, webhookSuccess, started, targetID)
		}
		return s.webhookFailed(ctx, stmts, p, now, targetID, a)
	case store.ChannelSlack:
		if success {
			return nil, exec(ctx, stmts, slackSuccess, started, targetID)
		}
		return nil, exec(ctx, stmts, slackFailure, a.ErrorMessage, now, targetID)
	case store.ChannelEmail:
		if !success {
			return nil, exec(ctx, stmts, emailFailure, a.ErrorMessage, now, targetID)
		}
	case store.ChannelGitHub:
		if !success {
			return nil, exec(ctx, stmts, githubFailure, a.ErrorMessage, now, targetID)
		}
	}

	return nil, nil
}

func (s *Store) webhookFailed(ctx context.Context, stmts *recordStatements, p store.RecordParams, now int64,
	targetID string, a store.Attempt) ([]store.DisabledTarget, error) {
	st, err := stmts.get(ctx, webhookFailure)
	if err != nil {
		return nil, err
	}
	var active, failures int
	var firstFailure int64
	err = st.QueryRowContext(ctx, ms(a.StartedAt), now, a.ErrorMessage, now, targetID).
		Scan(&active, &failures, &firstFailure)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // the endpoint was deleted
	}
	if err != nil {
		return nil, err
	}
	if active == 0 || p.DisableAfterFailures <= 0 || failures < p.DisableAfterFailures {
		return nil, nil
	}
	if now-firstFailure < p.DisableAfterWindow.Milliseconds() {
		return nil, nil
	}
	reason := fmt.Sprintf("%d consecutive failures since %s", failures,
		fromMS(firstFailure).Format(time.RFC3339))

	return disable(ctx, stmts, store.ChannelWebhook, targetID, reason, now)
}

// disable deactivates an active target with reason. Email settings have no
// active flag and are never disabled.
func disable(ctx context.Context, stmts *recordStatements, ch store.Channel, targetID, reason string,
	now int64) ([]store.DisabledTarget, error) {
	query, ok := disableQueries[ch]
	if !ok {
		return nil, nil
	}
	st, err := stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	var id string
	err = st.QueryRowContext(ctx, reason, now, targetID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // already inactive, or deleted
	}
	if err != nil {
		return nil, err
	}

	return []store.DisabledTarget{{Channel: ch, TargetID: targetID, Reason: reason}}, nil
}

func exec(ctx context.Context, stmts *recordStatements, query string, args ...any) error {
	st, err := stmts.get(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)

	return err
}
