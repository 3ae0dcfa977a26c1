package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// sealedColumns lists the columns whose values the keyring seals.
var sealedColumns = []struct{ table, column string }{
	{"github_integrations", "access_token"},
	{"github_integrations", "webhook_secret"},
	{"slack_integrations", "bot_token"},
	{"webhook_endpoints", "secret"},
	{"webhook_endpoints", "previous_secret"},
	{"webhook_endpoints", "headers"},
}

// checkKeys opens one stored secret for each key id that sealed any, so a
// keyring that lacks one of those keys, or holds another key under its id,
// fails Open rather than every later read of those records.
func (s *Store) checkKeys(ctx context.Context) error {
	for _, c := range sealedColumns {
		// A sealed value is "enc:v1:<key id>:<data>", so grouping by the key
		// id reads one row per key.
		kid := `substr(` + c.column + `, 8, instr(substr(` + c.column + `, 8), ':') - 1)`
		rows, err := s.writer.QueryContext(ctx, `SELECT id, `+c.column+` FROM `+c.table+
			` WHERE `+c.column+` LIKE 'enc:%' GROUP BY `+kid)
		if err != nil {
			return fmt.Errorf("sqlite: open %s: reading the stored secrets failed: %w", s.path, wrapDriver(err))
		}
		var failure error
		for rows.Next() && failure == nil {
			var id, sealed string
			if err := rows.Scan(&id, &sealed); err != nil {
				failure = wrapDriver(err)
				break
			}
			if _, err := s.open(sealed, c.table, c.column, id); err != nil {
				failure = fmt.Errorf("the keyring (%s) cannot open the stored secrets: %w", strings.Join(s.keys.IDs(), ", "), err)
			}
		}
		if err := rows.Err(); err != nil && failure == nil {
			failure = wrapDriver(err)
		}
		_ = rows.Close()
		if failure != nil {
			return fmt.Errorf("sqlite: open %s: %w", s.path, failure)
		}
	}

	return nil
}

// ResealSecrets seals again, with the keyring's newest key, every stored
// secret that an older key sealed, and returns how many it sealed. After
// it, the older keys can leave the keyring. Each column is resealed in one
// transaction, so a failure leaves every value readable with the keyring.
// It does not change UpdatedAt, because the secrets themselves stay the
// same.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	total := 0
	newest := s.keys.PrimaryID()
	for _, c := range sealedColumns {
		n := 0
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			n = 0
			// A key id may hold LIKE's wildcards, so the prefix is compared
			// as text.
			prefix := "enc:v1:" + newest + ":"
			rows, err := tx.QueryContext(ctx, `SELECT id, `+c.column+` FROM `+c.table+
				` WHERE `+c.column+` LIKE 'enc:%' AND substr(`+c.column+`, 1, length(?1)) != ?1`, prefix)
			if err != nil {
				return err
			}
			type sealedValue struct{ id, value string }
			var old []sealedValue
			for rows.Next() {
				var v sealedValue
				if err := rows.Scan(&v.id, &v.value); err != nil {
					_ = rows.Close()
					return err
				}
				old = append(old, v)
			}
			if err := rows.Err(); err != nil {
				_ = rows.Close()
				return err
			}
			_ = rows.Close()
			for _, v := range old {
				secret, err := s.open(v.value, c.table, c.column, v.id)
				if err != nil {
					return err
				}
				resealed, err := s.seal(secret, c.table, c.column, v.id)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.column+` = ? WHERE id = ?`,
					resealed, v.id); err != nil {
					return err
				}
				n++
			}

			return nil
		})
		if err != nil {
			return total, wrapf(err, "reseal %s.%s", c.table, c.column)
		}
		total += n
	}
	if total > 0 {
		s.log.InfoContext(ctx, "sqlite: resealed secrets with the newest key", "path", s.path, "count", total,
			"key_id", newest)
	}

	return total, nil
}

// sealPlainHeaders seals the custom headers of webhook endpoints stored
// before headers were sealed, so credentials in them do not stay readable
// in the file. It returns how many it sealed.
func (s *Store) sealPlainHeaders(ctx context.Context) (int, error) {
	// Most opens find nothing to seal, and then take no write lock.
	var found bool
	if err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints
		WHERE headers NOT LIKE 'enc:%' AND headers NOT IN ('{}', 'null', ''))`).Scan(&found); err != nil {
		return 0, wrapf(err, "look for plain webhook headers")
	}
	if !found {
		return 0, nil
	}
	n := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, headers FROM webhook_endpoints
			WHERE headers NOT LIKE 'enc:%' AND headers NOT IN ('{}', 'null', '')`)
		if err != nil {
			return err
		}
		plain := map[string]string{}
		for rows.Next() {
			var id, text string
			if err := rows.Scan(&id, &text); err != nil {
				_ = rows.Close()
				return err
			}
			plain[id] = text
		}
		if err := rows.Err(); err != nil {
			_ = rows.Close()
			return err
		}
		_ = rows.Close()
		for id, text := range plain {
			headers, err := decodeHeaders(text, id)
			if err != nil {
				// Reads of this endpoint fail with that error as before,
				// and the others are sealed.
				s.log.WarnContext(ctx, "sqlite: stored headers are not a JSON object, so they stay as they are",
					"endpoint_id", id, "error", err)
				continue
			}
			sealed, err := s.sealHeaders(headers, id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET headers = ? WHERE id = ?`, sealed, id); err != nil {
				return err
			}
			n++
		}

		return nil
	})
	if err != nil {
		return 0, wrapf(err, "seal the stored webhook headers")
	}

	return n, nil
}
