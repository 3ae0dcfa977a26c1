package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// ms returns t as stored: Unix milliseconds, or 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}

	return t.UnixMilli()
}

// fromMS is the inverse of ms. Times come back in UTC.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}

	return time.UnixMilli(v).UTC()
}

// truncMS returns t in UTC truncated to the millisecond, as it reads back.
func truncMS(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}

	return t.UTC().Truncate(time.Millisecond)
}

func boolInt(b bool) int {
	if b {
		return 1
	}

	return 0
}

// secretAD returns the additional data that binds a sealed value to its
// table, column and record id.
func secretAD(table, column, id string) []byte {
	return []byte(table + "." + column + ":" + id)
}

// seal encrypts a secret for one column of one record; an unset secret is
// stored as "".
func (s *Store) seal(sec store.Secret, table, column, id string) (string, error) {
	if !sec.IsSet() {
		return "", nil
	}
	sealed, err := s.keys.Seal([]byte(sec.Reveal()), secretAD(table, column, id))
	if err != nil {
		return "", fmt.Errorf("sqlite: encrypt %s.%s of %s: %w", table, column, id, err)
	}

	return sealed, nil
}

// open decrypts a secret column read from the database.
func (s *Store) open(sealed, table, column, id string) (store.Secret, error) {
	if sealed == "" {
		return store.Secret{}, nil
	}
	plain, err := s.keys.Open(sealed, secretAD(table, column, id))
	if err != nil {
		return store.Secret{}, fmt.Errorf("sqlite: decrypt %s.%s of %s: %w", table, column, id, err)
	}

	return store.NewSecret(string(plain)), nil
}

func encodeJSON(v any, what string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode %s: %w", what, err)
	}

	return string(b), nil
}

func decodeStrings(text, what, id string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil, fmt.Errorf("sqlite: decode %s of %s: %w", what, id, err)
	}

	return out, nil
}

// sealHeaders returns the headers column of a webhook endpoint: "{}" when
// it has none, else the JSON object sealed like a secret, because custom
// headers often carry credentials (Authorization, API keys).
func (s *Store) sealHeaders(headers map[string]string, id string) (string, error) {
	text, err := encodeJSON(headers, "headers")
	if err != nil || len(headers) == 0 {
		return text, err
	}

	return s.seal(store.NewSecret(text), "webhook_endpoints", "headers", id)
}

// openHeaders decodes a headers column written by sealHeaders, or a plain
// JSON object stored before headers were sealed.
func (s *Store) openHeaders(text, id string) (map[string]string, error) {
	if store.SealedKeyID(text) != "" {
		plain, err := s.open(text, "webhook_endpoints", "headers", id)
		if err != nil {
			return nil, err
		}
		text = plain.Reveal()
	}

	return decodeHeaders(text, id)
}

func decodeHeaders(text, id string) (map[string]string, error) {
	out := map[string]string{}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		return nil, fmt.Errorf("sqlite: decode headers of %s: %w", id, err)
	}

	return out, nil
}

// accessFilter returns a WHERE fragment and its arguments that limit rows to
// those a may see, for a table whose owner column is user_id.
func accessFilter(a store.Access) (string, []any) {
	if a.IsAdmin() {
		return "1", nil
	}

	return "user_id = ?", []any{a.UserID()}
}

// listFilter returns the WHERE fragment of a list for p's access and user.
func listFilter(a store.Access, userID string) (string, []any) {
	if a.IsAdmin() {
		if userID != "" {
			return "user_id = ?", []any{userID}
		}
		return "1", nil
	}

	return "user_id = ?", []any{a.UserID()}
}

// limitClause returns LIMIT and OFFSET for a page; a limit of zero or less
// means no limit.
func limitClause(limit, offset int) (string, []any) {
	if limit <= 0 {
		limit = -1
	}
	if offset < 0 {
		offset = 0
	}

	return " LIMIT ? OFFSET ?", []any{limit, offset}
}

// listRecords runs selectFrom (a SELECT ... FROM table) with the access and
// paging of p, newest first, and scans each row with scan. what names the
// operation in errors.
func listRecords[T any](ctx context.Context, s *Store, what, selectFrom string, p store.ListParams,
	scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !p.Access.Valid() {
		return []T{}, nil
	}
	where, args := listFilter(p.Access, p.UserID)
	if p.ActiveOnly {
		where += " AND is_active = 1"
	}
	limit, largs := limitClause(p.Limit, p.Offset)
	rows, err := s.reads.QueryContext(ctx, selectFrom+` WHERE `+where+` ORDER BY id DESC`+limit,
		append(args, largs...)...)
	if err != nil {
		return nil, wrapf(err, "%s", what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		rec, err := scan(rows)
		if err != nil {
			return nil, wrapf(err, "%s", what)
		}
		out = append(out, rec)
	}

	return out, wrapf(rows.Err(), "%s", what)
}
