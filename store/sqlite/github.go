package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

const githubColumns = `id, user_id, repository_owner, repository_name, access_token, webhook_secret,
	auto_create_issues, auto_sync_prs, is_active, last_sync_at, last_verified_at, last_error,
	last_error_at, disabled_reason, created_at, updated_at`

// CreateGitHubIntegration inserts rec. It returns store.ErrConflict when the
// user already has an integration for the repository.
func (s *Store) CreateGitHubIntegration(ctx context.Context, rec *store.GitHubIntegration) error {
	if rec.UserID == "" {
		return fmt.Errorf("sqlite: create GitHub integration: empty user id: %w", store.ErrInvalid)
	}
	if rec.ID == "" {
		rec.ID = store.NewID()
	}
	now := s.nowUTC()
	rec.CreatedAt, rec.UpdatedAt = now, now
	normalizeGitHub(rec)
	args, err := s.githubSecrets(rec)
	if err != nil {
		return err
	}

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO github_integrations (`+githubColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.UserID, rec.RepositoryOwner, rec.RepositoryName, args[0], args[1],
			boolInt(rec.AutoCreateIssues), boolInt(rec.AutoSyncPRs), boolInt(rec.IsActive),
			ms(rec.LastSyncAt), ms(rec.LastVerifiedAt), rec.LastError, ms(rec.LastErrorAt),
			rec.DisabledReason, ms(rec.CreatedAt), ms(rec.UpdatedAt))
		return err
	})

	return wrapf(err, "create GitHub integration %s/%s for user %q", rec.RepositoryOwner, rec.RepositoryName, rec.UserID)
}

func normalizeGitHub(rec *store.GitHubIntegration) {
	rec.LastSyncAt = truncMS(rec.LastSyncAt)
	rec.LastVerifiedAt = truncMS(rec.LastVerifiedAt)
	rec.LastErrorAt = truncMS(rec.LastErrorAt)
}

func (s *Store) githubSecrets(rec *store.GitHubIntegration) ([2]string, error) {
	var out [2]string
	var err error
	if out[0], err = s.seal(rec.AccessToken, "github_integrations", "access_token", rec.ID); err != nil {
		return out, err
	}
	if out[1], err = s.seal(rec.WebhookSecret, "github_integrations", "webhook_secret", rec.ID); err != nil {
		return out, err
	}

	return out, nil
}

// GetGitHubIntegration returns the integration id if access allows it.
func (s *Store) GetGitHubIntegration(ctx context.Context, access store.Access, id string) (*store.GitHubIntegration, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !access.Valid() {
		return nil, store.ErrNotFound
	}
	where, args := accessFilter(access)
	row := s.reads.QueryRowContext(ctx, `SELECT `+githubColumns+` FROM github_integrations
		WHERE id = ? AND `+where, append([]any{id}, args...)...)
	rec, err := s.scanGitHub(row)
	if err != nil {
		return nil, wrapf(err, "get GitHub integration %q", id)
	}

	return rec, nil
}

func (s *Store) scanGitHub(row interface{ Scan(...any) error }) (*store.GitHubIntegration, error) {
	var (
		rec                                     store.GitHubIntegration
		token, hookSecret                       string
		autoIssues, autoSync, active            int
		lastSync, lastVerified, lastErrAt, c, u int64
	)
	err := row.Scan(&rec.ID, &rec.UserID, &rec.RepositoryOwner, &rec.RepositoryName, &token, &hookSecret,
		&autoIssues, &autoSync, &active, &lastSync, &lastVerified, &rec.LastError, &lastErrAt,
		&rec.DisabledReason, &c, &u)
	if err != nil {
		return nil, err
	}
	rec.AutoCreateIssues, rec.AutoSyncPRs, rec.IsActive = autoIssues != 0, autoSync != 0, active != 0
	rec.LastSyncAt, rec.LastVerifiedAt, rec.LastErrorAt = fromMS(lastSync), fromMS(lastVerified), fromMS(lastErrAt)
	rec.CreatedAt, rec.UpdatedAt = fromMS(c), fromMS(u)
	if rec.AccessToken, err = s.open(token, "github_integrations", "access_token", rec.ID); err != nil {
		return nil, err
	}
	if rec.WebhookSecret, err = s.open(hookSecret, "github_integrations", "webhook_secret", rec.ID); err != nil {
		return nil, err
	}

	return &rec, nil
}

// UpdateGitHubIntegration writes every field of rec except ID, UserID and
// CreatedAt. It returns store.ErrConflict when another integration of the
// user already has the repository.
func (s *Store) UpdateGitHubIntegration(ctx context.Context, access store.Access, rec *store.GitHubIntegration) error {
	if !access.Valid() {
		return store.ErrNotFound
	}
	normalizeGitHub(rec)
	secrets, err := s.githubSecrets(rec)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	where, args := accessFilter(access)

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var created, updated int64
		var owner, oldRepo string
		err := tx.QueryRowContext(ctx, `SELECT repository_owner || '/' || repository_name FROM github_integrations
			WHERE id = ?`, rec.ID).Scan(&oldRepo)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err // a missing row is reported by the UPDATE below
		}
		err = tx.QueryRowContext(ctx, `UPDATE github_integrations SET repository_owner = ?, repository_name = ?,
			access_token = ?, webhook_secret = ?, auto_create_issues = ?, auto_sync_prs = ?, is_active = ?,
			last_sync_at = ?, last_verified_at = ?, last_error = ?, last_error_at = ?, disabled_reason = ?,
			`+nextVersion+`
			WHERE id = ? AND `+sameVersion+` AND `+where+` RETURNING user_id, created_at, updated_at`,
			append(append([]any{rec.RepositoryOwner, rec.RepositoryName, secrets[0], secrets[1],
				boolInt(rec.AutoCreateIssues), boolInt(rec.AutoSyncPRs), boolInt(rec.IsActive),
				ms(rec.LastSyncAt), ms(rec.LastVerifiedAt), rec.LastError, ms(rec.LastErrorAt),
				rec.DisabledReason, ms(now), rec.ID}, readVersion(rec.UpdatedAt)...), args...)...).
			Scan(&owner, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) && !rec.UpdatedAt.IsZero() {
			return staleOrMissing(ctx, tx, "github_integrations", rec.ID, where, args)
		}
		if err != nil {
			return err
		}
		rec.UserID, rec.CreatedAt, rec.UpdatedAt = owner, fromMS(created), fromMS(updated)
		if !strings.EqualFold(oldRepo, rec.RepositoryOwner+"/"+rec.RepositoryName) {
			// The synced pull requests are the old repository's.
			if _, err := tx.ExecContext(ctx, `DELETE FROM pull_requests WHERE integration_id = ?`, rec.ID); err != nil {
				return err
			}
		}

		return nil
	})

	return wrapf(err, "update GitHub integration %q", rec.ID)
}

// DeleteGitHubIntegration deletes the integration with its pull requests,
// deliveries and attempts.
func (s *Store) DeleteGitHubIntegration(ctx context.Context, access store.Access, id string) error {
	return wrapf(s.deleteTarget(ctx, access, "github_integrations", id), "delete GitHub integration %q", id)
}

// ListGitHubIntegrations returns integrations newest first.
func (s *Store) ListGitHubIntegrations(ctx context.Context, p store.ListParams) ([]*store.GitHubIntegration, error) {
	return listRecords(ctx, s, "list GitHub integrations", `SELECT `+githubColumns+` FROM github_integrations`, p, s.scanGitHub)
}

// deleteTarget deletes one endpoint or integration row that access allows,
// together with its deliveries. Attempts and pull requests follow by
// foreign key cascade.
func (s *Store) deleteTarget(ctx context.Context, access store.Access, table, id string) error {
	if !access.Valid() {
		return store.ErrNotFound
	}
	where, args := accessFilter(access)

	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ? AND `+where, append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		// Each statement reads one of the two indexes that hold a
		// target's deliveries, indexed or not yet.
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries INDEXED BY deliveries_target
			WHERE indexed = 1 AND target_id = ?`, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries INDEXED BY deliveries_unindexed
			WHERE indexed = 0 AND target_id = ?`, id)

		return err
	})
}
