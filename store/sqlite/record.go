package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// recordStatements are the statements of one RecordAttempts transaction,
// taken from the writer's prepared statements on first use.
type recordStatements struct {
	store *Store
	tx    *sql.Tx
	cache map[string]*sql.Stmt
}

func (r *recordStatements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := r.cache[query]; ok {
		return st, nil
	}
	st, err := r.store.txStatement(ctx, r.tx, query)
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
	// updateDeliveryState counts the attempt and moves a delivery that is
	// still queued to its new state.
	updateDeliveryState = `UPDATE deliveries SET attempt_count = attempt_count + 1, status = ?,
		next_attempt_at = ?, lease_until = 0, completed_at = ?, updated_at = ?, indexed = 1
		WHERE id = ? AND status IN ('pending', 'retrying')
		RETURNING channel, target_id, attempt_count`
	selectFinalDelivery = `SELECT channel, target_id, attempt_count + 1 FROM deliveries WHERE id = ?`
	// insertAttempt numbers the attempt as the caller computed, or after the
	// highest stored number when that is higher: a late attempt on a final
	// delivery that was then retried must not take a used number.
	insertAttempt = `INSERT INTO attempts (delivery_id, number, status, response_status,
		response_body, error_message, duration_ms, started_at)
		SELECT ?1, max(?2, COALESCE(MAX(number), 0) + 1), ?3, ?4, ?5, ?6, ?7, ?8
		FROM attempts WHERE delivery_id = ?1`
	webhookSuccess = `UPDATE webhook_endpoints SET last_triggered_at = ?, success_count = success_count + ?,
		consecutive_failures = 0, first_failure_at = 0 WHERE id = ?`
	webhookFailure = `UPDATE webhook_endpoints SET last_triggered_at = ?, failure_count = failure_count + 1,
		consecutive_failures = consecutive_failures + 1,
		first_failure_at = CASE first_failure_at WHEN 0 THEN ? ELSE first_failure_at END,
		last_error = ?, last_error_at = ?
		WHERE id = ? RETURNING is_active, consecutive_failures, first_failure_at`
	slackSuccess  = `UPDATE slack_integrations SET last_used_at = ?, ` + nextVersion + ` WHERE id = ?`
	slackFailure  = `UPDATE slack_integrations SET last_error = ?, last_error_at = ?, ` + nextVersion + ` WHERE id = ?`
	emailFailure  = `UPDATE email_settings SET last_error = ?, last_error_at = ?, ` + nextVersion + ` WHERE id = ?`
	githubFailure = `UPDATE github_integrations SET last_error = ?, last_error_at = ?, ` + nextVersion + ` WHERE id = ?`
)

// disableQueries deactivate an active target. They return a row only when
// the target was active, so a target is reported once.
var disableQueries = map[store.Channel]string{
	store.ChannelWebhook: `UPDATE webhook_endpoints SET is_active = 0, disabled_reason = ?, ` + nextVersion + `
		WHERE id = ? AND is_active = 1 RETURNING id`,
	store.ChannelSlack: `UPDATE slack_integrations SET is_active = 0, disabled_reason = ?, ` + nextVersion + `
		WHERE id = ? AND is_active = 1 RETURNING id`,
	store.ChannelGitHub: `UPDATE github_integrations SET is_active = 0, disabled_reason = ?, ` + nextVersion + `
		WHERE id = ? AND is_active = 1 RETURNING id`,
}

// RecordAttempts stores the attempts of p.Records with their deliveries' new
// states and their targets' counters in one transaction, as documented on
// store.DeliveryStore. The targets' times (LastTriggeredAt, LastUsedAt,
// FirstFailureAt, LastErrorAt) are the attempts' StartedAt. An attempt for a
// final delivery is stored and counted by its target, but the delivery row
// does not change.
func (s *Store) RecordAttempts(ctx context.Context, p store.RecordParams) (store.RecordResult, error) {
	for i, rec := range p.Records {
		if rec.Status != store.StatusRetrying && !rec.Status.Final() {
			return store.RecordResult{}, fmt.Errorf("sqlite: record attempt %d of delivery %q: invalid status %q: "+
				"use retrying, success or failed: %w", i+1, rec.Attempt.DeliveryID, rec.Status, store.ErrInvalid)
		}
	}
	var result store.RecordResult

	write := s.write
	if p.Deferrable {
		write = s.writeLazy
	}
	err := write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		r := &recorder{
			stmts:     recordStatements{store: s, tx: tx, cache: map[string]*sql.Stmt{}},
			params:    p,
			now:       ms(p.Now),
			successes: map[targetKey]*successRun{},
		}
		defer r.stmts.close()
		if batchable(p.Records) {
			if err := r.recordBatch(ctx, p.Records); err != nil {
				return wrapDriver(err)
			}
		} else {
			for _, rec := range p.Records {
				if err := r.record(ctx, rec); err != nil {
					return fmt.Errorf("delivery %q: %w", rec.Attempt.DeliveryID, wrapDriver(err))
				}
			}
		}
		if err := r.flushAll(ctx); err != nil {
			return err
		}
		result = store.RecordResult{Disabled: r.disabled}

		return nil
	})
	if err != nil {
		return store.RecordResult{}, wrapf(err, "record %d attempts", len(p.Records))
	}
	if result.Disabled == nil {
		result.Disabled = []store.DisabledTarget{}
	}

	return result, nil
}

