package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

const slackColumns = `id, user_id, workspace_name, channel_id, channel_name, bot_token,
	notify_workflow_completion, notify_command_execution, notify_system_alerts,
	notify_project_updates, is_active, last_used_at, last_error, last_error_at, disabled_reason,
	created_at, updated_at`

// CreateSlackIntegration inserts rec.
func (s *Store) CreateSlackIntegration(ctx context.Context, rec *store.SlackIntegration) error {
	if rec.UserID == "" {
		return fmt.Errorf("sqlite: create Slack integration: empty user id: %w", store.ErrInvalid)
	}
	if rec.ID == "" {
		rec.ID = store.NewID()
	}
	now := s.nowUTC()
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec.LastUsedAt, rec.LastErrorAt = truncMS(rec.LastUsedAt), truncMS(rec.LastErrorAt)
	token, err := s.seal(rec.BotToken, "slack_integrations", "bot_token", rec.ID)
	if err != nil {
		return err
	}

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO slack_integrations (`+slackColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.UserID, rec.WorkspaceName, rec.ChannelID, rec.ChannelName, token,
			boolInt(rec.NotifyWorkflowCompletion), boolInt(rec.NotifyCommandExecution),
			boolInt(rec.NotifySystemAlerts), boolInt(rec.NotifyProjectUpdates), boolInt(rec.IsActive),
			ms(rec.LastUsedAt), rec.LastError, ms(rec.LastErrorAt), rec.DisabledReason,
			ms(rec.CreatedAt), ms(rec.UpdatedAt))
		return err
	})

	return wrapf(err, "create Slack integration for user %q", rec.UserID)
}

// GetSlackIntegration returns the integration id if access allows it.
func (s *Store) GetSlackIntegration(ctx context.Context, access store.Access, id string) (*store.SlackIntegration, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !access.Valid() {
		return nil, store.ErrNotFound
	}
	where, args := accessFilter(access)
	row := s.reads.QueryRowContext(ctx, `SELECT `+slackColumns+` FROM slack_integrations
		WHERE id = ? AND `+where, append([]any{id}, args...)...)
	rec, err := s.scanSlack(row)
	if err != nil {
		return nil, wrapf(err, "get Slack integration %q", id)
	}

	return rec, nil
}

func (s *Store) scanSlack(row interface{ Scan(...any) error }) (*store.SlackIntegration, error) {
	var (
		rec                          store.SlackIntegration
		token                        string
		workflow, command, alerts    int
		projects, active             int
		lastUsed, lastErrAt, created int64
		updated                      int64
	)
	err := row.Scan(&rec.ID, &rec.UserID, &rec.WorkspaceName, &rec.ChannelID, &rec.ChannelName, &token,
		&workflow, &command, &alerts, &projects, &active, &lastUsed, &rec.LastError, &lastErrAt,
		&rec.DisabledReason, &created, &updated)
	if err != nil {
		return nil, err
	}
	rec.NotifyWorkflowCompletion, rec.NotifyCommandExecution = workflow != 0, command != 0
	rec.NotifySystemAlerts, rec.NotifyProjectUpdates, rec.IsActive = alerts != 0, projects != 0, active != 0
	rec.LastUsedAt, rec.LastErrorAt = fromMS(lastUsed), fromMS(lastErrAt)
	rec.CreatedAt, rec.UpdatedAt = fromMS(created), fromMS(updated)
	if rec.BotToken, err = s.open(token, "slack_integrations", "bot_token", rec.ID); err != nil {
		return nil, err
	}

	return &rec, nil
}

// UpdateSlackIntegration writes every field of rec except ID, UserID and
// CreatedAt.
func (s *Store) UpdateSlackIntegration(ctx context.Context, access store.Access, rec *store.SlackIntegration) error {
	if !access.Valid() {
		return store.ErrNotFound
	}
	rec.LastUsedAt, rec.LastErrorAt = truncMS(rec.LastUsedAt), truncMS(rec.LastErrorAt)
	token, err := s.seal(rec.BotToken, "slack_integrations", "bot_token", rec.ID)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	where, args := accessFilter(access)

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var created, updated int64
		var owner string
		err := tx.QueryRowContext(ctx, `UPDATE slack_integrations SET workspace_name = ?, channel_id = ?,
			channel_name = ?, bot_token = ?, notify_workflow_completion = ?, notify_command_execution = ?,
			notify_system_alerts = ?, notify_project_updates = ?, is_active = ?, last_used_at = ?,
			last_error = ?, last_error_at = ?, disabled_reason = ?, `+nextVersion+`
			WHERE id = ? AND `+sameVersion+` AND `+where+` RETURNING user_id, created_at, updated_at`,
			append(append([]any{rec.WorkspaceName, rec.ChannelID, rec.ChannelName, token,
				boolInt(rec.NotifyWorkflowCompletion), boolInt(rec.NotifyCommandExecution),
				boolInt(rec.NotifySystemAlerts), boolInt(rec.NotifyProjectUpdates), boolInt(rec.IsActive),
				ms(rec.LastUsedAt), rec.LastError, ms(rec.LastErrorAt), rec.DisabledReason, ms(now),
				rec.ID}, readVersion(rec.UpdatedAt)...), args...)...).Scan(&owner, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) && !rec.UpdatedAt.IsZero() {
			return staleOrMissing(ctx, tx, "slack_integrations", rec.ID, where, args)
		}
		if err != nil {
			return err
		}
		rec.UserID, rec.CreatedAt, rec.UpdatedAt = owner, fromMS(created), fromMS(updated)

		return nil
	})

	return wrapf(err, "update Slack integration %q", rec.ID)
}

// DeleteSlackIntegration deletes the integration with its deliveries and
// attempts.
func (s *Store) DeleteSlackIntegration(ctx context.Context, access store.Access, id string) error {
	return wrapf(s.deleteTarget(ctx, access, "slack_integrations", id), "delete Slack integration %q", id)
}

// ListSlackIntegrations returns integrations newest first.
func (s *Store) ListSlackIntegrations(ctx context.Context, p store.ListParams) ([]*store.SlackIntegration, error) {
	return listRecords(ctx, s, "list Slack integrations", `SELECT `+slackColumns+` FROM slack_integrations`, p, s.scanSlack)
}
