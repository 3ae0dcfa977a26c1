package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// UpsertPullRequests inserts or replaces the pull requests of one
// integration in one transaction, stamping each with p.SyncedAt. With
// p.Replace it deletes the integration's pull requests first.
func (s *Store) UpsertPullRequests(ctx context.Context, p store.UpsertPullRequestsParams) error {
	if !p.Access.Valid() {
		return store.ErrNotFound
	}
	where, args := accessFilter(p.Access)
	synced := ms(p.SyncedAt)

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var owner, name string
		err := tx.QueryRowContext(ctx, `SELECT repository_owner, repository_name FROM github_integrations
			WHERE id = ? AND `+where, append([]any{p.IntegrationID}, args...)...).Scan(&owner, &name)
		if err != nil {
			return err
		}
		if p.Repository != "" && !strings.EqualFold(p.Repository, owner+"/"+name) {
			return fmt.Errorf("the integration moved from %s to %s/%s, so these pull requests are not stored: sync again: %w",
				p.Repository, owner, name, store.ErrConflict)
		}
		if p.Replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM pull_requests WHERE integration_id = ?`, p.IntegrationID); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO pull_requests (integration_id, number,
			title, state, merged, author, html_url, head_ref, base_ref, draft, created_at, updated_at,
			closed_at, merged_at, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, pr := range p.PullRequests {
			_, err := stmt.ExecContext(ctx, p.IntegrationID, pr.Number, pr.Title, pr.State,
				boolInt(pr.Merged), pr.Author, pr.HTMLURL, pr.HeadRef, pr.BaseRef, boolInt(pr.Draft),
				ms(pr.CreatedAt), ms(pr.UpdatedAt), ms(pr.ClosedAt), ms(pr.MergedAt), synced)
			if err != nil {
				return fmt.Errorf("pull request #%d: %w", pr.Number, wrapDriver(err))
			}
		}

		return nil
	})

	return wrapf(err, "upsert pull requests of GitHub integration %q", p.IntegrationID)
}

// ListPullRequests returns an integration's pull requests, highest number
// first. It returns store.ErrNotFound when the integration does not exist or
// access does not allow it.
func (s *Store) ListPullRequests(ctx context.Context, p store.ListPullRequestsParams) ([]*store.PullRequest, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !p.Access.Valid() {
		return nil, store.ErrNotFound
	}
	where, args := accessFilter(p.Access)
	var one int
	err := s.reads.QueryRowContext(ctx, `SELECT 1 FROM github_integrations WHERE id = ? AND `+where,
		append([]any{p.IntegrationID}, args...)...).Scan(&one)
	if err != nil {
		return nil, wrapf(err, "list pull requests of GitHub integration %q", p.IntegrationID)
	}

	query := `SELECT integration_id, number, title, state, merged, author, html_url, head_ref, base_ref,
		draft, created_at, updated_at, closed_at, merged_at, synced_at
		FROM pull_requests WHERE integration_id = ?`
	qargs := []any{p.IntegrationID}
	if p.State != "" {
		query += " AND state = ?"
		qargs = append(qargs, p.State)
	}
	limit, largs := limitClause(p.Limit, p.Offset)
	rows, err := s.reads.QueryContext(ctx, query+" ORDER BY number DESC"+limit, append(qargs, largs...)...)
	if err != nil {
		return nil, wrapf(err, "list pull requests of GitHub integration %q", p.IntegrationID)
	}
	defer rows.Close()
	out := []*store.PullRequest{}
	for rows.Next() {
		var (
			pr                                 store.PullRequest
			merged, draft                      int
			created, updated, closed, mergedAt int64
			synced                             int64
		)
		err := rows.Scan(&pr.IntegrationID, &pr.Number, &pr.Title, &pr.State, &merged, &pr.Author,
			&pr.HTMLURL, &pr.HeadRef, &pr.BaseRef, &draft, &created, &updated, &closed, &mergedAt, &synced)
		if err != nil {
			return nil, wrapf(err, "list pull requests of GitHub integration %q", p.IntegrationID)
		}
		pr.Merged, pr.Draft = merged != 0, draft != 0
		pr.CreatedAt, pr.UpdatedAt, pr.ClosedAt = fromMS(created), fromMS(updated), fromMS(closed)
		pr.MergedAt, pr.SyncedAt = fromMS(mergedAt), fromMS(synced)
		out = append(out, &pr)
	}

	return out, wrapf(rows.Err(), "list pull requests of GitHub integration %q", p.IntegrationID)
}
