package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// EnqueueDeliveries inserts deliveries in one transaction with prepared
// multi-row INSERT statements. It fills ID, Status (pending), TriggeredAt (now), NextAttemptAt
// (TriggeredAt), CreatedAt and UpdatedAt when they are empty. A delivery
// whose IdempotencyKey is already used for its TargetID, in the database or
// earlier in the same call, is not inserted: its result and its ID name the
// existing delivery.
func (s *Store) EnqueueDeliveries(ctx context.Context, deliveries []*store.Delivery) ([]store.EnqueueResult, error) {
	now := s.nowUTC()
	ids := make(map[string]*store.Delivery, len(deliveries))
	for i, d := range deliveries {
		if err := validateDelivery(d); err != nil {
			return nil, fmt.Errorf("sqlite: enqueue delivery %d: %w: %w", i, err, store.ErrInvalid)
		}
		if err := store.CheckRepeatedID(ids, d); err != nil {
			return nil, fmt.Errorf("sqlite: enqueue delivery %d: %w", i, err)
		}
	}
	for _, d := range deliveries {
		fillDelivery(d, now)
	}
	results := make([]store.EnqueueResult, len(deliveries))

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		inserted := make(map[string]bool, len(deliveries))
		statements := map[string]*sql.Stmt{}
		defer func() {
			for _, st := range statements {
				_ = st.Close()
			}
		}()
		stmt := func(query string) (*sql.Stmt, error) {
			if st := statements[query]; st != nil {
				return st, nil
			}
			st, err := s.txStatement(ctx, tx, query)
			if err == nil {
				statements[query] = st
			}
			return st, err
		}
		// stored holds the deliveries as written: those sent to a user's
		// email before the settings existed are copies with the settings' id.
		stored, err := storedTargets(ctx, tx, deliveries)
		if err != nil {
			return err
		}
		payloads, err := s.assignPayloads(ctx, stmt, stored)
		if err != nil {
			return err
		}
		for start := 0; start < len(stored); {
			n := chunkSize(len(stored)-start, enqueueChunk)
			chunk := stored[start : start+n]
			keyed := slices.ContainsFunc(chunk, func(d *store.Delivery) bool { return d.IdempotencyKey != "" })
			st, err := stmt(insertDeliveriesQuery(n))
			if err != nil {
				return err
			}
			if err := insertChunk(ctx, stmt, st, chunk, payloads.ids[start:start+n], keyed, inserted); err != nil {
				return err
			}
			start += n
		}
		if err := insertPayloads(ctx, stmt, stored, payloads, inserted); err != nil {
			return err
		}
		if err := s.resolveDuplicates(ctx, tx, stored, inserted, results); err != nil {
			return err
		}
		for i, d := range stored {
			deliveries[i].ID = d.ID // a duplicate names the existing delivery
		}

		return nil
	})
	if err != nil {
		return nil, wrapf(err, "enqueue %d deliveries", len(deliveries))
	}

	return results, nil
}

// storedTargets returns deliveries, with a copy in place of each email
// delivery to store.UserEmailTarget of a user who has email settings now:
// the copy has the settings' id as its target. The check runs in the
// writing transaction, so settings created after a Dispatch read its routes
// still take over its deliveries, as CreateEmailSettings does for older ones.
func storedTargets(ctx context.Context, tx *sql.Tx, deliveries []*store.Delivery) ([]*store.Delivery, error) {
	out, copied := deliveries, false
	settings := map[string]string{} // settings id by user id, "" for none
	for i, d := range deliveries {
		if d.Channel != store.ChannelEmail || d.TargetID != store.UserEmailTarget(d.UserID) {
			continue
		}
		id, seen := settings[d.UserID]
		if !seen {
			err := tx.QueryRowContext(ctx, `SELECT id FROM email_settings WHERE user_id = ?`, d.UserID).Scan(&id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			settings[d.UserID] = id
		}
		if id == "" {
			continue
		}
		if !copied {
			out, copied = slices.Clone(deliveries), true
		}
		c := *d
		c.TargetID = id
		out[i] = &c
	}

	return out, nil
}

func validateDelivery(d *store.Delivery) error {
	switch {
	case d == nil:
		return errors.New("nil delivery")
	case d.UserID == "":
		return errors.New("empty user id")
	case d.TargetID == "":
		return errors.New("empty target id")
	case d.EventType == "":
		return errors.New("empty event type")
	}
	switch d.Channel {
	case store.ChannelWebhook, store.ChannelSlack, store.ChannelEmail, store.ChannelGitHub:
	default:
		return fmt.Errorf("unknown channel %q: use webhook, slack, email or github", d.Channel)
	}
	switch d.Status {
	case "", store.StatusPending, store.StatusRetrying, store.StatusSuccess, store.StatusFailed:
		return nil
	}

	return fmt.Errorf("unknown status %q: use pending, retrying, success or failed, or leave it empty", d.Status)
}

// fillDelivery sets the defaults of a new delivery and truncates its times
// to what the database keeps.
func fillDelivery(d *store.Delivery, now time.Time) {
	if d.ID == "" {
		d.ID = store.NewID()
	}
	if d.Status == "" {
		d.Status = store.StatusPending
	}
	d.TriggeredAt = truncMS(d.TriggeredAt)
	if d.TriggeredAt.IsZero() {
		d.TriggeredAt = now
	}
	d.NextAttemptAt = truncMS(d.NextAttemptAt)
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = d.TriggeredAt
	}
	d.LeaseUntil, d.CompletedAt = truncMS(d.LeaseUntil), truncMS(d.CompletedAt)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = now
	}
	d.CreatedAt, d.UpdatedAt = truncMS(d.CreatedAt), truncMS(d.UpdatedAt)
}

