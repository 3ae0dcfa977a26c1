package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// The updated_at column of a configuration record is its version: an
// update applies only to the version its caller read, and every change
// moves updated_at forward by at least a millisecond, so two changes in one
// millisecond still differ.
const (
	// nextVersion is the SET clause of updated_at. Its parameter is the
	// current time.
	nextVersion = `updated_at = max(?, updated_at + 1)`
	// sameVersion is the WHERE condition of a guarded update. Its two
	// parameters are the updated_at the caller read, or 0 for no check.
	sameVersion = `(? = 0 OR updated_at = ?)`
)

// readVersion returns the two parameters of sameVersion for a record the
// caller read at version t.
func readVersion(t time.Time) []any {
	v := ms(t)

	return []any{v, v}
}

// staleOrMissing explains a guarded update of id in table that matched no
// row. It returns store.ErrStale when the row exists for the access filter,
// so its version changed, and sql.ErrNoRows when it does not.
func staleOrMissing(ctx context.Context, tx *sql.Tx, table, id, where string, args []any) error {
	var exists int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = ? AND `+where,
		append([]any{id}, args...)...).Scan(&exists)
	if err == nil {
		return store.ErrStale
	}

	return err
}
