package sqlite

import (
	"context"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// recordChunk is the largest number of attempts per batch statement. Open
// prepares the batch statements for every power of two up to it, as it does
// the INSERTs of EnqueueDeliveries, so a batch parses no SQL.
const recordChunk = 32

// valueRows returns n rows of columns placeholders for a VALUES clause.
func valueRows(n, columns int) string {
	row := "(" + strings.Repeat("?, ", columns-1) + "?)"
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}

	return b.String()
}

// updateStatesQuery is updateDeliveryState for n deliveries at once. The
// first parameter is the update time. Each row of the VALUES list gives a
// delivery's id, status, next attempt time and completion time. In CPU
// profiles, bound parameters cost far less than a JSON array read with
// json_each, whose element SQLite converts to text again at each column.
func updateStatesQuery(n int) string {
	return `UPDATE deliveries SET attempt_count = attempt_count + 1, status = j.column2,
		next_attempt_at = j.column3, lease_until = 0, completed_at = j.column4, updated_at = ?, indexed = 1
		FROM (VALUES ` + valueRows(n, 4) + `) AS j
		WHERE deliveries.id = j.column1 AND deliveries.status IN ('pending', 'retrying')
		RETURNING deliveries.id, channel, target_id, attempt_count`
}

// insertAttemptsQuery is insertAttempt for n attempts at once, each row of
// the VALUES list in the column order of the attempts table.
func insertAttemptsQuery(n int) string {
	return `INSERT INTO attempts (delivery_id, number, status, response_status,
		response_body, error_message, duration_ms, started_at)
		SELECT j.column1, max(j.column2, COALESCE(
				(SELECT MAX(a.number) FROM attempts a WHERE a.delivery_id = j.column1), 0) + 1),
			j.column3, j.column4, j.column5, j.column6, j.column7, j.column8
		FROM (VALUES ` + valueRows(n, 8) + `) AS j`
}

// batchable reports whether records can be written by recordBatch: more
// than one, each for a different delivery. Any other set goes through
// record one attempt at a time.
func batchable(records []store.AttemptRecord) bool {
	if len(records) < 2 {
		return false
	}
	seen := make(map[string]bool, len(records))
	for _, rec := range records {
		if seen[rec.Attempt.DeliveryID] {
			return false
		}
		seen[rec.Attempt.DeliveryID] = true
	}

	return true
}

// recordBatch stores the attempts of records and their deliveries' new
// states with one UPDATE and one INSERT per chunk of recordChunk, then
// updates the targets in the order of records, as record does for each.
// records must be batchable.
func (r *recorder) recordBatch(ctx context.Context, records []store.AttemptRecord) error {
	found, err := r.updateStates(ctx, records)
	if err != nil {
		return err
	}

	args := make([]any, 0, len(records)*8)
	keys := make([]targetKey, len(records))
	for i, rec := range records {
		a := rec.Attempt
		t, ok := found[a.DeliveryID]
		if !ok {
			// Final already, or deleted: read it as record does.
			channel, targetID, number, exists, err := r.finalDelivery(ctx, a.DeliveryID)
			if err != nil {
				return err
			}
			if !exists {
				continue
			}
			t = foundDelivery{channel: channel, targetID: targetID, number: number}
		}
		keys[i] = targetKey{channel: store.Channel(t.channel), id: t.targetID}
		args = append(args, a.DeliveryID, t.number, string(a.Status), a.ResponseStatus,
			store.Excerpt(a.ResponseBody), a.ErrorMessage, a.DurationMS, ms(a.StartedAt))
	}
	if err := r.insertAttempts(ctx, args); err != nil {
		return err
	}

	for i, rec := range records {
		if keys[i].id == "" || rec.KeepTarget {
			continue // the delivery no longer exists, or the target stays as it is
		}
		// The record's own reason comes first, as in record.
		if rec.DisableReason != "" {
			if err := r.flush(ctx, keys[i]); err != nil {
				return err
			}
			if err := r.disable(ctx, keys[i], rec); err != nil {
				return err
			}
		}
		if err := r.updateTarget(ctx, keys[i], rec.Attempt); err != nil {
			return err
		}
	}

	return nil
}

// foundDelivery is a delivery's target and the number of its new attempt.
type foundDelivery struct {
	channel, targetID string
	number            int
}

// updateStates moves the queued deliveries of records to their new states
// and returns what it found for each, by delivery id.
func (r *recorder) updateStates(ctx context.Context, records []store.AttemptRecord) (map[string]foundDelivery, error) {
	found := make(map[string]foundDelivery, len(records))
	for start := 0; start < len(records); {
		chunk := records[start : start+chunkSize(len(records)-start, recordChunk)]
		start += len(chunk)
		args := make([]any, 0, 1+len(chunk)*4)
		args = append(args, r.now)
		for _, rec := range chunk {
			next, completed := r.newState(rec)
			args = append(args, rec.Attempt.DeliveryID, string(rec.Status), next, completed)
		}
		if err := r.queryStates(ctx, updateStatesQuery(len(chunk)), args, found); err != nil {
			return nil, err
		}
	}

	return found, nil
}

// queryStates runs one state update and adds the deliveries it moved to
// found.
func (r *recorder) queryStates(ctx context.Context, query string, args []any, found map[string]foundDelivery) error {
	st, err := r.stmts.get(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var f foundDelivery
		if err := rows.Scan(&id, &f.channel, &f.targetID, &f.number); err != nil {
			return err
		}
		found[id] = f
	}

	return rows.Err()
}

// insertAttempts inserts the attempts whose columns args contains, 8 per
// attempt, in chunks of recordChunk.
func (r *recorder) insertAttempts(ctx context.Context, args []any) error {
	for len(args) > 0 {
		n := chunkSize(len(args)/8, recordChunk)
		if err := r.exec(ctx, insertAttemptsQuery(n), args[:n*8]...); err != nil {
			return err
		}
		args = args[n*8:]
	}

	return nil
}
