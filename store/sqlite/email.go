package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

const emailColumns = `id, user_id, email_address, notify_workflow_completion, notify_command_execution,
	notify_system_alerts, notify_project_updates, last_error, last_error_at, created_at, updated_at`

// CreateEmailSettings inserts rec. It returns store.ErrConflict when the user
// already has email settings.
func (s *Store) CreateEmailSettings(ctx context.Context, rec *store.EmailSettings) error {
	if rec.UserID == "" {
		return fmt.Errorf("sqlite: create email settings: empty user id: %w", store.ErrInvalid)
	}
	if rec.ID == "" {
		rec.ID = store.NewID()
	}
	now := s.nowUTC()
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec.LastErrorAt = truncMS(rec.LastErrorAt)

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO email_settings (`+emailColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.UserID, rec.EmailAddress, boolInt(rec.NotifyWorkflowCompletion),
			boolInt(rec.NotifyCommandExecution), boolInt(rec.NotifySystemAlerts),
			boolInt(rec.NotifyProjectUpdates), rec.LastError, ms(rec.LastErrorAt),
			ms(rec.CreatedAt), ms(rec.UpdatedAt))
		if err != nil {
			return err
		}

		return moveEmailDeliveries(ctx, tx, store.UserEmailTarget(rec.UserID), rec.ID)
	})

	return wrapf(err, "create email settings for user %q", rec.UserID)
}

// GetEmailSettings returns the email settings of userID if access allows
// them.
func (s *Store) GetEmailSettings(ctx context.Context, access store.Access, userID string) (*store.EmailSettings, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !access.Allows(userID) {
		return nil, store.ErrNotFound
	}
	row := s.reads.QueryRowContext(ctx, `SELECT `+emailColumns+` FROM email_settings WHERE user_id = ?`, userID)
	rec, err := scanEmail(row)
	if err != nil {
		return nil, wrapf(err, "get email settings of user %q", userID)
	}

	return rec, nil
}

func scanEmail(row interface{ Scan(...any) error }) (*store.EmailSettings, error) {
	var (
		rec                                 store.EmailSettings
		workflow, command, alerts, projects int
		lastErrAt, created, updated         int64
	)
	err := row.Scan(&rec.ID, &rec.UserID, &rec.EmailAddress, &workflow, &command, &alerts, &projects,
		&rec.LastError, &lastErrAt, &created, &updated)
	if err != nil {
		return nil, err
	}
	rec.NotifyWorkflowCompletion, rec.NotifyCommandExecution = workflow != 0, command != 0
	rec.NotifySystemAlerts, rec.NotifyProjectUpdates = alerts != 0, projects != 0
	rec.LastErrorAt, rec.CreatedAt, rec.UpdatedAt = fromMS(lastErrAt), fromMS(created), fromMS(updated)

	return &rec, nil
}

// UpdateEmailSettings writes every field of rec except ID, UserID and
// CreatedAt. It finds the settings by rec.ID and checks access against the
// stored owner. It reads rec.UserID and rec.CreatedAt back from the store.
func (s *Store) UpdateEmailSettings(ctx context.Context, access store.Access, rec *store.EmailSettings) error {
	if !access.Valid() {
		return store.ErrNotFound
	}
	rec.LastErrorAt = truncMS(rec.LastErrorAt)
	now := s.nowUTC()
	where, args := accessFilter(access)

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var created, updated int64
		var owner string
		err := tx.QueryRowContext(ctx, `UPDATE email_settings SET email_address = ?,
			notify_workflow_completion = ?, notify_command_execution = ?, notify_system_alerts = ?,
			notify_project_updates = ?, last_error = ?, last_error_at = ?, `+nextVersion+`
			WHERE id = ? AND `+sameVersion+` AND `+where+` RETURNING user_id, created_at, updated_at`,
			append(append([]any{rec.EmailAddress, boolInt(rec.NotifyWorkflowCompletion),
				boolInt(rec.NotifyCommandExecution), boolInt(rec.NotifySystemAlerts),
				boolInt(rec.NotifyProjectUpdates), rec.LastError, ms(rec.LastErrorAt), ms(now),
				rec.ID}, readVersion(rec.UpdatedAt)...), args...)...).Scan(&owner, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) && !rec.UpdatedAt.IsZero() {
			return staleOrMissing(ctx, tx, "email_settings", rec.ID, where, args)
		}
		if err != nil {
			return err
		}
		rec.UserID, rec.CreatedAt, rec.UpdatedAt = owner, fromMS(created), fromMS(updated)

		return nil
	})

	return wrapf(err, "update email settings %q", rec.ID)
}

// ListEmailSettings returns email settings newest first and ignores
// ActiveOnly.
func (s *Store) ListEmailSettings(ctx context.Context, p store.ListParams) ([]*store.EmailSettings, error) {
	p.ActiveOnly = false // email settings have no active flag
	return listRecords(ctx, s, "list email settings", `SELECT `+emailColumns+` FROM email_settings`, p, scanEmail)
}

// moveEmailDeliveries gives the deliveries of target from, one per index
// the target's deliveries may be in (as deleteTarget reads them), the
// target id to.
func moveEmailDeliveries(ctx context.Context, tx *sql.Tx, from, to string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET target_id = ?
		WHERE indexed = 1 AND target_id = ?`, to, from); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE deliveries INDEXED BY deliveries_unindexed SET target_id = ?
		WHERE indexed = 0 AND target_id = ?`, to, from)

	return err
}