const selectByIdempotencyKey = `SELECT id FROM deliveries
	WHERE target_id = ? AND idempotency_key = ? AND idempotency_key != ''`

// enqueueChunk is the largest number of deliveries per INSERT statement.
// One statement with many rows costs far less per row than one statement
// per row. 128 rows take 2688 bound parameters, well under SQLite's limit of
// 32766.
const enqueueChunk = 128

// chunkSize returns the rows of the next multi-row statement when n rows
// remain: limit, or the largest power of two not above n. Open prepares a
// statement for each of these sizes, so no enqueue or record parses SQL; 7
// deliveries take statements of 4, 2 and 1 rows. limit is a power of two.
func chunkSize(n, limit int) int {
	if n >= limit {
		return limit
	}
	size := 1
	for size*2 <= n {
		size *= 2
	}

	return size
}

// insertDeliveriesQuery returns an INSERT of n deliveries that skips a row
// whose id is taken or whose idempotency key is already used for its
// target. OR IGNORE costs less than ON CONFLICT DO NOTHING: in interleaved
// end-to-end runs it delivered about 5% more. Every NOT NULL column gets a
// value, so the only rows it skips are those two conflicts, and insertChunk
// and resolveDuplicates tell them apart. It has no RETURNING clause: in a
// benchmark, RETURNING took about a fifth of an event's enqueue time.
func insertDeliveriesQuery(n int) string {
	return "INSERT OR IGNORE INTO deliveries (" + insertColumns + ") VALUES " + valueRows(n, 21)
}

// insertedSinceQuery selects the ids of the rows whose rowid is above ?, the
// rows that one INSERT just appended.
const insertedSinceQuery = `SELECT id FROM deliveries WHERE rowid > ?`

// insertChunk runs one multi-row INSERT and marks the ids it inserted.
// payloadIDs are the chunk's payload ids. A delivery whose payload id is 0
// keeps its payload in its own row. When the INSERT skipped rows, which
// only keyed deliveries may cause, it reads back which rows are new: the
// table gives each new row the next rowid, so they are the last ones.
func insertChunk(ctx context.Context, stmt func(string) (*sql.Stmt, error), st *sql.Stmt, chunk []*store.Delivery,
	payloadIDs []int64, keyed bool, inserted map[string]bool) error {
	args := make([]any, 0, len(chunk)*21)
	for i, d := range chunk {
		var inRow []byte
		if payloadIDs[i] == 0 {
			inRow = d.Payload
		}
		args = append(args, d.ID, string(d.Channel), d.TargetID, d.TargetName, d.TargetURL, d.UserID,
			d.EventID, d.EventType, inRow, payloadIDs[i], d.IdempotencyKey, string(d.Status), d.AttemptCount,
			d.MaxAttempts, ms(d.NextAttemptAt), ms(d.LeaseUntil), ms(d.TriggeredAt), ms(d.CompletedAt),
			ms(d.CreatedAt), ms(d.UpdatedAt), 0) // indexed later: see schema migration 4
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) == len(chunk) {
		for _, d := range chunk {
			inserted[d.ID] = true
		}
		return nil
	}
	if !keyed {
		// Without keys, only a taken id skips a row.
		return fmt.Errorf("%d of %d deliveries not written because their ids are taken: "+
			"leave Delivery.ID empty to get a new id: %w", len(chunk)-int(n), len(chunk), store.ErrConflict)
	}
	if n == 0 {
		return nil
	}
	last, err := res.LastInsertId()
	if err != nil {
		return err
	}
	since, err := stmt(insertedSinceQuery)
	if err != nil {
		return err
	}
	rows, err := since.QueryContext(ctx, last-n)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		inserted[id] = true
		found++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if found != int(n) {
		// SQLite numbers rows at random once the largest rowid is taken,
		// and then the new rows are not the last ones.
		return fmt.Errorf("found %d of the %d deliveries just written: the deliveries table has used "+
			"the largest rowid, so copy its rows into a new database file", found, n)
	}

	return nil
}

// resolveDuplicates fills results, naming the existing delivery for every
// delivery that was not inserted, and sets that delivery's ID to it.
func (s *Store) resolveDuplicates(ctx context.Context, tx *sql.Tx, deliveries []*store.Delivery, inserted map[string]bool,
	results []store.EnqueueResult) error {
	var existing *sql.Stmt
	first := make(map[string]bool, len(deliveries)) // inserted ids already reported as new
	for i, d := range deliveries {
		if inserted[d.ID] {
			// An exact repeat in one call (store.CheckRepeatedID) is one
			// row: only the first delivery with the id is new.
			results[i] = store.EnqueueResult{ID: d.ID, Duplicate: first[d.ID]}
			first[d.ID] = true
			continue
		}
		if existing == nil {
			var err error
			existing, err = s.txStatement(ctx, tx, selectByIdempotencyKey)
			if err != nil {
				return err
			}
			defer existing.Close()
		}
		err := existing.QueryRowContext(ctx, d.TargetID, d.IdempotencyKey).Scan(&d.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// The key is unused, so the INSERT skipped the row for its id.
			return fmt.Errorf("delivery %q not written because its id is taken: "+
				"leave Delivery.ID empty to get a new id: %w", d.ID, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("find delivery with idempotency key %q for target %s: %w",
				d.IdempotencyKey, d.TargetID, wrapDriver(err))
		}
		results[i] = store.EnqueueResult{ID: d.ID, Duplicate: true}
	}

	return nil
}