type targetKey struct {
	channel store.Channel
	id      string
}

// successRun is a run of successful attempts on one target that no failure
// interrupts: its counter updates are written as one statement.
type successRun struct {
	count       int
	lastStarted int64
}

// recorder is the state of one RecordAttempts transaction.
type recorder struct {
	stmts     recordStatements
	params    store.RecordParams
	now       int64
	successes map[targetKey]*successRun
	order     []targetKey // successes keys in first-seen order
	disabled  []store.DisabledTarget
}

// record stores one attempt and its effects inside the transaction.
func (r *recorder) record(ctx context.Context, rec store.AttemptRecord) error {
	a := rec.Attempt
	channel, targetID, number, found, err := r.updateDelivery(ctx, rec)
	if err != nil || !found {
		return err // a delivery that no longer exists is skipped
	}
	if err := r.exec(ctx, insertAttempt, a.DeliveryID, number, string(a.Status), a.ResponseStatus,
		store.Excerpt(a.ResponseBody), a.ErrorMessage, a.DurationMS, ms(a.StartedAt)); err != nil {
		return err
	}

	key := targetKey{channel: store.Channel(channel), id: targetID}
	if rec.KeepTarget {
		return nil
	}
	// The record's own reason comes first, so a 410 that also reaches the
	// consecutive-failure rule is reported as the 410, as in the memory
	// store.
	if rec.DisableReason != "" {
		if err := r.flush(ctx, key); err != nil {
			return err
		}
		if err := r.disable(ctx, key, rec); err != nil {
			return err
		}
	}

	return r.updateTarget(ctx, key, a)
}

// updateDelivery moves a queued delivery to its new state and returns its
// target and the attempt's number. A final delivery stays as it is.
func (r *recorder) updateDelivery(ctx context.Context, rec store.AttemptRecord) (
	channel, targetID string, number int, found bool, err error) {
	next, completed := r.newState(rec)
	st, err := r.stmts.get(ctx, updateDeliveryState)
	if err != nil {
		return "", "", 0, false, err
	}
	err = st.QueryRowContext(ctx, string(rec.Status), next, completed, r.now, rec.Attempt.DeliveryID).
		Scan(&channel, &targetID, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return r.finalDelivery(ctx, rec.Attempt.DeliveryID)
	}
	if err != nil {
		return "", "", 0, false, err
	}

	return channel, targetID, number, true, nil
}

// newState returns the next attempt time and the completion time that rec
// gives its delivery.
func (r *recorder) newState(rec store.AttemptRecord) (next, completed int64) {
	next = ms(rec.NextAttemptAt)
	if rec.Status.Final() {
		completed = r.now
	} else if next == 0 {
		next = r.now // a retry without a time is due at once
	}

	return next, completed
}

// finalDelivery reads the target of a delivery that is no longer queued
// and the number its next attempt takes. It reports false when the
// delivery does not exist.
func (r *recorder) finalDelivery(ctx context.Context, id string) (
	channel, targetID string, number int, found bool, err error) {
	st, err := r.stmts.get(ctx, selectFinalDelivery)
	if err != nil {
		return "", "", 0, false, err
	}
	err = st.QueryRowContext(ctx, id).Scan(&channel, &targetID, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", 0, false, nil
	}
	if err != nil {
		return "", "", 0, false, err
	}

	return channel, targetID, number, true, nil
}

