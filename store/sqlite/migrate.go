package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order. A file
// is named NNNN_description.sql, and versions must run 1, 2, 3 ... without
// gaps.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read embedded migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration file %q does not start with a version number", e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %q: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: version, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %q has version %d, want %d", m.name, m.version, i+1)
		}
	}

	return ms, nil
}

// SchemaVersion returns the schema version that this package writes: the
// number of the newest embedded migration.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}

	return ms[len(ms)-1].version
}

// migrate applies the migrations newer than the file's PRAGMA user_version
// in one BEGIN IMMEDIATE transaction, so two processes opening the same new
// file apply them once: the second waits for the lock and then finds the
// schema current.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version

	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var current int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
			return wrapf(err, "read schema version of %s", s.path)
		}
		if current > latest {
			return fmt.Errorf("sqlite: %s has schema version %d, but this version of the library supports up to %d: "+
				"upgrade the library, or open a copy made before the upgrade", s.path, current, latest)
		}
		for _, m := range ms[current:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return wrapf(err, "apply migration %s to %s", m.name, s.path)
			}
			// PRAGMA takes no bound parameters, and the version is an int.
			if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
				return wrapf(err, "record schema version %d in %s", m.version, s.path)
			}
			s.log.InfoContext(ctx, "sqlite: applied migration", "path", s.path, "migration", m.name)
		}

		return nil
	})
	if err != nil {
		return err
	}

	return nil
}
