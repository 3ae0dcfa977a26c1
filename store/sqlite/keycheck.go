package sqlite

import (
	"context"
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
}

// checkKeys opens one stored secret for each key id that sealed any, so a
// keyring that lacks one of those keys, or holds another key under its id,
// fails Open rather than every later read of those records.
func (s *Store) checkKeys(ctx context.Context) error {
	for _, c := range sealedColumns {
		// A sealed value is "enc:v1:<key id>:<data>": one row per key id.
		kid := `substr(` + c.column + `, 8, instr(substr(` + c.column + `, 8), ':') - 1)`
		rows, err := s.writer.QueryContext(ctx, `SELECT id, `+c.column+` FROM `+c.table+
			` WHERE `+c.column+` LIKE 'enc:%' GROUP BY `+kid)
		if err != nil {
			return fmt.Errorf("sqlite: open %s: read the stored secrets: %w", s.path, wrapDriver(err))
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