// updateTarget updates the counters of the delivery's target. Successes on
// webhook endpoints and Slack integrations are gathered into runs and
// written by flush. A failure first writes the run before it.
func (r *recorder) updateTarget(ctx context.Context, key targetKey, a store.Attempt) error {
	success := a.Status == store.AttemptSuccess
	if success && (key.channel == store.ChannelWebhook || key.channel == store.ChannelSlack) {
		run := r.successes[key]
		if run == nil {
			run = &successRun{}
			r.successes[key] = run
			r.order = append(r.order, key)
		}
		run.count++
		run.lastStarted = ms(a.StartedAt)
		return nil
	}
	if success {
		return nil // email settings and GitHub integrations count nothing on success
	}
	if err := r.flush(ctx, key); err != nil {
		return err
	}
	switch key.channel {
	case store.ChannelWebhook:
		return r.webhookFailed(ctx, key.id, a)
	case store.ChannelSlack:
		return r.exec(ctx, slackFailure, a.ErrorMessage, ms(a.StartedAt), r.now, key.id)
	case store.ChannelEmail:
		return r.exec(ctx, emailFailure, a.ErrorMessage, ms(a.StartedAt), r.now, key.id)
	case store.ChannelGitHub:
		return r.exec(ctx, githubFailure, a.ErrorMessage, ms(a.StartedAt), r.now, key.id)
	}

	return nil
}

// flush writes the pending success run of one target, if any.
func (r *recorder) flush(ctx context.Context, key targetKey) error {
	run := r.successes[key]
	if run == nil || run.count == 0 {
		return nil
	}
	count := run.count
	run.count = 0
	if key.channel == store.ChannelWebhook {
		return r.exec(ctx, webhookSuccess, run.lastStarted, count, key.id)
	}

	return r.exec(ctx, slackSuccess, run.lastStarted, r.now, key.id)
}

func (r *recorder) flushAll(ctx context.Context) error {
	for _, key := range r.order {
		if err := r.flush(ctx, key); err != nil {
			return err
		}
	}

	return nil
}

func (r *recorder) exec(ctx context.Context, query string, args ...any) error {
	st, err := r.stmts.get(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)

	return err
}

// webhookFailed counts a failed attempt on a webhook endpoint and applies
// the consecutive-failure rule.
func (r *recorder) webhookFailed(ctx context.Context, targetID string, a store.Attempt) error {
	p, now := r.params, r.now
	st, err := r.stmts.get(ctx, webhookFailure)
	if err != nil {
		return err
	}
	var active, failures int
	var firstFailure int64
	err = st.QueryRowContext(ctx, ms(a.StartedAt), ms(a.StartedAt), a.ErrorMessage, ms(a.StartedAt), targetID).
		Scan(&active, &failures, &firstFailure)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the endpoint was deleted
	}
	if err != nil {
		return err
	}
	if active == 0 || p.DisableAfterFailures <= 0 || failures < p.DisableAfterFailures {
		return nil
	}
	if now-firstFailure < p.DisableAfterWindow.Milliseconds() {
		return nil
	}
	reason := fmt.Sprintf("%d consecutive failures since %s", failures,
		fromMS(firstFailure).Format(time.RFC3339))

	return r.disable(ctx, targetKey{channel: store.ChannelWebhook, id: targetID}, store.AttemptRecord{DisableReason: reason})
}

// disable deactivates an active target with rec's DisableReason and
// reports it, unless rec names a credential that the target no longer has.
// Email settings have no active flag and are never disabled.
func (r *recorder) disable(ctx context.Context, key targetKey, rec store.AttemptRecord) error {
	query, ok := disableQueries[key.channel]
	if !ok {
		return nil
	}
	reason := rec.DisableReason
	if rec.CredentialHash != "" {
		same, err := r.sameCredential(ctx, key, rec.CredentialHash)
		if err != nil || !same {
			return err
		}
	}
	st, err := r.stmts.get(ctx, query)
	if err != nil {
		return err
	}
	var id string
	err = st.QueryRowContext(ctx, reason, r.now, key.id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // already inactive, or deleted
	}
	if err != nil {
		return err
	}
	r.disabled = append(r.disabled, store.DisabledTarget{Channel: key.channel, TargetID: key.id, Reason: reason})

	return nil
}

// credentialColumns name the column of the credential that an attempt of
// each channel uses.
var credentialColumns = map[store.Channel]struct{ table, column string }{
	store.ChannelSlack:  {"slack_integrations", "bot_token"},
	store.ChannelGitHub: {"github_integrations", "access_token"},
}

// sameCredential reports whether the target still has the credential whose
// store.CredentialHash is hash. A channel without credentials, or a target
// that is gone, counts as the same.
func (r *recorder) sameCredential(ctx context.Context, key targetKey, hash string) (bool, error) {
	c, ok := credentialColumns[key.channel]
	if !ok {
		return true, nil
	}
	var sealed string
	err := r.stmts.tx.QueryRowContext(ctx, `SELECT `+c.column+` FROM `+c.table+` WHERE id = ?`, key.id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	current, err := r.stmts.store.open(sealed, c.table, c.column, key.id)
	if err != nil {
		// A token sealed with a key this process lacks is a token it did
		// not use, and failing here would lose the whole batch.
		return false, nil
	}

	return store.CredentialHash(current) == hash, nil
}
